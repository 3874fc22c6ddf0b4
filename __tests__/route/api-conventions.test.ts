import { DefaultChatTransport, readUIMessageStream, type UIMessage } from 'ai';
import * as catchAll from '@/app/api/[...path]/route';
import * as chat from '@/app/api/chat/route';
import { numberedWords, startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, postChat, readErrorBody, useEnv } from '../support/chat-client';
import { startRouteServer, type RouteServer } from '../support/route-server';

/**
 * HTTP conventions a client relies on: `Accept` picks the format, an unknown `/api/*` path is the
 * API's JSON 404, and the AI SDK's own transport in another app reads `/api/chat` as `useChat` does.
 */

let emulator: AzureEmulator;
let restore: () => void;

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: 'emulator-key-0123456789abcdef' });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  restore = useEnv(emulatorEnv(emulator));
});
afterEach(() => restore());

describe('Accept', () => {
  test('application/json gets the one JSON object', async () => {
    emulator.setScenario({ words: 6 });
    const response = await postChat({ message: 'hi' }, { headers: { accept: 'application/json' } });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ text: numberedWords(6), finishReason: 'stop', model: 'gpt-main' });
  });

  test.each([
    ['text/event-stream, application/json', 'text/event-stream'],
    ['*/*', 'text/event-stream'],
    ['text/plain, application/json', 'text/plain; charset=utf-8'],
  ])('%s gets %s', async (accept, contentType) => {
    const response = await postChat({ message: 'hi' }, { headers: { accept } });
    expect(response.headers.get('content-type')).toBe(contentType);
    await response.text();
  });
});

describe('unknown /api paths', () => {
  test.each([
    ['GET', '/api/nothing-here'],
    ['POST', '/api/v1/embeddings'],
    ['DELETE', '/api/chat/abc/whatever'],
  ] as const)('%s %s is the JSON 404 envelope', async (method, path) => {
    const response = await catchAll[method](new Request(`http://localhost${path}`, { method }));
    expect(response.status).toBe(404);
    const error = await readErrorBody(response);
    expect(error.code).toBe('not_found');
    expect(error.message).toContain(path);
  });
});

describe("the AI SDK's DefaultChatTransport in another app", () => {
  let server: RouteServer;
  beforeAll(async () => {
    server = await startRouteServer({ '/api/chat': chat });
  });
  afterAll(() => server.close());

  test('streams a reply it assembles into the assistant message', async () => {
    emulator.setScenario({ words: 10 });
    const transport = new DefaultChatTransport<UIMessage>({ api: `${server.url}/api/chat` });
    const chunks = await transport.sendMessages({
      trigger: 'submit-message',
      chatId: 'other-app-chat',
      messageId: undefined,
      abortSignal: undefined,
      messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Hello' }] }],
    });
    let message: UIMessage | undefined;
    for await (const snapshot of readUIMessageStream<UIMessage>({ stream: chunks, terminateOnError: true })) message = snapshot;
    expect(message?.role).toBe('assistant');
    expect(
      message?.parts
        .filter((part) => part.type === 'text')
        .map((part) => part.text)
        .join(''),
    ).toBe(numberedWords(10));
  });
});
