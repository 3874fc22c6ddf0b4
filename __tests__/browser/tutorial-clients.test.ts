import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import * as apiChatStream from '@/app/api/chat/stream/route';
import * as chatStream from '@/app/chat/stream/route';
import * as relay from '@/app/v1/chat/route';
import { launchChromium } from './support/browser';
import { numberedWords, startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, useEnv } from '../support/chat-client';
import { startRouteServer, type RouteServer } from '../support/route-server';

/**
 * The clients of the tutorials this product grew out of (../shared/seeds), run unchanged but for
 * the host against the app's tutorial endpoints, which answer from the Azure emulator: the curl
 * commands as commands, the streaming guide's fetch function and React component in Chromium.
 */

const run = promisify(execFile);
const SEEDS = path.join(__dirname, '..', 'fixtures', 'seed-clients');

let emulator: AzureEmulator;
let server: RouteServer;
let browser: Browser;
let restore: () => void;

async function reactBundle(): Promise<string> {
  const result = await build({
    entryPoints: [path.join(SEEDS, '002-react-entry.tsx')],
    bundle: true,
    write: false,
    format: 'iife',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: 'emulator-key-0123456789abcdef' });
  const fetchClient = readFileSync(path.join(SEEDS, '002-fetch-client.js'), 'utf8');
  // Closing tags inside the bundle's strings would end the inline script early.
  const react = (await reactBundle()).replace(/<\/script/gi, '<\\/script');
  server = await startRouteServer(
    { '/api/chat/stream': apiChatStream, '/chat/stream': chatStream, '/v1/chat': relay },
    {
      '/fetch-client': `<!doctype html><div id="output"></div><script>${fetchClient}</script>`,
      '/react-client': `<!doctype html><div id="root"></div><script>${react}</script>`,
    },
  );
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await emulator?.close();
});
beforeEach(() => {
  emulator.reset();
  restore = useEnv(emulatorEnv(emulator, { AZURE_API: 'responses', SYSTEM_PROMPT: 'OPERATOR PROMPT', CLIENT_SYSTEM_MESSAGES: undefined }));
});
afterEach(() => restore?.());

const post = (route: string, body: unknown) =>
  fetch(`${server.url}${route}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('003 (Express + React): POST /api/chat/stream with { message } → plain text', () => {
  test("the tutorial's curl prints the reply as it streams", async () => {
    emulator.setScenario({ words: 10 });
    const { stdout } = await run('curl', [
      '-X',
      'POST',
      `${server.url}/api/chat/stream`,
      '-H',
      'Content-Type: application/json',
      '-d',
      '{"message": "Count from 1 to 10 slowly"}',
      '--no-buffer',
      '--silent',
    ]);
    expect(stdout).toBe(numberedWords(10));
  });

  test('a fetch reader gets text/plain in several pieces', async () => {
    emulator.setScenario({ words: 30, tokensPerSecond: 100 });
    const response = await post('/api/chat/stream', { message: 'hi' });
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const pieces: string[] = [];
    const decoder = new TextDecoder();
    for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) pieces.push(decoder.decode(bytes, { stream: true }));
    expect(pieces.join('')).toBe(numberedWords(30));
    expect(pieces.length).toBeGreaterThan(2);
  });

  test('errors as the tutorial writes them: a status with { error } before, a trailing [Error: …] line after', async () => {
    const empty = await post('/api/chat/stream', { message: '' });
    expect(empty.status).toBe(400);
    const body = await empty.json();
    expect(typeof body.error).toBe('string');
    expect(body.error).toContain('Message is required');

    emulator.setScenario({ words: 20, dropAfterTokens: 4 });
    const dropped = await (await post('/api/chat/stream', { message: 'hi' })).text();
    expect(dropped).toBe(`${numberedWords(4)}\n[Error: The connection to Azure OpenAI was lost before the reply was complete.]`);
  });
});

describe('002 (streaming guide): { messages } → data: {"content"} events', () => {
  test("the guide's fetch client (Chromium) fills #output from /chat/stream, system message included", async () => {
    emulator.setScenario({ words: 15 });
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}/fetch-client`);
      await page.evaluate(() =>
        (window as unknown as { streamChat(messages: unknown[]): Promise<void> }).streamChat([
          { role: 'system', content: 'You are helpful.' },
          { role: 'user', content: 'What is cloud computing?' },
        ]),
      );
      expect(await page.textContent('#output')).toBe(numberedWords(15));
    } finally {
      await page.close();
    }
    const sent = JSON.stringify(emulator.requests.at(-1)!.body);
    expect(sent.indexOf('You are helpful.')).toBeGreaterThan(sent.indexOf('OPERATOR PROMPT'));
  });

  test("the guide's React component (Chromium) shows the reply streamed from /api/chat/stream", async () => {
    emulator.setScenario({ words: 40, tokensPerSecond: 80 });
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}/react-client`);
      await page.fill('input', 'Hello');
      await page.click('button[type=submit]');
      // While it streams the button says so, then the whole reply stands in the assistant bubble.
      await page.waitForSelector('button:has-text("Streaming...")');
      await page.waitForSelector('button:has-text("Send")', { timeout: 15_000 });
      expect(await page.textContent('.message.assistant p')).toBe(numberedWords(40));
      expect(await page.textContent('.message.user p')).toBe('Hello');
    } finally {
      await page.close();
    }
  });

  /** The `data:` payloads of an SSE body, in order. */
  const dataOf = (body: string) =>
    body
      .split('\n\n')
      .filter(Boolean)
      .map((event) => {
        expect(event.startsWith('data: ')).toBe(true);
        return event.slice(6);
      });
  const contentOf = (data: string[]) => data.map((each) => JSON.parse(each).content).join('');

  test.each(['/chat/stream', '/api/chat/stream'])('%s: the events, [DONE], and errors before and after the start', async (route) => {
    emulator.setScenario({ words: 8 });
    const ok = await post(route, { messages: [{ role: 'user', content: 'hi' }] });
    expect(ok.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const data = dataOf(await ok.text());
    expect(data.at(-1)).toBe('[DONE]');
    expect(contentOf(data.slice(0, -1))).toBe(numberedWords(8));

    const invalid = await post(route, { messages: [] });
    expect(invalid.status).toBe(400);
    expect(typeof (await invalid.json()).error).toBe('string');

    emulator.setScenario({ words: 20, dropAfterTokens: 2 });
    const dropped = dataOf(await (await post(route, { messages: [{ role: 'user', content: 'hi' }] })).text());
    expect(JSON.parse(dropped.at(-1)!)).toEqual({ error: 'The connection to Azure OpenAI was lost before the reply was complete.' });
    expect(contentOf(dropped.slice(0, -1))).toBe(numberedWords(2));

    emulator.setScenario({ status: 500, retryAfterSeconds: 0 });
    const unavailable = await post(route, { messages: [{ role: 'user', content: 'hi' }] });
    expect(unavailable.status).toBe(503);
    expect((await unavailable.json()).error).toMatch(/Azure OpenAI is unavailable/);
  });
});

describe('000/001 (Express relay): POST /v1/chat with { input } → the Responses event stream', () => {
  test("the tutorial's curl gets response.created … output_text deltas … response.completed, then event: done", async () => {
    emulator.setScenario({ words: 6 });
    const { stdout } = await run('curl', [
      '-N',
      '-H',
      'Content-Type: application/json',
      '-X',
      'POST',
      `${server.url}/v1/chat`,
      '-d',
      '{\n"input": "what are things I should do in Coyhaique, Chile. explain briefly? short and simple"\n}',
      '--silent',
    ]);
    const events = stdout.split('\n\n').filter(Boolean);
    const data = events.filter((event) => event.includes('data: {')).map((event) => JSON.parse(event.slice(event.indexOf('data: ') + 6)));
    expect(data[0]).toMatchObject({
      type: 'response.created',
      sequence_number: 0,
      response: { object: 'response', status: 'in_progress', model: 'gpt-main' },
    });
    expect(
      data
        .filter((event) => event.type === 'response.output_text.delta')
        .map((event) => event.delta)
        .join(''),
    ).toBe(numberedWords(6));
    expect(data.at(-1)).toMatchObject({
      type: 'response.completed',
      response: { status: 'completed', output: [{ content: [{ text: numberedWords(6) }] }] },
    });
    expect(events.at(-1)).toBe('event: done\ndata: [DONE]');
  });

  test('errors: a status with { error } before the stream', async () => {
    const response = await post('/v1/chat', { input: '' });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toContain('input must not be empty');
  });
});
