// Baseline 1: a bare Node pipe. Forwards the request to Azure Chat Completions and pipes the
// upstream SSE bytes to the client untouched: the floor for any relay.
//   PORT, AZURE_BASE_URL, AZURE_API_KEY, AZURE_DEPLOYMENTS
import http from 'node:http';
import { toChatMessages } from './chat-messages.mjs';

const base = new URL(`${process.env.AZURE_BASE_URL.replace(/\/$/, '')}/chat/completions`);
const apiKey = process.env.AZURE_API_KEY;
const model = (process.env.AZURE_DEPLOYMENTS ?? 'gpt-bench').split(',')[0];
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/api/chat') {
    res.writeHead(404).end();
    return;
  }
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    let messages;
    try {
      messages = toChatMessages(JSON.parse(Buffer.concat(parts).toString('utf8')).messages);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const payload = JSON.stringify({ model, messages, stream: true });
    const upstream = http.request(
      base,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'api-key': apiKey, 'content-length': Buffer.byteLength(payload) },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    upstream.end(payload);
  });
});

server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', 2048, () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 500).unref());
