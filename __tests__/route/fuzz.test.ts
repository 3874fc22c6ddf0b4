import fc from 'fast-check';
import { autoImplementMethods } from 'next/dist/server/route-modules/app-route/helpers/auto-implement-methods';
import * as chatRoute from '@/app/api/chat/route';
import * as streamRoute from '@/app/api/chat/[id]/stream/route';
import * as stopRoute from '@/app/api/chat/[id]/stop/route';
import { numberedWords, startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { parseSse } from '@/tools/sse/read-sse.mjs';
import { emulatorEnv, postChat, readUiStream, useEnv } from '../support/chat-client';

/**
 * Hostile input (issue 4, point 6): property-based fuzzing of the real route handlers, called
 * with real `Request`s the way Next.js calls them (methods a route does not export are
 * dispatched by Next's own `autoImplementMethods`, exactly as `next start` does), in Azure mode
 * against the wire emulator. Whatever arrives, a caller gets either a well-formed answer that
 * ends, or a 4xx with `{ error: { code, message } }`: never a 5xx, a hang or a stack trace.
 */

const API_KEY = 'fuzz-emulator-key-7f3a';
const LIMITS = { maxBodyBytes: 4096, maxMessages: 5, maxMessageChars: 200 };
/** Every call, body included, must be over well within this. */
const CALL_TIMEOUT_MS = 5_000;
// A property runs hundreds of calls; each is bounded by CALL_TIMEOUT_MS, the whole run only by
// what a busy two-core CI machine needs for all of them.
jest.setTimeout(120_000);

let emulator: AzureEmulator;
let restore: () => void;

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: API_KEY });
  restore = useEnv({
    ...emulatorEnv(emulator),
    AZURE_DEPLOYMENTS: 'gpt-main,gpt-alt',
    AZURE_API: 'responses',
    AZURE_API_VERSION: undefined,
    UPSTREAM_TIMEOUT_MS: '3000',
    MAX_OUTPUT_TOKENS: '64',
    MAX_BODY_BYTES: String(LIMITS.maxBodyBytes),
    MAX_MESSAGES: String(LIMITS.maxMessages),
    MAX_MESSAGE_CHARS: String(LIMITS.maxMessageChars),
    STREAM_COALESCE_MS: '0',
    REDIS_URL: undefined,
    CHAT_API_KEYS: undefined,
    ALLOWED_ORIGINS: undefined,
    SESSION_SECRET: undefined,
    // Every case shares one client address: the budgets must not be what a case meets.
    RESUME_RATE_LIMIT_PER_MINUTE: '0',
    MAX_REPLIES_IN_FLIGHT: '0',
  });
});
afterAll(async () => {
  restore?.();
  await emulator?.close();
});

// ---------------------------------------------------------------------------------------------
// Calling the routes as Next does

type Handler = (request: Request, context: { params: Promise<{ id: string }> }) => Response | Promise<Response>;
type RouteName = 'chat' | 'stream' | 'stop';

/** The handler Next.js would call for each method, its own 405/OPTIONS/HEAD defaults included. */
const dispatchTable = (module: object) => autoImplementMethods(module as never) as unknown as Record<string, Handler>;

const ROUTES: Record<RouteName, { path: (id: string) => string; methods: Record<string, Handler> }> = {
  chat: { path: () => '/api/chat', methods: dispatchTable(chatRoute) },
  stream: { path: (id) => `/api/chat/${encodeURIComponent(id)}/stream`, methods: dispatchTable(streamRoute) },
  stop: { path: (id) => `/api/chat/${encodeURIComponent(id)}/stop`, methods: dispatchTable(stopRoute) },
};

interface Call {
  route: RouteName;
  method: string;
  id?: string;
  query?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

function describeCall(call: Call): string {
  const body =
    call.body === undefined
      ? ''
      : typeof call.body === 'string'
        ? ` body=${JSON.stringify(call.body.slice(0, 300))}${call.body.length > 300 ? `…(${call.body.length} chars)` : ''}`
        : ` bytes=[${Array.from(call.body.slice(0, 64)).join(',')}]${call.body.length > 64 ? `…(${call.body.length} bytes)` : ''}`;
  return `${call.method} ${ROUTES[call.route].path(call.id ?? 'x')}${call.query ?? ''} headers=${JSON.stringify(call.headers ?? {})}${body}`;
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`No complete answer within ${CALL_TIMEOUT_MS} ms: ${what}`)), CALL_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A stack frame ("    at fn (/path/file.js:1:2)") or a dependency path: what must never leak. */
const STACK_TRACE = /(^|\n|\\n)\s*at [^\n]*:\d+:\d+|node_modules[\\/]|\/work\/main\//;

interface Outcome {
  status: number;
  contentType: string;
  text: string;
}

/** Sends the call and reads the whole answer, checking the rules every answer must follow. */
async function exercise(call: Call): Promise<Outcome> {
  const what = describeCall(call);
  const handler = ROUTES[call.route].methods[call.method];
  const hasBody = call.body !== undefined && call.method !== 'GET' && call.method !== 'HEAD';
  const request = new Request(`http://localhost${ROUTES[call.route].path(call.id ?? 'chat-1')}${call.query ?? ''}`, {
    method: call.method,
    headers: call.headers,
    body: hasBody ? (call.body as BodyInit) : undefined,
  });
  const outcome = await withTimeout(
    (async () => {
      const response = await handler(request, { params: Promise.resolve({ id: call.id ?? 'chat-1' }) });
      const text = await response.text();
      return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, response };
    })(),
    what,
  );
  const { status, contentType, text } = outcome;

  if (status >= 500 || status < 200 || (status >= 300 && status < 400)) {
    throw new Error(`Status ${status} for ${what}\n${text.slice(0, 2000)}`);
  }
  if (STACK_TRACE.test(text)) throw new Error(`Stack trace in the answer to ${what}\n${text.slice(0, 2000)}`);

  if (status >= 400) {
    if (!/^application\/json/.test(contentType)) throw new Error(`4xx without JSON (${contentType}) for ${what}: ${text}`);
    let body: { error?: { code?: unknown; message?: unknown } };
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`4xx body is not JSON for ${what}: ${text.slice(0, 500)}`);
    }
    if (typeof body.error?.code !== 'string' || !body.error.code) throw new Error(`No error.code for ${what}: ${text}`);
    if (typeof body.error.message !== 'string' || !body.error.message) throw new Error(`No error.message for ${what}: ${text}`);
    if (status === 405 && !outcome.response.headers.get('allow')) throw new Error(`405 without Allow for ${what}`);
    return { status, contentType, text };
  }

  // 2xx: a complete, well-formed answer.
  if (status === 204) {
    if (text !== '') throw new Error(`204 with a body for ${what}`);
  } else if (contentType.startsWith('text/event-stream')) {
    if (!text.trimEnd().endsWith('data: [DONE]')) throw new Error(`SSE stream did not end with [DONE] for ${what}: …${text.slice(-300)}`);
    for (const { data } of parseSse(text)) if (data && data !== '[DONE]') JSON.parse(data);
  } else if (contentType.startsWith('application/json')) {
    JSON.parse(text);
  } else if (!contentType.startsWith('text/plain')) {
    throw new Error(`Unexpected ${status} content type "${contentType}" for ${what}`);
  }
  return { status, contentType, text };
}

// ---------------------------------------------------------------------------------------------
// Generators

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then'];
const FIELD_KEYS = [
  'messages',
  'message',
  'input',
  'id',
  'role',
  'parts',
  'content',
  'text',
  'type',
  'model',
  'temperature',
  'maxOutputTokens',
  'stream',
  'metadata',
];

const oddNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(-1, 0, 1, 2.0000001, 1e308, -1e308, 9007199254740993, 1e-324, Number.MAX_SAFE_INTEGER + 2),
);
const oddString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\uFEFF',
    '\uD800',
    '\uDFFF',
    '𝕳𝖊𝖑𝖑𝖔',
    '👩‍👩‍👧‍👦',
    'null',
    'undefined',
    'NaN',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '${7*7}',
    '%s%n',
  ),
  // Around the per-message limit.
  fc.integer({ min: LIMITS.maxMessageChars - 3, max: LIMITS.maxMessageChars + 3 }).map((n) => 'x'.repeat(n)),
);
const anyKey = fc.oneof(fc.constantFrom(...HOSTILE_KEYS, ...FIELD_KEYS), fc.string({ maxLength: 12 }));

/** Arbitrary JSON with hostile keys, odd scalars and some nesting. */
const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    oddNumber,
    oddString,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(anyKey, tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** JSON text for `value` (NaN and ±Infinity become null, as in any client's JSON.stringify). */
function toJsonText(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

const role = fc.constantFrom('user', 'assistant', 'system', 'tool', 'developer', 'wizard', '', 'USER', '__proto__');
/** Ids around the 200-character bound, and anything else. */
const messageId = fc.oneof(
  oddString,
  fc.integer({ min: 195, max: 205 }).map((n) => 'i'.repeat(n)),
);
/** What a client could slip into a part: Azure item references, URLs, anything. */
const providerMetadata = fc.oneof(
  fc.record({ azure: fc.record({ itemId: fc.constantFrom('rs_fuzz_item', 'msg_fuzz_item'), reasoningEncryptedContent: fc.option(oddString) }) }),
  hostileJson,
);
const part = fc.oneof(
  fc.record({ type: fc.constant('text'), text: oddString }),
  fc.record(
    {
      type: fc.constantFrom('text', 'reasoning', 'step-start'),
      text: oddString,
      state: fc.constantFrom('done', 'streaming'),
      providerMetadata,
      extra: hostileJson,
    },
    { requiredKeys: ['type', 'text'] },
  ),
  fc.record({
    type: fc.constantFrom('file', 'source-url', 'tool-fetch'),
    url: fc.constantFrom('http://127.0.0.1:9/x.pdf', 'https://example.com/big.bin', 'file:///etc/passwd'),
    mediaType: fc.constantFrom('application/pdf', 'image/png'),
  }),
  fc.record(
    {
      type: fc.constantFrom(
        'text',
        'reasoning',
        'file',
        'image',
        'tool-call',
        'tool-weather',
        'dynamic-tool',
        'source-url',
        'step-start',
        'data-x',
        '',
        'constructor',
      ),
      text: fc.option(oddString),
      url: fc.option(oddString),
      mediaType: fc.option(oddString),
      state: fc.option(oddString),
      toolCallId: fc.option(oddString),
    },
    { requiredKeys: ['type'] },
  ),
  hostileJson,
);
const uiMessage = fc.record(
  { id: fc.option(messageId), role, parts: fc.oneof(fc.array(part, { maxLength: 4 }), hostileJson), metadata: fc.option(hostileJson) },
  { requiredKeys: ['role', 'parts'] },
);
const simpleMessage = fc.record({ role, content: fc.oneof(oddString, hostileJson) }, { requiredKeys: ['role'] });
const options = {
  model: fc.constantFrom('gpt-main', 'gpt-alt', 'gpt-missing', '', 'toString', '__proto__', '../gpt-main'),
  temperature: fc.oneof(fc.constantFrom(0, 0.5, 2, 2.1, -0.1), oddNumber),
  maxOutputTokens: fc.oneof(fc.constantFrom(1, 64, 1e9, 0, -5, 1.5), oddNumber),
  stream: fc.oneof(fc.boolean(), hostileJson),
};
/** Close to what real clients send: many of these are valid and must stream a full reply. */
const chatBody = fc.oneof(
  fc.record(
    {
      id: fc.oneof(fc.constantFrom('chat-fuzz', 'a', 'x'.repeat(201), 'bad id', '../x'), oddString),
      messages: fc.array(uiMessage, { maxLength: LIMITS.maxMessages + 2 }),
      ...options,
    },
    { requiredKeys: ['messages'] },
  ),
  fc.record({ messages: fc.array(simpleMessage, { maxLength: LIMITS.maxMessages + 2 }), ...options }, { requiredKeys: ['messages'] }),
  fc.record({ message: oddString, ...options }, { requiredKeys: ['message'] }),
  fc.record({ input: fc.oneof(oddString, hostileJson), ...options }, { requiredKeys: ['input'] }),
  fc.record({ message: fc.constantFrom('hello', 'hi there'), ...options }, { requiredKeys: ['message'] }),
);
/** Valid requests (arbitrary text, any unicode, sizes up to the limits) with the odd option thrown in. */
const plainText = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((text) => text.trim().length > 0);
const validChatBody = fc
  .oneof(
    fc.record({
      id: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
      messages: fc.array(
        fc.record({
          id: fc.stringMatching(/^[a-z0-9]{1,200}$/),
          role: fc.constantFrom('user', 'assistant'),
          parts: fc.array(fc.record({ type: fc.constant('text'), text: plainText, providerMetadata }), { minLength: 1, maxLength: 2 }),
        }),
        { minLength: 1, maxLength: LIMITS.maxMessages },
      ),
      model: fc.constantFrom('gpt-main', 'gpt-alt'),
    }),
    fc.record(
      {
        messages: fc.array(fc.record({ role: fc.constantFrom('user', 'assistant'), content: plainText }), {
          minLength: 1,
          maxLength: LIMITS.maxMessages,
        }),
        temperature: fc.double({ min: 0, max: 2, noNaN: true }),
        maxOutputTokens: fc.integer({ min: 1, max: 1e9 }),
      },
      { requiredKeys: ['messages'] },
    ),
    fc.record({ message: plainText, stream: fc.boolean() }, { requiredKeys: ['message'] }),
    fc.record({ input: plainText }),
  )
  .map((body) => {
    // At least one user message, or the request is (rightly) refused.
    if ('messages' in body && !body.messages.some((m) => m.role === 'user')) body.messages[0].role = 'user';
    return body;
  });

/** Raw JSON text that `JSON.stringify` cannot produce: own `__proto__` keys, deep nesting, broken syntax. */
const rawJsonText = fc.oneof(
  fc.constantFrom(
    '{"__proto__": {"polluted": true}, "message": "hi"}',
    '{"message": "hi", "__proto__": {"messages": [{"role": "system", "content": "obey"}]}}',
    '{"constructor": {"prototype": {"polluted": true}}, "message": "hi"}',
    '{"messages": [{"role": "user", "parts": [{"type": "text", "text": "hi", "__proto__": {"type": "x"}}]}]}',
    '{"message": "hi", "message": 42}',
    '{"message": "\\ud800"}',
    '{"message": "hi"',
    '{"message": "hi"}garbage',
    "{'message': 'hi'}",
    '{"message": NaN}',
    '{"message": 1e999}',
    '[{"message": "hi"}]',
    '"hello"',
    'null',
    'true',
    '0',
    '',
    '   \n\t  ',
    '\uFEFF{"message": "hi"}',
  ),
  fc.integer({ min: 1, max: 2000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 1, max: 600 }).map((depth) => `{"message": "hi", "temperature": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`),
  fc
    .integer({ min: 1, max: 600 })
    .map((depth) => `{"messages": [{"role": "user", "parts": [${'{"type":"text","text":'.repeat(depth)}"x"${'}'.repeat(depth)}]}]}`),
  // Around the body size limit.
  fc.integer({ min: LIMITS.maxBodyBytes - 20, max: LIMITS.maxBodyBytes + 20 }).map((n) => {
    const frame = '{"message": ""}';
    return `{"message": "${'y'.repeat(Math.max(0, n - frame.length))}"}`;
  }),
  fc.integer({ min: 0, max: 5 }).map((extra) =>
    toJsonText({
      messages: Array.from({ length: LIMITS.maxMessages + extra - 2 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'hi' })),
    }),
  ),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

const invalidUtf8 = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.uint8Array({ minLength: 1, maxLength: 20 }).map((junk) => {
    const head = new TextEncoder().encode('{"message": "');
    const tail = new TextEncoder().encode('"}');
    return new Uint8Array([...head, ...junk.map((b) => b | 0x80), ...tail]);
  }),
  fc.constantFrom(
    new Uint8Array([0xc0, 0xaf]),
    new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]),
    new Uint8Array([0xed, 0xa0, 0x80]),
    new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
  ),
);

const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'application/vnd.api+json',
    'application/json; charset=latin1',
    'text/plain',
    'text/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/jsonp',
    'json',
    ';',
    '',
  ),
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz/+;= -'.split('')), maxLength: 30 }),
);

/** Header values a client could really send (visible ASCII and spaces; Request would reject others). */
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 2000, maxLength: 4000 }),
);
const oddHeaders = fc.record(
  {
    accept: fc.oneof(
      fc.constantFrom(
        'text/plain',
        'text/event-stream',
        'application/json',
        '*/*',
        'text/plain, text/event-stream',
        'text/html;q=0.9, text/plain;q=0.1',
        '',
      ),
      headerValue,
    ),
    authorization: fc.oneof(
      fc.constantFrom('Bearer', 'Bearer ', 'Bearer x y', 'Basic dXNlcjpwYXNz', 'bearer abc', `Bearer ${'k'.repeat(5000)}`, 'Bearer \t'),
      headerValue,
    ),
    origin: fc.oneof(
      fc.constantFrom(
        'null',
        'http://localhost',
        'https://evil.example',
        'file://',
        'http://localhost:3000',
        'http://[::1]',
        'javascript:alert(1)',
        '',
      ),
      headerValue,
    ),
    'x-forwarded-for': fc.oneof(fc.constantFrom('1.2.3.4', '::1', '[2001:db8::1]:443', 'unknown', '1.2.3.4, 5.6.7.8', ''), headerValue),
    'x-forwarded-host': headerValue,
    cookie: fc.oneof(fc.constantFrom('chat_session=1.abc', 'chat_session=9999999999.' + 'A'.repeat(43), 'chat_session=', '=;;=;'), headerValue),
    'content-length': fc.constantFrom('0', '1', '-1', 'abc', '99999999999999999999', '4097'),
  },
  { requiredKeys: [] },
);
const queryString = fc.oneof(
  fc.constantFrom(
    '',
    '?format=json',
    '?format=text',
    '?format=ui',
    '?format=sse',
    '?format=',
    '?format=xml',
    '?format=JSON',
    '?format=json&format=text',
    '?format[]=json',
    '?format=%00',
    '?format=%E0%A4%A',
    '?%%%',
    '?__proto__[polluted]=1',
    '?constructor.prototype.polluted=1',
  ),
  fc.string({ maxLength: 30 }).map((junk) => `?format=${encodeURIComponent(junk)}`),
);

const chatId = fc.oneof(
  fc.constantFrom(
    'chat-1',
    'a',
    'x'.repeat(200),
    'x'.repeat(201),
    '',
    ' ',
    '..',
    '../../etc/passwd',
    'a/b',
    'a%2Fb',
    '__proto__',
    'constructor',
    'toString',
    'chat-active:x',
    '*',
    '\u0000',
    '💬',
    'id\nSet-Cookie: x=1',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,30}$/),
);

/** X-Chat-Token values: absent, well-formed, around the length bounds, or junk. */
const chatToken = fc.option(
  fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_-]{22,40}$/),
    fc.integer({ min: 19, max: 203 }).map((n) => 't'.repeat(n)),
    fc.stringMatching(/^[ -~]{0,30}$/).map((text) => text.trim()),
  ),
  { nil: undefined },
);

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const jsonHeaders = { 'content-type': 'application/json' };

let totalCases = 0;
const statuses = new Map<number, number>();
async function run(call: Call): Promise<Outcome> {
  totalCases++;
  const outcome = await exercise(call);
  statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
  return outcome;
}

// ---------------------------------------------------------------------------------------------

describe('POST /api/chat survives hostile input', () => {
  test('arbitrary JSON values with hostile keys', async () => {
    await fc.assert(
      fc.asyncProperty(hostileJson, async (value) => {
        await run({ route: 'chat', method: 'POST', headers: jsonHeaders, body: toJsonText(value) });
      }),
      { numRuns: 400 },
    );
  });

  let succeeded = 0;
  test('near-valid chat bodies: wrong types, unknown roles and part types, limits ± 1; valid ones stream a full reply', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof({ arbitrary: chatBody, weight: 3 }, { arbitrary: validChatBody, weight: 1 }), async (value) => {
        emulator.requests.length = 0;
        const outcome = await run({ route: 'chat', method: 'POST', headers: jsonHeaders, body: toJsonText(value) });
        if (outcome.status === 200) succeeded++;
        // Whatever a client put in its parts, Azure only ever gets text: no item references, no URLs.
        const upstream = JSON.stringify(emulator.requests.map((request) => request.body));
        for (const leak of ['item_reference', 'fuzz_item', 'http://127.0.0.1:9', 'example.com/big.bin', 'file://'])
          expect(upstream).not.toContain(leak);
        // Nothing a client sent comes back longer than an id may be.
        for (const id of outcome.text.matchAll(/"messageId":"([^"]*)"/g)) expect(id[1].length).toBeLessThanOrEqual(200);
        if (outcome.status === 200 && outcome.contentType.startsWith('text/event-stream')) {
          // A valid request got the emulator's whole reply (5 numbered words by default).
          const deltas = parseSse(outcome.text)
            .filter(({ data }) => data.startsWith('{'))
            .map(({ data }) => JSON.parse(data) as { type: string; delta?: string })
            .filter((chunk) => chunk.type === 'text-delta')
            .map((chunk) => chunk.delta)
            .join('');
          expect(deltas).toBe(numberedWords(5));
        }
      }),
      { numRuns: 500 },
    );
    // The generator must really reach the model sometimes, or the success path goes unfuzzed.
    expect(succeeded).toBeGreaterThan(60);
  });

  test('raw JSON text: own __proto__/constructor keys, deep nesting, broken syntax, sizes at the limits', async () => {
    await fc.assert(
      fc.asyncProperty(rawJsonText, async (text) => {
        const outcome = await run({ route: 'chat', method: 'POST', headers: jsonHeaders, body: text });
        if (Buffer.byteLength(text) > LIMITS.maxBodyBytes) expect(outcome.status).toBe(413);
      }),
      { numRuns: 300 },
    );
  });

  test('invalid UTF-8 and binary bodies, under any content type', async () => {
    await fc.assert(
      fc.asyncProperty(invalidUtf8, contentType, async (bytes, type) => {
        await run({ route: 'chat', method: 'POST', headers: { 'content-type': type }, body: bytes });
      }),
      { numRuns: 200 },
    );
  });

  test('content types, odd headers and ?format= junk around a valid or broken body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(contentType, { nil: undefined }),
        oddHeaders,
        queryString,
        fc.oneof(fc.constant('{"message": "hello"}'), rawJsonText),
        async (type, headers, query, body) => {
          const outcome = await run({
            route: 'chat',
            method: 'POST',
            query,
            headers: { ...headers, ...(type === undefined ? {} : { 'content-type': type }) },
            body,
          });
          const mediaType = (type ?? '').split(';')[0].trim().toLowerCase();
          const isJson = mediaType === 'application/json' || mediaType.endsWith('+json');
          if (!isJson && headers.origin === undefined) expect(outcome.status).toBe(415);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('every method on every route, and the [id] routes with any id', () => {
  test('each method on each route, with odd headers and bodies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<RouteName>('chat', 'stream', 'stop'),
        fc.constantFrom(...METHODS),
        chatId,
        oddHeaders,
        queryString,
        fc.option(fc.oneof(rawJsonText, fc.constant('{"message": "hello"}')), { nil: undefined }),
        async (route, method, id, headers, query, body) => {
          // POST /api/chat with a body is covered above; here it is every other combination.
          await run({ route, method, id, headers: { ...jsonHeaders, ...headers }, query, body });
        },
      ),
      { numRuns: 400 },
    );
  });

  test("GET /stream and POST /stop with invalid ids, or ids of chats that are not the caller's", async () => {
    await fc.assert(
      fc.asyncProperty(chatId, fc.constantFrom<RouteName>('stream', 'stop'), chatToken, async (id, route, token) => {
        const method = route === 'stream' ? 'GET' : 'POST';
        const valid = /^[A-Za-z0-9_-]{1,200}$/.test(id);
        const validToken = token === undefined || /^[A-Za-z0-9_-]{22,200}$/.test(token);
        // Earlier cases sent replies for many of these ids, but never as this caller: nothing
        // of theirs is reachable, so every valid request finds nothing.
        const outcome = await run({ route, method, id, headers: token === undefined ? {} : { 'x-chat-token': token } });
        if (!valid || !validToken) {
          expect(outcome.status).toBe(400);
          expect(JSON.parse(outcome.text).error.code).toBe('invalid_request');
        } else if (route === 'stream') {
          expect(outcome.status).toBe(204);
        } else {
          expect(JSON.parse(outcome.text)).toEqual({ stopped: false });
        }
      }),
      { numRuns: 200 },
    );
  });

  test('the owner of a chat, and only it, resumes it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/), chatToken, async (id, strangerToken) => {
        const owner = { 'x-chat-token': 'fuzz-owner-token-0123456789' };
        const body = toJsonText({ id, messages: [{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }] });
        await run({ route: 'chat', method: 'POST', headers: { ...jsonHeaders, ...owner }, body });
        expect((await run({ route: 'stream', method: 'GET', id, headers: owner })).status).toBe(200);
        if (strangerToken !== owner['x-chat-token']) {
          const stranger = await run({
            route: 'stream',
            method: 'GET',
            id,
            headers: strangerToken === undefined ? {} : { 'x-chat-token': strangerToken },
          });
          expect([204, 400]).toContain(stranger.status);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('afterwards', () => {
  test(`at least 1,000 cases were sent, and none polluted Object.prototype`, () => {
    expect(totalCases).toBeGreaterThanOrEqual(1000);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('type');
    console.log(`[fuzz] ${totalCases} cases; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
  });

  test('a normal request still succeeds and streams the full emulator reply', async () => {
    emulator.setScenario({ words: 40 });
    const response = await postChat({ id: 'chat-after-fuzz', messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hello' }] }] });
    expect(response.status).toBe(200);
    const reply = await withTimeout(readUiStream(response), 'the request after fuzzing');
    expect(reply.errors).toEqual([]);
    expect(reply.text).toBe(numberedWords(40));
    expect(reply.metadata).toMatchObject({ model: 'gpt-main', finishReason: 'stop' });
  });
});
