import 'server-only';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { getConfig, type AppConfig } from '@/lib/config';
import { HttpError } from '@/lib/http/errors';
import { getRedisClient } from '@/lib/storage/redis';
import { getOrCreate } from '@/lib/util/per-key';

/**
 * The browser session cookie: `v2.<random session id>.<expiry>.<HMAC-SHA256>`, HttpOnly.
 *
 * `proxy.ts` issues one to a browser navigating to the chat page. It does two jobs:
 * - with `CHAT_API_KEYS` set it lets the site's own page call the API without a key: it proves
 *   "this browser loaded our page", which keeps other sites' pages and key-less scripts that do
 *   not load the page out. It does not stop a script that loads the page first and replays the
 *   cookie: the page is public, so nothing can. Its random id makes each session a principal of
 *   its own (its chats are its own), and lets rate limits and logs tell sessions apart.
 * - in open mode it is only that principal.
 *
 * The signing secret is never derived from anything else: `SESSION_SECRET` when set; otherwise
 * a random one, created once in Redis (SET NX) when `REDIS_URL` is set so every instance signs
 * alike, else random per process (sessions then end when the process restarts).
 */

export const SESSION_COOKIE = 'chat_session';
/** A session lasts a working day; the next page load issues a fresh one. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;
/** Where the shared secret lives in Redis. Deleting the key ends every session. */
export const SESSION_SECRET_REDIS_KEY = 'chat-session-secret';

/**
 * Kept on a global, not in this module: the proxy (which issues cookies) and each route (which
 * reads them) are bundled separately, so this module may exist in several copies in one process,
 * and they must all sign with the same per-process secret.
 */
const SECRETS = Symbol.for('azure-streaming-chat.session-secrets');
const secrets: Map<string, Promise<Buffer>> = ((globalThis as { [SECRETS]?: Map<string, Promise<Buffer>> })[SECRETS] ??= new Map());

function remember(source: string, create: () => Promise<Buffer>): Promise<Buffer> {
  return getOrCreate(secrets, source, () => {
    const secret = create();
    // A failed lookup (Redis down) is retried by the next request rather than cached.
    secret.catch(() => secrets.delete(source));
    return secret;
  });
}

/** Hashed with a purpose label, so the HMAC key is never the configured text itself. */
const deriveKey = (material: string) => createHmac('sha256', 'chat-session-cookie-v2').update(material).digest();

async function sharedRedisSecret(config: AppConfig): Promise<Buffer> {
  try {
    const client = (await getRedisClient(config))!;
    await client.set(SESSION_SECRET_REDIS_KEY, randomBytes(32).toString('base64url'), { condition: 'NX' });
    const stored = await client.get(SESSION_SECRET_REDIS_KEY);
    if (!stored) throw new Error('the session secret vanished from Redis');
    return deriveKey(`redis\n${stored}`);
  } catch (error) {
    console.error(`[session] cannot read the shared session secret: ${(error as Error).message}`);
    throw new HttpError(503, 'upstream_unavailable', 'Sessions are unavailable for a moment (their store does not answer). Try again shortly.');
  }
}

function signingKey(config: AppConfig): Promise<Buffer> {
  if (config.sessionSecret) {
    const secret = config.sessionSecret;
    return remember(`secret\n${secret}`, async () => deriveKey(`secret\n${secret}`));
  }
  if (config.redisUrl) return remember(`redis\n${config.redisUrl}`, () => sharedRedisSecret(config));
  return remember('process', async () => randomBytes(32));
}

const sign = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest('base64url');

/**
 * Secure unless it cannot work: `COOKIE_SECURE` decides when set; behind a trusted proxy
 * (which terminates TLS) always; otherwise when the page was asked for over https.
 */
function isSecure(config: AppConfig, requestUrl: string | URL): boolean {
  if (config.cookieSecure !== undefined) return config.cookieSecure;
  if (config.trustedProxyHops > 0) return true;
  return new URL(requestUrl).protocol === 'https:';
}

export interface SessionCookieOptions {
  /** The page request's URL: over plain http without a proxy the cookie cannot be `Secure`. */
  requestUrl: string | URL;
  /** Current time in ms (tests). */
  now?: number;
}

/** A `Set-Cookie` value for a fresh session with its own random id. */
export async function createSessionCookie(config: AppConfig, { requestUrl, now = Date.now() }: SessionCookieOptions): Promise<string> {
  const id = randomBytes(16).toString('base64url');
  const expiry = Math.floor(now / 1000) + SESSION_TTL_SECONDS;
  const payload = `v2.${id}.${expiry}`;
  return [
    `${SESSION_COOKIE}=${payload}.${sign(await signingKey(config), payload)}`,
    'Path=/',
    `Max-Age=${SESSION_TTL_SECONDS}`,
    'HttpOnly',
    // Lax, not Strict: a Strict cookie is missing on the navigation from a link on another
    // site, and the fresh session issued then would orphan the chats of the old one. The API
    // refuses what a cross-site request could send anyway (non-JSON bodies, foreign origins).
    'SameSite=Lax',
    ...(isSecure(config, requestUrl) ? ['Secure'] : []),
  ].join('; ');
}

export function sessionCookieValue(request: Request): string | undefined {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === SESSION_COOKIE) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/** The session's random id when the request carries an unexpired cookie signed with the current secret. */
export async function readSession(request: Request, config: AppConfig = getConfig(), now: number = Date.now()): Promise<string | undefined> {
  const match = /^(v2\.([A-Za-z0-9_-]{22})\.(\d{1,12}))\.([A-Za-z0-9_-]{43})$/.exec(sessionCookieValue(request) ?? '');
  if (!match || Number(match[3]) * 1000 <= now) return undefined;
  const expected = Buffer.from(sign(await signingKey(config), match[1]));
  const given = Buffer.from(match[4]);
  return timingSafeEqual(expected, given) ? match[2] : undefined;
}
