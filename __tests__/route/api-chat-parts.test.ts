import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAzureEmulator, numberedWords, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, postChat, readErrorBody, readUiStream, useEnv } from '../support/chat-client';

/**
 * Only what the page sends reaches the model: text, plus the step markers and reasoning of the
 * app's own earlier replies. No part makes the server fetch a URL or hands Azure a reference to
 * one of its stored items, and nothing a client adds to a part travels on.
 */

let emulator: AzureEmulator;
let restore: () => void;
/** A web server on loopback that counts how often anyone fetches from it. */
let bait: Server;
let baitHits = 0;
let baitUrl: string;

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: 'parts-test-key', scenario: { words: 3 } });
  bait = createServer((_request, response) => {
    baitHits++;
    response.end('x'.repeat(1000));
  });
  await new Promise<void>((resolve) => bait.listen(0, '127.0.0.1', resolve));
  baitUrl = `http://127.0.0.1:${(bait.address() as AddressInfo).port}/big.pdf`;
});
afterAll(async () => {
  await emulator.close();
  await new Promise((resolve) => bait.close(resolve));
});
beforeEach(() => {
  emulator.reset();
  baitHits = 0;
  restore = useEnv(emulatorEnv(emulator, { AZURE_API: 'responses', REDIS_URL: undefined, CHAT_API_KEYS: undefined }));
});
afterEach(() => restore());

const user = (parts: unknown[]) => ({ id: 'u1', role: 'user', parts });
const text = (value: string) => ({ type: 'text', text: value });
/** What the emulator (Azure) was sent, as text. */
const upstreamBody = () => JSON.stringify(emulator.requests.map((request) => request.body));

test.each([
  ['a file part with a URL', user([text('summarise'), { type: 'file', mediaType: 'application/pdf', url: 'BAIT' }])],
  ['an image file part', user([{ type: 'file', mediaType: 'image/png', url: 'BAIT' }])],
  ['a source-url part', user([{ type: 'source-url', sourceId: 's', url: 'BAIT' }])],
  [
    'a tool part',
    { id: 'a1', role: 'assistant', parts: [{ type: 'tool-fetch', toolCallId: 't', state: 'input-available', input: { url: 'BAIT' } }] },
  ],
  [
    'a dynamic tool part',
    {
      id: 'a1',
      role: 'assistant',
      parts: [{ type: 'dynamic-tool', toolName: 'x', toolCallId: 't', state: 'output-available', input: {}, output: 'BAIT' }],
    },
  ],
  ['reasoning in a user message', user([{ type: 'reasoning', text: 'x' }])],
])('%s is a 400 naming what is accepted; nothing is fetched or sent upstream', async (_label, message) => {
  const body = JSON.stringify({ id: 'parts-chat', messages: [user([text('hi')]), message, user([text('go')])] }).replaceAll('BAIT', baitUrl);
  const response = await postChat(undefined, { rawBody: body });
  expect(response.status).toBe(400);
  const error = await readErrorBody(response);
  expect(error.code).toBe('invalid_request');
  expect(error.message).toMatch(/parts must be \{"type":"text"/);
  expect(emulator.counters.requests).toBe(0);
  expect(baitHits).toBe(0);
});

test('OpenAI-style content arrays (image_url) are a 400 too', async () => {
  const response = await postChat({
    messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: baitUrl } }] }],
  });
  expect(response.status).toBe(400);
  expect(emulator.counters.requests).toBe(0);
  expect(baitHits).toBe(0);
});

test.each(['input', 'output'])("100,000-deep nesting inside a tool part's %s is a 400, not a 5xx", async (field) => {
  const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
  const tool = { type: 'tool-weather', toolCallId: 't1', state: 'output-available', input: { city: 'x' }, output: { ok: true } };
  const rawBody = JSON.stringify({
    messages: [user([text('weather?')]), { id: 'a1', role: 'assistant', parts: [tool] }, user([text('and now?')])],
  }).replace(`"${field}":${JSON.stringify(tool[field as 'input' | 'output'])}`, `"${field}":${deep}`);
  expect(rawBody.length).toBeGreaterThan(600_000); // the nesting is in
  const response = await postChat(undefined, { rawBody });
  expect(response.status).toBe(400);
  // The body reader refuses the depth before the parts are even looked at.
  expect((await readErrorBody(response)).message).toMatch(/nested more than \d+ levels deep/);
  expect(emulator.counters.requests).toBe(0);
});

test('a shallow tool part is refused by name, with what is accepted', async () => {
  const tool = { type: 'tool-weather', toolCallId: 't1', state: 'output-available', input: { city: 'x' }, output: { ok: true } };
  const response = await postChat({ messages: [user([text('weather?')]), { id: 'a1', role: 'assistant', parts: [tool] }, user([text('and now?')])] });
  expect(response.status).toBe(400);
  expect((await readErrorBody(response)).message).toMatch(/parts must be/);
  expect(emulator.counters.requests).toBe(0);
});

test("the page's own history is accepted; only its text reaches Azure, without provider metadata or extra fields", async () => {
  const itemId = 'rs_foreign_item_0123456789';
  const history = [
    { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'first question', sneaky: { nested: ['x'] } }] },
    {
      id: 'a1',
      role: 'assistant',
      metadata: { model: 'gpt-main', finishReason: 'stop', injected: 'x' },
      parts: [
        { type: 'step-start' },
        { type: 'reasoning', text: 'thinking', state: 'done', providerMetadata: { azure: { itemId, reasoningEncryptedContent: 'e' } } },
        { type: 'text', text: 'first answer', state: 'done', providerMetadata: { azure: { itemId } } },
      ],
    },
    { id: 'u2', role: 'user', parts: [{ type: 'text', text: 'second question' }] },
  ];
  const response = await postChat({ id: 'history-chat', messages: history });
  expect((await readUiStream(response)).text).toBe(numberedWords(3));
  const sent = upstreamBody();
  expect(sent).toContain('first question');
  expect(sent).toContain('first answer');
  expect(sent).toContain('second question');
  for (const dropped of [itemId, 'item_reference', 'sneaky', 'injected', 'thinking']) expect(sent).not.toContain(dropped);
});
