import 'server-only';
import { createClient } from 'redis';
import { getLogger } from '@/lib/observability/logger';
import { getConfig, type AppConfig } from '@/lib/config';
import { getOrCreate } from '@/lib/util/per-key';
import { withTimeout } from '@/lib/util/timeout';

/**
 * Shared Redis connections, created lazily from `REDIS_URL` and reused for the life of the
 * process: opening a connection per request would add a TCP/TLS handshake to every chat turn.
 *
 * Two roles, because a connection that has SUBSCRIBEd can no longer run ordinary commands:
 * - `getRedisClient()`: commands (rate-limit counters, resumable-stream keys, PUBLISH).
 * - `getRedisSubscriber()`: pub/sub only (resumable-stream listeners).
 *
 * Both resolve to `undefined` when `REDIS_URL` is not set, so callers fall back to their
 * in-process stores on a single server.
 */

export type Role = 'commands' | 'subscriber';

/** How long a caller waits for a (re)connecting server before treating Redis as down. */
const CONNECT_WAIT_MS = 1_000;
/** Back-off between reconnect attempts, capped so an outage is noticed quickly once it ends. */
const MAX_RECONNECT_DELAY_MS = 5_000;

interface Entry {
  client: RedisClient;
  connected: Promise<unknown>;
  /** Set once a caller waited in vain: later callers fail at once instead of each waiting. */
  unreachable?: boolean;
}

const entries = new Map<string, Entry>();

/** `redis://user:***@host:port/db`: enough to tell connections apart in logs, no secret. */
function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable REDIS_URL>';
  }
}

function redactMessage(message: string, url: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // An unparseable URL has no password we could recognise; the URL itself is removed below.
  }
  let safe = message.split(url).join(redactRedisUrl(url));
  if (password) safe = safe.split(password).join('***');
  return safe;
}

/**
 * A client for `url` that logs its connection errors (without the password) and fails fast
 * while disconnected. Not connected yet: call `connect()`. Exported so tests and tools can open
 * extra, independent connections ("another instance") configured the same way.
 */
export function createRedisConnection(url: string, role: Role = 'commands') {
  let client;
  try {
    client = createClient({
      url,
      // Without this, commands issued during an outage queue up in memory without limit and
      // their callers hang; failing fast lets the rate limiter and streams degrade instead.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 5_000,
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, MAX_RECONNECT_DELAY_MS),
      },
    });
  } catch (error) {
    // node-redis may quote the URL in its message; never let the password reach a log.
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`REDIS_URL is not usable: ${redactMessage(reason, url)}`);
  }
  client.on('error', (error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    getLogger().error({ role, redis: redactRedisUrl(url), reason: redactMessage(reason, url) }, 'redis connection failed');
  });
  return client;
}

export type RedisClient = ReturnType<typeof createRedisConnection>;

function open(role: Role, url: string): Entry {
  const client = createRedisConnection(url, role);
  const entry: Entry = { client, connected: client.connect() };
  client.on('ready', () => {
    entry.unreachable = false;
  });
  // The failure is already logged by the 'error' handler; callers see it through `waitFor`.
  entry.connected.catch(() => undefined);
  return entry;
}

async function waitFor(entry: Entry, url: string): Promise<void> {
  if (entry.unreachable) throw new Error(`Redis at ${redactRedisUrl(url)} is not reachable (reconnecting)`);
  await withTimeout(entry.connected, CONNECT_WAIT_MS, () => {
    entry.unreachable = true;
    throw new Error(`Redis at ${redactRedisUrl(url)} did not connect within ${CONNECT_WAIT_MS} ms`);
  });
}

async function shared(role: Role, config: AppConfig): Promise<RedisClient | undefined> {
  const url = config.redisUrl;
  if (!url) return undefined;
  const entry = getOrCreate(entries, `${role} ${url}`, () => open(role, url));
  // Only the first connection is awaited; after a later drop the client reconnects on its own
  // and commands fail fast meanwhile (offline queue disabled), which callers handle.
  if (!entry.client.isReady) await waitFor(entry, url);
  return entry.client;
}

/** The shared command connection, connected; `undefined` without `REDIS_URL`. */
export function getRedisClient(config: AppConfig = getConfig()): Promise<RedisClient | undefined> {
  return shared('commands', config);
}

/** The shared pub/sub connection, connected; `undefined` without `REDIS_URL`. */
export function getRedisSubscriber(config: AppConfig = getConfig()): Promise<RedisClient | undefined> {
  return shared('subscriber', config);
}

/** Closes every shared connection (graceful shutdown and tests); they reopen on next use. */
export async function closeRedisClients(): Promise<void> {
  const all = [...entries.values()];
  entries.clear();
  await Promise.all(all.map(({ client }) => (client.isOpen ? client.close() : client.destroy())));
}
