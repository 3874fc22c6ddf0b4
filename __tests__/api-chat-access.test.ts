import { OPTIONS } from '@/app/api/chat/route';
import { createSessionCookie } from '@/lib/http/access';
import { loadConfig } from '@/lib/config';
import { numberedWords, startAzureEmulator, type AzureEmulator } from './support/azure-emulator';
import { emulatorEnv, postChat, readErrorBody, readUiStream, useEnv } from './support/chat-client';
import { awayFromWindowEdge } from './support/rate-limit-window';

/**
 * The route's gatekeeping as a caller meets it: API keys for other frontends, the page's
 * session cookie, CORS for listed origins only, and the per-client rate limit.
 */

const API_KEY = 'access-test-upstream-key';
let emulator: AzureEmulator;
let restore: () => void;

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: API_KEY, scenario: { words: 3 } });
});
afterAll(() => emulator.close());
afterEach(() => restore?.());

let azure: Record<string, string | undefined>;
const noAccessSettings = { REDIS_URL: undefined, CHAT_API_KEYS: undefined, ALLOWED_ORIGINS: undefined, SESSION_SECRET: undefined };

beforeEach(() => {
  emulator.reset();
  azure = emulatorEnv(emulator, noAccessSettings);
});

describe('CHAT_API_KEYS', () => {
  beforeEach(() => {
    restore = useEnv({ ...azure, CHAT_API_KEYS: 'frontend-key-1,frontend-key-2' });
  });

  test('a programmatic caller without a key gets 401 and costs no tokens', async () => {
    const response = await postChat({ message: 'hi' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await readErrorBody(response)).code).toBe('unauthorized');
    expect(emulator.counters.requests).toBe(0);
  });

  test('a wrong key gets 401; a listed key gets the answer', async () => {
    const wrong = await postChat({ message: 'hi' }, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const right = await postChat({ message: 'hi' }, { headers: { authorization: 'Bearer frontend-key-2' } });
    expect((await readUiStream(right)).text).toBe(numberedWords(3));
  });

  test("the site's own page is let in by its signed session cookie", async () => {
    const setCookie = await createSessionCookie(loadConfig(process.env));
    const cookie = setCookie.split(';')[0];
    const response = await postChat({ message: 'hi' }, { headers: { cookie } });
    expect((await readUiStream(response)).text).toBe(numberedWords(3));

    const forged = await postChat({ message: 'hi' }, { headers: { cookie: `${cookie.slice(0, -4)}AAAA` } });
    expect(forged.status).toBe(401);
  });
});

describe('ALLOWED_ORIGINS', () => {
  beforeEach(() => {
    restore = useEnv({ ...azure, ALLOWED_ORIGINS: 'https://app.example.com' });
  });

  const preflight = (origin: string) =>
    OPTIONS(
      new Request('http://localhost/api/chat', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      }),
    );

  test('a listed origin passes the preflight and reads the stream', async () => {
    const answer = preflight('https://app.example.com');
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(answer.headers.get('access-control-allow-methods')).toContain('POST');

    const response = await postChat({ message: 'hi' }, { headers: { origin: 'https://app.example.com' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect((await readUiStream(response)).text).toBe(numberedWords(3));
  });

  test('another origin is refused before any work, with a JSON error', async () => {
    expect(preflight('https://evil.example').status).toBe(403);
    const response = await postChat({ message: 'hi' }, { headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect((await readErrorBody(response)).code).toBe('forbidden_origin');
    expect(emulator.counters.requests).toBe(0);
  });
});

describe('RATE_LIMIT_PER_MINUTE', () => {
  test('the client over budget gets 429 with Retry-After; another client is unaffected', async () => {
    restore = useEnv({ ...azure, RATE_LIMIT_PER_MINUTE: '2' });
    await awayFromWindowEdge();
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 2; i++) {
      expect((await readUiStream(await postChat({ message: 'hi' }, from('203.0.113.7')))).text).toBe(numberedWords(3));
    }
    const limited = await postChat({ message: 'hi' }, from('203.0.113.7'));
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await readErrorBody(limited)).code).toBe('rate_limited');

    const other = await postChat({ message: 'hi' }, from('198.51.100.1'));
    expect(other.status).toBe(200);
    await readUiStream(other);
    expect(emulator.counters.requests).toBe(3);
  });
});
