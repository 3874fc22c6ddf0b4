import * as chatRoute from '@/app/api/chat/route';
import * as resumeRoute from '@/app/api/chat/[id]/stream/route';
import * as stopRoute from '@/app/api/chat/[id]/stop/route';
import type { ChatMessage } from '@/lib/chat/metadata';
import { ChatConnection } from '@/lib/client/chat-connection';
import { numberedWords, startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, useEnv } from '../support/chat-client';

/**
 * The page served from another origin gets no session cookie (browsers block it), so it keeps
 * the chat token its first reply came with and sends it back. Tested with the page's own
 * connection against the real route handlers.
 */

jest.setTimeout(20_000);

/** The browser's localStorage, surviving "reloads" (new connections) within a test. */
const storage = new Map<string, string>();
Object.defineProperty(globalThis, 'localStorage', {
  configurable: true,
  value: {
    getItem: (key: string) => storage.get(key) ?? null,
    setItem: (key: string, value: string) => void storage.set(key, value),
  },
});

/** What a browser does with the page's requests: here they reach the route handlers directly. */
const fetchRoutes: typeof fetch = async (input, init) => {
  const url = new URL(String(input), 'http://localhost');
  const request = new Request(url, init);
  const [, , , id, action] = url.pathname.split('/');
  const context = { params: Promise.resolve({ id }) };
  if (action === 'stream') return resumeRoute.GET(request, context);
  if (action === 'stop') return stopRoute.POST(request, context);
  return chatRoute.POST(request);
};

let emulator: AzureEmulator;
let restore: () => void;
beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: 'connection-test-key' });
  restore = useEnv(emulatorEnv(emulator, { REDIS_URL: undefined, CHAT_API_KEYS: undefined, STREAM_COALESCE_MS: '0' }));
});
afterAll(async () => {
  restore();
  await emulator.close();
});
beforeEach(() => {
  emulator.reset();
  storage.clear();
});

const connection = () => new ChatConnection({ settings: { model: 'gpt-main', temperature: 0 }, fetch: fetchRoutes });
const question: ChatMessage[] = [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'count' }] }];

async function textOf(stream: ReadableStream<{ type: string; delta?: string }>): Promise<string> {
  let text = '';
  for await (const chunk of stream as unknown as AsyncIterable<{ type: string; delta?: string }>) {
    if (chunk.type === 'text-delta') text += chunk.delta;
  }
  return text;
}

function send(chatId: string) {
  return connection().transport.sendMessages({ chatId, messages: question, trigger: 'submit-message', messageId: undefined, abortSignal: undefined });
}

test('after a reload the page resumes its chat with the token it kept; without it, nothing is found', async () => {
  emulator.setScenario({ words: 40, tokensPerSecond: 200 });
  const live = await send('token-chat');
  const reader = live.getReader();
  await reader.read();
  await reader.cancel(); // the tab is reloaded mid-reply

  const resumed = await connection().transport.reconnectToStream({ chatId: 'token-chat' });
  expect(resumed).not.toBeNull();
  expect(await textOf(resumed!)).toBe(numberedWords(40));

  storage.clear(); // another browser, which knows the id but not the token
  expect(await connection().transport.reconnectToStream({ chatId: 'token-chat' })).toBeNull();
});

test('Stop from a reloaded page reaches the reply through the kept token', async () => {
  emulator.setScenario({ words: 400, tokensPerSecond: 50 });
  const reading = textOf(await send('token-stop'));
  await connection().stopGeneration('token-stop');
  await emulator.waitFor((counters) => counters.aborts === 1);
  expect(numberedWords(400).startsWith(await reading)).toBe(true);
});
