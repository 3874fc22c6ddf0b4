/**
 * The Azure Static Web Apps path that streams: the chat page built as static files
 * (`npm run build:static`), served with the staticwebapp.config.json the build writes by a
 * static host on one loopback origin, talking to the standalone API server on another origin
 * (ALLOWED_ORIGINS), in Chromium. The API is open (no CHAT_API_KEYS): a page on another origin
 * has no session cookie.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { numberedWords, startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { freePort } from '../support/free-port';
import { startAppServer, type AppServer } from './support/app-server';
import { launchChromium, saveScreenshot } from './support/browser';
import { projectRoot } from './support/build';
import { ChatPage } from './support/chat-page';
import { startStaticHost, type StaticHost } from './support/static-host';

jest.setTimeout(600_000);

const outDir = path.join(projectRoot, 'out');
let emulator: AzureEmulator;
let api: AppServer;
let site: StaticHost;
let browser: Browser;

/** The API port the page in out/ was built for, to reuse that build with E2E_SKIP_BUILD=1. */
function builtApiPort(): number | undefined {
  const configFile = path.join(outDir, 'staticwebapp.config.json');
  if (!existsSync(configFile)) return undefined;
  const policy: string = JSON.parse(readFileSync(configFile, 'utf8')).globalHeaders['Content-Security-Policy'];
  const port = /connect-src 'self' http:\/\/127\.0\.0\.1:(\d+)/.exec(policy)?.[1];
  return port ? Number(port) : undefined;
}

beforeAll(async () => {
  let apiPort = process.env.E2E_SKIP_BUILD === '1' ? builtApiPort() : undefined;
  if (!apiPort) {
    apiPort = await freePort();
    execFileSync(process.execPath, ['scripts/build-static.mjs'], {
      cwd: projectRoot,
      env: { ...process.env, NEXT_PUBLIC_CHAT_API_URL: `http://127.0.0.1:${apiPort}`, NEXT_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  const sitePort = await freePort();
  emulator = await startAzureEmulator({ apiKey: 'static-key' });
  api = await startAppServer({
    PORT: String(apiPort),
    AZURE_BASE_URL: emulator.url,
    AZURE_API_KEY: emulator.apiKey,
    AZURE_DEPLOYMENTS: 'gpt-static',
    AZURE_API: 'chat',
    ALLOWED_ORIGINS: `http://127.0.0.1:${sitePort}`,
  });
  site = await startStaticHost(outDir, sitePort);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await api?.stop();
  await emulator?.close();
});

test('the static page streams a reply from the API on another origin, under its static CSP', async () => {
  emulator.setScenario({ words: 40, tokensPerSecond: 15 });
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));

  const served = await page.goto(site.url);
  expect(served?.headers()['content-security-policy']).toContain(`connect-src 'self' ${api.url}`);
  const chat = new ChatPage(page);
  await chat.composer.waitFor();
  // The settings came from the API's /api/health: its deployment, not the demo model.
  expect(await page.getByLabel('Model').inputValue()).toBe('gpt-static');

  await chat.send('Count across origins');
  // Mid-reply: some words are on screen and the rest are still coming.
  await page.waitForFunction(() => /\bw5\b/.test(document.querySelector('[aria-label="Assistant reply"]')?.textContent ?? ''));
  expect(await chat.lastReplyText()).not.toContain('w40');
  await chat.waitForReplyEnd(30_000);
  expect((await chat.lastReplyText()).trim()).toBe(numberedWords(40));
  await saveScreenshot(page, 'static-export-cross-origin');

  expect(emulator.counters.completed).toBe(1);
  expect(problems).toEqual([]);
  await context.close();
});

test('a path that is not a file shows the chat page (the navigation fallback)', async () => {
  const response = await fetch(`${site.url}/some/conversation`);
  expect(response.status).toBe(200);
  expect(await response.text()).toContain('<html');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
});
