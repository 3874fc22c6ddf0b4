// The in-process half of the benchmark (`npm run bench` runs it; alone: `--inprocess-only`):
//   node --expose-gc --conditions=react-server --import tsx bench/lib/inprocess.mts \
//     '{"emulator":"http://127.0.0.1:N/openai/v1","control":"http://127.0.0.1:N/__emulator","out":"file.json"}'
// It loads the chat route's own modules (tsx resolves the `@/` alias) against the emulator
// process and measures what the process-level numbers cannot separate:
//
// - stage timings, from a request's arrival to its first byte: the route's steps called one by
//   one with a mark between them (the same functions, in the same order, as app/api/chat/route.ts),
//   the upstream request seen through a timing `fetch`, and the first chunk through each stream
//   layer (streamText's own event processor via `onChunk`, the UI message chunks, the route's reply
//   stream, the encoded SSE response). Once alone (sequential, median) and with 200 arrivals at
//   once (median and p99). CPU per stage is measured alone, where nothing else runs between marks.
// - heap: used heap after a full GC with 200 replies open, minus idle, per reply; and the heap
//   snapshot's objects at 200 open replies minus idle, by constructor, per reply.
//
// Nothing here is on the production path: the timing fetch wraps the global one before the
// provider is built, and the route's steps are only called, not changed.
import { writeFileSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';

const opts = JSON.parse(process.argv[2] ?? '{}') as {
  emulator: string;
  control: string;
  out: string;
  concurrency?: number;
  alone?: number;
  only?: 'stages' | 'heap' | 'cpu';
};
const CONCURRENCY = opts.concurrency ?? 200;
const ALONE = opts.alone ?? 20;

Object.assign(process.env, {
  NODE_ENV: 'production',
  AZURE_BASE_URL: opts.emulator,
  AZURE_API_KEY: 'test-key',
  AZURE_DEPLOYMENTS: 'gpt-bench',
  AZURE_API: 'chat',
  RATE_LIMIT_PER_MINUTE: '0',
  MAX_REPLIES_IN_FLIGHT: '0',
  // One log line per request would be the harness's own output, not the route's cost to measure.
  LOG_LEVEL: 'silent',
});
delete process.env.REDIS_URL;

// ---- upstream timing: a fetch wrapper installed before the provider captures `fetch` ----
type Upstream = { start: number; headers?: number; firstByte?: number };
const upstreamByMarker = new Map<string, Upstream>();
const realFetch = globalThis.fetch;
globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
  const start = performance.now();
  const marker = typeof init?.body === 'string' ? /bench-marker-(\d+)/.exec(init.body)?.[0] : undefined;
  const response = await realFetch(input, init);
  if (!marker || !response.body) return response;
  const timing: Upstream = { start, headers: performance.now() };
  upstreamByMarker.set(marker, timing);
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        timing.firstByte ??= performance.now();
        controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}) as typeof fetch;

const { getConfig } = await import('@/lib/config');
const { admit } = await import('@/lib/http/access');
const { clientIdentity } = await import('@/lib/http/client-identity');
const { readJsonBody } = await import('@/lib/http/read-json');
const { parseChatRequest } = await import('@/lib/chat/request');
const { negotiateFormat, respond } = await import('@/lib/chat/respond');
const { startChatStream } = await import('@/lib/chat/stream');
const { ownedChat } = await import('@/lib/chat/chat-owner');
const { resolveModel } = await import('@/lib/ai/models');
const { RequestLog } = await import('@/lib/observability/request-log');
const { convertToModelMessages, experimental_streamTextLowMemory: streamTextOnce, generateId } = await import('ai');
const { uiMessageChunks } = await import('@/lib/chat/ui-chunks');

const { control } = opts;
async function scenario(s: Record<string, unknown>) {
  await realFetch(`${control}/reset`, { method: 'POST' });
  const res = await realFetch(`${control}/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(s) });
  if (!res.ok) throw new Error(`emulator scenario: ${res.status}`);
}

let seq = 0;
/** What the load generator sends: a `useChat` body with its own chat id; the marker ties the upstream request to it. */
function chatRequest() {
  const i = seq++;
  const body = JSON.stringify({
    id: `bench-${i}`,
    messages: [{ id: `u${i}`, role: 'user', parts: [{ type: 'text', text: `hi bench-marker-${i}` }] }],
    trigger: 'submit-message',
  });
  return {
    marker: `bench-marker-${i}`,
    request: new Request('http://127.0.0.1/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '127.0.0.1' },
      body,
    }),
  };
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

type Marks = Record<string, number>;
type Sample = { wall: Marks; cpu: Marks };

/** Wall and CPU time between marks: `mark(name)` records the time since the previous mark. */
function stopwatch() {
  const t0 = performance.now();
  const sample: Sample = { wall: {}, cpu: {} };
  let last = t0;
  let c = process.cpuUsage();
  const mark = (name: string) => {
    const now = performance.now();
    sample.wall[name] = now - last;
    sample.cpu[name] = cpuMs(c);
    last = now;
    c = process.cpuUsage();
  };
  return { t0, sample, mark, lastMark: () => last };
}

/** Reads an SSE body until the first text-delta event; returns the time of its first byte and of that event. */
async function firstBytes(body: ReadableStream<Uint8Array>, keepReading: boolean) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let firstByte: number | undefined;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`reply ended before its first text: ${text.slice(0, 300)}`);
    firstByte ??= performance.now();
    text += decoder.decode(value, { stream: true });
    if (text.includes('"text-delta"')) break;
  }
  const firstText = performance.now();
  const rest = (async () => {
    if (!keepReading) return void (await reader.cancel());
    for (;;) if ((await reader.read()).done) return;
  })();
  return { firstByte, firstText, rest };
}

/**
 * The route's pipeline (app/api/chat/route.ts) with a mark after each step. Returns the marks
 * relative to arrival, and the reply's remaining bytes as a promise.
 */
async function routePipeline(keepReading = false): Promise<{ sample: Sample; rest: Promise<void> }> {
  const { request, marker } = chatRequest();
  const { t0, sample, mark, lastMark } = stopwatch();
  const { wall } = sample;
  const config = getConfig();
  const log = new RequestLog(request, config, clientIdentity(request, config));
  mark('config + request log');
  const access = await admit(request, config);
  clientIdentity(request, config);
  mark('admit + client identity');
  const body = await readJsonBody(request, config.limits.maxBodyBytes);
  mark('body read');
  const chat = await parseChatRequest(body, config);
  const format = negotiateFormat(request, chat);
  const owned = chat.chatId ? ownedChat(request, access, chat.chatId) : undefined;
  mark('zod parse + format + owner');
  const stream = await startChatStream(chat, config, log);
  mark('startChatStream (to the first output)');
  const response = await respond(stream, { format, request, chatId: owned?.key, headers: owned?.headers, config });
  mark('respond (resumable registration, SSE response)');
  const { firstByte, firstText, rest } = await firstBytes(response.body!, keepReading);
  wall['first byte out'] = firstByte - lastMark();
  wall['first text-delta event out'] = firstText - firstByte;
  wall['arrival → first text-delta event'] = firstText - t0;
  const up = upstreamByMarker.get(marker);
  upstreamByMarker.delete(marker);
  if (up) {
    wall['(upstream) arrival → request sent'] = up.start - t0;
    wall['(upstream) request → response headers'] = (up.headers ?? NaN) - up.start;
    wall['(upstream) headers → first byte'] = (up.firstByte ?? NaN) - (up.headers ?? NaN);
    wall['(upstream) first byte → first text-delta event out'] = firstText - (up.firstByte ?? NaN);
  }
  log.respond(response.status);
  return { sample, rest };
}

/**
 * The inside of startChatStream: the same SDK calls with a mark between them, and the first
 * text through streamText's event processor (`onChunk`) and through the UI message chunks.
 */
async function modelPipeline(): Promise<Sample> {
  const { request, marker } = chatRequest();
  const config = getConfig();
  const chat = await parseChatRequest(await readJsonBody(request, config.limits.maxBodyBytes), config);
  const { t0, sample, mark, lastMark } = stopwatch();
  const { wall } = sample;
  const messages = await convertToModelMessages(chat.messages);
  mark('convertToModelMessages');
  const { model } = resolveModel(chat.model, config);
  mark('model + provider resolution');
  let coreFirstText: number | undefined;
  const result = streamTextOnce({
    model,
    instructions: config.systemPrompt,
    messages,
    allowSystemInMessages: true,
    maxOutputTokens: chat.maxOutputTokens,
    maxRetries: 2,
    onError: () => {},
    telemetry: { functionId: 'chat', recordInputs: false, recordOutputs: false },
    onChunk: ({ chunk }) => {
      if (chunk.type === 'text-delta') coreFirstText ??= performance.now();
    },
  });
  mark('streamText() call');
  const reader = uiMessageChunks(result.fullStream, {
    originalMessages: chat.messages,
    sendSources: true,
    generateMessageId: generateId,
    messageMetadata: () => undefined,
    onError: () => 'error',
  }).getReader();
  mark('UI message chunks call');
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error('model stream ended before its first text');
    if (value.type === 'text-delta') break;
  }
  const uiFirstText = performance.now();
  const up = upstreamByMarker.get(marker);
  upstreamByMarker.delete(marker);
  if (up?.firstByte !== undefined && coreFirstText !== undefined) {
    wall['(upstream) calls → request sent'] = up.start - lastMark();
    wall['(upstream) request → first byte'] = up.firstByte - up.start;
    wall['first text: upstream byte → streamText event processor'] = coreFirstText - up.firstByte;
    wall['first text: streamText → UI message chunk'] = uiFirstText - coreFirstText;
  }
  wall['calls → first UI text-delta chunk'] = uiFirstText - t0;
  await reader.cancel();
  return sample;
}

const pct = (values: number[], p: number) => {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length ? v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)] : null;
};

function summarise(samples: Sample[]) {
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.wall)))];
  return names.map((name) => ({
    stage: name,
    wallP50: pct(
      samples.map((s) => s.wall[name]),
      50,
    ),
    wallP99: pct(
      samples.map((s) => s.wall[name]),
      99,
    ),
    cpuP50:
      name in (samples[0]?.cpu ?? {})
        ? pct(
            samples.map((s) => s.cpu[name]),
            50,
          )
        : null,
  }));
}

async function alone<T>(fn: () => Promise<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await fn());
  return out;
}

async function stages() {
  // Fast replies for the stage timings: only the first token matters.
  await scenario({ words: 20, tokensPerSecond: 0, burst: true });
  await alone(() => routePipeline().then((r) => r.rest), 30); // warm-up: JIT, connection pool
  await alone(modelPipeline, 10);
  const routeAlone = await alone(async () => {
    const r = await routePipeline();
    await r.rest;
    return r.sample;
  }, ALONE);
  const modelAlone = await alone(modelPipeline, ALONE);
  const crowd = await Promise.all(Array.from({ length: CONCURRENCY }, () => routePipeline()));
  await Promise.all(crowd.map((r) => r.rest));
  const modelCrowd = await Promise.all(Array.from({ length: CONCURRENCY }, () => modelPipeline()));
  return {
    concurrency: CONCURRENCY,
    aloneRuns: ALONE,
    route: { alone: summarise(routeAlone), crowd: summarise(crowd.map((r) => r.sample)) },
    model: { alone: summarise(modelAlone), crowd: summarise(modelCrowd) },
  };
}

// ---- heap ----
const gc = (globalThis as { gc?: () => void }).gc;
function collect() {
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage();
}

type Totals = Map<string, { count: number; size: number }>;

/** A heap snapshot's objects grouped by node type and constructor name. */
function snapshotTotals(file: string): Totals {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const totals: Totals = new Map();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]];
    let name = snap.strings[snap.nodes[i + iName]];
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '(string)';
    else if (type === 'code') name = '(compiled code)';
    else if (type === 'array') name = `(array) ${name}`;
    else if (type === 'closure') name = `(closure) ${name || 'anonymous'}`;
    else if (type === 'hidden' || type === 'object shape') name = `(${type}) ${name.split(' ')[0]}`;
    else if (type === 'number') name = '(heap number)';
    const entry = totals.get(name) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += snap.nodes[i + iSize];
    totals.set(name, entry);
  }
  return totals;
}

function writeSnapshot(name: string) {
  const file = path.join(os.tmpdir(), `bench-heap-${process.pid}-${name}.heapsnapshot`);
  v8.writeHeapSnapshot(file);
  return file;
}

function readSnapshot(file: string) {
  const totals = snapshotTotals(file);
  rmSync(file, { force: true });
  return totals;
}

/** Opens `CONCURRENCY` replies, waits until each is well under way, runs `atPeak`, then lets them finish. */
async function withOpenReplies<T>(atPeak: () => T): Promise<T> {
  const open = await Promise.all(Array.from({ length: CONCURRENCY }, () => routePipeline(true)));
  // Mid-reply (about 40 of 100 tokens sent), when whatever a stream keeps per chunk has piled up.
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  const value = atPeak();
  await Promise.all(open.map((r) => r.rest));
  return value;
}

async function heap() {
  // Replies that stay open long enough to be counted: 100 tokens at 10 tokens/s.
  await scenario({ words: 100, tokensPerSecond: 10, burst: false });
  await alone(() => routePipeline(true).then((r) => r.rest), 5);
  // First the numbers (no snapshot has touched the process yet), then the snapshots.
  const idle = collect();
  const loaded = await withOpenReplies(collect);
  const idleFile = writeSnapshot('idle');
  const loadedFile = await withOpenReplies(() => (collect(), writeSnapshot('open')));
  const idleTotals = readSnapshot(idleFile);
  const loadedTotals = readSnapshot(loadedFile);
  const perReply = (a: number, b: number) => (b - a) / CONCURRENCY;
  const retained = [...loadedTotals]
    .map(([name, t]) => {
      const before = idleTotals.get(name) ?? { count: 0, size: 0 };
      return { name, countPerReply: perReply(before.count, t.count), bytesPerReply: perReply(before.size, t.size) };
    })
    .filter((r) => r.bytesPerReply > 0)
    .sort((a, b) => b.bytesPerReply - a.bytesPerReply);
  return {
    concurrency: CONCURRENCY,
    idleHeapUsedMb: idle.heapUsed / 2 ** 20,
    openHeapUsedMb: loaded.heapUsed / 2 ** 20,
    heapPerReplyKb: perReply(idle.heapUsed, loaded.heapUsed) / 1024,
    externalPerReplyKb: perReply(idle.external, loaded.external) / 1024,
    rssIdleMb: idle.rss / 2 ** 20,
    rssOpenMb: loaded.rss / 2 ** 20,
    snapshotPerReplyKb: retained.reduce((sum, r) => sum + r.bytesPerReply, 0) / 1024,
    top: retained.slice(0, 25),
  };
}

/**
 * For A/B runs of a code change without a build (`only: "cpu"`): process CPU per reply, route
 * and reader together, over rounds of 50 replies of 200 tokens sent at once, median of 9 rounds.
 */
async function cpuPerReply() {
  await scenario({ words: 200, burst: true });
  const round = async () => {
    const c = process.cpuUsage();
    await Promise.all(Array.from({ length: 50 }, () => routePipeline(true).then((r) => r.rest)));
    return cpuMs(c) / 50;
  };
  await alone(round, 3);
  const rounds = await alone(round, 9);
  return { rounds, median: pct(rounds, 50) };
}

const result =
  opts.only === 'cpu'
    ? { node: process.version, cpu: await cpuPerReply() }
    : {
        node: process.version,
        execArgv: process.execArgv,
        stages: opts.only === 'heap' ? undefined : await stages(),
        heap: opts.only === 'stages' ? undefined : await heap(),
      };
writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`);
process.exit(0);
