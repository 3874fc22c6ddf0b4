import 'server-only';
import { getConfig, type AppConfig } from '@/lib/config';
import { HttpError } from '@/lib/http/errors';
import { createSlots } from '@/lib/http/concurrency';
import { getLogger } from '@/lib/observability/logger';
import { getRedisClient, type RedisClient } from '@/lib/storage/redis';
import { getOrCreate } from '@/lib/util/per-key';
import { withTimeout } from '@/lib/util/timeout';

/**
 * Requests per client per minute, `RATE_LIMIT_PER_MINUTE` (0 = off).
 *
 * Fixed windows aligned to the clock minute: one counter per client per window, so a check is a
 * single INCR (Redis) or map update (in process), and `Retry-After` is simply the time to the
 * next minute. The cost is that a client can squeeze up to twice the budget around a window
 * boundary; for a brake on runaway scripts and model spend that is an acceptable trade for a
 * limiter that adds one round trip and no per-request storage. (A sliding log would need a
 * sorted set per client and several commands per request.)
 */

export const WINDOW_MS = 60_000;

export interface RateLimitStore {
  /** Counts one request in `window` and returns how many that client has made in it. */
  increment(clientId: string, window: number): Promise<number>;
}

/** Upper bound on clients tracked in one window, so spoofed addresses cannot exhaust memory. */
const DEFAULT_MAX_CLIENTS = 100_000;

export interface MemoryStore extends RateLimitStore {
  /** Clients currently tracked. */
  readonly size: number;
}

/** This process's counters. Only the current window is kept: older entries are dropped. */
export function createMemoryStore({ maxClients = DEFAULT_MAX_CLIENTS } = {}): MemoryStore {
  const counters = new Map<string, { window: number; count: number }>();
  let currentWindow = -Infinity;
  return {
    get size() {
      return counters.size;
    },
    async increment(clientId, window) {
      if (window > currentWindow) {
        currentWindow = window;
        for (const [id, counter] of counters) if (counter.window < window) counters.delete(id);
      }
      const counter = counters.get(clientId);
      if (counter && counter.window === window) return ++counter.count;
      if (!counter && counters.size >= maxClients) {
        // Evict the oldest-inserted client: under a flood of new identities a few counters
        // restart, but memory stays bounded.
        const oldest = counters.keys().next().value;
        if (oldest !== undefined) counters.delete(oldest);
      }
      counters.set(clientId, { window, count: 1 });
      return 1;
    },
  };
}

/** A Redis command that has not answered by then is treated as an outage. */
const REDIS_TIMEOUT_MS = 500;

/**
 * Counters shared by every instance using the same Redis: INCR and PEXPIRE in one MULTI, so a
 * counter can never be left without an expiry. The key names the window, so no reset is needed.
 */
export function createRedisStore(connect: () => Promise<RedisClient>): RateLimitStore {
  return {
    async increment(clientId, window) {
      const key = `chat-rate:${clientId}:${window}`;
      const count = await withTimeout(
        connect().then((client) => client.multi().incr(key).pExpire(key, WINDOW_MS).exec()),
        REDIS_TIMEOUT_MS,
        () => {
          throw new Error(`Redis did not answer within ${REDIS_TIMEOUT_MS} ms`);
        },
      );
      return Number(count[0]);
    },
  };
}

export interface RateLimiterOptions {
  /** Used when `store` fails. */
  fallback?: RateLimitStore;
  now?: () => number;
}

/** Minimum interval between "Redis is down" log lines, so an outage does not flood the logs. */
const FALLBACK_LOG_INTERVAL_MS = 60_000;

export type RateLimiter = (clientId: string, limitPerMinute: number) => Promise<void>;

export function createRateLimiter(store: RateLimitStore, { fallback, now = Date.now }: RateLimiterOptions = {}): RateLimiter {
  let lastFallbackLog = -Infinity;
  return async (clientId, limitPerMinute) => {
    if (limitPerMinute <= 0) return;
    const time = now();
    const window = Math.floor(time / WINDOW_MS);
    let count: number;
    try {
      count = await store.increment(clientId, window);
    } catch (error) {
      if (!fallback) throw error;
      // Fail open to this instance's own counters: a Redis outage must not take the chat down
      // (the limiter guards spend, not access; `authorize` still applies), and each instance
      // still enforces the per-minute budget on its own, so there is no unlimited window.
      if (time - lastFallbackLog >= FALLBACK_LOG_INTERVAL_MS) {
        lastFallbackLog = time;
        const reason = error instanceof Error ? error.message : String(error);
        getLogger().warn({ reason }, 'rate limit: shared counters unavailable, limiting per instance');
      }
      count = await fallback.increment(clientId, window);
    }
    if (count > limitPerMinute) {
      const retryAfter = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - time) / 1000));
      throw new HttpError(
        429,
        'rate_limited',
        `Too many requests: the limit is ${limitPerMinute} per minute. Try again in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.`,
        { 'Retry-After': String(retryAfter) },
      );
    }
  };
}

const localLimiter = createRateLimiter(createMemoryStore());
const redisLimiters = new Map<string, RateLimiter>();

function limiterFor(config: AppConfig): RateLimiter {
  if (!config.redisUrl) return localLimiter;
  return getOrCreate(redisLimiters, config.redisUrl, () =>
    createRateLimiter(
      createRedisStore(async () => {
        const client = await getRedisClient(config);
        if (!client) throw new Error('REDIS_URL is not set');
        return client;
      }),
      { fallback: createMemoryStore() },
    ),
  );
}

/**
 * Counts this request against `clientId`'s budget (`RATE_LIMIT_PER_MINUTE` unless another is
 * given); throws `HttpError(429)` with `Retry-After` once it is spent. Uses Redis when
 * `REDIS_URL` is set, so all instances share one budget.
 */
export function enforceRateLimit(
  clientId: string,
  config: AppConfig = getConfig(),
  limitPerMinute: number = config.rateLimitPerMinute,
): Promise<void> {
  return limiterFor(config)(clientId, limitPerMinute);
}

/** Resume and Stop: their own budget (`RESUME_RATE_LIMIT_PER_MINUTE`), apart from chat's. */
export function enforceResumeRateLimit(clientId: string, config: AppConfig = getConfig()): Promise<void> {
  return enforceRateLimit(`resume:${clientId}`, config, config.resumeRateLimitPerMinute);
}

const repliesInFlight = createSlots();

/**
 * Starts a reply counted against the client's replies in flight (`MAX_REPLIES_IN_FLIGHT` in
 * this instance, 429 beyond it) until it has finished, whether read, stopped or abandoned:
 * a client that hangs up on replies it keeps generating cannot pile up upstream requests.
 */
export async function limitRepliesInFlight<T extends { finished: Promise<void> }>(
  clientId: string,
  config: AppConfig,
  start: () => Promise<T>,
): Promise<T> {
  const release = repliesInFlight.take(
    clientId,
    config.maxRepliesInFlight,
    `Too many replies at once: at most ${config.maxRepliesInFlight} may be generating for one client. Wait for one to finish or stop it.`,
  );
  try {
    const reply = await start();
    void reply.finished.then(release);
    return reply;
  } catch (error) {
    release();
    throw error;
  }
}
