/**
 * The client endpoints under `next start`, where Next's routing, the proxy and the configured
 * headers apply: the OpenAI SDK (including a hang-up reaching Azure), the tutorials' endpoints
 * outside /api (untouched by the page proxy), the JSON 404 for unknown /api paths, and the
 * reference page's scripts under its Content-Security-Policy in Chromium.
 */
import OpenAI from 'openai';
import type { Browser } from 'playwright-core';
import { numberedWords, startAzureEmulator, type AzureEmulator } from '../support/azure-emulator';
import { startAppServer, type AppServer } from './support/app-server';
import { launchChromium } from './support/browser';

jest.setTimeout(120_000);

let emulator: AzureEmulator;
let server: AppServer;
let browser: Browser;

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: 'e2e-key' });
  server = await startAppServer({
    AZURE_BASE_URL: emulator.url,
    AZURE_API_KEY: emulator.apiKey,
    AZURE_DEPLOYMENTS: 'gpt-test',
    AZURE_API: 'responses',
    CHAT_API_KEYS: 'client-key',
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await emulator?.close();
});
beforeEach(() => emulator.reset());

const openai = () => new OpenAI({ baseURL: `${server.url}/api/v1`, apiKey: 'client-key', maxRetries: 0 });

test('the OpenAI SDK streams from next start, and hanging up aborts the Azure request', async () => {
  emulator.setScenario({ words: 8 });
  let text = '';
  for await (const chunk of await openai().chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }], stream: true })) {
    text += chunk.choices[0]?.delta.content ?? '';
  }
  expect(text).toBe(numberedWords(8));

  emulator.reset();
  emulator.setScenario({ words: 400, tokensPerSecond: 20 });
  const controller = new AbortController();
  const stream = await openai().responses.create({ model: 'gpt-test', input: 'hi', stream: true }, { signal: controller.signal });
  let events = 0;
  await (async () => {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- only the count matters
    for await (const _event of stream) if (++events === 6) controller.abort();
  })().catch(() => {});
  await emulator.waitFor((counters) => counters.aborts === 1, 10_000);
  expect(emulator.counters.completed).toBe(0);
});

test('the tutorial endpoints outside /api stream, with the key, and without the page proxy', async () => {
  emulator.setScenario({ words: 4 });
  const headers = { 'Content-Type': 'application/json', Authorization: 'Bearer client-key', Accept: 'text/html' };
  const guide = await fetch(`${server.url}/chat/stream`, { method: 'POST', headers, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) });
  expect(guide.status).toBe(200);
  expect(await guide.text()).toContain('data: [DONE]');
  const relay = await fetch(`${server.url}/v1/chat`, { method: 'POST', headers, body: JSON.stringify({ input: 'hi' }) });
  expect(await relay.text()).toMatch(/event: done\ndata: \[DONE\]\n\n$/);
  for (const response of [guide, relay]) {
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(response.headers.get('content-security-policy') ?? '').not.toContain('nonce-');
  }
  const refused = await fetch(`${server.url}/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  expect(refused.status).toBe(401);
  expect(typeof (await refused.json()).error).toBe('string');
});

test('an unknown /api path is the JSON 404 envelope, not the HTML page; known routes keep their answers', async () => {
  const unknown = await fetch(`${server.url}/api/v2/anything`);
  expect(unknown.status).toBe(404);
  expect(unknown.headers.get('content-type')).toMatch(/^application\/json/);
  expect((await unknown.json()).error.code).toBe('not_found');
  expect((await fetch(`${server.url}/api/chat`)).status).toBe(405);
  expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
});

test("/api/docs: its own policy admits the nonced scripts, which load the reference from this site's document", async () => {
  const response = await fetch(`${server.url}/api/docs`);
  const policy = response.headers.get('content-security-policy')!;
  expect(policy).toMatch(/script-src 'nonce-[^']+' https:\/\/cdn\.jsdelivr\.net/);
  expect(policy).not.toContain("default-src 'none'");

  const page = await browser.newPage();
  try {
    // No internet here: Scalar's bundle is answered with a stand-in that records what the page's
    // inline script asks of it and fetches the document as Scalar would.
    await page.route('https://cdn.jsdelivr.net/**', (route) =>
      route.fulfill({
        contentType: 'application/javascript',
        body: 'window.Scalar = { createApiReference(target, config) { window.scalarCall = { target, config }; fetch(config.url).then((r) => r.json()).then((doc) => { window.loadedTitle = doc.info.title; }); } };',
      }),
    );
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${server.url}/api/docs`);
    await page.waitForFunction(() => (window as unknown as { loadedTitle?: string }).loadedTitle, undefined, { timeout: 10_000 });
    const call = await page.evaluate(() => (window as unknown as { scalarCall: { target: string; config: { url: string } } }).scalarCall);
    expect(call).toMatchObject({ target: '#app', config: { url: '/api/openapi.json' } });
    expect(violations).toEqual([]);

    // A script without the nonce is refused: the policy is really in force.
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.body.append(script);
    });
    expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).toBeUndefined();
  } finally {
    await page.close();
  }
});
