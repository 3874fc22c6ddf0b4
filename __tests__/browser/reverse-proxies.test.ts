/**
 * The standalone server behind real reverse proxies: Debian's nginx with a stock-looking site
 * (proxy_buffering on, the default; gzip on for text types including event streams; a 2 s
 * read timeout), the shipped deploy/nginx.conf, and the shipped deploy/Caddyfile. Through each,
 * replies must arrive progressively in every streaming format and on resume, a caller's
 * hang-up must still cancel the Azure request, and Stop must work.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultChatTransport, type UIMessageChunk } from 'ai';
import { numberedWords, startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { readUiStream } from '../support/chat-client';
import { startAppServer, type RunningAppServer } from './support/app-server';
import { projectRoot } from './support/build';
import { STOCK_NGINX_SITE, startCaddy, startNginx, type ReverseProxy } from './support/reverse-proxy';

jest.setTimeout(120_000);

/** A shipped config with its listen address and upstream made placeholders (and proof they were there). */
function shipped(file: string, replacements: [string, string][]): string {
  let text = readFileSync(path.join(projectRoot, 'deploy', file), 'utf8');
  for (const [from, to] of replacements) {
    expect(text).toContain(from);
    text = text.replaceAll(from, to);
  }
  return text;
}

let emulator: AzureEmulator;
let app: RunningAppServer;

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: 'proxy-key' });
  app = await startAppServer({
    AZURE_BASE_URL: emulator.url,
    AZURE_API_KEY: emulator.apiKey,
    AZURE_DEPLOYMENTS: 'gpt-main',
    AZURE_API: 'chat',
    // Shorter than the stock site's 2 s read timeout, so a silent model keeps the line open.
    STREAM_HEARTBEAT_MS: '500',
  });
});

afterAll(async () => {
  await app?.stop();
  await emulator?.close();
});

beforeEach(() => emulator.reset());

const upstream = () => new URL(app.url).host;
const body = (id?: string) => ({ ...(id ? { id } : {}), messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'Count' }] }] });

function post(url: string, payload: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload), ...init });
}

/** How many separate moments (50 ms apart or more) pieces of a reply arrived at. */
function distinctArrivals(times: number[]): number {
  return times.filter((time, i) => i === 0 || time - times[i - 1] >= 50).length;
}

async function readTextTimed(response: Response): Promise<{ text: string; times: number[] }> {
  const started = performance.now();
  const decoder = new TextDecoder();
  let text = '';
  const times: number[] = [];
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(bytes, { stream: true });
    times.push(performance.now() - started);
  }
  return { text, times };
}

describe.each([
  ['stock nginx (buffering on, gzip on for event streams)', true, () => startNginx(STOCK_NGINX_SITE, upstream())],
  [
    'deploy/nginx.conf',
    false,
    () =>
      startNginx(
        shipped('nginx.conf', [
          ['listen 80;', 'listen LISTEN;'],
          ['127.0.0.1:3000', 'UPSTREAM'],
        ]),
        upstream(),
      ),
  ],
  [
    'deploy/Caddyfile',
    false,
    () =>
      startCaddy(
        shipped('Caddyfile', [
          [':80 {', 'LISTEN {'],
          ['127.0.0.1:3000', 'UPSTREAM'],
        ]),
        upstream(),
      ),
  ],
])('behind %s', (_name, compressesStreams, start) => {
  let proxy: ReverseProxy;
  beforeAll(async () => {
    proxy = await start();
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  test('the SSE and text formats arrive progressively, token events intact', async () => {
    emulator.setScenario({ words: 20, tokensPerSecond: 10 });
    const response = await post(proxy.url, body());
    // Compressed only where a stock config compresses event streams; still flushed per event.
    expect(response.headers.get('content-encoding') ?? 'none').toBe(compressesStreams ? 'gzip' : 'none');
    const sse = await readUiStream(response);
    expect(sse.text).toBe(numberedWords(20));
    expect(distinctArrivals(sse.deltaTimes)).toBeGreaterThanOrEqual(8);
    expect(sse.deltaTimes.at(-1)! - sse.deltaTimes[0]).toBeGreaterThan(1_000);

    const text = await readTextTimed(
      await post(`${proxy.url}`, { message: 'Count' }, { headers: { 'content-type': 'application/json', accept: 'text/plain' } }),
    );
    expect(text.text).toBe(numberedWords(20));
    expect(distinctArrivals(text.times)).toBeGreaterThanOrEqual(8);
  });

  test('resuming a reply streams the rest live', async () => {
    emulator.setScenario({ words: 30, tokensPerSecond: 10 });
    const chatId = `resume-${Date.now()}`;
    const response = await post(proxy.url, body(chatId));
    // A caller with neither key nor cookie owns its chat through the token it was handed.
    const owner = { 'x-chat-token': response.headers.get('x-chat-token') ?? '' };
    const original = readUiStream(response);
    await emulator.waitFor((counters) => counters.inFlight === 1, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const resumed = await fetch(`${proxy.url}/api/chat/${chatId}/stream`, { headers: owner });
    expect(resumed.status).toBe(200);
    const reply = await readUiStream(resumed);
    expect(reply.text).toBe(numberedWords(30));
    expect(distinctArrivals(reply.deltaTimes)).toBeGreaterThanOrEqual(8);
    expect((await original).text).toBe(numberedWords(30));
  });

  test("a one-off request's hang-up cancels the Azure request within a second", async () => {
    emulator.setScenario({ words: 200, tokensPerSecond: 20 });
    const caller = new AbortController();
    const response = await post(
      proxy.url,
      { message: 'Count' },
      { signal: caller.signal, headers: { 'content-type': 'application/json', accept: 'text/plain' } },
    );
    const reader = response.body!.getReader();
    await reader.read();
    caller.abort();
    await emulator.waitFor((counters) => counters.aborts === 1, 1_000);
    expect(emulator.counters.completed).toBe(0);
  });

  test('Stop ends a conversation reply and its Azure request', async () => {
    emulator.setScenario({ words: 200, tokensPerSecond: 20 });
    const chatId = `stop-${Date.now()}`;
    const response = await post(proxy.url, body(chatId));
    // Stop once the reply is visibly streaming (and so registered as the chat's reply).
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let received = '';
    while (!received.includes('"text-delta"')) received += (await reader.read()).value ?? '';
    const owner = { 'x-chat-token': response.headers.get('x-chat-token') ?? '' };
    const stop = await fetch(`${proxy.url}/api/chat/${chatId}/stop`, { method: 'POST', headers: owner });
    expect(await stop.json()).toEqual({ stopped: true });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value;
    }
    expect(received).toContain('data: [DONE]');
    expect(received).not.toContain('w200');
    await emulator.waitFor((counters) => counters.aborts === 1, 2_000);
  });
});

describe('stock nginx with a 2 s read timeout', () => {
  let proxy: ReverseProxy;
  beforeAll(async () => {
    proxy = await startNginx(STOCK_NGINX_SITE, upstream());
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  test('a reply whose model is silent for 5 s completes, heartbeats unseen by the AI SDK transport', async () => {
    emulator.setScenario({ words: 8, firstTokenDelayMs: 5_000 });
    const transport = new DefaultChatTransport({ api: `${proxy.url}/api/chat` });
    const stream = await transport.sendMessages({
      chatId: 'silent-model',
      messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'Think hard' }] }],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    });
    const chunks: UIMessageChunk[] = [];
    for await (const chunk of stream as unknown as AsyncIterable<UIMessageChunk>) chunks.push(chunk);
    expect(chunks.map((chunk) => (chunk.type === 'text-delta' ? chunk.delta : '')).join('')).toBe(numberedWords(8));
    expect(chunks.filter((chunk) => chunk.type === 'error')).toEqual([]);
    expect(emulator.counters.completed).toBe(1);
  });
});
