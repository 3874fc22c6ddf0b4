import { ownedChat } from '@/lib/chat/chat-owner';
import { numberedWords, startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, readUiStream, useEnv, type ReadUiStream } from '../support/chat-client';

/** `useEnv` is no React hook; named so the hooks lint rule lets a helper call it. */
const applyEnv = useEnv;
import { awayFromWindowEdge } from '../support/rate-limit-window';
import { startRedisServer, type RedisServer } from '../support/redis-server';

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
  cookies: typeof import('@/lib/http/session-cookie');
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
      cookies: await import('@/lib/http/session-cookie'),
      closeRedis: (await import('@/lib/storage/redis')).closeRedisClients,
    };
  });
  return routes;
}

jest.setTimeout(30_000);

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

type Headers = Record<string, string>;

/** A client that keeps the chat token the server hands it, as the page does. */
const CLIENT: Headers = { 'x-chat-token': 'resume-test-client-token-0001' };

function send(routes: ChatRoutes, chatId: string, headers: Headers = CLIENT, signal?: AbortSignal): Promise<Response> {
  return routes.chat.POST(
    new Request('http://localhost/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ id: chatId, messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'count' }] }] }),
      signal,
    }),
  );
}

const resume = (routes: ChatRoutes, chatId: string, headers: Headers = CLIENT) =>
  routes.resume.GET(new Request(`http://localhost/api/chat/${chatId}/stream`, { headers }), params(chatId));

const stop = (routes: ChatRoutes, chatId: string, headers: Headers = CLIENT) =>
  routes.stop.POST(new Request(`http://localhost/api/chat/${chatId}/stop`, { method: 'POST', headers }), params(chatId));

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
      RESUME_RATE_LIMIT_PER_MINUTE: '0',
      CHAT_API_KEYS: undefined,
      SESSION_SECRET: undefined,
      ABANDONED_REPLY_MS: undefined,
      MAX_RESUMES_PER_CHAT: undefined,
    });
    first = await loadInstance();
    // Without Redis there is one server; with it, a second instance shares the store.
    second = useRedis ? await loadInstance() : first;
  });
  afterEach(async () => {
    await Promise.all([first.closeRedis(), second.closeRedis()]);
    restore();
  });

  /** Settings for one test on top of the block's (undone with them after the test). */
  const withSettings = (settings: Record<string, string>) => {
    const outer = restore;
    const undo = applyEnv(settings);
    restore = () => {
      undo();
      outer();
    };
  };

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
    const { key } = ownedChat(new Request('http://localhost/', { headers: CLIENT }), {}, chatId);
    await expect(eventually(() => first.activeStreams.activeStreamId(key), undefined, 5000)).resolves.toBeUndefined();

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

  describe('a chat belongs to whoever started it', () => {
    const key = (k: string): Headers => ({ authorization: `Bearer ${k}` });
    const sessionOf = async (routes: ChatRoutes): Promise<Headers> => {
      const config = (await import('@/lib/config')).loadConfig(process.env);
      const setCookie = await routes.cookies.createSessionCookie(config, { requestUrl: 'https://chat.example.com/' });
      return { cookie: setCookie.split(';')[0] };
    };

    test("with API keys: another key's resume and stop find nothing, and reusing the id cannot replace the owner's reply", async () => {
      withSettings({ CHAT_API_KEYS: 'k1,k2' });
      emulator.setScenario({ words: 60, tokensPerSecond: 100 });
      const chatId = `victim-chat-${useRedis}`;
      const owner = key('k1');
      const reading = readUiStream(await send(first, chatId, owner));
      await new Promise((resolve) => setTimeout(resolve, 150));

      const otherSession = await sessionOf(second);
      for (const stranger of [key('k2'), otherSession]) {
        expect((await resume(second, chatId, stranger)).status).toBe(204);
        expect(await (await stop(second, chatId, stranger)).json()).toEqual({ stopped: false });
      }
      expect(emulator.counters.aborts).toBe(0);
      const live = await resume(second, chatId, owner);
      expect(live.status).toBe(200);
      expect((await readUiStream(live)).text).toBe(numberedWords(60));
      expect((await reading).text).toBe(numberedWords(60));

      // k2 reuses the finished chat's id: that is k2's own chat, k1 still resumes its own reply.
      emulator.setScenario({ words: 3 });
      expect((await readUiStream(await send(second, chatId, key('k2')))).text).toBe(numberedWords(3));
      expect((await readUiStream(await resume(first, chatId, owner))).text).toBe(numberedWords(60));
      expect((await readUiStream(await resume(first, chatId, key('k2')))).text).toBe(numberedWords(3));
    });

    test('open mode: a browser session, or the token handed to a cookie-less client, is what reaches the chat', async () => {
      emulator.setScenario({ words: 30, tokensPerSecond: 300 });
      const browser = await sessionOf(first);
      const chatId = `open-chat-${useRedis}`;
      const started = await send(first, chatId, browser);
      // A session is the owner: no token needed.
      expect(started.headers.get('x-chat-token')).toBeNull();
      expect((await readUiStream(started)).text).toBe(numberedWords(30));

      // A page on another origin (no cookie) is handed a token for its chat and sends it back.
      const crossOrigin = await send(second, chatId, {});
      const token = crossOrigin.headers.get('x-chat-token');
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect((await readUiStream(crossOrigin)).text).toBe(numberedWords(30));

      const strangers: Headers[] = [{}, await sessionOf(second), { 'x-chat-token': `${token!.slice(0, -1)}${token!.endsWith('x') ? 'y' : 'x'}` }];
      for (const stranger of strangers) expect((await resume(first, chatId, stranger)).status).toBe(204);
      expect((await readUiStream(await resume(first, chatId, browser))).text).toBe(numberedWords(30));
      expect((await readUiStream(await resume(first, chatId, { 'x-chat-token': token! }))).text).toBe(numberedWords(30));
      // Knowing the id is not enough to stop either.
      expect(await (await stop(second, chatId, {})).json()).toEqual({ stopped: false });
    });

    test('a chat token that is not one the server could have issued is a 400', async () => {
      for (const bad of ['short', 'x'.repeat(201), 'has spaces in it, 1234567890']) {
        const response = await resume(first, 'any-chat', { 'x-chat-token': bad });
        expect(response.status).toBe(400);
        expect((await response.json()).error.message).toMatch(/X-Chat-Token/);
      }
      expect(emulator.counters.requests).toBe(0);
    });
  });

  test('resume and stop are rate limited on their own budget, and a live reply takes a bounded number of readers', async () => {
    withSettings({ RESUME_RATE_LIMIT_PER_MINUTE: '13', MAX_RESUMES_PER_CHAT: '3' });
    await awayFromWindowEdge();
    emulator.setScenario({ words: 40, tokensPerSecond: 40 });
    const chatId = `fan-out-${useRedis}`;
    const reading = readUiStream(await send(first, chatId));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Connects the second instance's store first, so the burst below meets a warm connection.
    expect((await resume(second, 'idle-chat')).status).toBe(204);

    const resumes = await Promise.all(Array.from({ length: 10 }, () => resume(second, chatId)));
    const statuses = resumes.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
    const refused = resumes.find((response) => response.status === 429)!;
    expect((await refused.json()).error.message).toMatch(/3 readers/);
    // Readers that leave free their place.
    await Promise.all(resumes.filter((response) => response.status === 200).map((response) => response.body!.cancel()));
    const again = await resume(second, chatId);
    expect(again.status).toBe(200);
    await again.body!.cancel();

    // 12 resumes so far; then resumes and stops share the rest of the budget of 13.
    expect((await stop(second, 'idle-chat')).status).toBe(200);
    const limited = await stop(second, 'idle-chat');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
    expect((await resume(second, chatId)).status).toBe(429);
    expect((await reading).text).toBe(numberedWords(40));
  });

  test('a reply nobody reads is cancelled upstream after ABANDONED_REPLY_MS and kept as a stopped reply', async () => {
    withSettings({ ABANDONED_REPLY_MS: '400' });
    emulator.setScenario({ words: 400, tokensPerSecond: 50 });
    const chatId = `abandoned-${useRedis}`;
    const hangUp = new AbortController();
    await readThenDrop(await send(first, chatId, CLIENT, hangUp.signal), 5);
    hangUp.abort();
    await emulator.waitFor((c) => c.aborts === 1, 5000);

    await expect(eventually(async () => (await resume(second, chatId)).status, 200)).resolves.toBe(200);
    const kept = await readUiStream(await resume(second, chatId));
    expect(kept.text.length).toBeGreaterThan(0);
    expect(numberedWords(400).startsWith(kept.text)).toBe(true);
    expect(kept.text).not.toBe(numberedWords(400));
  });

  test('a reload within ABANDONED_REPLY_MS keeps the reply going to its end', async () => {
    withSettings({ ABANDONED_REPLY_MS: '1000' });
    emulator.setScenario({ words: 150, tokensPerSecond: 60 });
    const chatId = `reloaded-${useRedis}`;
    const hangUp = new AbortController();
    await readThenDrop(await send(first, chatId, CLIENT, hangUp.signal), 5);
    hangUp.abort();
    // The reload reads for longer than the window: it is a reader, so nothing is cancelled.
    const reply = await readUiStream(await resume(second, chatId));
    expect(reply.text).toBe(numberedWords(150));
    expect(emulator.counters).toMatchObject({ aborts: 0, completed: 1 });
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
