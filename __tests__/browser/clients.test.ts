/**
 * The client endpoints under `next start`, where Next's routing, the proxy and the configured
 * headers apply: the OpenAI SDK (including a hang-up reaching Azure), the tutorials' endpoints
 * outside /api (untouched by the page proxy), the JSON 404 for unknown /api paths, and the
 * reference page: the real Scalar, served by this site, under the page's Content-Security-Policy
 * in Chromium, with no request leaving the site.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import OpenAI from 'openai';
import type { Browser } from 'playwright-core';
import { numberedWords, startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { startAppServer, type AppServer } from './support/app-server';
import { launchChromium, saveScreenshot } from './support/browser';
import { e2eDistDir, projectRoot } from './support/build';

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
  for await (const chunk of await openai().chat.completions.create({
    model: 'gpt-test',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  })) {
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
  const guide = await fetch(`${server.url}/chat/stream`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
  });
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

const SCALAR_BUNDLE = 'node_modules/@scalar/api-reference/dist/browser/standalone.js';
const isLoopback = (url: URL) => ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);

test('/api/docs: the real Scalar, from this site, renders every operation under the page policy, and no request leaves the site', async () => {
  const response = await fetch(`${server.url}/api/docs`);
  const policy = response.headers.get('content-security-policy')!;
  expect(policy).toMatch(/(^|; )script-src 'nonce-[^' ]+'(;|$)/);
  expect(policy).not.toMatch(/https?:/);
  expect(policy).not.toContain("default-src 'none'");
  const openapi = await (await fetch(`${server.url}/api/openapi.json`)).json();
  const summaries = Object.values(openapi.paths as Record<string, Record<string, { summary: string }>>).flatMap((operations) =>
    Object.values(operations).map((operation) => operation.summary),
  );

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // Every request the page and its workers make, wherever bound; one bound off loopback fails at
  // once (there is no internet here), and is still recorded.
  const requests: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  await context.route(
    (url) => !isLoopback(url),
    (route) => route.abort(),
  );
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  try {
    await page.goto(`${server.url}/api/docs`);
    // What a reader sees: the document's title, and each operation by its summary.
    await page.getByRole('heading', { name: openapi.info.title }).first().waitFor({ timeout: 60_000 });
    for (const summary of summaries) {
      await page.getByText(summary, { exact: true }).first().waitFor({ state: 'attached', timeout: 10_000 });
    }
    await page.waitForLoadState('networkidle');
    await saveScreenshot(page, 'api-docs');
    // "Test Request": Scalar's built-in client calls this site directly (no proxy elsewhere). The
    // reference renders operations as they scroll into view: go there from the sidebar first.
    await page.getByText(openapi.paths['/api/health'].get.summary, { exact: true }).first().click();
    await page.getByRole('button', { name: /^Test Request.*get \/api\/health/ }).click({ timeout: 30_000 });
    const dialog = page.getByRole('dialog');
    const health = page.waitForResponse(`${server.url}/api/health`, { timeout: 30_000 });
    await dialog.getByRole('button', { name: /^Send Request/ }).click();
    expect((await health).status()).toBe(200);
    await dialog.getByText('200 OK').first().waitFor({ timeout: 10_000 });
    await saveScreenshot(page, 'api-docs-test-request');
    // Links off the site (Scalar's attribution, MDN on status codes) hand nobody this site's URL,
    // as "Open API Client" (client.scalar.com?url=<the document>) would.
    const links = await page.evaluate(() => [...document.querySelectorAll('a[href]')].map((a) => (a as HTMLAnchorElement).href));
    const offSite = links.filter((href) => new URL(href).origin !== server.url);
    expect(offSite.length).toBeGreaterThan(0);
    expect(offSite.filter((href) => decodeURIComponent(href).includes(server.url))).toEqual([]);

    const fetched = requests.filter((url) => !/^(data|blob):/.test(url));
    expect(fetched.filter((url) => new URL(url).origin !== server.url)).toEqual([]);
    expect(fetched).toEqual(
      expect.arrayContaining([
        `${server.url}/api/docs`,
        expect.stringMatching(/\/api\/docs\/scalar\/api-reference-[\d.]+\.js$/),
        `${server.url}/api/openapi.json`,
      ]),
    );
    expect(problems).toEqual([]);

    // A script without the nonce is refused: the policy is really in force.
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.body.append(script);
    });
    expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).toBeUndefined();
  } finally {
    await context.close();
  }
});

/** A GET with the path sent exactly as written (fetch would resolve `..` before sending). */
function rawGet(origin: string, target: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(origin, { path: target }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, type: response.headers['content-type'] ?? '', body }));
      })
      .on('error', reject);
  });
}

test("Scalar's bundle under next start: the installed file, cacheable for good; every other name under it is the JSON 404", async () => {
  const html = await (await fetch(`${server.url}/api/docs`)).text();
  const bundlePath = html.match(/<script src="(\/api\/docs\/scalar\/[^"]+)"/)![1];
  const bundle = await fetch(`${server.url}${bundlePath}`);
  expect(bundle.status).toBe(200);
  expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect(bundle.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect(Buffer.from(await bundle.arrayBuffer()).equals(readFileSync(path.join(projectRoot, SCALAR_BUNDLE)))).toBe(true);

  for (const target of [
    '/api/docs/scalar/standalone.js',
    '/api/docs/scalar/package.json',
    '/api/docs/scalar/..%2Fpackage.json',
    '/api/docs/scalar/..%2F..%2F..%2F..%2F..%2Fpackage.json',
    '/api/docs/scalar/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json',
    '/api/docs/scalar/..%5C..%5Cpackage.json',
    '/api/docs/scalar/..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd',
    `${bundlePath}/..%2F..%2Fpackage.json`,
    `${bundlePath}.map`,
  ]) {
    const answer = await rawGet(server.url, target);
    expect({ target, status: answer.status, type: answer.type }).toEqual({ target, status: 404, type: expect.stringMatching(/^application\/json/) });
    expect(JSON.parse(answer.body).error.code).toBe('not_found');
  }
  // Dot segments, even encoded, are resolved by Next before routing: this one leaves /api (the
  // site's 404 page), and no file is read for it either.
  const resolved = await rawGet(server.url, '/api/docs/scalar/%2e%2e/%2e%2e/%2e%2e/%2e%2e/package.json');
  expect(resolved.status).toBe(404);
  expect(resolved.body).not.toContain('"version"');
});

test('the build output carries the bundle for the reference routes (as a standalone server needs)', () => {
  for (const route of ['api/docs/route', 'api/docs/scalar/[file]/route']) {
    const traceFile = path.join(projectRoot, e2eDistDir, 'server/app', `${route}.js.nft.json`);
    const traced: string[] = JSON.parse(readFileSync(traceFile, 'utf8')).files.map((file: string) => path.resolve(path.dirname(traceFile), file));
    expect(traced).toEqual(
      expect.arrayContaining([path.join(projectRoot, 'node_modules/@scalar/api-reference/package.json'), path.join(projectRoot, SCALAR_BUNDLE)]),
    );
  }
});
