// CPU per upstream event of the upstream SSE coalescer (lib/ai/coalescing-fetch.ts, which parses
// with eventsource-parser) against the hand-written parser it replaced (taken from git at the
// commit before the change, into bench/.work/micro/, never kept in lib/).
//
//   node --conditions=react-server --import tsx bench/micro/upstream-coalescing.mjs [--rounds=30] [--out=file.md]
//
// Each stream is a recorded Azure stream (tools/azure-emulator/recordings/) framed as Azure
// sends it, one upstream read per event, arriving in one burst, with a 33 ms window (the
// default). The three coalescers (none = reading the bytes only) run interleaved, in a shuffled
// order each round, on the same machine state; each measure is process CPU (user + system) over
// many passes. The report gives medians per event and, less sensitive to a shared machine's
// load, the median of each round's own ratio (the two parsers measured moments apart).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const ROUNDS = Number(args.rounds ?? 30);
const MIN_EVENTS_PER_MEASURE = 20_000;
const WINDOW_MS = 33;
/** The last commit with the hand-written SSE parser (lib/chat/coalesce-deltas.ts). */
const HAND_WRITTEN_COMMIT = '8662578';

const work = path.join(root, 'bench/.work/micro');
mkdirSync(work, { recursive: true });
const oldFile = path.join(work, 'hand-written-coalesce-deltas.ts');
writeFileSync(oldFile, execFileSync('git', ['show', `${HAND_WRITTEN_COMMIT}:lib/chat/coalesce-deltas.ts`], { cwd: root }));
const handWritten = (await import(oldFile)).coalesceSseDeltas;
const maintained = (await import(path.join(root, 'lib/ai/coalescing-fetch.ts'))).coalesceSseDeltas;

const recording = (name) =>
  readFileSync(path.join(root, 'tools/azure-emulator/recordings', `${name}.chunks.jsonl`), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
const isChatText = (e) => typeof e.choices?.[0]?.delta?.content === 'string' && e.choices[0].delta.content !== '';
const isResponsesText = (e) => e.type === 'response.output_text.delta';

/** The recording with its text events repeated (in order) until there are `tokens` of them. */
function lengthened(events, isText, tokens) {
  const texts = events.filter(isText);
  const first = events.findIndex(isText);
  const last = events.findLastIndex(isText);
  const body = Array.from({ length: tokens }, (_, i) => texts[i % texts.length]);
  return [...events.slice(0, first), ...body, ...events.slice(last + 1)];
}
const chatSse = (events) => [...events.map((e) => `data: ${JSON.stringify(e)}\n\n`), 'data: [DONE]\n\n'];
const responsesSse = (events) => events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);

const encoder = new TextEncoder();
const streams = [
  ['Chat Completions text, 2,000 tokens', chatSse(lengthened(recording('chat-completions-text'), isChatText, 2000))],
  ['Responses text, 2,000 tokens', responsesSse(lengthened(recording('responses-text'), isResponsesText, 2000))],
  ['Responses with web search, as recorded', responsesSse(recording('responses-azure-web-search-preview-tool'))],
  ['Chat Completions reasoning, as recorded (nothing to merge)', chatSse(recording('chat-completions-reasoning'))],
].map(([name, events]) => ({ name, chunks: events.map((e) => encoder.encode(e)), text: events.join('') }));

const coalescers = {
  none: (source) => source,
  'hand-written': (source) => handWritten(source, { windowMs: WINDOW_MS }),
  'eventsource-parser': (source) => maintained(source, { windowMs: WINDOW_MS }),
};

async function pass(coalesce, chunks) {
  const source = new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  const reader = coalesce(source).getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.length;
  }
}

/** Same text out as in: what the AI SDK would read (checked once per coalescer and stream). */
async function check(coalesce, stream) {
  const reader = coalesce(new Blob([stream.text]).stream()).getReader();
  const decoder = new TextDecoder();
  let out = '';
  for (let r = await reader.read(); !r.done; r = await reader.read()) out += decoder.decode(r.value, { stream: true });
  const textOf = (sse) =>
    sse
      .split('\n\n')
      .map((block) => /^data: (.*)$/m.exec(block)?.[1])
      .map((data) => {
        try {
          const json = JSON.parse(data);
          return json.type === 'response.output_text.delta' ? json.delta : (json.choices?.[0]?.delta?.content ?? '');
        } catch {
          return '';
        }
      })
      .join('');
  if (textOf(out) !== textOf(stream.text)) throw new Error(`text differs after coalescing: ${stream.name}`);
}

async function measure(coalesce, stream) {
  const passes = Math.ceil(MIN_EVENTS_PER_MEASURE / stream.chunks.length);
  const start = process.cpuUsage();
  for (let i = 0; i < passes; i++) await pass(coalesce, stream.chunks);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / (passes * stream.chunks.length);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

for (const stream of streams) for (const coalesce of Object.values(coalescers)) await check(coalesce, stream);
// Warm-up: JIT both implementations before anything is counted.
for (const stream of streams) for (const coalesce of Object.values(coalescers)) await measure(coalesce, stream);

const samples = new Map();
for (let round = 0; round < ROUNDS; round++) {
  for (const stream of streams) {
    const order = Object.keys(coalescers).sort(() => Math.random() - 0.5);
    for (const name of order) {
      const key = `${stream.name}\t${name}`;
      samples.set(key, [...(samples.get(key) ?? []), await measure(coalescers[name], stream)]);
    }
  }
}

const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];
const percent = (ratio) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(0)} %`;

const lines = [
  '# Upstream SSE coalescing: hand-written parser vs eventsource-parser',
  '',
  `\`node --conditions=react-server --import tsx bench/micro/upstream-coalescing.mjs\` on Node ${process.versions.node}, ` +
    `${new Date().toISOString().slice(0, 16)}Z, load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores. ` +
    `CPU µs per upstream event (user + system), median of ${ROUNDS} interleaved rounds ` +
    `(each ≥ ${MIN_EVENTS_PER_MEASURE.toLocaleString('en')} events); one read per event, all in one burst, ${WINDOW_MS} ms window. ` +
    '"none" reads the bytes without a coalescer (the stream floor); "coalescer" columns subtract it. "change" is the median of ' +
    "each round's ratio eventsource-parser / hand-written (coalescer CPU), with its interquartile range.",
  '',
  '| Stream | events | none | hand-written | eventsource-parser | coalescer: hand-written | coalescer: eventsource-parser | change (IQR) |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
];
for (const stream of streams) {
  const of = (name) => samples.get(`${stream.name}\t${name}`);
  const m = Object.fromEntries(Object.keys(coalescers).map((name) => [name, median(of(name))]));
  const own = (name) => m[name] - m.none;
  const ratios = of('eventsource-parser').map((value, round) => (value - of('none')[round]) / (of('hand-written')[round] - of('none')[round]));
  lines.push(
    `| ${stream.name} | ${stream.chunks.length} | ${m.none.toFixed(2)} | ${m['hand-written'].toFixed(2)} | ${m['eventsource-parser'].toFixed(2)} | ` +
      `${own('hand-written').toFixed(2)} | ${own('eventsource-parser').toFixed(2)} | ${percent(median(ratios))} (${percent(quantile(ratios, 0.25))} … ${percent(quantile(ratios, 0.75))}) |`,
  );
}
const report = `${lines.join('\n')}\n`;
process.stdout.write(report);
if (args.out) writeFileSync(path.resolve(root, args.out), report);
