import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import path from 'node:path';
import { startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { buildForBrowserTests, e2eDistDir, newSecretScanKey, nextBin, projectRoot } from './support/build';
import { freePort } from '../support/free-port';

/**
 * Secrets (issue 4, point 7): the Azure key the server is given must never reach a client, a
 * log or the shipped assets. A real production build made with a known fake key, served by
 * `next start` with the same environment, is driven through success, every error path and the
 * page; then every response (bodies and headers), the server's whole output and every file of
 * the build that is served to browsers are searched for the key.
 *
 * The key is generated per run, so it exists in no file of the repository. One `next build`:
 * when the e2e globalSetup builds in this run it uses a fake key of its own and hands it over in
 * SECRET_SCAN_KEY / SECRET_SCAN_DIST_DIR (CI that builds by itself can set both the same way);
 * otherwise (a build it did not make, with E2E_SKIP_BUILD=1) this file rebuilds the same folder.
 */

const KEY_PREFIX = 'sk-fake-SECRET-';
const reused = process.env.SECRET_SCAN_KEY && process.env.SECRET_SCAN_DIST_DIR;
const AZURE_KEY = reused ? process.env.SECRET_SCAN_KEY! : newSecretScanKey();
const DIST_DIR = reused ? process.env.SECRET_SCAN_DIST_DIR! : e2eDistDir;
/** A second secret: the key other frontends use to call the API (CHAT_API_KEYS). */
const CLIENT_KEY = `client-fake-SECRET-${randomBytes(12).toString('hex')}`;
const DEPLOYMENTS = 'gpt-main,gpt-alt';
const BUILD_TIMEOUT_MS = 15 * 60_000;

/** The forms a leaked key could take: as is, its random part alone, URL-encoded, base64. */
function leakForms(secret: string): string[] {
  const randomPart = secret.slice(secret.lastIndexOf('-') + 1);
  return [secret, randomPart, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url')];
}
const FORMS = [...new Set([...leakForms(AZURE_KEY), ...leakForms(CLIENT_KEY)])];

function leaksIn(text: string): string[] {
  return FORMS.filter((form) => text.includes(form));
}

// Settings the app reads: none may leak in from the machine running the tests.
const APP_SETTING =
  /^(AZURE_|CHAT_API_KEYS$|ALLOWED_ORIGINS$|REDIS_URL$|SESSION_SECRET$|RATE_LIMIT_PER_MINUTE$|SYSTEM_PROMPT$|DEMO_|MAX_|UPSTREAM_|STREAM_COALESCE_|SECRET_SCAN_|LOG_LEVEL$|OTEL_|APPLICATIONINSIGHTS_|IDENTITY_)/;
const baseEnv = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !APP_SETTING.test(name)));

let emulator: AzureEmulator;
let emulatorPort: number;
let server: ChildProcess | undefined;
let serverUrl = '';
let serverLog = '';
let sessionCookie = '';

/** Every response of the server, as a client saw it: status line, headers and body. */
const transcript: { what: string; status: number; headers: string; body: string }[] = [];

async function call(what: string, pathname: string, init: RequestInit & { bearer?: string | null } = {}) {
  const { bearer = CLIENT_KEY, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (bearer) headers.set('authorization', `Bearer ${bearer}`);
  const response = await fetch(`${serverUrl}${pathname}`, { ...rest, headers, signal: AbortSignal.timeout(30_000) });
  const body = await response.text();
  const entry = { what, status: response.status, headers: JSON.stringify([...response.headers]), body };
  transcript.push(entry);
  return { ...entry, response };
}

/**
 * A page load as a browser's address bar makes it. Not with fetch: it sends its own
 * `Sec-Fetch-Mode: cors`, and the server issues sessions to navigations only.
 */
function navigate(what: string, pathname: string): Promise<{ status: number; body: string; setCookie?: string }> {
  return new Promise((resolve, reject) => {
    const headers = { accept: 'text/html', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
    get(`${serverUrl}${pathname}`, { headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        transcript.push({ what, status, headers: JSON.stringify(response.headers), body });
        resolve({ status, body, setCookie: response.headers['set-cookie']?.[0] });
      });
    }).on('error', reject);
  });
}

const chatBody = (text: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id: `chat-${randomBytes(4).toString('hex')}`, messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text }] }], ...extra });
const json = { 'content-type': 'application/json' };

/** Replaces the emulator by one on the same port that expects `apiKey`. */
async function restartEmulator(apiKey: string) {
  await emulator.close();
  emulator = await startAzureEmulator({ port: emulatorPort, apiKey });
}

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: AZURE_KEY });
  emulatorPort = emulator.port;
  const appEnv = {
    AZURE_BASE_URL: emulator.url,
    AZURE_API_KEY: AZURE_KEY,
    AZURE_DEPLOYMENTS: DEPLOYMENTS,
    AZURE_API: 'responses',
  };

  if (!reused) {
    try {
      serverLog += `--- next build ---\n${buildForBrowserTests(AZURE_KEY, 'pipe', { ...baseEnv(), ...appEnv, NODE_ENV: 'production' })}`;
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`next build failed: ${(error as Error).message}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`);
    }
  }

  const port = await freePort();
  serverUrl = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: projectRoot,
    env: {
      ...baseEnv(),
      ...appEnv,
      NODE_ENV: 'production',
      NEXT_DIST_DIR: DIST_DIR,
      NEXT_TELEMETRY_DISABLED: '1',
      CHAT_API_KEYS: CLIENT_KEY,
      RATE_LIMIT_PER_MINUTE: '40',
      UPSTREAM_TIMEOUT_MS: '4000',
      MAX_BODY_BYTES: '2000',
      STREAM_COALESCE_MS: '0',
      // Everything the server could log is in the log that is searched.
      LOG_LEVEL: 'trace',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (data) => (serverLog += data));
  server.stderr!.on('data', (data) => (serverLog += data));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`next start exited (${server.exitCode}):\n${serverLog}`);
    if (Date.now() > deadline) throw new Error(`next start did not answer within 60 s:\n${serverLog}`);
    const ok = await fetch(`${serverUrl}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}, BUILD_TIMEOUT_MS + 90_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    const force = setTimeout(() => server!.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(force);
  }
  await emulator?.close();
});

describe('a fake Azure key given to a production build', () => {
  test('the app really uses it: success, the page and health work in Azure mode', async () => {
    const health = await call('health', '/api/health', { bearer: null });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ mode: 'azure', deployments: ['gpt-main', 'gpt-alt'] });

    // A browser's top-level navigation: the only request a session cookie is issued to.
    const page = await navigate('page /', '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html');
    sessionCookie = (page.setCookie ?? '').split(';')[0];
    expect(sessionCookie).toMatch(/^chat_session=/);

    emulator.setScenario({ words: 30 });
    const streamed = await call('success: UI stream, API key', '/api/chat', { method: 'POST', headers: json, body: chatBody('hello') });
    expect(streamed.status).toBe(200);
    expect(streamed.body).toContain('w30');
    expect(streamed.body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    // The emulator only answers a request that carried the key: the key did reach Azure.
    expect(emulator.requests.at(-1)?.headers['api-key']).toBe(AZURE_KEY);

    const viaSession = await call('success: session cookie, text', '/api/chat?format=text', {
      method: 'POST',
      bearer: null,
      headers: { ...json, cookie: sessionCookie },
      body: chatBody('hi'),
    });
    expect(viaSession.status).toBe(200);
    expect(viaSession.body).toContain('w30');

    const asJson = await call('success: JSON', '/api/chat?format=json', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ message: 'hi', model: 'gpt-alt' }),
    });
    expect(asJson.status).toBe(200);
    expect(JSON.parse(asJson.body)).toMatchObject({ model: 'gpt-alt', finishReason: 'stop' });
  });

  test('every error path answers without it', async () => {
    const expectStatus = async (what: string, status: number, pathname: string, init: Parameters<typeof call>[2]) => {
      const answer = await call(what, pathname, init);
      expect({ what, status: answer.status }).toEqual({ what, status });
      return answer;
    };
    const post = (body: string, extra: Parameters<typeof call>[2] = {}) => ({ method: 'POST', headers: json, body, ...extra });

    await expectStatus('invalid JSON', 400, '/api/chat', post('{"message": '));
    await expectStatus('invalid body', 400, '/api/chat', post(JSON.stringify({ messages: [{ role: 'system', content: 'x' }] })));
    await expectStatus('unknown format', 400, '/api/chat?format=xml', post(JSON.stringify({ message: 'hi' })));
    await expectStatus('wrong content type', 415, '/api/chat', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    await expectStatus('too large', 413, '/api/chat', post(JSON.stringify({ message: 'x'.repeat(5000) })));
    await expectStatus('wrong method', 405, '/api/chat', { method: 'GET' });
    await expectStatus('unknown model', 404, '/api/chat', post(JSON.stringify({ message: 'hi', model: 'gpt-nope' })));
    await expectStatus('no API key', 401, '/api/chat', post(JSON.stringify({ message: 'hi' }), { bearer: null }));
    await expectStatus('wrong API key', 401, '/api/chat', post(JSON.stringify({ message: 'hi' }), { bearer: 'not-the-key' }));
    await expectStatus(
      'foreign origin',
      403,
      '/api/chat',
      post(JSON.stringify({ message: 'hi' }), { headers: { ...json, origin: 'https://evil.example' } }),
    );
    await expectStatus('preflight', 204, '/api/chat', { method: 'OPTIONS', bearer: null });
    await expectStatus('resume, nothing running', 204, '/api/chat/chat-none/stream', {});
    await expectStatus('resume, bad id', 400, '/api/chat/bad%20id/stream', {});
    await expectStatus('stop', 200, '/api/chat/chat-none/stop', { method: 'POST' });
    await expectStatus('missing page', 404, '/no-such-page', { bearer: null, headers: { accept: 'text/html' } });

    // Upstream failures. Retries wait for Retry-After (1 s) before surfacing the status.
    emulator.setScenario({ status: 429, retryAfterSeconds: 1 });
    await expectStatus('upstream 429', 429, '/api/chat', post(JSON.stringify({ message: 'hi' })));
    emulator.setScenario({ status: 500, retryAfterSeconds: 1 });
    const upstream500 = await call('upstream 500', '/api/chat', post(JSON.stringify({ message: 'hi' })));
    expect(upstream500.status).toBe(503);
    emulator.setScenario({ status: 503, retryAfterSeconds: 1 });
    await expectStatus('upstream 503', 503, '/api/chat', post(JSON.stringify({ message: 'hi' })));
    emulator.setScenario({ headersDelayMs: 6_000 });
    await expectStatus('upstream timeout', 504, '/api/chat', post(JSON.stringify({ message: 'hi' })));
    emulator.setScenario({ words: 20, dropAfterTokens: 5 });
    const dropped = await expectStatus('mid-stream drop', 200, '/api/chat', post(chatBody('hi')));
    expect(dropped.body).toContain('"type":"error"');
    emulator.setScenario({ words: 20, contentFilterAfterTokens: 3 });
    await expectStatus('content filter', 200, '/api/chat?format=text', post(JSON.stringify({ message: 'hi' })));

    // Azure refuses the key: the app must say so without repeating it.
    await restartEmulator(`other-${randomBytes(8).toString('hex')}`);
    try {
      const refused = await call('upstream 401', '/api/chat', post(JSON.stringify({ message: 'hi' })));
      expect(refused.status).toBe(502);
      expect(JSON.parse(refused.body).error.message).toContain('AZURE_API_KEY');
    } finally {
      await restartEmulator(AZURE_KEY);
    }

    // The client's own rate limit (40 per minute per address): spend it from one address (a
    // browser session, so the address is what counts). Up to 90 tries: a minute may turn over.
    let limited: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 90 && !limited; i++) {
      const answer = await call(
        'rate limit',
        '/api/chat',
        post('{}', { bearer: null, headers: { ...json, cookie: sessionCookie, 'x-forwarded-for': '203.0.113.9' } }),
      );
      if (answer.status === 429) limited = answer;
    }
    expect(limited?.response.headers.get('retry-after')).toMatch(/^\d+$/);

    // Every error was the documented JSON, never a stack trace.
    for (const entry of transcript.filter((e) => e.status >= 400 && e.what !== 'missing page')) {
      expect({ what: entry.what, body: JSON.parse(entry.body) }).toEqual({
        what: entry.what,
        body: { error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) },
      });
      expect(entry.body).not.toMatch(/\n\s+at |node_modules/);
    }
  }, 60_000);

  test('no response body or header carries it', () => {
    expect(transcript.length).toBeGreaterThan(30);
    const leaks = transcript.flatMap((entry) =>
      leaksIn(`${entry.headers}\n${entry.body}`).map((form) => `${entry.what} (${entry.status}) contains ${form}`),
    );
    expect(leaks).toEqual([]);
  });

  test('the server log does not carry it', async () => {
    // Give the last log lines (stream errors are logged as they happen) time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The log is not empty: one JSON line per request, at the most verbose level, the upstream
    // failures among them.
    const lines = serverLog
      .split('\n')
      .filter((line) => line.startsWith('{"level"'))
      .map((line) => JSON.parse(line) as { requestId?: string; errorCode?: string });
    expect(lines.filter((line) => line.requestId).length).toBeGreaterThan(30);
    expect(lines.some((line) => line.errorCode === 'upstream_error')).toBe(true);
    expect(leaksIn(serverLog)).toEqual([]);
  });

  test(`no file the build serves to browsers carries it (${DIST_DIR}/static, prerendered pages)`, () => {
    const distDir = path.join(projectRoot, DIST_DIR);
    const staticDir = path.join(distDir, 'static');
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
      );
    const staticFiles = walk(staticDir);
    expect(staticFiles.some((file) => file.endsWith('.js'))).toBe(true);
    // Prerendered output is sent to browsers as is, so it counts as shipped too.
    const appDir = path.join(distDir, 'server/app');
    const prerendered = existsSync(appDir) ? walk(appDir).filter((file) => /\.(html|rsc|body|meta)$/.test(file)) : [];
    const leaks = [...staticFiles, ...prerendered].flatMap((file) =>
      leaksIn(readFileSync(file).toString('latin1')).map((form) => `${path.relative(projectRoot, file)} contains ${form}`),
    );
    expect(leaks).toEqual([]);
  });

  test('the repository does not contain it', () => {
    const grep = (pattern: string) => {
      try {
        return execFileSync('git', ['grep', '-l', '-F', pattern], { cwd: projectRoot, encoding: 'utf8' }).trim().split('\n');
      } catch (error) {
        if ((error as { status?: number }).status === 1) return []; // no match
        throw error;
      }
    };
    expect(grep(AZURE_KEY)).toEqual([]);
    expect(grep(CLIENT_KEY)).toEqual([]);
    // The prefix names the generator of fake keys only, never a committed key.
    expect(grep(KEY_PREFIX).filter((file) => !['__tests__/browser/secrets.test.ts', '__tests__/browser/support/build.ts'].includes(file))).toEqual(
      [],
    );
  });
});
