import { NextRequest } from 'next/server';
import { unstable_doesMiddlewareMatch } from 'next/experimental/testing/server';
import { loadConfig } from '@/lib/config';
import { HttpError } from '@/lib/http/errors';
import {
  SESSION_COOKIE,
  SESSION_TTL_SECONDS,
  assertAllowedOrigin,
  authorize,
  corsHeaders,
  createSessionCookie,
  hasValidSession,
  preflightResponse,
} from '@/lib/http/access';
import { config as proxyConfig, proxy } from '@/proxy';

const KEYS = 'sk-alpha-123,sk-beta-456';
const locked = loadConfig({ CHAT_API_KEYS: KEYS });
const open = loadConfig({});

function chatRequest(headers: Record<string, string> = {}, url = 'https://chat.example.com/api/chat') {
  return new Request(url, { method: 'POST', headers });
}

/** The `name=value` pair a browser would send back for a Set-Cookie header. */
const cookiePair = (setCookie: string) => setCookie.split(';')[0];

async function unauthorized(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected 401');
}

describe('authorize', () => {
  test('with no CHAT_API_KEYS everyone is let in', async () => {
    await expect(authorize(chatRequest(), open)).resolves.toEqual({ via: 'open' });
  });

  test('a configured API key lets a script in', async () => {
    await expect(authorize(chatRequest({ authorization: 'Bearer sk-beta-456' }), locked)).resolves.toEqual({ via: 'api-key' });
    await expect(authorize(chatRequest({ authorization: 'bearer sk-alpha-123' }), locked)).resolves.toEqual({ via: 'api-key' });
  });

  test('no credentials: 401 that says how to authenticate', async () => {
    const error = await unauthorized(authorize(chatRequest(), locked));
    expect(error.status).toBe(401);
    expect(error.code).toBe('unauthorized');
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer/);
    expect(error.message).toMatch(/Authorization: Bearer/);
  });

  test.each([
    ['an unknown key', 'Bearer sk-alpha-12', /not valid/],
    ['a key with extra characters', 'Bearer sk-alpha-1234', /not valid/],
    ['another auth scheme', 'Basic c2stYWxwaGEtMTIzOg==', /must be "Bearer/],
    ['an empty bearer', 'Bearer ', /must be "Bearer/],
  ])('%s is refused with 401 and the key is not echoed', async (_label, authorization, message) => {
    const error = await unauthorized(authorize(chatRequest({ authorization }), locked));
    expect(error.status).toBe(401);
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer/);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('sk-');
  });

  test('reads CHAT_API_KEYS through getConfig() by default', async () => {
    const saved = process.env.CHAT_API_KEYS;
    process.env.CHAT_API_KEYS = 'sk-from-env';
    try {
      await expect(authorize(chatRequest({ authorization: 'Bearer sk-from-env' }))).resolves.toEqual({ via: 'api-key' });
      await expect(authorize(chatRequest())).rejects.toMatchObject({ status: 401 });
    } finally {
      if (saved === undefined) delete process.env.CHAT_API_KEYS;
      else process.env.CHAT_API_KEYS = saved;
    }
  });
});

describe('session cookie', () => {
  test('is HttpOnly, Secure, SameSite=Lax, site-wide, expiring, and carries no key', async () => {
    const setCookie = await createSessionCookie(locked, { requestUrl: 'https://chat.example.com/' });
    const attributes = setCookie.split('; ');
    expect(attributes[0]).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(attributes).toEqual(
      expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/', `Max-Age=${SESSION_TTL_SECONDS}`]),
    );
    for (const key of KEYS.split(',')) expect(setCookie).not.toContain(key);
  });

  test('is not Secure on http://localhost, where browsers would drop a Secure cookie', async () => {
    expect(await createSessionCookie(locked, { requestUrl: 'http://localhost:3000/' })).not.toMatch(/Secure/);
    expect(await createSessionCookie(locked, { requestUrl: 'http://127.0.0.1:3000/' })).not.toMatch(/Secure/);
    expect(await createSessionCookie(locked, { requestUrl: 'http://chat.example.com/' })).toMatch(/; Secure/);
  });

  test('lets the page that obtained it call the API', async () => {
    const cookie = cookiePair(await createSessionCookie(locked));
    const request = chatRequest({ cookie: `theme=dark; ${cookie}; other=1` });
    expect(await hasValidSession(request, locked)).toBe(true);
    await expect(authorize(request, locked)).resolves.toEqual({ via: 'session' });
  });

  test('expires after its lifetime, with a message telling the user to reload', async () => {
    const issuedAt = Date.now() - (SESSION_TTL_SECONDS + 1) * 1000;
    const cookie = cookiePair(await createSessionCookie(locked, { now: issuedAt }));
    const request = chatRequest({ cookie });
    expect(await hasValidSession(request, locked)).toBe(false);
    const error = await unauthorized(authorize(request, locked));
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/expired.*Reload/);
  });

  test('a cookie whose expiry was edited is rejected', async () => {
    const cookie = cookiePair(await createSessionCookie(locked));
    const [name, value] = cookie.split('=');
    const [expiry, signature] = value.split('.');
    const extended = `${name}=${Number(expiry) + 365 * 24 * 3600}.${signature}`;
    expect(await hasValidSession(chatRequest({ cookie: extended }), locked)).toBe(false);
  });

  test.each(['', 'garbage', '123.abc', `${'9'.repeat(12)}.${'A'.repeat(43)}`, '1.2.3'])(
    'a malformed cookie %j is just not a session',
    async (value) => {
      expect(await hasValidSession(chatRequest({ cookie: `${SESSION_COOKIE}=${value}` }), locked)).toBe(false);
    },
  );

  test('every instance with the same keys accepts it, in any order; other keys do not', async () => {
    const cookie = cookiePair(await createSessionCookie(locked));
    const sameKeysReordered = loadConfig({ CHAT_API_KEYS: 'sk-beta-456, sk-alpha-123' });
    const otherDeployment = loadConfig({ CHAT_API_KEYS: 'sk-other' });
    expect(await hasValidSession(chatRequest({ cookie }), sameKeysReordered)).toBe(true);
    expect(await hasValidSession(chatRequest({ cookie }), otherDeployment)).toBe(false);
  });

  test('SESSION_SECRET, when set, is the signing key instead of the API keys', async () => {
    const withSecret = loadConfig({ CHAT_API_KEYS: KEYS, SESSION_SECRET: 'a-long-random-secret' });
    const cookie = cookiePair(await createSessionCookie(withSecret));
    expect(await hasValidSession(chatRequest({ cookie }), withSecret)).toBe(true);
    expect(await hasValidSession(chatRequest({ cookie }), locked)).toBe(false);
    // Rotating the API keys does not end sessions signed with the secret.
    const rotated = loadConfig({ CHAT_API_KEYS: 'sk-new', SESSION_SECRET: 'a-long-random-secret' });
    expect(await hasValidSession(chatRequest({ cookie }), rotated)).toBe(true);
  });

  test('a wrong API key is refused even alongside a valid session cookie', async () => {
    const cookie = cookiePair(await createSessionCookie(locked));
    const request = chatRequest({ cookie, authorization: 'Bearer sk-wrong' });
    await expect(authorize(request, locked)).rejects.toMatchObject({ status: 401 });
  });
});

describe('proxy.ts issues the cookie to page loads', () => {
  const saved = process.env.CHAT_API_KEYS;
  beforeEach(() => {
    process.env.CHAT_API_KEYS = KEYS;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.CHAT_API_KEYS;
    else process.env.CHAT_API_KEYS = saved;
  });

  const pageLoad = (headers: Record<string, string> = {}, url = 'https://chat.example.com/') =>
    new NextRequest(url, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', ...headers } });

  test('a first visit gets a session cookie that then opens the API', async () => {
    const response = await proxy(pageLoad());
    const setCookie = response.headers.get('set-cookie');
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=.*HttpOnly`));
    await expect(authorize(chatRequest({ cookie: cookiePair(setCookie!) }))).resolves.toEqual({ via: 'session' });
  });

  test('every page load gets a strict CSP with a fresh nonce, also passed on to Next for its scripts', async () => {
    const nonceOf = (policy: string | null) => /'nonce-([^']+)'/.exec(policy ?? '')?.[1];
    const first = await proxy(pageLoad());
    const second = await proxy(pageLoad());
    const policy = first.headers.get('content-security-policy');
    expect(policy).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(policy).toMatch(/frame-ancestors 'none'/);
    expect(policy).toMatch(/object-src 'none'/);
    expect(nonceOf(policy)).toBeTruthy();
    expect(nonceOf(policy)).not.toBe(nonceOf(second.headers.get('content-security-policy')));
    // Next renders with the request's CSP header, which is how it learns the nonce.
    expect(first.headers.get('x-middleware-request-content-security-policy')).toBe(policy);
  });

  test('a visitor with a valid session is not sent a new cookie', async () => {
    const cookie = cookiePair(await createSessionCookie(locked));
    expect((await proxy(pageLoad({ cookie }))).headers.get('set-cookie')).toBeNull();
  });

  test('no cookie when the API is open, or for requests that are not page loads', async () => {
    delete process.env.CHAT_API_KEYS;
    expect((await proxy(pageLoad())).headers.get('set-cookie')).toBeNull();
    process.env.CHAT_API_KEYS = KEYS;
    expect((await proxy(pageLoad({ accept: '*/*' }))).headers.get('set-cookie')).toBeNull();
  });

  test.each([
    ['/', true],
    ['/chat/abc', true],
    ['/api/chat', false],
    ['/api', false],
    ['/_next/static/chunks/app.js', false],
    ['/favicon.ico', false],
    ['/robots.txt', false],
  ])('runs for %s: %s', (path, expected) => {
    expect(unstable_doesMiddlewareMatch({ config: proxyConfig, url: path })).toBe(expected);
  });

  test('does not run for link prefetches', () => {
    expect(unstable_doesMiddlewareMatch({ config: proxyConfig, url: '/', headers: { 'next-router-prefetch': '1' } })).toBe(false);
  });
});

describe('CORS', () => {
  const cors = loadConfig({ ALLOWED_ORIGINS: 'https://partner.example, https://Other.example/' });
  const from = (origin: string | undefined, method = 'POST') =>
    new Request('https://chat.example.com/api/chat', {
      method,
      headers: { host: 'chat.example.com', ...(origin ? { origin } : {}) },
    });

  test('an allowed origin gets CORS headers that let it send a key and read Retry-After', () => {
    const headers = corsHeaders(from('https://partner.example'), cors);
    expect(headers['Access-Control-Allow-Origin']).toBe('https://partner.example');
    expect(headers.Vary).toBe('Origin');
    // The OpenAI SDKs send their X-Stainless-* headers from browsers too.
    expect(headers['Access-Control-Allow-Headers']).toMatch(/^Authorization, Content-Type, Accept, X-Stainless-Arch, /);
    expect(headers['Access-Control-Allow-Methods']).toBe('POST, GET, OPTIONS');
    expect(headers['Access-Control-Expose-Headers']).toMatch(/Retry-After/);
    expect(headers).not.toHaveProperty('Access-Control-Allow-Credentials');
    // Configured with different case and a trailing slash: still the same origin.
    expect(corsHeaders(from('https://other.example'), cors)['Access-Control-Allow-Origin']).toBe('https://other.example');
  });

  test('other origins get no CORS headers and are refused', () => {
    expect(corsHeaders(from('https://evil.example'), cors)).toEqual({});
    expect(corsHeaders(from('https://partner.example.evil.example'), cors)).toEqual({});
    expect(() => assertAllowedOrigin(from('https://evil.example'), cors)).toThrow(
      expect.objectContaining({ status: 403, code: 'forbidden_origin' }),
    );
  });

  test('preflight: 204 with CORS headers for an allowed origin', async () => {
    const response = preflightResponse(from('https://partner.example', 'OPTIONS'), cors);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://partner.example');
    expect(response.headers.get('access-control-max-age')).toBeTruthy();
  });

  test('preflight: 403 JSON error for a disallowed origin', async () => {
    const response = preflightResponse(from('https://evil.example', 'OPTIONS'), cors);
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const body = await response.json();
    expect(body.error.code).toBe('forbidden_origin');
    expect(body.error.message).toMatch(/ALLOWED_ORIGINS/);
  });

  test('same-origin requests are never blocked, even with no ALLOWED_ORIGINS', async () => {
    expect(() => assertAllowedOrigin(from(undefined), open)).not.toThrow();
    expect(() => assertAllowedOrigin(from('https://chat.example.com'), open)).not.toThrow();
    expect(preflightResponse(from('https://chat.example.com', 'OPTIONS'), open).status).toBe(204);
    // Behind a proxy the app may see an internal URL; the public Host header still counts.
    const proxied = new Request('http://10.0.0.5:3000/api/chat', {
      method: 'POST',
      headers: { origin: 'https://chat.example.com', 'x-forwarded-host': 'chat.example.com' },
    });
    expect(() => assertAllowedOrigin(proxied, open)).not.toThrow();
  });

  test('an opaque "null" origin is treated as foreign', () => {
    expect(() => assertAllowedOrigin(from('null'), cors)).toThrow(expect.objectContaining({ status: 403 }));
  });
});
