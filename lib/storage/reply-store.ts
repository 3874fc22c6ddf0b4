import 'server-only';
import { getConfig, type AppConfig } from '@/lib/config';
import { getRedisClient } from '@/lib/storage/redis';
import { getOrCreate } from '@/lib/util/per-key';

/**
 * Finished replies kept for resumption (SSE text), by owned chat key.
 *
 * Bounded both ways: a reply over `MAX_REPLY_BYTES` is not kept at all; every entry expires
 * after its TTL. In process, all entries together stay within `REPLY_STORE_MAX_BYTES`: storing
 * one that would exceed it evicts the oldest stored first. In Redis each entry is one key with
 * an expiry (SET EX), so Redis never holds more than the replies of the last TTL, each capped.
 */

export interface ReplyStore {
  put(key: string, sse: string, ttlSeconds: number): Promise<void>;
  get(key: string): Promise<string | undefined>;
}

/** Far beyond what MAX_OUTPUT_TOKENS produces as SSE; a reply larger than this is not kept. */
export const MAX_REPLY_BYTES = 2_000_000;

const keyOf = (key: string) => `chat-finished:${key}`;

export interface MemoryReplyStore extends ReplyStore {
  /** Bytes (UTF-8) of the entries currently kept. */
  readonly bytes: number;
  readonly maxBytes: number;
}

export function createMemoryReplyStore(maxBytes: number, now: () => number = Date.now): MemoryReplyStore {
  // Map order is insertion order, which is what the eviction rule needs: oldest stored first.
  const entries = new Map<string, { sse: string; bytes: number; expiresAt: number }>();
  let total = 0;
  const remove = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    total -= entry.bytes;
  };
  return {
    get bytes() {
      return total;
    },
    maxBytes,
    async put(key, sse, ttlSeconds) {
      remove(key);
      const bytes = Buffer.byteLength(sse);
      if (bytes > MAX_REPLY_BYTES || bytes > maxBytes) return;
      for (const [oldest, entry] of entries) {
        if (total + bytes <= maxBytes && entry.expiresAt > now()) break;
        remove(oldest);
      }
      entries.set(key, { sse, bytes, expiresAt: now() + ttlSeconds * 1000 });
      total += bytes;
    },
    async get(key) {
      const entry = entries.get(key);
      if (entry && entry.expiresAt <= now()) remove(key);
      return entries.get(key)?.sse;
    },
  };
}

export function createRedisReplyStore(config: AppConfig): ReplyStore {
  const client = async () => {
    const connected = await getRedisClient(config);
    if (!connected) throw new Error('REDIS_URL is not set');
    return connected;
  };
  return {
    async put(key, sse, ttlSeconds) {
      if (Buffer.byteLength(sse) > MAX_REPLY_BYTES) return;
      await (await client()).set(keyOf(key), sse, { expiration: { type: 'EX', value: ttlSeconds } });
    },
    async get(key) {
      return (await (await client()).get(keyOf(key))) ?? undefined;
    },
  };
}

let memory: MemoryReplyStore | undefined;
const redisStores = new Map<string, ReplyStore>();

/** Redis when `REDIS_URL` is set (shared by every instance), else this process's bounded store. */
export function getReplyStore(config: AppConfig = getConfig()): ReplyStore {
  if (!config.redisUrl) {
    if (memory?.maxBytes !== config.replyStoreMaxBytes) memory = createMemoryReplyStore(config.replyStoreMaxBytes);
    return memory;
  }
  return getOrCreate(redisStores, config.redisUrl, () => createRedisReplyStore(config));
}
