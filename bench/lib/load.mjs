// Load generator, run as its own process so its CPU is not counted against the server:
//   node bench/lib/load.mjs '{"url":"http://127.0.0.1:3000/api/chat","concurrency":200,
//                             "format":"ui","words":100,"rampMs":200,"timeoutMs":60000}'
// Opens `concurrency` streaming requests (started evenly over `rampMs`), parses the SSE
// reply incrementally (tools/sse, the tests' reader too) and prints one JSON summary line: time
// to first text (TTFT) and total time percentiles, failures and integrity (the text is exactly
// "w1 w2 … wN", each once).
//
// format: "ui"    AI SDK UI message stream  data: {"type":"text-delta","delta":"…"}
//         "azure" Azure Chat Completions    data: {"choices":[{"delta":{"content":"…"}}]}
//         "relay" the tutorials' relay      data: {"content":"…"}
import http from 'node:http';
import { sseReader } from '../../tools/sse/read-sse.mjs';

const opts = JSON.parse(process.argv[2]);
const { url, concurrency, format, words } = opts;
const rampMs = opts.rampMs ?? 0;
const timeoutMs = opts.timeoutMs ?? 120_000;
const expected = Array.from({ length: words }, (_, i) => `w${i + 1}`).join(' ');
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
// What `useChat` sends: its own chat id per conversation (so one per reply here).
const bodyFor = (i) =>
  JSON.stringify({
    id: `bench-${process.pid}-${i}`,
    messages: [{ id: `u${i}`, role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
    trigger: 'submit-message',
  });

function textOf(data) {
  if (data === '[DONE]') return '';
  const json = JSON.parse(data);
  if (format === 'ui') return json.type === 'text-delta' ? json.delta : json.type === 'error' ? null : '';
  if (format === 'azure') return json.choices?.[0]?.delta?.content ?? '';
  return json.content ?? '';
}

function one(i) {
  const body = bodyFor(i);
  return new Promise((resolve) => {
    const t0 = performance.now();
    let ttft;
    let text = '';
    let settled = false;
    let error;
    const done = (reason) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const total = performance.now() - t0;
      if (reason) error = reason;
      resolve({ ttft, total, ok: !error, intact: !error && text === expected, error, chars: text.length });
    };
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const timer = setTimeout(() => {
      req.destroy();
      done('timeout');
    }, timeoutMs);
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        done(`status ${res.statusCode}`);
        return;
      }
      res.setEncoding('utf8');
      const reader = sseReader(({ data }) => {
        let delta;
        try {
          delta = textOf(data.trim());
        } catch {
          delta = null;
        }
        if (delta === null) {
          error ??= 'error chunk';
          return;
        }
        if (delta && ttft === undefined) ttft = performance.now() - t0;
        text += delta;
      });
      res.on('data', (chunk) => reader.feed(chunk));
      res.on('end', () => done());
      res.on('error', (e) => done(e.code ?? String(e)));
      res.on('aborted', () => done('aborted'));
    });
    req.on('error', (e) => done(e.code ?? String(e)));
    req.end(body);
  });
}

function pct(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const started = performance.now();
const jobs = [];
for (let i = 0; i < concurrency; i++) {
  const at = rampMs > 0 ? (i * rampMs) / concurrency : 0;
  jobs.push(new Promise((r) => setTimeout(r, at)).then(() => one(i)));
}
const results = await Promise.all(jobs);
const ttfts = results.filter((r) => r.ttft !== undefined).map((r) => r.ttft);
const totals = results.filter((r) => r.ok).map((r) => r.total);
const errors = {};
for (const r of results) if (r.error) errors[r.error] = (errors[r.error] ?? 0) + 1;
const summary = {
  requests: results.length,
  failures: results.filter((r) => !r.ok).length,
  intact: results.filter((r) => r.intact).length,
  errors,
  ttftP50: pct(ttfts, 50),
  ttftP99: pct(ttfts, 99),
  totalP50: pct(totals, 50),
  totalP99: pct(totals, 99),
  wallMs: performance.now() - started,
};
const failedAfter = results.filter((r) => !r.ok).map((r) => r.total);
if (failedAfter.length > 0) {
  summary.failedAfterMs = { min: Math.min(...failedAfter), p50: pct(failedAfter, 50), max: Math.max(...failedAfter) };
  summary.failedWithText = results.filter((r) => !r.ok && r.chars > 0).length;
}
process.stdout.write(`${JSON.stringify(summary)}\n`);
agent.destroy();
