import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createAzure } from '@ai-sdk/azure';
import { APICallError, generateText, streamText } from 'ai';
import { numberedWords, recordedText, startAzureEmulator, type AzureEmulator, type EmulatorScenario } from './azure-emulator';

const API_KEY = 'test-key';
const DEPLOYMENT = 'gpt-test';
const apis = ['responses', 'chat'] as const;
type ApiStyle = (typeof apis)[number];

let emu: AzureEmulator;

beforeAll(async () => {
  emu = await startAzureEmulator({ apiKey: API_KEY });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

function model(api: ApiStyle, apiKey = API_KEY) {
  const azure = createAzure({ baseURL: emu.url, apiKey });
  return api === 'chat' ? azure.chat(DEPLOYMENT) : azure.responses(DEPLOYMENT);
}

/** Streams text deltas until the stream ends or fails, so a failure can be checked against what arrived before it. */
async function collectText(stream: AsyncIterable<string>): Promise<{ text: string; error: unknown }> {
  let text = '';
  try {
    for await (const delta of stream) text += delta;
  } catch (error) {
    return { text, error };
  }
  return { text, error: undefined };
}

/** Every socket read of a raw streaming Chat Completions call, to see how the bytes were split on the wire. */
async function rawChatReads(signal?: AbortSignal): Promise<{ reads: Array<{ text: string; at: number }>; headersAt: number }> {
  const started = Date.now();
  const response = await fetch(`${emu.url}/chat/completions`, {
    method: 'POST',
    headers: { 'api-key': API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ model: DEPLOYMENT, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    signal,
  });
  const headersAt = Date.now() - started;
  const reads: Array<{ text: string; at: number }> = [];
  const decoder = new TextDecoder();
  const reader = response.body!.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    reads.push({ text: decoder.decode(read.value, { stream: true }), at: Date.now() - started });
  }
  return { reads, headersAt };
}

async function serverGone(url: string): Promise<boolean> {
  for (let attempt = 0; attempt < 60; attempt++) {
    try {
      await fetch(url);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

const chatToken = (token: string) => `"delta":{"content":${JSON.stringify(token)}}`;

describe.each(apis)('%s API driven by @ai-sdk/azure', (api) => {
  test('streamText yields the numbered words with a stop finish, usage, and the request as sent', async () => {
    emu.setScenario({ words: 7 });
    const result = streamText({
      model: model(api),
      system: 'You are terse.',
      prompt: 'Count to seven please',
      temperature: 0.2,
      maxOutputTokens: 64,
    });

    expect(await result.text).toBe(numberedWords(7));
    expect(await result.finishReason).toBe('stop');
    const usage = await result.usage;
    expect(usage.outputTokens).toBe(7);
    expect(usage.inputTokens).toBe(7);

    expect(emu.requests).toHaveLength(1);
    const [request] = emu.requests;
    expect(request.api).toBe(api);
    expect(request.method).toBe('POST');
    if (api === 'chat') {
      expect(request.path).toBe('/openai/v1/chat/completions');
      expect(request.body).toMatchObject({
        model: DEPLOYMENT,
        temperature: 0.2,
        max_tokens: 64,
        stream: true,
        stream_options: { include_usage: true },
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'Count to seven please' },
        ],
      });
    } else {
      expect(request.path).toBe('/openai/v1/responses');
      expect(request.body).toMatchObject({
        model: DEPLOYMENT,
        temperature: 0.2,
        max_output_tokens: 64,
        stream: true,
        input: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: [{ type: 'input_text', text: 'Count to seven please' }] },
        ],
      });
    }
    expect(request.headers['api-key']).toBe(API_KEY);
    await emu.waitFor((c) => c.completed === 1);
    expect(emu.counters).toEqual({ requests: 1, completed: 1, aborts: 0, inFlight: 0 });
  });

  test('generateText gets a complete non-streaming response', async () => {
    emu.setScenario({ words: 4 });
    const result = await generateText({ model: model(api), prompt: 'four words' });

    expect(result.text).toBe(numberedWords(4));
    expect(result.finishReason).toBe('stop');
    expect(result.usage.outputTokens).toBe(4);
    expect(result.usage.inputTokens).toBe(2);
    expect(emu.requests[0].body).not.toHaveProperty('stream');
  });

  test('contentFilterAfterTokens ends the reply early with a content-filter finish', async () => {
    emu.setScenario({ words: 6, contentFilterAfterTokens: 2 });
    const result = streamText({ model: model(api), prompt: 'something filtered' });

    expect(await result.text).toBe(numberedWords(2));
    expect(await result.finishReason).toBe('content-filter');
    expect((await result.usage).outputTokens).toBe(2);
  });

  test('contentFilterAfterTokens also applies to non-streaming calls', async () => {
    emu.setScenario({ words: 6, contentFilterAfterTokens: 3 });
    const result = await generateText({ model: model(api), prompt: 'something filtered' });

    expect(result.text).toBe(numberedWords(3));
    expect(result.finishReason).toBe('content-filter');
  });

  test('status 429 reaches the SDK as an APICallError carrying Retry-After', async () => {
    emu.setScenario({ status: 429, retryAfterSeconds: 7 });
    const errors: unknown[] = [];
    const result = streamText({ model: model(api), prompt: 'hi', maxRetries: 0, onError: ({ error }) => void errors.push(error) });

    await expect(result.text).rejects.toThrow();
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(APICallError.isInstance(error)).toBe(true);
    const apiError = error as APICallError;
    expect(apiError.statusCode).toBe(429);
    expect(apiError.responseHeaders?.['retry-after']).toBe('7');
    expect(apiError.responseHeaders?.['retry-after-ms']).toBe('7000');
    expect(apiError.message).toContain('Please retry after 7 seconds');
    expect(JSON.parse(apiError.responseBody ?? '{}')).toMatchObject({ error: { code: '429' } });
    expect(emu.counters.requests).toBe(1);
  });

  test('failTimes fails only the first request, so the SDK retry succeeds', async () => {
    emu.setScenario({ status: 503, retryAfterSeconds: 0, failTimes: 1, words: 3 });
    const result = streamText({ model: model(api), prompt: 'hi' });

    expect(await result.text).toBe(numberedWords(3));
    expect(emu.counters.requests).toBe(2);
  });

  test('dropAfterTokens cuts the connection after exactly N tokens', async () => {
    emu.setScenario({ words: 10, dropAfterTokens: 3 });
    const result = streamText({ model: model(api), prompt: 'hi', maxRetries: 0, onError: () => undefined });

    const { text, error } = await collectText(result.textStream);
    expect(error).toBeDefined();
    expect(text).toBe(numberedWords(3));
    await emu.waitFor((c) => c.inFlight === 0);
    expect(emu.counters).toMatchObject({ completed: 0, aborts: 0 });
  });

  test('aborting the SDK call mid-stream is counted as an abort within a second', async () => {
    emu.setScenario({ words: 200, tokensPerSecond: 50 });
    const controller = new AbortController();
    const result = streamText({ model: model(api), prompt: 'hi', abortSignal: controller.signal, onError: () => undefined });

    let received = '';
    await collectText(
      (async function* () {
        for await (const delta of result.textStream) {
          received += delta;
          controller.abort();
          yield delta;
        }
      })(),
    );
    expect(received).toBe('w1');
    await emu.waitFor((c) => c.aborts === 1, 1000);
    expect(emu.counters).toMatchObject({ aborts: 1, completed: 0, inFlight: 0 });
  });
});

describe('replaying recorded Azure streams', () => {
  test.each([
    ['responses-text', 'responses', 'Hello'],
    ['chat-completions-text', 'chat', 'Capital of Denmark.'],
    ['chat-completions-reasoning', 'chat', 'Exciting news, Knicks fans'],
  ] as const)('%s reaches streamText as the recorded text', async (name, api, start) => {
    emu.setScenario({ replay: name });
    const result = streamText({ model: model(api), prompt: 'hi' });

    const text = await result.text;
    expect(text).toBe(recordedText(name));
    expect(text.startsWith(start)).toBe(true);
    expect(await result.finishReason).toBe('stop');
  });

  test('the reasoning recording carries reasoning deltas that the chat model leaves out of the text', () => {
    const lines = readFileSync(path.join(__dirname, 'recordings', 'chat-completions-reasoning.chunks.jsonl'), 'utf8');
    expect(lines).toContain('"reasoning_content":"We"');
    expect(recordedText('chat-completions-reasoning')).not.toContain('We need to');
  });

  test('a chat recording is relayed byte for byte, followed by [DONE]', async () => {
    emu.setScenario({ replay: 'chat-completions-text' });
    const { reads } = await rawChatReads();
    const events = reads
      .map((read) => read.text)
      .join('')
      .split('\n\n')
      .filter(Boolean)
      .map((event) => event.replace(/^data: /, ''));
    const recorded = readFileSync(path.join(__dirname, 'recordings', 'chat-completions-text.chunks.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean);

    expect(events).toEqual([...recorded, '[DONE]']);
  });

  test('replay is paced by tokensPerSecond and cut by dropAfterTokens', async () => {
    emu.setScenario({ replay: 'chat-completions-text', tokensPerSecond: 20, dropAfterTokens: 2 });
    const started = Date.now();
    const { text, error } = await collectText(streamText({ model: model('chat'), prompt: 'hi', maxRetries: 0, onError: () => undefined }).textStream);

    expect(error).toBeDefined();
    expect(text).toBe('Capital of');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  test('a recording for the other API is refused instead of confusing the SDK', async () => {
    emu.setScenario({ replay: 'responses-text' });
    await expect(generateText({ model: model('chat'), prompt: 'hi', maxRetries: 0 })).rejects.toMatchObject({ statusCode: 400 });
  });

  test('non-streaming replay returns the recorded text', async () => {
    emu.setScenario({ replay: 'chat-completions-reasoning' });
    const result = await generateText({ model: model('chat'), prompt: 'hi' });
    expect(result.text).toBe(recordedText('chat-completions-reasoning'));
  });
});

describe('Azure request handling', () => {
  test('a wrong api-key gets Azure 401 body', async () => {
    const error: unknown = await generateText({ model: model('chat', 'wrong-key'), prompt: 'hi', maxRetries: 0 }).catch((e: unknown) => e);

    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).statusCode).toBe(401);
    expect(JSON.parse((error as APICallError).responseBody ?? '{}')).toEqual({
      error: {
        code: '401',
        message:
          'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
      },
    });
  });

  test('Authorization: Bearer is accepted as well as api-key', async () => {
    const response = await fetch(`${emu.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: DEPLOYMENT, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe(numberedWords(5));
    expect(emu.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  test('deployment-style URLs with api-version are served too', async () => {
    const azure = createAzure({ baseURL: `http://127.0.0.1:${emu.port}/openai`, apiKey: API_KEY, useDeploymentBasedUrls: true });
    const result = streamText({ model: azure.chat('my-deployment'), prompt: 'hi' });

    expect(await result.text).toBe(numberedWords(5));
    expect(emu.requests[0]).toMatchObject({
      path: '/openai/deployments/my-deployment/chat/completions',
      query: { 'api-version': 'v1' },
      api: 'chat',
    });
  });

  test('error statuses carry Azure codes', async () => {
    const codes: Array<[number, string]> = [
      [400, 'BadRequest'],
      [500, 'InternalServerError'],
      [503, 'ServiceUnavailable'],
    ];
    for (const [status, code] of codes) {
      emu.setScenario({ status });
      const error = (await generateText({ model: model('responses'), prompt: 'hi', maxRetries: 0 }).catch((e: unknown) => e)) as APICallError;
      expect(error.statusCode).toBe(status);
      expect(JSON.parse(error.responseBody ?? '{}')).toMatchObject({ error: { code } });
    }
  });
});

describe('timing on the wire', () => {
  test('20 tokens at 100 tokens/s are spread over about 190 ms in separate writes', async () => {
    emu.setScenario({ words: 20, tokensPerSecond: 100 });
    const { reads } = await rawChatReads();

    const first = reads.find((read) => read.text.includes(chatToken('w1')))!;
    const last = reads.find((read) => read.text.includes(chatToken(' w20')))!;
    expect(last.at - first.at).toBeGreaterThanOrEqual(180);
    expect(first.text).not.toContain(chatToken(' w20'));
    expect(reads.filter((read) => read.text.includes('"delta":{"content":"')).length).toBeGreaterThanOrEqual(5);
  });

  test('streamText through the responses API takes the paced time', async () => {
    emu.setScenario({ words: 20, tokensPerSecond: 100 });
    const started = Date.now();
    expect(await streamText({ model: model('responses'), prompt: 'hi' }).text).toBe(numberedWords(20));
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
  });

  test('burst sends every token in one write', async () => {
    emu.setScenario({ words: 20, burst: true });
    const { reads } = await rawChatReads();

    const first = reads.find((read) => read.text.includes(chatToken('w1')))!;
    for (let i = 1; i <= 20; i++) expect(first.text).toContain(chatToken(i === 1 ? 'w1' : ` w${i}`));
  });

  test('firstTokenDelayMs holds the tokens but not the headers or the prompt-filter chunk', async () => {
    emu.setScenario({ words: 2, firstTokenDelayMs: 300 });
    const { reads, headersAt } = await rawChatReads();

    expect(reads[0].text).toContain('prompt_filter_results');
    expect(reads[0].text).not.toContain(chatToken('w1'));
    const first = reads.find((read) => read.text.includes(chatToken('w1')))!;
    expect(first.at).toBeGreaterThanOrEqual(290);
    expect(first.at - headersAt).toBeGreaterThanOrEqual(150);
  });

  test('headersDelayMs withholds the response headers; a client giving up counts as an abort', async () => {
    emu.setScenario({ headersDelayMs: 2000 });
    await expect(rawChatReads(AbortSignal.timeout(150))).rejects.toThrow();
    await emu.waitFor((c) => c.aborts === 1, 1000);
    expect(emu.counters.inFlight).toBe(0);
  });

  test('1,000 concurrent paced streams all complete', async () => {
    const scenario: EmulatorScenario = { words: 10, tokensPerSecond: 50 };
    emu.setScenario(scenario);
    const started = Date.now();
    const bodies = await Promise.all(
      Array.from({ length: 1000 }, async () => {
        const response = await fetch(`${emu.url}/chat/completions`, {
          method: 'POST',
          headers: { 'api-key': API_KEY, 'content-type': 'application/json' },
          body: JSON.stringify({ model: DEPLOYMENT, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
        });
        return response.text();
      }),
    );

    expect(bodies.every((body) => body.includes(chatToken(' w10')) && body.endsWith('data: [DONE]\n\n'))).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    await emu.waitFor((c) => c.completed === 1000);
    expect(emu.counters).toEqual({ requests: 1000, completed: 1000, aborts: 0, inFlight: 0 });
  }, 15_000);
});

describe('lifecycle', () => {
  test('waitFor rejects on timeout', async () => {
    await expect(emu.waitFor((c) => c.requests > 0, 20)).rejects.toThrow(/timed out/);
  });

  test('close() ends open streams at once', async () => {
    const own = await startAzureEmulator({ scenario: { words: 100, tokensPerSecond: 2 } });
    const response = await fetch(`${own.url}/chat/completions`, {
      method: 'POST',
      headers: { 'api-key': own.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ model: DEPLOYMENT, stream: true, messages: [] }),
    });
    const reader = response.body!.getReader();
    await reader.read();

    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(500);
    await expect(
      (async () => {
        while (!(await reader.read()).done);
      })(),
    ).rejects.toThrow();
    await own.waitFor((c) => c.inFlight === 0, 500);
    expect(own.counters).toMatchObject({ requests: 1, completed: 0, aborts: 0 });
  });

  test('the CLI prints its address and answers the control endpoints', async () => {
    const cli = path.join(__dirname, 'cli.ts');
    const child = spawn('npx', ['tsx', cli, '--port', '0', '--api-key', 'cli-key', '--scenario', '{"words":2}'], {
      cwd: path.join(__dirname, '..', '..'),
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let control = '';
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const { url, port } = JSON.parse(line) as { url: string; port: number };
      expect(url).toBe(`http://127.0.0.1:${port}/openai/v1`);
      control = `http://127.0.0.1:${port}/__emulator`;
      const reply = async (): Promise<string> => {
        const response = await fetch(`${url}/chat/completions`, {
          method: 'POST',
          headers: { 'api-key': 'cli-key', 'content-type': 'application/json' },
          body: JSON.stringify({ model: DEPLOYMENT, messages: [{ role: 'user', content: 'hi' }] }),
        });
        return ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content;
      };

      expect(await reply()).toBe(numberedWords(2));
      const set = await fetch(`${control}/scenario`, { method: 'POST', body: JSON.stringify({ words: 3 }) });
      expect(set.status).toBe(200);
      expect(await reply()).toBe(numberedWords(3));
      expect(await (await fetch(`${control}/counters`)).json()).toMatchObject({ requests: 2, aborts: 0 });
      expect(await (await fetch(`${control}/requests`)).json()).toMatchObject([{ api: 'chat', body: { model: DEPLOYMENT } }, { api: 'chat' }]);

      await fetch(`${control}/reset`, { method: 'POST' });
      expect(await (await fetch(`${control}/counters`)).json()).toEqual({ requests: 0, completed: 0, aborts: 0, inFlight: 0 });
      expect(await reply()).toBe(numberedWords(2));
    } finally {
      // npx and tsx each spawn a child; signalling the whole group stops the emulator itself.
      process.kill(-child.pid!, 'SIGTERM');
    }
    expect(await serverGone(`${control}/counters`)).toBe(true);
  }, 20_000);
});
