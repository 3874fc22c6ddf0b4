import OpenAI, { APIError } from 'openai';
import * as chatCompletions from '@/app/api/v1/chat/completions/route';
import * as models from '@/app/api/v1/models/route';
import * as responses from '@/app/api/v1/responses/route';
import { numberedWords, startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, postChat, useEnv } from '../support/chat-client';
import { startRouteServer, type RouteServer } from '../support/route-server';

/**
 * The OpenAI-compatible endpoints driven by the official `openai` npm client over real HTTP, the
 * routes answering from the Azure emulator: streaming and not, both APIs, the model list, a
 * client hanging up mid-stream, and every error class the SDK raises.
 */

let emulator: AzureEmulator;
let server: RouteServer;
let restore: () => void;

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: 'emulator-key-0123456789abcdef' });
  server = await startRouteServer({
    '/api/v1/chat/completions': chatCompletions,
    '/api/v1/responses': responses,
    '/api/v1/models': models,
  });
});
afterAll(async () => {
  await server.close();
  await emulator.close();
});
afterEach(() => restore?.());

/** The SDK's own retries are off so each test sees the server's answer to one request. */
const client = (options: ConstructorParameters<typeof OpenAI>[0] = {}) =>
  new OpenAI({ baseURL: `${server.url}/api/v1`, apiKey: 'not-checked-unless-CHAT_API_KEYS', maxRetries: 0, ...options });

const user = (content: string) => [{ role: 'user' as const, content }];

describe.each(['chat', 'responses'] as const)('AZURE_API=%s', (api) => {
  beforeEach(() => {
    emulator.reset();
    restore = useEnv(
      emulatorEnv(emulator, {
        AZURE_API: api,
        AZURE_DEPLOYMENTS: 'gpt-main,gpt-alt',
        SYSTEM_PROMPT: 'OPERATOR PROMPT',
        UPSTREAM_TIMEOUT_MS: '3000',
        CLIENT_SYSTEM_MESSAGES: undefined,
        CHAT_API_KEYS: undefined,
      }),
    );
  });

  test('chat.completions streams deltas, the finish reason and the usage chunk', async () => {
    emulator.setScenario({ words: 12 });
    const stream = await client().chat.completions.create({
      model: 'gpt-alt',
      messages: user('hello'),
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const finishReasons: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishReasons.push(chunk.choices[0].finish_reason);
      if (chunk.usage) usage = chunk.usage;
      expect(chunk.model).toBe('gpt-alt');
    }
    expect(text).toBe(numberedWords(12));
    expect(finishReasons).toEqual(['stop']);
    expect(usage).toMatchObject({ completion_tokens: 12 });
    expect(JSON.stringify(emulator.requests.at(-1)!.body)).toContain('gpt-alt');
  });

  test('chat.completions without stream answers one completion; the first deployment when model is omitted', async () => {
    emulator.setScenario({ words: 7 });
    const completion = await client().chat.completions.create({ messages: user('hi') } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(completion.choices[0].message).toMatchObject({ role: 'assistant', content: numberedWords(7) });
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.model).toBe('gpt-main');
    expect(completion.usage).toMatchObject({ completion_tokens: 7 });
  });

  test('responses streams its events and output_text, then response.completed', async () => {
    emulator.setScenario({ words: 9 });
    const stream = await client().responses.create({ model: 'gpt-main', input: 'hello', stream: true });
    const types: string[] = [];
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(text).toBe(numberedWords(9));
    expect(types.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(types.slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    expect(completed?.usage?.output_tokens).toBe(9);
  });

  test('responses without stream: the SDK reads output_text', async () => {
    emulator.setScenario({ words: 5 });
    const response = await client().responses.create({ model: 'gpt-main', input: [{ role: 'user', content: 'hi' }] });
    expect(response.output_text).toBe(numberedWords(5));
    expect(response.status).toBe('completed');
  });

  test("clients' system messages and instructions are sent after the operator's prompt", async () => {
    await client().chat.completions.create({
      model: 'gpt-main',
      messages: [{ role: 'system', content: 'CLIENT SYSTEM' }, ...user('hi')],
    });
    const sent = JSON.stringify(emulator.requests.at(-1)!.body);
    expect(sent.indexOf('OPERATOR PROMPT')).toBeGreaterThanOrEqual(0);
    expect(sent.indexOf('CLIENT SYSTEM')).toBeGreaterThan(sent.indexOf('OPERATOR PROMPT'));

    await client().responses.create({ model: 'gpt-main', instructions: 'CLIENT INSTRUCTIONS', input: 'hi' });
    const second = JSON.stringify(emulator.requests.at(-1)!.body);
    expect(second.indexOf('CLIENT INSTRUCTIONS')).toBeGreaterThan(second.indexOf('OPERATOR PROMPT'));
  });

  test('/api/chat keeps refusing system messages, whatever CLIENT_SYSTEM_MESSAGES says', async () => {
    const response = await postChat({ messages: [{ role: 'system', content: 'x' }, ...user('hi')] });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toContain('system prompt is set by the server');
    expect(emulator.counters.requests).toBe(0);
  });

  test('CLIENT_SYSTEM_MESSAGES=refuse refuses them with a 400 the SDK raises', async () => {
    restore = useEnv({ CLIENT_SYSTEM_MESSAGES: 'refuse' });
    const refused = client().chat.completions.create({ model: 'gpt-main', messages: [{ role: 'system', content: 'x' }, ...user('hi')] });
    await expect(refused).rejects.toMatchObject({ status: 400, code: 'invalid_request', message: expect.stringContaining('system messages') });
    expect(emulator.counters.requests).toBe(0);
  });

  test.each(['chat', 'responses'] as const)('a %s client that aborts mid-stream aborts the upstream request', async (endpoint) => {
    emulator.setScenario({ words: 200, tokensPerSecond: 20 });
    const controller = new AbortController();
    const stream =
      endpoint === 'chat'
        ? await client().chat.completions.create({ model: 'gpt-main', messages: user('hi'), stream: true }, { signal: controller.signal })
        : await client().responses.create({ model: 'gpt-main', input: 'hi', stream: true }, { signal: controller.signal });
    let events = 0;
    // The SDK ends the iteration (or throws an abort error, depending on timing) once aborted.
    await (async () => {
      // eslint-disable-next-line @typescript-eslint/no-unused-vars -- only the count matters
      for await (const _event of stream) if (++events === 5) controller.abort();
    })().catch((error: Error) => expect(error.name).toMatch(/Abort/));
    expect(events).toBe(5);
    await emulator.waitFor((c) => c.aborts === 1, 3000);
    expect(emulator.counters.completed).toBe(0);
  });

  test.each(['chat', 'responses'] as const)('a %s stream that fails midway raises an APIError with the reason, after the text', async (endpoint) => {
    emulator.setScenario({ words: 20, dropAfterTokens: 6 });
    let text = '';
    const read = async () => {
      if (endpoint === 'chat') {
        for await (const chunk of await client().chat.completions.create({ model: 'gpt-main', messages: user('hi'), stream: true })) {
          text += chunk.choices[0]?.delta.content ?? '';
        }
      } else {
        for await (const event of await client().responses.create({ model: 'gpt-main', input: 'hi', stream: true })) {
          if (event.type === 'response.output_text.delta') text += event.delta;
        }
      }
    };
    const failure = await read().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toMatch(/connection to Azure OpenAI was lost/);
    expect(text).toBe(numberedWords(6));
  });
});

describe('errors, as the SDK classes them', () => {
  beforeEach(() => {
    emulator.reset();
    restore = useEnv(emulatorEnv(emulator, { AZURE_API: 'chat', UPSTREAM_TIMEOUT_MS: '3000', CHAT_API_KEYS: undefined, ALLOWED_ORIGINS: undefined }));
  });
  const ask = (openai = client()) => openai.chat.completions.create({ model: 'gpt-main', messages: user('hi') });

  test.each([
    [
      '400 BadRequestError for an invalid body',
      OpenAI.BadRequestError,
      400,
      'invalid_request',
      'invalid_request_error',
      () => client().chat.completions.create({ model: 'gpt-main', messages: user('hi'), temperature: 7 }),
    ],
    [
      '404 NotFoundError for a model outside the allow-list',
      OpenAI.NotFoundError,
      404,
      'unknown_model',
      'invalid_request_error',
      () => client().chat.completions.create({ model: 'gpt-4o', messages: user('hi') }),
    ],
    [
      '403 PermissionDeniedError for a foreign browser origin',
      OpenAI.PermissionDeniedError,
      403,
      'forbidden_origin',
      'permission_error',
      () => ask(client({ defaultHeaders: { Origin: 'https://elsewhere.example' } })),
    ],
  ])('%s', async (_name, ErrorClass, status, code, type, call) => {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toMatchObject({ status, code, type });
    expect((error as Error).message.length).toBeGreaterThan(20);
    expect(emulator.counters.requests).toBe(0);
  });

  test('401 AuthenticationError without a valid key; the right key works', async () => {
    restore = useEnv({ CHAT_API_KEYS: 'right-key' });
    await expect(ask(client({ apiKey: 'wrong-key' }))).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(ask(client({ apiKey: 'right-key' }))).resolves.toMatchObject({ object: 'chat.completion' });
  });

  test('413 for a message over MAX_MESSAGE_CHARS', async () => {
    restore = useEnv({ MAX_MESSAGE_CHARS: '10' });
    const error = await client()
      .chat.completions.create({ model: 'gpt-main', messages: user('x'.repeat(11)) })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  test('every client-supplied value is bounded: model name, message count, instructions length, body size', async () => {
    restore = useEnv({ MAX_MESSAGES: '3', MAX_MESSAGE_CHARS: '50', MAX_BODY_BYTES: '2000' });
    const failures = await Promise.all(
      [
        client().chat.completions.create({ model: 'm'.repeat(201), messages: user('hi') }),
        client().chat.completions.create({ model: 'gpt-main', messages: Array.from({ length: 4 }, () => user('hi')[0]) }),
        client().responses.create({ model: 'gpt-main', instructions: 'i'.repeat(51), input: 'hi' }),
        client().responses.create({ model: 'gpt-main', input: 'x'.repeat(3000) }),
      ].map((call) =>
        call.then(
          () => undefined,
          (error: APIError) => [error.status, error.code],
        ),
      ),
    );
    expect(failures).toEqual([
      [400, 'invalid_request'],
      [413, 'payload_too_large'],
      [413, 'payload_too_large'],
      [413, 'payload_too_large'],
    ]);
    expect(emulator.counters.requests).toBe(0);
  });

  test('429 RateLimitError from this server and from Azure, with Retry-After', async () => {
    restore = useEnv({ RATE_LIMIT_PER_MINUTE: '1' });
    await ask();
    const local = await ask().catch((e: APIError) => e);
    expect(local).toBeInstanceOf(OpenAI.RateLimitError);
    expect(local).toMatchObject({ code: 'rate_limited', type: 'rate_limit_error' });
    expect(Number((local as APIError).headers?.get('retry-after'))).toBeGreaterThan(0);

    restore = useEnv({ RATE_LIMIT_PER_MINUTE: '0' });
    emulator.setScenario({ status: 429, retryAfterSeconds: 0 });
    const upstream = await ask().catch((e: APIError) => e);
    expect(upstream).toBeInstanceOf(OpenAI.RateLimitError);
    expect(upstream).toMatchObject({ code: 'upstream_rate_limited' });
  });

  test.each([
    ['502 for credentials Azure rejects', { status: 401 }, 502, 'upstream_error'],
    ['503 when Azure keeps failing', { status: 500, retryAfterSeconds: 0 }, 503, 'upstream_unavailable'],
    ['504 when the first token is too slow', { firstTokenDelayMs: 5000 }, 504, 'upstream_timeout'],
  ])('%s: InternalServerError with the reason', async (_name, scenario, status, code) => {
    restore = useEnv({ UPSTREAM_TIMEOUT_MS: '300' });
    emulator.setScenario(scenario);
    const error = await ask().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status, code, type: 'server_error' });
  });
});

describe('the model list and CORS', () => {
  beforeEach(() => emulator.reset());

  test('models.list names the configured deployments, or the demo model', async () => {
    restore = useEnv(emulatorEnv(emulator, { AZURE_DEPLOYMENTS: 'gpt-main,gpt-alt', CHAT_API_KEYS: undefined }));
    const listed = [];
    for await (const model of client().models.list()) listed.push(model.id);
    expect(listed).toEqual(['gpt-main', 'gpt-alt']);

    restore();
    restore = useEnv({ AZURE_BASE_URL: undefined, AZURE_RESOURCE_NAME: undefined, AZURE_API_KEY: undefined, AZURE_DEPLOYMENTS: undefined });
    const demo = await client().models.list();
    expect(demo.data.map((model) => model.id)).toEqual(['offline-demo']);
  });

  test('a preflight from an allowed origin permits every header the SDK sends', async () => {
    restore = useEnv(emulatorEnv(emulator, { ALLOWED_ORIGINS: 'https://app.example' }));
    const sent: string[] = [];
    const recording = client({
      fetch: async (url, init) => {
        sent.push(...new Headers(init?.headers).keys());
        return fetch(url, init);
      },
    });
    await recording.chat.completions.create({ model: 'gpt-main', messages: user('hi') });
    const safelisted = new Set(['accept', 'content-type', 'content-length', 'user-agent']);
    const needed = sent.filter((name) => !safelisted.has(name));
    expect(needed).toEqual(expect.arrayContaining(['authorization', 'x-stainless-lang', 'x-stainless-retry-count']));

    const preflight = await fetch(`${server.url}/api/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': needed.join(',') },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const allowed = preflight.headers.get('access-control-allow-headers')!.toLowerCase().split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(needed));
  });
});
