import { numberedWords, startAzureEmulator, type AzureEmulator } from './support/azure-emulator';
import { emulatorEnv, readUiStream, useEnv, type ReadUiStream } from './support/chat-client';
import { startRedisServer, type RedisServer } from './support/redis-server';

/**
 * Resumable replies: a `useChat` reply keeps generating when its connection drops, a reload
 * resumes it complete and in order, and only an explicit Stop cancels the upstream request.
 * Run with the in-process store and with a real redis-server, where two app instances (two
 * separately loaded copies of the route modules) share the streams.
 */

type ChatRoutes = {
  chat: typeof import('@/app/api/chat/route');
  resume: typeof import('@/app/api/chat/[id]/stream/route');
  stop: typeof import('@/app/api/chat/[id]/stop/route');
  activeStreams: typeof import('@/lib/chat/active-streams');
  closeRedis: () => Promise<void>;
};

/** A fresh copy of the app's modules: what a second server process would have. */
async function loadInstance(): Promise<ChatRoutes> {
  let routes!: ChatRoutes;
  await jest.isolateModulesAsync(async () => {
    routes = {
      chat: await import('@/app/api/chat/route'),
      resume: await import('@/app/api/chat/[id]/stream/route'),
      stop: await import('@/app/api/chat/[id]/stop/route'),
      activeStreams: await import('@/lib/chat/active-streams'),
      closeRedis: (await import('@/lib/storage/redis')).closeRedisClients,
    };
  });
  return routes;
}

const API_KEY = 'resume-test-key';
let emulator: AzureEmulator;
let redis: RedisServer;
let restore: () => void;

beforeAll(async () => {
  [emulator, redis] = await Promise.all([startAzureEmulator({ apiKey: API_KEY }), startRedisServer()]);
});
afterAll(async () => {
  await Promise.all([emulator.close(), redis.stop()]);
});

const params = (id: string) => ({ params: Promise.resolve({ id }) });

function send(routes: ChatRoutes, chatId: string): Promise<Response> {
  return routes.chat.POST(
    new Request('http://localhost/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: chatId, messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'count' }] }] }),
    }),
  );
}

const resume = (routes: ChatRoutes, chatId: string) =>
  routes.resume.GET(new Request(`http://localhost/api/chat/${chatId}/stream`), params(chatId));

const stop = (routes: ChatRoutes, chatId: string) =>
  routes.stop.POST(new Request(`http://localhost/api/chat/${chatId}/stop`, { method: 'POST' }), params(chatId));

/** Polls until `probe` returns `expected` (bounded), for state that settles asynchronously. */
async function eventually<T>(probe: () => Promise<T>, expected: T, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (value !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await probe();
  }
  return value;
}

/**
 * Reads a few events, then drops the connection the way a closed tab or lost network does.
 * Returns the reply's message id from the start event.
 */
async function readThenDrop(response: Response, events: number): Promise<string | undefined> {
  const reader = response.body!.getReader();
  let received = '';
  for (let i = 0; i < events; i++) received += new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  return received.match(/"type":"start"[^\n]*"messageId":"([^"]+)"/)?.[1];
}

describe.each([
  ['in-process store', false],
  ['Redis store', true],
])('%s', (_name, useRedis) => {
  let first: ChatRoutes;
  let second: ChatRoutes;

  beforeEach(async () => {
    emulator.reset();
    restore = useEnv({
      ...emulatorEnv(emulator),
      STREAM_COALESCE_MS: '0',
      REDIS_URL: useRedis ? redis.url : undefined,
    });
    first = await loadInstance();
    // Without Redis there is one server; with it, a second instance shares the store.
    second = useRedis ? await loadInstance() : first;
  });
  afterEach(async () => {
    await Promise.all([first.closeRedis(), second.closeRedis()]);
    restore();
  });

  test('a dropped connection does not stop generation, and resuming replays the whole reply in order', async () => {
    emulator.setScenario({ words: 60, tokensPerSecond: 150 });
    const chatId = `drop-${useRedis}`;
    const messageId = await readThenDrop(await send(first, chatId), 8);
    expect(messageId).toEqual(expect.any(String));

    const resumed = await resume(second, chatId);
    expect(resumed.status).toBe(200);
    expect(resumed.headers.get('content-type')).toBe('text/event-stream');
    const reply: ReadUiStream = await readUiStream(resumed);
    expect(reply.text).toBe(numberedWords(60)); // every word once, in order
    // The same message id, so a page that saved the partial reply replaces it, not appends.
    expect(reply.chunks[0]).toMatchObject({ type: 'start', messageId });
    expect(reply.metadata.finishReason).toBe('stop');
    expect(emulator.counters).toMatchObject({ aborts: 0, completed: 1 });

  });

  test('a reply that ends while its page is away is replayed whole when the page comes back', async () => {
    emulator.setScenario({ words: 40, tokensPerSecond: 200 });
    const chatId = `away-${useRedis}`;
    const messageId = await readThenDrop(await send(first, chatId), 5);
    // The reply ends on the server with nobody connected.
    await expect(eventually(() => first.activeStreams.activeStreamId(chatId), undefined, 5000)).resolves.toBeUndefined();

    const reply = await readUiStream(await resume(second, chatId));
    expect(reply.text).toBe(numberedWords(40));
    expect(reply.chunks[0]).toMatchObject({ type: 'start', messageId });
    expect(reply.metadata.finishReason).toBe('stop');
    expect(emulator.counters).toMatchObject({ requests: 1, aborts: 0 });
  });

  test('Stop cancels the upstream request within a second and keeps the partial reply', async () => {
    emulator.setScenario({ words: 400, tokensPerSecond: 50 });
    const chatId = `stop-${useRedis}`;
    const response = await send(first, chatId);
    const reading = readUiStream(response);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const stopped = await stop(second, chatId);
    expect(stopped.status).toBe(200);
    expect(await stopped.json()).toEqual({ stopped: true });
    await emulator.waitFor((c) => c.aborts === 1, 1000);

    const reply = await reading;
    expect(reply.text.length).toBeGreaterThan(0);
    expect(numberedWords(400).startsWith(reply.text)).toBe(true);
    expect(reply.text).not.toBe(numberedWords(400));
    expect(reply.errors).toEqual([]);

    // A stopped reply is over: a reload gets it as it was when stopped, nothing more.
    await expect(eventually(async () => (await resume(first, chatId)).status, 200)).resolves.toBe(200);
    const replayed = await readUiStream(await resume(first, chatId));
    expect(replayed.text).toBe(reply.text);
    expect(emulator.counters.requests).toBe(1);
  });

  test('resume and stop with nothing running answer 204 and stopped: false', async () => {
    expect((await resume(second, 'idle-chat')).status).toBe(204);
    expect(await (await stop(second, 'idle-chat')).json()).toEqual({ stopped: false });
  });
});

test('an invalid chat id is a 400, not a lookup', async () => {
  restore = useEnv({ RATE_LIMIT_PER_MINUTE: '0', REDIS_URL: undefined });
  const routes = await loadInstance();
  const response = await resume(routes, '../../etc');
  expect(response.status).toBe(400);
  expect((await response.json()).error.code).toBe('invalid_request');
  restore();
});
