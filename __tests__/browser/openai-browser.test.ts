import path from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import * as completions from '@/app/api/v1/chat/completions/route';
import { launchChromium } from './support/browser';
import { numberedWords, startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, useEnv } from '../support/chat-client';
import { startRouteServer, type RouteServer } from '../support/route-server';

/**
 * The OpenAI JS SDK in Chromium, on a page of another origin: its CORS preflight (with the
 * X-Stainless-* headers the SDK adds) must pass for origins in ALLOWED_ORIGINS and only for them.
 */

let emulator: AzureEmulator;
let api: RouteServer;
let otherSite: RouteServer;
let browser: Browser;
let restore: () => void;

// Chromium on a loaded two-core machine: page start-up alone can take seconds.
jest.setTimeout(60_000);

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: 'emulator-key-0123456789abcdef' });
  const bundle = await build({
    entryPoints: [path.join(__dirname, '..', 'fixtures', 'seed-clients', 'openai-browser-entry.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
  api = await startRouteServer({ '/api/v1/chat/completions': completions });
  otherSite = await startRouteServer({}, { '/': `<!doctype html><title>other site</title><script>${script}</script>` });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await otherSite?.close();
  await api?.close();
  await emulator?.close();
});
afterEach(() => restore?.());

async function streamFromOtherSite(): Promise<string> {
  const page = await browser.newPage();
  try {
    await page.goto(otherSite.url);
    return await page.evaluate(
      ([baseURL]) => (window as unknown as { streamFrom(url: string, key: string): Promise<string> }).streamFrom(baseURL, 'site-key'),
      [`${api.url}/api/v1`],
    );
  } finally {
    await page.close();
  }
}

test('an allowed origin streams through the SDK, preflight and all', async () => {
  restore = useEnv(emulatorEnv(emulator, { ALLOWED_ORIGINS: otherSite.url, CHAT_API_KEYS: 'site-key' }));
  emulator.setScenario({ words: 6 });
  expect(await streamFromOtherSite()).toBe(numberedWords(6));
});

test('an origin not in ALLOWED_ORIGINS is refused before the model is called', async () => {
  restore = useEnv(emulatorEnv(emulator, { ALLOWED_ORIGINS: 'https://someone-else.example', CHAT_API_KEYS: 'site-key' }));
  emulator.reset();
  await expect(streamFromOtherSite()).rejects.toThrow(/Connection error|Failed to fetch/i);
  expect(emulator.counters.requests).toBe(0);
});
