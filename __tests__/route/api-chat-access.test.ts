import { OPTIONS } from '@/app/api/chat/route';
import * as stopRoute from '@/app/api/chat/[id]/stop/route';
import { createSessionCookie } from '@/lib/http/session-cookie';
import { loadConfig } from '@/lib/config';
import { numberedWords, startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, postChat, readErrorBody, readUiStream, useEnv } from '../support/chat-client';
import { awayFromWindowEdge } from '../support/rate-limit-window';

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
const noAccessSettings = {
  REDIS_URL: undefined,
  CHAT_API_KEYS: undefined,
  ALLOWED_ORIGINS: undefined,
  SESSION_SECRET: undefined,
  TRUSTED_PROXY_HOPS: undefined,
};

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
    const setCookie = await createSessionCookie(loadConfig(process.env), { requestUrl: 'https://chat.example.com/' });
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

/**
 * The client's identity comes from the X-Forwarded-For the server entry hands the app: it
 * appends the socket address to whatever the client sent, as a reverse proxy does. These
 * requests carry the header exactly as it would then arrive.
 */
describe('client identity cannot be chosen by the client', () => {
  const from = (forwardedFor: string, extra: Record<string, string> = {}) => ({
    headers: { 'x-forwarded-for': forwardedFor, ...extra },
  });
  const statuses = async (requests: { headers: Record<string, string> }[]) => {
    const result: number[] = [];
    for (const options of requests) {
      const response = await postChat({ message: 'hi' }, options);
      result.push(response.status);
      await response.body?.cancel();
    }
    return result;
  };

  test('0 hops: a spoofed X-Forwarded-For (or X-Real-IP, X-Client-IP) does not buy a fresh budget', async () => {
    restore = useEnv({ ...azure, RATE_LIMIT_PER_MINUTE: '3' });
    await awayFromWindowEdge();
    // The attacker rotates what it writes; the server entry appends the real socket address.
    const spoofed = Array.from({ length: 6 }, (_, i) =>
      from(`10.0.0.${i}, 127.0.0.1`, { 'x-real-ip': `10.1.0.${i}`, 'x-client-ip': `10.2.0.${i}`, 'x-azure-clientip': `10.3.0.${i}` }),
    );
    expect(await statuses(spoofed)).toEqual([200, 200, 200, 429, 429, 429]);
    // Another socket address is another client.
    expect(await statuses([from('10.0.0.1, 192.0.2.44')])).toEqual([200]);
    expect(emulator.counters.requests).toBe(4);
  });

  test('1 hop: the address our own proxy saw counts, whatever the client wrote before it', async () => {
    restore = useEnv({ ...azure, RATE_LIMIT_PER_MINUTE: '2', TRUSTED_PROXY_HOPS: '1' });
    await awayFromWindowEdge();
    // "<client's own text>, <client address as our proxy appended it>, <proxy's socket address>"
    const sameClient = Array.from({ length: 4 }, (_, i) => from(`10.0.0.${i}, 203.0.113.9, 10.0.0.2`));
    expect(await statuses(sameClient)).toEqual([200, 200, 429, 429]);
    expect(await statuses([from('203.0.113.10, 10.0.0.2'), from('203.0.113.11:5123, 10.0.0.2')])).toEqual([200, 200]);
  });

  test('replies in flight are capped per client, and a finished one frees its place', async () => {
    restore = useEnv({ ...azure, MAX_REPLIES_IN_FLIGHT: '2' });
    emulator.setScenario({ words: 200, tokensPerSecond: 20 });
    const client = from('192.0.2.7');
    const conversation = (id: string) => ({ id, messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] });
    const first = await postChat(conversation('in-flight-1'), client);
    const second = await postChat(conversation('in-flight-2'), client);
    expect([first.status, second.status]).toEqual([200, 200]);
    // Hanging up does not free the place: a conversation reply keeps generating for a resume.
    await first.body!.cancel();
    const third = await postChat(conversation('in-flight-3'), client);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBeTruthy();
    expect((await readErrorBody(third)).message).toMatch(/at most 2/);
    // Another client is not affected.
    const other = await postChat({ message: 'hi' }, from('192.0.2.8'));
    expect(other.status).toBe(200);
    await other.body!.cancel();
    // Stopping a reply (with the chat token the server handed this token-less client) frees its place.
    const stop = (id: string, response: Response) =>
      stopRoute.POST(
        new Request(`http://localhost/api/chat/${id}/stop`, {
          method: 'POST',
          headers: { ...client.headers, 'x-chat-token': response.headers.get('x-chat-token')! },
        }),
        { params: Promise.resolve({ id }) },
      );
    expect(await (await stop('in-flight-1', first)).json()).toEqual({ stopped: true });
    await emulator.waitFor((c) => c.aborts === 1);
    let fourth = await postChat({ message: 'hi' }, client);
    for (let i = 0; fourth.status === 429 && i < 40; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      fourth = await postChat({ message: 'hi' }, client);
    }
    expect(fourth.status).toBe(200);
    await fourth.body!.cancel();
    await second.body!.cancel();
    expect(await (await stop('in-flight-2', second)).json()).toEqual({ stopped: true });
  });
});
