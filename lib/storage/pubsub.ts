import 'server-only';
import { createResumableStreamContext } from 'resumable-stream/generic';
import type { Publisher, ResumableStreamContext, Subscriber } from 'resumable-stream/generic';
import { getConfig, type AppConfig } from '@/lib/config';
import { getRedisClient, getRedisSubscriber, type RedisClient } from '@/lib/storage/redis';
import { getOrCreate } from '@/lib/util/per-key';

/**
 * Storage behind resumable chat streams. With `REDIS_URL` the streams live in Redis, so a
 * reconnecting browser can resume a stream that another instance is producing. Without it an
 * in-process store gives the same behaviour on a single server (nothing to set up locally).
 */

export interface StreamPubSub {
  publisher: Publisher;
  subscriber: Subscriber;
}

type Listener = (message: string) => void;

/** How often expired keys are swept, so abandoned stream sentinels cannot pile up. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * The subset of Redis the resumable-stream package uses (PUBLISH/SUBSCRIBE, SET EX, GET, INCR),
 * kept in memory for one process.
 */
export function createMemoryPubSub(now: () => number = Date.now): StreamPubSub {
  const channels = new Map<string, Set<Listener>>();
  const values = new Map<string, { value: string; expiresAt?: number }>();
  let lastSweep = now();

  const live = (key: string) => {
    const entry = values.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= now()) {
      values.delete(key);
      return undefined;
    }
    return entry;
  };
  const sweep = () => {
    if (now() - lastSweep < SWEEP_INTERVAL_MS) return;
    lastSweep = now();
    for (const key of values.keys()) live(key);
  };

  const publisher: Publisher = {
    connect: async () => undefined,
    async publish(channel, message) {
      const listeners = [...(channels.get(channel) ?? [])];
      // Delivered on a later tick, as over a network: the library does not expect a listener
      // to run inside its own publish call.
      for (const listener of listeners) queueMicrotask(() => listener(message));
      return listeners.length;
    },
    async set(key, value, options) {
      sweep();
      values.set(key, { value, expiresAt: options?.EX ? now() + options.EX * 1000 : undefined });
      return 'OK';
    },
    async get(key) {
      return live(key)?.value ?? null;
    },
    async incr(key) {
      sweep();
      const entry = live(key);
      const current = entry ? Number(entry.value) : 0;
      if (!Number.isSafeInteger(current)) {
        // Same text as Redis: resumable-stream recognises a finished stream by this error.
        throw new Error('ERR value is not an integer or out of range');
      }
      // Like Redis INCR, keeps the key's expiry.
      values.set(key, { value: String(current + 1), expiresAt: entry?.expiresAt });
      return current + 1;
    },
  };

  const subscriber: Subscriber = {
    connect: async () => undefined,
    async subscribe(channel, callback) {
      getOrCreate(channels, channel, () => new Set<Listener>()).add(callback);
    },
    async unsubscribe(channel) {
      channels.delete(channel);
    },
  };

  return { publisher, subscriber };
}

/**
 * Adapts node-redis connections to the package's interfaces. The connections are obtained per
 * call, so building the pair never blocks and a Redis restart is picked up transparently.
 */
export function createRedisPubSub(commands: () => Promise<RedisClient>, subscriberConnection: () => Promise<RedisClient>): StreamPubSub {
  const publisher: Publisher = {
    connect: commands,
    publish: async (channel, message) => (await commands()).publish(channel, message),
    set: async (key, value, options) =>
      (await commands()).set(key, value, options?.EX ? { expiration: { type: 'EX', value: options.EX } } : undefined),
    get: async (key) => (await commands()).get(key),
    incr: async (key) => (await commands()).incr(key),
  };
  const subscriber: Subscriber = {
    connect: subscriberConnection,
    subscribe: async (channel, callback) => {
      await (await subscriberConnection()).subscribe(channel, (message: string) => callback(message));
    },
    unsubscribe: async (channel) => (await subscriberConnection()).unsubscribe(channel),
  };
  return { publisher, subscriber };
}

function required(connect: (config: AppConfig) => Promise<RedisClient | undefined>, config: AppConfig) {
  return async () => {
    const client = await connect(config);
    if (!client) throw new Error('REDIS_URL is not set');
    return client;
  };
}

let memory: StreamPubSub | undefined;
const redisPairs = new Map<string, StreamPubSub>();

/** Redis when `REDIS_URL` is set (streams shared by every instance), else this process's store. */
export function getStreamPubSub(config: AppConfig = getConfig()): StreamPubSub {
  const url = config.redisUrl;
  if (!url) {
    memory ??= createMemoryPubSub();
    return memory;
  }
  return getOrCreate(redisPairs, url, () => createRedisPubSub(required(getRedisClient, config), required(getRedisSubscriber, config)));
}

const contexts = new Map<StreamPubSub, ResumableStreamContext>();

/** One resumable-stream context per storage, so every request shares its subscriptions. */
export function getResumableStreamContext(config: AppConfig = getConfig()): ResumableStreamContext {
  const pubsub = getStreamPubSub(config);
  return getOrCreate(contexts, pubsub, () =>
    createResumableStreamContext({
      // The server process outlives the response (`next start`, containers), so the producer
      // keeps running after the browser disconnects without a platform waitUntil.
      waitUntil: null,
      publisher: pubsub.publisher,
      subscriber: pubsub.subscriber,
      keyPrefix: 'chat-stream',
    }),
  );
}
