// Baseline 2: an Express relay in the style of the Azure OpenAI streaming tutorials:
// fetch the upstream stream, decode it with a TextDecoder, split SSE lines, JSON.parse each
// chunk and re-emit its text as `data: {"content":"..."}` lines, then `data: [DONE]`.
//   PORT, AZURE_BASE_URL, AZURE_API_KEY, AZURE_DEPLOYMENTS
import express from 'express';
import { toChatMessages } from './chat-messages.mjs';

const endpoint = `${process.env.AZURE_BASE_URL.replace(/\/$/, '')}/chat/completions`;
const apiKey = process.env.AZURE_API_KEY;
const model = (process.env.AZURE_DEPLOYMENTS ?? 'gpt-bench').split(',')[0];

const app = express();
app.use(express.json());

app.post('/api/chat', async (req, res) => {
  const messages = toChatMessages(req.body.messages ?? []);
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  try {
    const upstream = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'api-key': apiKey },
      body: JSON.stringify({ model, messages, stream: true }),
      signal: controller.signal,
    });
    if (!upstream.ok || !upstream.body) {
      res.status(502).json({ error: `upstream ${upstream.status}` });
      return;
    }
    res.setHeader('Content-Type', 'text/event-stream');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Connection', 'keep-alive');
    res.flushHeaders();

    const reader = upstream.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const trimmed = line.trim();
        if (!trimmed.startsWith('data:')) continue;
        const data = trimmed.slice(5).trim();
        if (data === '[DONE]') {
          res.write('data: [DONE]\n\n');
          continue;
        }
        const json = JSON.parse(data);
        const content = json.choices?.[0]?.delta?.content;
        if (content) res.write(`data: ${JSON.stringify({ content })}\n\n`);
      }
    }
    res.end();
  } catch (error) {
    if (!res.headersSent) res.status(502).json({ error: String(error) });
    else res.end();
  }
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
server.keepAliveTimeout = 60_000;
process.on('SIGTERM', () => process.exit(0));
