import { loadConfig } from '@/lib/config';
import { HttpError } from '@/lib/http/errors';
import { clientIdentity } from '@/lib/http/client-identity';
import { WINDOW_MS, createMemoryStore, createRateLimiter, createRedisStore, enforceRateLimit } from '@/lib/http/rate-limit';
import { closeRedisClients, createRedisConnection, type RedisClient } from '@/lib/storage/redis';
import { captureLogs } from '../support/log-capture';
import { awayFromWindowEdge } from '../support/rate-limit-window';
import { startRedisServer, type RedisServer } from '../support/redis-server';

jest.setTimeout(20_000);

beforeEach(() => awayFromWindowEdge());

let nextClient = 0;
/** A fresh client id per test, so budgets in shared stores never leak between tests. */
const newClientId = () => `ip:192.0.2.${++nextClient}`;

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected the request to be rate limited');
}

/** Sends `count` requests and returns how many were let through. */
async function allowedOutOf(count: number, send: () => Promise<void>): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < count; i++) {
    try {
      await send();
      allowed++;
    } catch (error) {
      if (!(error instanceof HttpError && error.status === 429)) throw error;
    }
  }
  return allowed;
}

describe('in-process limit (no REDIS_URL)', () => {
  test('the request after the budget is refused with 429, a clear message and Retry-After', async () => {
    const config = loadConfig({ RATE_LIMIT_PER_MINUTE: '3' });
    const client = newClientId();
    for (let i = 0; i < 3; i++) await enforceRateLimit(client, config);
    const error = await rejection(enforceRateLimit(client, config));
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limited');
    expect(error.message).toMatch(/3 per minute/);
    const retryAfter = Number(error.headers['Retry-After']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(error.message).toContain(`${retryAfter} second`);
  });

  test('each client has its own budget', async () => {
    const config = loadConfig({ RATE_LIMIT_PER_MINUTE: '1' });
    const [alice, bob] = [newClientId(), newClientId()];
    await enforceRateLimit(alice, config);
    await enforceRateLimit(bob, config);
    await expect(enforceRateLimit(alice, config)).rejects.toMatchObject({ status: 429 });
  });

  test('RATE_LIMIT_PER_MINUTE=0 turns limiting off', async () => {
    const config = loadConfig({ RATE_LIMIT_PER_MINUTE: '0' });
    const client = newClientId();
    expect(await allowedOutOf(500, () => enforceRateLimit(client, config))).toBe(500);
  });

  test('getConfig() is used by default and follows process.env', async () => {
    const saved = process.env.RATE_LIMIT_PER_MINUTE;
    process.env.RATE_LIMIT_PER_MINUTE = '2';
    try {
      const client = newClientId();
      expect(await allowedOutOf(5, () => enforceRateLimit(client))).toBe(2);
    } finally {
      if (saved === undefined) delete process.env.RATE_LIMIT_PER_MINUTE;
      else process.env.RATE_LIMIT_PER_MINUTE = saved;
    }
  });

  test('Retry-After counts down to the next minute, and the budget is back then', async () => {
    let now = 100 * WINDOW_MS + 15_000; // 15 s into a minute
    const limit = createRateLimiter(createMemoryStore(), { now: () => now });
    await limit('ip:203.0.113.1', 1);
    const error = await rejection(limit('ip:203.0.113.1', 1));
    expect(error.headers['Retry-After']).toBe('45');
    now += 44_500;
    expect((await rejection(limit('ip:203.0.113.1', 1))).headers['Retry-After']).toBe('1');
    now += 500;
    await expect(limit('ip:203.0.113.1', 1)).resolves.toBeUndefined();
  });

  test('old windows are forgotten, so the store does not grow without bound', async () => {
    const store = createMemoryStore();
    for (let i = 0; i < 1000; i++) await store.increment(`ip:10.0.${i >> 8}.${i & 255}`, 1);
    expect(store.size).toBe(1000);
    await store.increment('ip:10.1.0.1', 2);
    expect(store.size).toBe(1);
  });

  test('a flood of new identities within one minute is capped', async () => {
    const store = createMemoryStore({ maxClients: 100 });
    for (let i = 0; i < 1000; i++) await store.increment(`ip:10.0.${i >> 8}.${i & 255}`, 1);
    expect(store.size).toBe(100);
  });
});

describe('client identity', () => {
  const keys = loadConfig({ CHAT_API_KEYS: 'sk-one,sk-two' });
  const open = loadConfig({});
  const oneHop = loadConfig({ TRUSTED_PROXY_HOPS: '1' });
  const request = (headers: Record<string, string>) => new Request('http://localhost/api/chat', { headers });

  test('an API key caller is identified by a hash of the key, never the key itself', () => {
    const id = clientIdentity(request({ authorization: 'Bearer sk-one', 'x-forwarded-for': '198.51.100.7' }), keys);
    expect(id).toMatch(/^key:[0-9a-f]{32}$/);
    expect(id).not.toContain('sk-one');
    expect(clientIdentity(request({ authorization: 'Bearer sk-one' }), keys)).toBe(id);
    expect(clientIdentity(request({ authorization: 'Bearer sk-two' }), keys)).not.toBe(id);
  });

  test('without configured keys a random bearer token does not buy a fresh budget', () => {
    const headers = { 'x-forwarded-for': '198.51.100.7' };
    expect(clientIdentity(request({ ...headers, authorization: 'Bearer random-1' }), open)).toBe('ip:198.51.100.7');
  });

  // X-Forwarded-For as the server entry passes it on: whatever arrived, then the socket address.
  test.each([
    ['0 hops: the socket address, not what the client wrote', open, { 'x-forwarded-for': '10.0.0.7, 127.0.0.1' }, 'ip:127.0.0.1'],
    ['0 hops: no header from the client', open, { 'x-forwarded-for': '198.51.100.7' }, 'ip:198.51.100.7'],
    ['1 hop: what our proxy appended', oneHop, { 'x-forwarded-for': '10.9.9.9, 198.51.100.7, 10.0.0.2' }, 'ip:198.51.100.7'],
    ['1 hop: port stripped (Azure App Service)', oneHop, { 'x-forwarded-for': '198.51.100.7:52311, 10.0.0.2' }, 'ip:198.51.100.7'],
    ['1 hop but only the socket entry: not an address we can trust', oneHop, { 'x-forwarded-for': '10.0.0.2' }, 'ip:unknown'],
    ['bracketed IPv6 with port', open, { 'x-forwarded-for': '[2001:DB8::1]:443' }, 'ip:2001:db8::1'],
    ['plain IPv6', open, { 'x-forwarded-for': '2001:db8::1' }, 'ip:2001:db8::1'],
    ['X-Real-IP is a header the client sets', open, { 'x-real-ip': '198.51.100.8' }, 'ip:unknown'],
    ['X-Azure-ClientIP too', open, { 'x-azure-clientip': '198.51.100.9' }, 'ip:unknown'],
    ['X-Client-IP too', open, { 'x-client-ip': '198.51.100.10', 'x-forwarded-for': '203.0.113.1' }, 'ip:203.0.113.1'],
    ['junk is no address', open, { 'x-forwarded-for': 'not-an-ip' }, 'ip:unknown'],
    ['oversized entry ignored', open, { 'x-forwarded-for': '1'.repeat(5000) }, 'ip:unknown'],
    ['no header', open, {}, 'ip:unknown'],
  ])('%s', (_label, config, headers: Record<string, string>, expected) => {
    expect(clientIdentity(request(headers), config)).toBe(expected);
  });
});

describe('shared limit in Redis (real redis-server)', () => {
  let server: RedisServer;
  const connections: RedisClient[] = [];
  const instance = async (url: string) => {
    const client = createRedisConnection(url);
    connections.push(client);
    await client.connect();
    return createRateLimiter(
      createRedisStore(async () => client),
      { fallback: createMemoryStore() },
    );
  };

  beforeAll(async () => {
    server = await startRedisServer();
  });

  afterAll(async () => {
    await closeRedisClients();
    await Promise.all(connections.map((client) => client.close()));
    await server?.stop();
  });

  test('two instances on one Redis share one budget', async () => {
    const [first, second] = [await instance(server.url), await instance(server.url)];
    const client = newClientId();
    await first(client, 3);
    await second(client, 3);
    await first(client, 3);
    const error = await rejection(second(client, 3));
    expect(error.status).toBe(429);
    expect(Number(error.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    await expect(first(client, 3)).rejects.toMatchObject({ status: 429 });
  });

  test('with REDIS_URL set, enforceRateLimit counts in Redis and the counter expires', async () => {
    const config = loadConfig({ REDIS_URL: server.url, RATE_LIMIT_PER_MINUTE: '2' });
    const client = newClientId();
    expect(await allowedOutOf(4, () => enforceRateLimit(client, config))).toBe(2);
    // Another instance, with its own connection, sees the budget as spent.
    const other = await instance(server.url);
    await expect(other(client, 2)).rejects.toMatchObject({ status: 429 });
    const [key] = await connections[connections.length - 1].keys(`chat-rate:${client}:*`);
    const ttl = await connections[connections.length - 1].pTTL(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
  });

  test('when Redis is unreachable, requests still flow and each instance limits on its own', async () => {
    // A server that is started and stopped leaves a port nobody listens on.
    const gone = await startRedisServer();
    await gone.stop();
    const logs = captureLogs();
    try {
      const config = loadConfig({ REDIS_URL: gone.url.replace('redis://', 'redis://:hunter2@'), RATE_LIMIT_PER_MINUTE: '2' });
      const client = newClientId();
      const started = Date.now();
      expect(await allowedOutOf(4, () => enforceRateLimit(client, config))).toBe(2);
      // Only the first request waits for the connection attempt; the rest fail over at once.
      expect(Date.now() - started).toBeLessThan(3_000);
      const logged = logs.text();
      expect(logged).toMatch(/rate limit.*limiting per instance/);
      expect(logged).not.toContain('hunter2');
    } finally {
      await closeRedisClients();
      logs.restore();
    }
  });
});
