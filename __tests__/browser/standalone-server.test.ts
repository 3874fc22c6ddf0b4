/**
 * The server as the container runs it: `node server.js` in the assembled standalone folder
 * (what the Dockerfile copies), against the Azure wire emulator. Smoke tests of the API and the
 * page it serves, then SIGTERM on a real process in the middle of a real reply.
 */
import path from 'node:path';
import { startAzureEmulator, numberedWords, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { readUiStream } from '../support/chat-client';
import { startAppServer, type RunningAppServer } from './support/app-server';

jest.setTimeout(120_000);

let emulator: AzureEmulator;

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: 'standalone-key' });
});

afterAll(async () => {
  await emulator?.close();
});

beforeEach(() => emulator.reset());

function azureSettings(extra: Record<string, string> = {}): Record<string, string> {
  return { AZURE_BASE_URL: emulator.url, AZURE_API_KEY: emulator.apiKey, AZURE_DEPLOYMENTS: 'gpt-main', AZURE_API: 'chat', ...extra };
}

function chat(url: string, body: unknown, query = '', init: RequestInit = {}): Promise<Response> {
  return fetch(`${url}/api/chat${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...init });
}

const hello = (id?: string) => ({ ...(id ? { id } : {}), messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'Hello' }] }] });

/** Resolves with the exit code once the process ended (or rejects after `timeoutMs`). */
function exited(server: RunningAppServer, timeoutMs: number): Promise<number | null> {
  const child = server.process;
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not exit within ${timeoutMs} ms\n${server.output()}`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('the standalone folder, started with node server.js', () => {
  let server: RunningAppServer;
  beforeAll(async () => {
    server = await startAppServer(azureSettings());
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('answers the API in all three formats, streaming', async () => {
    emulator.setScenario({ words: 20, tokensPerSecond: 10 });
    const sse = await chat(server.url, hello());
    expect(sse.status).toBe(200);
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reply = await readUiStream(sse);
    expect(reply.text).toBe(numberedWords(20));
    // Progressive: the deltas arrived over the reply's two seconds, not in one piece at its end.
    expect(reply.deltaTimes.at(-1)! - reply.deltaTimes[0]).toBeGreaterThan(1_000);
    emulator.setScenario({ words: 20, tokensPerSecond: 40 });

    const text = await chat(server.url, { message: 'Hello' }, '?format=text');
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await text.text()).toBe(numberedWords(20));

    const json = await chat(server.url, { message: 'Hello' }, '?format=json');
    expect(await json.json()).toMatchObject({ text: numberedWords(20), model: 'gpt-main', finishReason: 'stop' });
  });

  test('serves the page with its scripts, styles and public files (copied in by the assemble script)', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self' 'nonce-/);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/_next\/static\/[^"]+\.(?:js|css))"/g)].map((match) => match[1]);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) expect((await fetch(server.url + asset)).status).toBe(200);
    expect((await fetch(`${server.url}/robots.txt`)).status).toBe(200);

    const health = await fetch(`${server.url}/api/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', mode: 'azure', deployments: ['gpt-main'] });
  });
});

/** /api/health once the signal has been handled (it is delivered asynchronously). */
async function healthWhenDraining(url: string): Promise<Response> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const response = await fetch(`${url}/api/health`);
    if (response.status !== 200 || Date.now() > deadline) return response;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('on a serverless host, a reply that outlives its connection is handed to the platform (waitUntil) until it ends', async () => {
  const preload = path.join(__dirname, 'support/fake-vercel-request-context.mjs');
  const server = await startAppServer(azureSettings({ NODE_OPTIONS: `--import ${preload}` }));
  try {
    // About 2 s of reply; the caller hangs up after the first event, as a closed tab does.
    emulator.setScenario({ words: 20, tokensPerSecond: 10 });
    const caller = new AbortController();
    const response = await chat(server.url, hello('chat-outliving'), '', { signal: caller.signal });
    await response.body!.getReader().read();
    caller.abort();
    await emulator.waitFor((counters) => counters.completed === 1, 10_000);
    // The promise kept the (simulated) function alive for the whole reply, not just the response.
    await waitForOutput(server, /\[waitUntil\] #\d+ settled after (\d+) ms/);
    const longest = Math.max(...[...server.output().matchAll(/\[waitUntil\] #\d+ settled after (\d+) ms/g)].map((match) => Number(match[1])));
    expect(longest).toBeGreaterThanOrEqual(1_500);
  } finally {
    await server.stop();
  }
});

async function waitForOutput(server: RunningAppServer, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!pattern.test(server.output())) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in the server output:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('SIGTERM', () => {
  test('a reply in flight completes, new chats get 503 with Retry-After, health says draining, exit code 0', async () => {
    const server = await startAppServer(azureSettings({ SHUTDOWN_GRACE_MS: '20000' }));
    try {
      // A reply of about 3 s: it is in the middle of streaming when the signal arrives.
      emulator.setScenario({ words: 30, tokensPerSecond: 10 });
      const inFlight = await chat(server.url, hello('chat-in-flight'));
      expect(inFlight.status).toBe(200);
      const reading = readUiStream(inFlight);
      await emulator.waitFor((counters) => counters.inFlight >= 1, 10_000);
      const signalled = Date.now();
      server.process.kill('SIGTERM');
      const exit = exited(server, 30_000);

      // Still listening while it drains, but taking no new work.
      const health = await healthWhenDraining(server.url);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'draining' });
      const refused = await chat(server.url, hello('chat-new'));
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await refused.json()).error.code).toBe('shutting_down');

      const reply = await reading;
      expect(reply.text).toBe(numberedWords(30));
      expect(reply.errors).toEqual([]);
      expect(reply.metadata.finishReason).toBe('stop');
      expect(await exit).toBe(0);
      // It left once the reply was done, well before the 20 s grace period ran out.
      expect(Date.now() - signalled).toBeLessThan(15_000);
      expect(emulator.counters.completed).toBe(1);
      expect(emulator.counters.requests).toBe(1);
    } finally {
      await server.stop();
    }
  });

  test('a chat still waiting for its first token when the signal arrives is answered in full too', async () => {
    const server = await startAppServer(azureSettings({ SHUTDOWN_GRACE_MS: '20000' }));
    try {
      // Thinking 2 s, then 3 s of reply: longer than the server would keep a connection that is no reply.
      emulator.setScenario({ words: 30, tokensPerSecond: 10, firstTokenDelayMs: 2_000 });
      const waiting = chat(server.url, hello('chat-waiting')).then((response) => readUiStream(response));
      await emulator.waitFor((counters) => counters.inFlight >= 1, 10_000);
      server.process.kill('SIGTERM');
      const exit = exited(server, 30_000);
      const reply = await waiting;
      expect(reply.text).toBe(numberedWords(30));
      expect(reply.errors).toEqual([]);
      expect(await exit).toBe(0);
    } finally {
      await server.stop();
    }
  });

  test('a reply longer than the grace period ends with an error event asking to retry, upstream cancelled, exit code 0', async () => {
    const server = await startAppServer(azureSettings({ SHUTDOWN_GRACE_MS: '1500' }));
    try {
      emulator.setScenario({ words: 200, tokensPerSecond: 10 });
      const inFlight = await chat(server.url, hello('chat-too-long'));
      const reading = readUiStream(inFlight);
      await emulator.waitFor((counters) => counters.inFlight >= 1, 10_000);
      const signalled = Date.now();
      server.process.kill('SIGTERM');

      const reply = await reading;
      expect(await exited(server, 20_000)).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(10_000);
      // What had arrived stays; the end says what happened and what to do.
      expect(reply.text).toMatch(/^w1 w2 w3/);
      expect(reply.text.length).toBeLessThan(numberedWords(200).length);
      expect(reply.errors).toHaveLength(1);
      expect(reply.errors[0]).toMatch(/restarted.*send the message again/i);
      await emulator.waitFor((counters) => counters.aborts >= 1, 5_000);
      expect(emulator.counters.completed).toBe(0);
    } finally {
      await server.stop();
    }
  });
});
