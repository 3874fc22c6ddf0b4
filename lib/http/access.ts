import { getConfig, type AppConfig } from '@/lib/config';
import { HttpError, errorResponse } from '@/lib/http/errors';

/**
 * Who may call `/api/chat`, and from which web origins.
 *
 * With `CHAT_API_KEYS` empty the API is open. Otherwise a request needs either
 * - `Authorization: Bearer <key>` (scripts, other services), or
 * - the signed session cookie that `proxy.ts` hands to anyone loading this site's pages, so the
 *   site's own chat UI works without ever shipping a key to the browser. The cookie proves "this
 *   browser loaded our page recently", not who the user is: it stops the API being used as a
 *   free model endpoint by other sites and scripts without a key, while the page stays public.
 *
 * Only Web APIs (`crypto.subtle`, `btoa`) are used so this runs in Node and edge runtimes alike.
 */

export const SESSION_COOKIE = 'chat_session';
/** A session lasts a working day; the next page load issues a fresh one. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

const encoder = new TextEncoder();

export type AccessVia = 'open' | 'api-key' | 'session';

export function bearerToken(request: Request): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.get('authorization') ?? '');
  return match?.[1];
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** Compares every byte whatever the first difference, so timing does not reveal a prefix. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

/**
 * Constant-time key check: both sides are hashed first so lengths match, and every configured
 * key is compared, so neither the key length nor which key matched shows in the timing.
 */
async function isConfiguredKey(token: string, keys: string[]): Promise<boolean> {
  const candidate = await sha256(token);
  let matched = false;
  for (const key of keys) {
    const isThis = equalBytes(candidate, await sha256(key));
    matched = matched || isThis;
  }
  return matched;
}

// ---------------------------------------------------------------------------------------------
// Session cookie: `<expiry epoch seconds>.<base64url HMAC-SHA256("v1.<expiry>")>`.

let cachedKey: { material: string; key: Promise<CryptoKey> } | undefined;

/**
 * The HMAC key: from `SESSION_SECRET`, or when that is unset derived from the configured
 * `CHAT_API_KEYS` (sorted, so their order does not matter). Every instance with the same config
 * therefore accepts every other instance's cookies with no extra setting, and rotating the API
 * keys also ends all sessions. Set `SESSION_SECRET` to rotate sessions independently.
 */
function signingKey(config: AppConfig): Promise<CryptoKey> | undefined {
  const material = config.sessionSecret
    ? `secret\n${config.sessionSecret}`
    : config.chatApiKeys.length > 0
      ? `api-keys\n${[...config.chatApiKeys].sort().join('\n')}`
      : undefined;
  if (!material) return undefined;
  if (cachedKey?.material !== material) {
    // Hashed with a purpose label, so the cookie key is never an API key itself.
    const key = sha256(`chat-session-cookie-v1\n${material}`).then((raw) =>
      crypto.subtle.importKey('raw', raw as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']),
    );
    cachedKey = { material, key };
  }
  return cachedKey.key;
}

function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

const signedPayload = (expiry: number) => encoder.encode(`v1.${expiry}`);

function isLocalHttp(requestUrl: string | URL | undefined): boolean {
  if (!requestUrl) return false;
  const url = new URL(requestUrl);
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

export interface SessionCookieOptions {
  /** The page request's URL: over plain http://localhost the cookie cannot be `Secure`. */
  requestUrl?: string | URL;
  /** Current time in ms (tests). */
  now?: number;
}

/** A `Set-Cookie` value for a fresh session. Needs `SESSION_SECRET` or `CHAT_API_KEYS`. */
export async function createSessionCookie(
  config: AppConfig = getConfig(),
  { requestUrl, now = Date.now() }: SessionCookieOptions = {},
): Promise<string> {
  const key = signingKey(config);
  if (!key) throw new Error('Session cookies need SESSION_SECRET or CHAT_API_KEYS to be set.');
  const expiry = Math.floor(now / 1000) + SESSION_TTL_SECONDS;
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', await key, signedPayload(expiry)));
  return [
    `${SESSION_COOKIE}=${expiry}.${toBase64Url(signature)}`,
    'Path=/',
    `Max-Age=${SESSION_TTL_SECONDS}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(isLocalHttp(requestUrl) ? [] : ['Secure']),
  ].join('; ');
}

function sessionCookieValue(request: Request): string | undefined {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === SESSION_COOKIE) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/** True when the request carries an unexpired session cookie signed with the current key. */
export async function hasValidSession(
  request: Request,
  config: AppConfig = getConfig(),
  now: number = Date.now(),
): Promise<boolean> {
  const value = sessionCookieValue(request);
  const key = signingKey(config);
  const match = value ? /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value) : null;
  if (!match || !key) return false;
  const expiry = Number(match[1]);
  if (expiry * 1000 <= now) return false;
  // `verify` compares in constant time.
  return crypto.subtle.verify('HMAC', await key, fromBase64Url(match[2]) as BufferSource, signedPayload(expiry));
}

/**
 * The authorize step of `/api/chat`. Throws `HttpError(401)` with `WWW-Authenticate: Bearer`
 * and a message saying what to fix.
 */
export async function authorize(request: Request, config: AppConfig = getConfig()): Promise<{ via: AccessVia }> {
  if (config.chatApiKeys.length === 0) return { via: 'open' };

  const authorization = request.headers.get('authorization');
  if (authorization !== null) {
    const token = bearerToken(request);
    if (!token) {
      throw new HttpError(401, 'unauthorized', 'The Authorization header must be "Bearer <API key>".', {
        'WWW-Authenticate': 'Bearer realm="chat", error="invalid_request"',
      });
    }
    // A wrong key fails even if a session cookie is also present: a client that sends a key
    // wants to know that key is wrong rather than silently ride on a cookie.
    if (!(await isConfiguredKey(token, config.chatApiKeys))) {
      throw new HttpError(401, 'unauthorized', 'The API key is not valid.', {
        'WWW-Authenticate': 'Bearer realm="chat", error="invalid_token"',
      });
    }
    return { via: 'api-key' };
  }

  if (await hasValidSession(request, config)) return { via: 'session' };
  const message = sessionCookieValue(request)
    ? 'Your session has expired. Reload the page to continue.'
    : 'This API needs an API key: send "Authorization: Bearer <API key>". In the browser, open the chat page first.';
  throw new HttpError(401, 'unauthorized', message, { 'WWW-Authenticate': 'Bearer realm="chat"' });
}

// ---------------------------------------------------------------------------------------------
// CORS. Browsers on other sites may call the API only from `ALLOWED_ORIGINS` (with an API key:
// credentials are not allowed cross-origin, so the session cookie only ever works same-site).

const CORS_METHODS = 'POST, GET, OPTIONS';
/** The OpenAI SDKs add their platform and retry headers to every request from browsers too. */
const CORS_REQUEST_HEADERS = [
  'Authorization, Content-Type, Accept',
  'X-Stainless-Arch, X-Stainless-Lang, X-Stainless-OS, X-Stainless-Package-Version, X-Stainless-Retry-Count',
  'X-Stainless-Runtime, X-Stainless-Runtime-Version, X-Stainless-Timeout, X-Stainless-Helper-Method',
  'OpenAI-Organization, OpenAI-Project',
].join(', ');
/** Beyond the CORS-safelisted ones: what a cross-origin client needs to back off and retry. */
const CORS_EXPOSED_HEADERS = 'Retry-After, WWW-Authenticate, X-Vercel-AI-UI-Message-Stream';
/** Lets the browser skip repeat preflights for ten minutes. */
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/** `https://Example.com/` in the config still matches the browser's `https://example.com`. */
function normaliseOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}

/** No `Origin` (same-origin GET, curl, servers) or an `Origin` naming this very host. */
export function isSameOrigin(request: Request): boolean {
  const origin = request.headers.get('origin');
  if (origin === null) return true;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return false; // e.g. "null" from sandboxed frames and file:// pages
  }
  // Behind a proxy, request.url may name the internal host; the Host headers name the public one.
  const hosts = [
    new URL(request.url).host,
    request.headers.get('host'),
    request.headers.get('x-forwarded-host')?.split(',')[0].trim(),
  ];
  return hosts.some((host) => host && host.toLowerCase() === originHost);
}

function isAllowedOrigin(origin: string, config: AppConfig): boolean {
  return config.allowedOrigins.some((allowed) => normaliseOrigin(allowed) === origin);
}

/** CORS response headers for an allowed cross-origin caller; none for anyone else. */
export function corsHeaders(request: Request, config: AppConfig = getConfig()): Record<string, string> {
  const origin = request.headers.get('origin');
  if (!origin || !isAllowedOrigin(origin, config)) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': CORS_METHODS,
    'Access-Control-Allow-Headers': CORS_REQUEST_HEADERS,
    'Access-Control-Expose-Headers': CORS_EXPOSED_HEADERS,
    Vary: 'Origin',
  };
}

/**
 * Throws `HttpError(403, 'forbidden_origin')` for a browser request from a site that is neither
 * this one nor in `ALLOWED_ORIGINS`. Rejecting before any work matters for requests a browser
 * sends without a preflight: CORS would hide the answer, but the model would still be paid for.
 */
export function assertAllowedOrigin(request: Request, config: AppConfig = getConfig()): void {
  const origin = request.headers.get('origin');
  if (origin === null || isSameOrigin(request) || isAllowedOrigin(origin, config)) return;
  throw new HttpError(
    403,
    'forbidden_origin',
    `Requests from ${origin.slice(0, 200)} are not allowed. Add the origin to ALLOWED_ORIGINS to permit it.`,
  );
}

/** The answer to `OPTIONS /api/chat`. */
export function preflightResponse(request: Request, config: AppConfig = getConfig()): Response {
  try {
    assertAllowedOrigin(request, config);
  } catch (error) {
    return errorResponse(error, { Vary: 'Origin' });
  }
  const headers = new Headers(corsHeaders(request, config));
  if (headers.has('Access-Control-Allow-Origin')) headers.set('Access-Control-Max-Age', PREFLIGHT_MAX_AGE_SECONDS);
  headers.set('Allow', CORS_METHODS);
  return new Response(null, { status: 204, headers });
}

/**
 * The access step every API route runs first: a browser from a foreign site is refused (403),
 * then the caller must be authorized (401). Both before any body is read or token is spent.
 */
export async function admit(request: Request, config: AppConfig = getConfig()): Promise<void> {
  assertAllowedOrigin(request, config);
  await authorize(request, config);
}
