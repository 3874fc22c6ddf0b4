import { NextRequest } from 'next/server';
import { unstable_doesMiddlewareMatch } from 'next/experimental/testing/server';
import { loadConfig } from '@/lib/config';
import { HttpError } from '@/lib/http/errors';
import { createClient } from 'redis';
import { authorize } from '@/lib/http/access';
import { assertAllowedOrigin, corsHeaders, preflightResponse } from '@/lib/http/cors';
import { SESSION_COOKIE, SESSION_SECRET_REDIS_KEY, SESSION_TTL_SECONDS, createSessionCookie, readSession } from '@/lib/http/session-cookie';
import { startRedisServer } from '../support/redis-server';
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
    await expect(authorize(chatRequest(), open)).resolves.toEqual({});
  });

  test('a configured API key lets a script in', async () => {
    const beta = await authorize(chatRequest({ authorization: 'Bearer sk-beta-456' }), locked);
    const alpha = await authorize(chatRequest({ authorization: 'bearer sk-alpha-123' }), locked);
    expect(beta).toEqual({ principal: expect.stringMatching(/^key:[0-9a-f]{32}$/) });
    // Each key is a principal of its own, named by a hash: the key itself is not in it.
    expect(alpha.principal).not.toBe(beta.principal);
    expect(beta.principal).not.toContain('sk-');
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
      await expect(authorize(chatRequest({ authorization: 'Bearer sk-from-env' }))).resolves.toMatchObject({
        principal: expect.stringMatching(/^key:/),
      });
      await expect(authorize(chatRequest())).rejects.toMatchObject({ status: 401 });
    } finally {
      if (saved === undefined) delete process.env.CHAT_API_KEYS;
      else process.env.CHAT_API_KEYS = saved;
    }
  });
});

describe('session cookie', () => {
  const page = 'https://chat.example.com/';

  test('is HttpOnly, Secure, SameSite=Lax, site-wide, expiring, and carries no key', async () => {
    const setCookie = await createSessionCookie(locked, { requestUrl: page });
    const attributes = setCookie.split('; ');
    expect(attributes[0]).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/', `Max-Age=${SESSION_TTL_SECONDS}`]));
    for (const key of KEYS.split(',')) expect(setCookie).not.toContain(key);
  });

  test('Secure follows COOKIE_SECURE, else the trusted proxy, else the scheme the page was asked with', async () => {
    const secure = async (env: Record<string, string>, requestUrl: string) =>
      /; Secure/.test(await createSessionCookie(loadConfig({ CHAT_API_KEYS: KEYS, ...env }), { requestUrl }));
    // Plain http without a proxy: local use, where browsers would drop a Secure cookie.
    expect(await secure({}, 'http://localhost:3000/')).toBe(false);
    expect(await secure({}, 'http://127.0.0.1:3000/')).toBe(false);
    expect(await secure({}, page)).toBe(true);
    // A TLS-terminating proxy that does not say X-Forwarded-Proto: https still gets a Secure cookie.
    expect(await secure({ TRUSTED_PROXY_HOPS: '1' }, 'http://chat.example.com/')).toBe(true);
    expect(await secure({ COOKIE_SECURE: 'true' }, 'http://10.0.0.5:3000/')).toBe(true);
    expect(await secure({ COOKIE_SECURE: 'false', TRUSTED_PROXY_HOPS: '1' }, page)).toBe(false);
  });

  test('lets the page that obtained it call the API, as a session of its own', async () => {
    const first = cookiePair(await createSessionCookie(locked, { requestUrl: page }));
    const second = cookiePair(await createSessionCookie(locked, { requestUrl: page }));
    const request = chatRequest({ cookie: `theme=dark; ${first}; other=1` });
    const access = await authorize(request, locked);
    expect(access).toEqual({ principal: expect.stringMatching(/^session:[A-Za-z0-9_-]{22}$/) });
    // Two browsers loading the page in the same second get two different sessions.
    expect((await authorize(chatRequest({ cookie: second }), locked)).principal).not.toBe(access.principal);
  });

  test('expires after its lifetime, with a message telling the user to reload', async () => {
    const issuedAt = Date.now() - (SESSION_TTL_SECONDS + 1) * 1000;
    const cookie = cookiePair(await createSessionCookie(locked, { requestUrl: page, now: issuedAt }));
    const request = chatRequest({ cookie });
    expect(await readSession(request, locked)).toBeUndefined();
    const error = await unauthorized(authorize(request, locked));
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/expired.*Reload/);
  });

  test('a cookie whose expiry or session id was edited is rejected', async () => {
    const cookie = cookiePair(await createSessionCookie(locked, { requestUrl: page }));
    const [name, value] = cookie.split('=');
    const [version, id, expiry, signature] = value.split('.');
    const extended = `${name}=${version}.${id}.${Number(expiry) + 365 * 24 * 3600}.${signature}`;
    const otherId = `${name}=${version}.${'A'.repeat(22)}.${expiry}.${signature}`;
    expect(await readSession(chatRequest({ cookie: extended }), locked)).toBeUndefined();
    expect(await readSession(chatRequest({ cookie: otherId }), locked)).toBeUndefined();
  });

  test.each(['', 'garbage', '123.abc', `${'9'.repeat(12)}.${'A'.repeat(43)}`, `v2.${'A'.repeat(22)}.${'9'.repeat(12)}.${'A'.repeat(43)}`])(
    'a malformed or forged cookie %j is just not a session',
    async (value) => {
      expect(await readSession(chatRequest({ cookie: `${SESSION_COOKIE}=${value}` }), locked)).toBeUndefined();
    },
  );

  test('a wrong API key is refused even alongside a valid session cookie', async () => {
    const cookie = cookiePair(await createSessionCookie(locked, { requestUrl: page }));
    const request = chatRequest({ cookie, authorization: 'Bearer sk-wrong' });
    await expect(authorize(request, locked)).rejects.toMatchObject({ status: 401 });
  });
});

describe('the session secret is never derived from the API keys', () => {
  type CookieModule = typeof import('@/lib/http/session-cookie') & { close: () => Promise<void> };
  /**
   * A fresh copy of the module: what another server process would have (its own globals), or
   * with `sameProcess` another bundle of the same process (the proxy and the routes are bundled
   * separately, so one process holds several copies of the module).
   */
  async function instance({ sameProcess = false } = {}): Promise<CookieModule> {
    if (!sameProcess) delete (globalThis as Record<symbol, unknown>)[Symbol.for('azure-streaming-chat.session-secrets')];
    let loaded!: CookieModule;
    await jest.isolateModulesAsync(async () => {
      const cookies = await import('@/lib/http/session-cookie');
      const { closeRedisClients } = await import('@/lib/storage/redis');
      loaded = { ...cookies, close: closeRedisClients };
    });
    return loaded;
  }
  type Config = ReturnType<typeof loadConfig>;
  const accepts = async (issuer: CookieModule, verifier: CookieModule, config: Config, verifierConfig: Config = config) => {
    const cookie = cookiePair(await issuer.createSessionCookie(config, { requestUrl: 'https://chat.example.com/' }));
    return (await verifier.readSession(chatRequest({ cookie }), verifierConfig)) !== undefined;
  };

  test('without SESSION_SECRET or Redis each process signs with its own random secret', async () => {
    const [a, b] = [await instance(), await instance()];
    // Same keys, yet a cookie from one process means nothing to the other: nothing to guess offline.
    expect(await accepts(a, a, locked)).toBe(true);
    expect(await accepts(a, b, locked)).toBe(false);
  });

  test('copies of the module in one process (the proxy and each route) sign with the same random secret', async () => {
    const [proxy, route] = [await instance(), await instance({ sameProcess: true })];
    expect(await accepts(proxy, route, locked)).toBe(true);
  });

  test('SESSION_SECRET: every instance with it accepts the cookies, whatever the keys', async () => {
    const withSecret = loadConfig({ CHAT_API_KEYS: KEYS, SESSION_SECRET: 'a-long-random-secret' });
    const [a, b] = [await instance(), await instance()];
    expect(await accepts(a, b, withSecret)).toBe(true);
    expect(await accepts(a, b, withSecret, loadConfig({ CHAT_API_KEYS: 'sk-new', SESSION_SECRET: 'a-long-random-secret' }))).toBe(true);
    expect(await accepts(a, b, withSecret, loadConfig({ CHAT_API_KEYS: KEYS, SESSION_SECRET: 'another-secret' }))).toBe(false);
  });

  test('with REDIS_URL two instances share one random secret through a real redis-server', async () => {
    const redis = await startRedisServer();
    const [a, b] = [await instance(), await instance()];
    try {
      const shared = loadConfig({ CHAT_API_KEYS: KEYS, REDIS_URL: redis.url });
      expect(await accepts(a, b, shared)).toBe(true);
      expect(await accepts(b, a, shared)).toBe(true);
      const client = createClient({ url: redis.url });
      await client.connect();
      const secret = await client.get(SESSION_SECRET_REDIS_KEY);
      client.destroy();
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      for (const key of KEYS.split(',')) expect(secret).not.toContain(key);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await redis.stop();
    }
  });
});

describe('proxy.ts issues the cookie to navigations to the chat page', () => {
  const saved = process.env.CHAT_API_KEYS;
  beforeEach(() => {
    process.env.CHAT_API_KEYS = KEYS;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.CHAT_API_KEYS;
    else process.env.CHAT_API_KEYS = saved;
  });

  /** What a browser sends when the user opens the page. */
  const navigation = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
  const pageLoad = (headers: Record<string, string> = {}, url = 'https://chat.example.com/') =>
    new NextRequest(url, { headers: { ...navigation, ...headers } });

  test('a first visit gets a session cookie that then opens the API', async () => {
    const response = await proxy(pageLoad());
    const setCookie = response.headers.get('set-cookie');
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=.*HttpOnly`));
    await expect(authorize(chatRequest({ cookie: cookiePair(setCookie!) }))).resolves.toMatchObject({
      principal: expect.stringMatching(/^session:/),
    });
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
    const cookie = cookiePair(await createSessionCookie(locked, { requestUrl: 'https://chat.example.com/' }));
    expect((await proxy(pageLoad({ cookie }))).headers.get('set-cookie')).toBeNull();
  });

  test('the open API issues sessions too: they are what a chat belongs to', async () => {
    delete process.env.CHAT_API_KEYS;
    const setCookie = (await proxy(pageLoad())).headers.get('set-cookie');
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    await expect(authorize(chatRequest({ cookie: cookiePair(setCookie!) }))).resolves.toMatchObject({
      principal: expect.stringMatching(/^session:/),
    });
  });

  test.each([
    ['a plain GET asking for HTML (curl, a script)', { 'sec-fetch-mode': '', 'sec-fetch-dest': '' }, '/'],
    ['a fetch()', { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' }, '/'],
    ['a frame', { 'sec-fetch-dest': 'iframe' }, '/'],
    ['a link prefetch', { 'next-router-prefetch': '1' }, '/'],
    ['a speculative prefetch', { purpose: 'prefetch' }, '/'],
    ['a navigation to a page that does not exist', {}, '/no-such-page'],
  ])('no cookie for %s', async (_label, headers, path) => {
    const response = await proxy(pageLoad(headers, `https://chat.example.com${path}`));
    expect(response.headers.get('set-cookie')).toBeNull();
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

  test('prefetched pages get their CSP too', async () => {
    const prefetches: Record<string, string>[] = [{ 'next-router-prefetch': '1' }, { purpose: 'prefetch' }, { 'sec-purpose': 'prefetch' }];
    for (const headers of prefetches) {
      expect(unstable_doesMiddlewareMatch({ config: proxyConfig, url: '/', headers })).toBe(true);
      const response = await proxy(pageLoad(headers));
      expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self' 'nonce-/);
    }
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
    // The chat token, and the X-Stainless-* headers the OpenAI SDKs send from browsers too.
    expect(headers['Access-Control-Allow-Headers']).toMatch(/^Authorization, Content-Type, Accept, X-Chat-Token, X-Stainless-Arch, /);
    // A page on another origin must be able to read the chat token it is handed.
    expect(headers['Access-Control-Expose-Headers']).toMatch(/X-Chat-Token/);
    expect(headers['Access-Control-Allow-Methods']).toBe('POST, GET, OPTIONS');
    expect(headers['Access-Control-Expose-Headers']).toMatch(/Retry-After/);
    expect(headers).not.toHaveProperty('Access-Control-Allow-Credentials');
    // Configured with different case and a trailing slash: still the same origin.
    expect(corsHeaders(from('https://other.example'), cors)['Access-Control-Allow-Origin']).toBe('https://other.example');
  });

  test('other origins get no CORS headers and are refused', () => {
    expect(corsHeaders(from('https://evil.example'), cors)).toEqual({});
    expect(corsHeaders(from('https://partner.example.evil.example'), cors)).toEqual({});
    expect(() => assertAllowedOrigin(from('https://evil.example'), cors)).toThrow(expect.objectContaining({ status: 403, code: 'forbidden_origin' }));
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
