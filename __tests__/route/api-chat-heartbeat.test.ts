import { DefaultChatTransport, type UIMessageChunk } from 'ai';
import { GET as resume } from '@/app/api/chat/[id]/stream/route';
import { POST } from '@/app/api/chat/route';
import { numberedWords, startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, postChat, readUiStream, useEnv } from '../support/chat-client';

/**
 * Silence on the wire: a reasoning deployment can think for minutes before its first visible
 * token, and proxies cut connections idle for longer than their read timeout. The SSE stream
 * sends a comment after STREAM_HEARTBEAT_MS without output, from the very start when the first
 * token is slow; clients built on the AI SDK must not see it.
 */

let emulator: AzureEmulator;
let restore: () => void;

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: 'heartbeat-key' });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());
afterEach(() => restore?.());

const messages = [{ id: 'm1', role: 'user' as const, parts: [{ type: 'text' as const, text: 'Think first' }] }];

/** The raw body with the time each piece arrived, relative to the request. */
async function readTimed(response: Response, startedAt: number): Promise<{ body: string; arrivals: { at: number; text: string }[] }> {
  const decoder = new TextDecoder();
  const arrivals: { at: number; text: string }[] = [];
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    arrivals.push({ at: performance.now() - startedAt, text: decoder.decode(bytes, { stream: true }) });
  }
  return { body: arrivals.map((arrival) => arrival.text).join(''), arrivals };
}

test('a slow first token: the 200 starts with a heartbeat, more follow during the silence, then the reply', async () => {
  restore = useEnv(emulatorEnv(emulator, { STREAM_HEARTBEAT_MS: '300', STREAM_COALESCE_MS: '0' }));
  emulator.setScenario({ words: 5, firstTokenDelayMs: 3_000 });
  const startedAt = performance.now();
  const response = await postChat({ id: 'slow-chat', messages });
  const answeredAt = performance.now() - startedAt;
  expect(response.status).toBe(200);

  const { body, arrivals } = await readTimed(response, startedAt);
  const firstText = arrivals.findIndex((arrival) => arrival.text.includes('"text-delta"'));
  // The response did not wait for the first token.
  expect(answeredAt).toBeLessThan(arrivals[firstText].at - 1_000);
  const beforeText = arrivals
    .slice(0, firstText)
    .map((arrival) => arrival.text)
    .join('');
  expect(beforeText.startsWith(': ')).toBe(true);
  // Comments kept arriving while the model was silent: no gap anywhere near the silence itself.
  const silentGaps = arrivals.slice(1, firstText + 1).map((arrival, i) => arrival.at - arrivals[i].at);
  expect(Math.max(...silentGaps)).toBeLessThan(2_000);
  expect(beforeText.match(/^: keep-alive$/gm)?.length).toBeGreaterThanOrEqual(2);
  expect(body).toContain('data: [DONE]');
});

test('the AI SDK transport useChat uses (DefaultChatTransport) ignores the heartbeats; resuming gives the same reply', async () => {
  restore = useEnv(emulatorEnv(emulator, { STREAM_HEARTBEAT_MS: '200', STREAM_COALESCE_MS: '0' }));
  emulator.setScenario({ words: 6, firstTokenDelayMs: 1_200 });
  let owner: Record<string, string> = {};
  const transport = new DefaultChatTransport({
    api: 'http://localhost/api/chat',
    fetch: async (input, init) => {
      const response = await POST(new Request(input as string, init));
      // The chat belongs to the token it was answered with (no key, no cookie here).
      owner = { 'x-chat-token': response.headers.get('x-chat-token') ?? '' };
      return response;
    },
  });
  const stream = await transport.sendMessages({
    chatId: 'transport-chat',
    messages,
    trigger: 'submit-message',
    messageId: undefined,
    abortSignal: undefined,
  });
  const chunks: UIMessageChunk[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<UIMessageChunk>) chunks.push(chunk);
  const text = chunks.map((chunk) => (chunk.type === 'text-delta' ? chunk.delta : '')).join('');
  expect(text).toBe(numberedWords(6));
  expect(chunks.filter((chunk) => chunk.type === 'error')).toEqual([]);
  expect(chunks.at(-1)?.type).toBe('finish');

  // The resumed copy of the same reply parses just as cleanly.
  const resumed = await resume(new Request('http://localhost/api/chat/transport-chat/stream', { headers: owner }), {
    params: Promise.resolve({ id: 'transport-chat' }),
  });
  expect(resumed.status).toBe(200);
  // Each once: nginx reads `no, no` as not "no" and would buffer the resumed stream.
  expect(resumed.headers.get('x-accel-buffering')).toBe('no');
  expect(resumed.headers.get('cache-control')).toBe('no-cache, no-transform');
  expect((await readUiStream(resumed)).text).toBe(numberedWords(6));
});

test('a failure before the heartbeat is due keeps its HTTP status', async () => {
  restore = useEnv(emulatorEnv(emulator, { STREAM_HEARTBEAT_MS: '5000' }));
  emulator.setScenario({ status: 401 });
  const response = await postChat({ messages });
  expect(response.status).toBe(502);
  expect((await response.json()).error.code).toBe('upstream_error');
});

test('a first-token timeout after the heartbeat arrives as an error event, and the upstream request is cancelled', async () => {
  restore = useEnv(emulatorEnv(emulator, { STREAM_HEARTBEAT_MS: '200', UPSTREAM_TIMEOUT_MS: '1000' }));
  emulator.setScenario({ words: 5, firstTokenDelayMs: 5_000 });
  const response = await postChat({ messages });
  expect(response.status).toBe(200);
  const reply = await readUiStream(response);
  expect(reply.text).toBe('');
  expect(reply.errors).toEqual(['The model did not start answering within 1000 ms.']);
  await emulator.waitFor((counters) => counters.aborts >= 1, 3_000);
});

test('reasoning is output: a reasoning model that thinks past the first-token timeout is not cut off', async () => {
  // The Responses API announces the reasoning item at once; its first text comes 2 s later,
  // twice the first-token timeout.
  restore = useEnv(emulatorEnv(emulator, { AZURE_API: 'responses', UPSTREAM_TIMEOUT_MS: '1000' }));
  emulator.setScenario({ words: 5, reasoning: true, firstTokenDelayMs: 2_000 });
  const response = await postChat({ messages });
  expect(response.status).toBe(200);
  const reply = await readUiStream(response);
  expect(reply.errors).toEqual([]);
  expect(reply.text).toBe(numberedWords(5));
  expect(reply.chunks.map((chunk) => chunk.type)).toContain('reasoning-start');
});
