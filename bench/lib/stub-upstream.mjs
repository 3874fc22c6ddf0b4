// A small Azure-compatible Chat Completions SSE server used by the browser benchmark to
// stream a fixed Markdown reply (the project's emulator streams numbered words), and as a
// stand-in when the project's emulator is missing. Loopback only; one process of its own.
//
//   node bench/lib/stub-upstream.mjs --port 0 --api-key test-key   → prints {"url","port"}
//   POST /__emulator/scenario {"words"?, "tokensPerSecond"?, "burst"?, "tokens"?: string[]}
import http from 'node:http';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const apiKey = arg('api-key', 'test-key');
const defaults = { words: 100, tokensPerSecond: 50, burst: false, tokens: undefined };
let scenario = { ...defaults };
const counters = { requests: 0, completed: 0, aborted: 0 };

function tokensOf(s) {
  if (Array.isArray(s.tokens) && s.tokens.length > 0) return s.tokens;
  return Array.from({ length: s.words }, (_, i) => (i === 0 ? 'w1' : ` w${i + 1}`));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function chunk(id, model, delta, finish) {
  return `data: ${JSON.stringify({
    id,
    object: 'chat.completion.chunk',
    created: 1700000000,
    model,
    choices: [{ index: 0, delta, finish_reason: finish ?? null }],
  })}\n\n`;
}

const server = http.createServer(async (req, res) => {
  const body = await readBody(req);
  if (req.url === '/__emulator/scenario' && req.method === 'POST') {
    scenario = { ...defaults, ...JSON.parse(body || '{}') };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(scenario));
    return;
  }
  if (req.url === '/__emulator/reset') {
    scenario = { ...defaults };
    res.writeHead(200).end('{}');
    return;
  }
  if (req.url === '/__emulator/counters') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(counters));
    return;
  }
  if (!req.url?.endsWith('/chat/completions') || req.method !== 'POST') {
    res.writeHead(404).end();
    return;
  }
  if (req.headers['api-key'] !== apiKey && req.headers.authorization !== `Bearer ${apiKey}`) {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"401","message":"bad key"}}');
    return;
  }
  counters.requests++;
  let model = 'gpt-bench';
  let includeUsage = false;
  try {
    const parsed = JSON.parse(body);
    model = parsed.model ?? model;
    includeUsage = Boolean(parsed.stream_options?.include_usage);
  } catch {
    // a malformed body still gets a reply; the benchmark only sends valid ones
  }
  const s = scenario;
  const tokens = tokensOf(s);
  const id = `chatcmpl-${counters.requests}`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(chunk(id, model, { role: 'assistant', content: '' }));
  const finish = () => {
    res.write(chunk(id, model, {}, 'stop'));
    if (includeUsage) {
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1700000000, model, choices: [], usage: { prompt_tokens: 5, completion_tokens: tokens.length, total_tokens: tokens.length + 5 } })}\n\n`,
      );
    }
    res.end('data: [DONE]\n\n');
    counters.completed++;
  };
  if (s.burst) {
    res.write(tokens.map((t) => chunk(id, model, { content: t })).join(''));
    finish();
    return;
  }
  const interval = 1000 / s.tokensPerSecond;
  const start = performance.now();
  let i = 0;
  let closed = false;
  res.on('close', () => {
    if (i < tokens.length) {
      closed = true;
      counters.aborted++;
    }
  });
  const tick = () => {
    if (closed) return;
    // catch up on any tokens whose time has come, so timer drift does not slow the stream
    const due = Math.min(tokens.length, Math.floor((performance.now() - start) / interval) + 1);
    while (i < due) res.write(chunk(id, model, { content: tokens[i++] }));
    if (i >= tokens.length) return finish();
    setTimeout(tick, Math.max(0, start + i * interval - performance.now()));
  };
  tick();
});
server.keepAliveTimeout = 60_000;
server.listen(Number(arg('port', '0')), '127.0.0.1', 2048, () => {
  const { port } = server.address();
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/openai/v1`, port }));
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
