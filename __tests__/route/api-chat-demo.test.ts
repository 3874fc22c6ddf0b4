import { GET as health } from '@/app/api/health/route';
import { tokenize } from '@/lib/ai/demo-model';
import { postChat, readErrorBody, readUiStream, useEnv } from '../support/chat-client';

/** With no Azure settings the app must answer end to end from the offline demo model. */

const noAzure = {
  AZURE_RESOURCE_NAME: undefined,
  AZURE_BASE_URL: undefined,
  AZURE_API_KEY: undefined,
  AZURE_DEPLOYMENTS: undefined,
  MAX_OUTPUT_TOKENS: undefined,
  DEMO_TOKENS_PER_SECOND: '400',
  RATE_LIMIT_PER_MINUTE: '0',
  // Every token its own event here; coalescing is tested with the emulator.
  STREAM_COALESCE_MS: '0',
};

let restore: () => void;
beforeEach(() => {
  restore = useEnv(noAzure);
});
afterEach(() => restore());

const userMessage = (text: string) => ({ id: 'u1', role: 'user', parts: [{ type: 'text', text }] });

describe('offline demo model', () => {
  test('streams a Markdown reply that quotes the user, progressively, with metadata', async () => {
    const response = await postChat({ id: 'chat-1', messages: [userMessage('How do I connect Azure?')] });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');

    const reply = await readUiStream(response);
    expect(reply.errors).toEqual([]);
    expect(reply.text).toContain('> How do I connect Azure?');
    expect(reply.text).toContain('offline demo model');
    expect(reply.text).toContain('AZURE_API_KEY');
    expect(reply.text).toMatch(/\n1\. .+\n2\. /); // a list
    expect(reply.text).toMatch(/```bash\n[\s\S]+\n```/); // a fenced code block
    expect(reply.metadata).toMatchObject({ model: 'offline-demo', finishReason: 'stop' });
    expect(reply.metadata.usage?.outputTokens).toBe(tokenize(reply.text).length);
    expect(reply.metadata.usage?.inputTokens).toBeGreaterThan(0);

    // Word by word at a pace: many deltas, spread over time rather than one burst.
    expect(reply.deltaTimes.length).toBeGreaterThan(50);
    const span = reply.deltaTimes.at(-1)! - reply.deltaTimes[0];
    expect(span).toBeGreaterThan((reply.deltaTimes.length / 400) * 1000 * 0.5);
  });

  test('is deterministic for the same prompt', async () => {
    const first = await readUiStream(await postChat({ message: 'same' }));
    const second = await readUiStream(await postChat({ message: 'same' }));
    expect(second.text).toBe(first.text);
  });

  test('honours the output-token cap and reports the length finish', async () => {
    restore = useEnv({ ...noAzure, MAX_OUTPUT_TOKENS: '12' });
    const reply = await readUiStream(await postChat({ message: 'hi', maxOutputTokens: 5000 }));
    expect(tokenize(reply.text)).toHaveLength(12);
    expect(reply.metadata).toMatchObject({ finishReason: 'length', usage: { outputTokens: 12 } });
  });

  test('stops generating when the caller aborts', async () => {
    restore = useEnv({ ...noAzure, DEMO_TOKENS_PER_SECOND: '20' });
    const controller = new AbortController();
    const response = await postChat({ message: 'long' }, { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    const started = Date.now();
    // The stream ends promptly instead of running on for the whole reply (~10 s at 20 tokens/s).
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return;
      })(),
    ).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('answers plain text and JSON too', async () => {
    const text = await postChat({ input: 'plain' }, { headers: { accept: 'text/plain' } });
    expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const body = await text.text();
    expect(body).toContain('> plain');

    const json = await postChat({ messages: [{ role: 'user', content: 'plain' }], stream: false });
    expect(json.status).toBe(200);
    const result = await json.json();
    expect(result).toMatchObject({ text: body, finishReason: 'stop', model: 'offline-demo' });
    expect(result.usage.outputTokens).toBe(tokenize(body).length);
  });

  test('rejects a model that is not the demo', async () => {
    const response = await postChat({ message: 'hi', model: 'gpt-4o' });
    expect(response.status).toBe(404);
    expect((await readErrorBody(response)).code).toBe('unknown_model');
  });
});

describe('GET /api/health', () => {
  test('reports demo mode with no Azure settings', async () => {
    const response = await health(new Request('http://localhost/api/health'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      mode: 'demo',
      auth: 'none',
      api: 'responses',
      deployments: ['offline-demo'],
      defaultDeployment: 'offline-demo',
      problems: [],
    });
  });

  test('names the missing variable when Azure is half configured, without leaking secrets', async () => {
    restore = useEnv({ ...noAzure, AZURE_AUTH: 'key', AZURE_BASE_URL: 'https://secret-gateway.example/openai/v1', AZURE_DEPLOYMENTS: 'gpt-x' });
    const response = await health(new Request('http://localhost/api/health'));
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ status: 'misconfigured', mode: 'misconfigured' });
    expect(text).toContain('AZURE_API_KEY is not set');
    expect(text).not.toContain('secret-gateway');

    // The chat endpoint says the same instead of crashing.
    const chat = await postChat({ message: 'hi' });
    expect(chat.status).toBe(503);
    const error = await readErrorBody(chat);
    expect(error).toMatchObject({ code: 'misconfigured' });
    expect(error.message).toContain('AZURE_API_KEY');
  });
});
