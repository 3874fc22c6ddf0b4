import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { createClient } from 'redis';
import * as resumeRoute from '@/app/api/chat/[id]/stream/route';
import { loadConfig } from '@/lib/config';
import { closeRedisClients } from '@/lib/storage/redis';
import { MAX_REPLY_BYTES, createMemoryReplyStore, createRedisReplyStore, getReplyStore, type MemoryReplyStore } from '@/lib/storage/reply-store';
import { numberedWords, startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, postChat, readUiStream, useEnv } from '../support/chat-client';
import { startRedisServer, type RedisServer } from '../support/redis-server';

/**
 * What a client can make the server keep is bounded: ids it sends, finished replies in the
 * process (a total byte budget, oldest evicted first) and in Redis (TTL and a cap per entry).
 * The attacks are the ones that used to grow memory without limit: a ~1 MB message id per
 * request, echoed into the stored reply and kept for 15 minutes.
 */

jest.setTimeout(120_000);

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const MB = 1_000_000;

let emulator: AzureEmulator;
let redis: RedisServer;
let restore: (() => void) | undefined;

beforeAll(async () => {
  [emulator, redis] = await Promise.all([startAzureEmulator({ apiKey: 'memory-test-key', scenario: { words: 3 } }), startRedisServer()]);
});
afterAll(async () => {
  await closeRedisClients();
  await Promise.all([emulator.close(), redis.stop()]);
});
afterEach(() => {
  restore?.();
  emulator.reset();
});

/** A conversation turn whose message id is `idLength` characters (the page's ids are ~16). */
function bigIdBody(chatId: string, idLength: number, role: 'user' | 'assistant'): string {
  const id = 'x'.repeat(idLength);
  const messages =
    role === 'user'
      ? [{ id, role: 'user', parts: [{ type: 'text', text: 'hi' }] }]
      : [
          { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hi' }] },
          // The last assistant message's id is what the reply's start event repeats.
          { id, role: 'assistant', parts: [{ type: 'text', text: 'partial' }] },
        ];
  return JSON.stringify({ id: chatId, messages });
}

async function attack(count: number, headers: Record<string, string> = {}): Promise<number[]> {
  const statuses = new Set<number>();
  for (let i = 0; i < count; i++) {
    const response = await postChat(undefined, { rawBody: bigIdBody(`attack-${i}`, 990_000, i % 2 ? 'assistant' : 'user'), headers });
    statuses.add(response.status);
    // Drop the connection as the attacker did: the reply (if any) is left to the server.
    await response.body?.cancel();
  }
  return [...statuses];
}

test('in process: 200 requests with 990,000-character message ids leave the heap within 40 MB of where it was', async () => {
  restore = useEnv(emulatorEnv(emulator, { REDIS_URL: undefined, CHAT_API_KEYS: undefined, STREAM_COALESCE_MS: '0' }));
  await attack(3); // warm the modules up, so the baseline includes them
  const before = heapUsed();
  const statuses = await attack(200);
  const grown = heapUsed() - before;
  console.log(`heap after 200 big-id requests: ${(grown / MB).toFixed(1)} MB more`);
  expect(statuses).toEqual([400]);
  expect(grown).toBeLessThan(40 * MB);
});

test('ids up to 200 characters are accepted; longer ones are a 400 that says so', async () => {
  restore = useEnv(emulatorEnv(emulator, { REDIS_URL: undefined, CHAT_API_KEYS: undefined }));
  const ok = await postChat(undefined, { rawBody: bigIdBody('id-200', 200, 'assistant') });
  expect((await readUiStream(ok)).text).toBe(numberedWords(3));
  const tooLong = await postChat(undefined, { rawBody: bigIdBody('id-201', 201, 'user') });
  expect(tooLong.status).toBe(400);
  expect((await tooLong.json()).error.message).toMatch(/at most 200 characters/);
});

test('the in-process store keeps finished replies within REPLY_STORE_MAX_BYTES, evicting the oldest first', async () => {
  const budget = 60_000;
  restore = useEnv(
    emulatorEnv(emulator, { REDIS_URL: undefined, CHAT_API_KEYS: undefined, STREAM_COALESCE_MS: '0', REPLY_STORE_MAX_BYTES: String(budget) }),
  );
  emulator.setScenario({ words: 150 });
  const token = { 'x-chat-token': 'memory-test-client-token-01' };
  for (let i = 0; i < 12; i++) {
    const response = await postChat(undefined, { rawBody: bigIdBody(`kept-${i}`, 10, 'user'), headers: token });
    await readUiStream(response);
  }
  const store = getReplyStore(loadConfig(process.env)) as MemoryReplyStore;
  expect(store.bytes).toBeGreaterThan(budget / 2);
  expect(store.bytes).toBeLessThanOrEqual(budget);
  const resume = (id: string) =>
    resumeRoute.GET(new Request(`http://localhost/api/chat/${id}/stream`, { headers: token }), { params: Promise.resolve({ id }) });
  expect((await readUiStream(await resume('kept-11'))).text).toBe(numberedWords(150));
  expect((await resume('kept-0')).status).toBe(204);

  // The eviction rule itself, on a store with a budget of three replies.
  const small = createMemoryReplyStore(3 * 1000);
  for (let i = 0; i < 10; i++) await small.put(`chat-${i}`, 'x'.repeat(1000), 900);
  expect(small.bytes).toBe(3000);
  expect(await small.get('chat-6')).toBeUndefined();
  expect(await small.get('chat-7')).toHaveLength(1000);
  expect(await small.get('chat-9')).toHaveLength(1000);
  // One reply bigger than the whole budget, or than the per-reply cap, is not kept at all.
  await small.put('huge', 'x'.repeat(3001), 900);
  expect(await small.get('huge')).toBeUndefined();
  expect(await small.get('chat-9')).toHaveLength(1000);
  const large = createMemoryReplyStore(10 * MAX_REPLY_BYTES);
  await large.put('over-cap', 'x'.repeat(MAX_REPLY_BYTES + 1), 900);
  expect(large.bytes).toBe(0);
});

describe('Redis', () => {
  let client: ReturnType<typeof createClient>;
  beforeAll(async () => {
    client = createClient({ url: redis.url });
    await client.connect();
  });
  afterAll(() => client.destroy());
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);

  test('60 requests with 990,000-character message ids add under 2 MB to Redis', async () => {
    restore = useEnv(emulatorEnv(emulator, { REDIS_URL: redis.url, CHAT_API_KEYS: undefined, STREAM_COALESCE_MS: '0' }));
    await attack(2);
    const before = await usedMemory();
    expect(await attack(60)).toEqual([400]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const grown = (await usedMemory()) - before;
    console.log(`Redis used_memory after 60 big-id requests: ${(grown / MB).toFixed(2)} MB more`);
    expect(grown).toBeLessThan(2 * MB);
  });

  test('every key a reply leaves in Redis expires, and a reply over the per-entry cap is not stored', async () => {
    restore = useEnv(emulatorEnv(emulator, { REDIS_URL: redis.url, CHAT_API_KEYS: undefined, STREAM_COALESCE_MS: '0' }));
    await client.flushAll();
    for (let i = 0; i < 3; i++) {
      const response = await postChat(undefined, { rawBody: bigIdBody(`ttl-${i}`, 200, 'user') });
      await readUiStream(response);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const keys = await client.keys('*');
    expect(keys.some((key) => key.startsWith('chat-finished:'))).toBe(true);
    for (const key of keys) {
      const ttl = await client.ttl(key);
      expect({ key, expires: ttl > 0 }).toEqual({ key, expires: true });
      if (key.startsWith('chat-finished:')) expect(ttl).toBeLessThanOrEqual(15 * 60);
    }

    const store = createRedisReplyStore(loadConfig({ REDIS_URL: redis.url }));
    await store.put('over-cap', 'x'.repeat(MAX_REPLY_BYTES + 1), 900);
    expect(await store.get('over-cap')).toBeUndefined();
    await store.put('within-cap', 'x'.repeat(1000), 900);
    expect(await store.get('within-cap')).toHaveLength(1000);
  });
});
