import { numberedWords, startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { readUiStream } from '../support/chat-client';
import { awayFromWindowEdge } from '../support/rate-limit-window';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { startAppServer, type AppServer } from './support/app-server';

/**
 * Two real instances of the built app (the standalone server) sharing one redis-server, as on a scaled-out
 * deployment: they share one rate-limit budget, a reply started on one can be resumed on the
 * other, and a Stop sent to either cancels the upstream request.
 */

jest.setTimeout(120_000);

const API_KEY = 'two-instances-key';
let emulator: AzureEmulator;
let redis: RedisServer;
let first: AppServer;
let second: AppServer;

beforeAll(async () => {
  [emulator, redis] = await Promise.all([startAzureEmulator({ apiKey: API_KEY }), startRedisServer()]);
  const settings = {
    AZURE_BASE_URL: emulator.url,
    AZURE_API_KEY: API_KEY,
    AZURE_DEPLOYMENTS: 'gpt-main',
    AZURE_API: 'chat',
    REDIS_URL: redis.url,
    RATE_LIMIT_PER_MINUTE: '3',
    STREAM_COALESCE_MS: '0',
    // The test stands in for the load balancer in front of both: the client address is the
    // X-Forwarded-For entry it writes, before the socket address the server appends.
    TRUSTED_PROXY_HOPS: '1',
  };
  first = await startAppServer(settings);
  second = await startAppServer(settings);
});
afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
  await Promise.all([emulator?.close(), redis?.stop()]);
});
beforeEach(() => emulator.reset());

function send(server: AppServer, body: unknown, clientIp: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${server.url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': clientIp },
    body: JSON.stringify(body),
    signal,
  });
}

const chatBody = (id: string) => ({ id, messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'count' }] }] });

test('one rate-limit budget across both instances', async () => {
  emulator.setScenario({ words: 3 });
  await awayFromWindowEdge();
  const ip = '203.0.113.21';
  for (const server of [first, second, first]) {
    const response = await send(server, { message: 'hi' }, ip);
    expect(response.status).toBe(200);
    await response.text();
  }
  const limited = await send(second, { message: 'hi' }, ip);
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  expect((await limited.json()).error.code).toBe('rate_limited');
});

test('a reply dropped on one instance is resumed, whole and in order, from the other', async () => {
  emulator.setScenario({ words: 80, tokensPerSecond: 100 });
  const connection = new AbortController();
  const response = await send(first, chatBody('shared-resume'), '203.0.113.22', connection.signal);
  const reader = response.body!.getReader();
  for (let i = 0; i < 5; i++) await reader.read();
  connection.abort(); // the network drops
  // The client kept the token its reply came with: the chat is its own, on either instance.
  const owner = { 'x-forwarded-for': '203.0.113.22', 'x-chat-token': response.headers.get('x-chat-token')! };
  const stranger = await fetch(`${second.url}/api/chat/shared-resume/stream`, { headers: { 'x-forwarded-for': '203.0.113.22' } });
  expect(stranger.status).toBe(204);

  const resumed = await fetch(`${second.url}/api/chat/shared-resume/stream`, { headers: owner });
  expect(resumed.status).toBe(200);
  const reply = await readUiStream(resumed);
  expect(reply.text).toBe(numberedWords(80));
  expect(emulator.counters.aborts).toBe(0);
  // Ended: either instance still hands the finished reply to a page that was away.
  const finished = await fetch(`${first.url}/api/chat/shared-resume/stream`, { headers: owner });
  expect(finished.status).toBe(200);
  expect((await readUiStream(finished)).text).toBe(numberedWords(80));
  expect(emulator.counters.requests).toBe(1);
});

test('Stop sent to the other instance cancels the upstream request within a second', async () => {
  emulator.setScenario({ words: 500, tokensPerSecond: 50 });
  const response = await send(first, chatBody('shared-stop'), '203.0.113.23');
  const reading = readUiStream(response);
  await emulator.waitFor((c) => c.inFlight === 1, 5000);

  // Knowing the id is not enough to stop it; the token it was handed is.
  const strangers = await fetch(`${second.url}/api/chat/shared-stop/stop`, { method: 'POST' });
  expect(await strangers.json()).toEqual({ stopped: false });
  const token = response.headers.get('x-chat-token')!;
  const stopped = await fetch(`${second.url}/api/chat/shared-stop/stop`, { method: 'POST', headers: { 'x-chat-token': token } });
  expect(await stopped.json()).toEqual({ stopped: true });
  await emulator.waitFor((c) => c.aborts === 1, 1000);
  const reply = await reading;
  expect(numberedWords(500).startsWith(reply.text)).toBe(true);
  expect(reply.text.length).toBeLessThan(numberedWords(500).length);
});
