/**
 * An Azure OpenAI wire emulator: a real HTTP server speaking the Responses and Chat Completions
 * APIs (streaming and not) closely enough that `@ai-sdk/azure` runs against it unchanged. Tests and
 * benchmarks use it instead of a live deployment; its stream shapes follow the recordings in
 * `__tests__/fixtures/azure-recordings`, which it can also replay verbatim.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface EmulatorScenario {
  /** Reply content: N numbered words "w1 w2 … wN" (each streamed token is the word with a leading space after the first, e.g. "w1", " w2"), or explicit token strings. Default: 5 numbered words. */
  words?: number | string[];
  /** Tokens per second pacing; undefined/0 = as fast as possible (one write per token). */
  tokensPerSecond?: number;
  /** Send all tokens in ONE socket write (as Azure's content filter often does). */
  burst?: boolean;
  /** Delay before the first content token (headers and Azure's empty first chunk go out at once). */
  firstTokenDelayMs?: number;
  /** Responses API: the reply starts with a reasoning item (as o-series deployments send, with no summary text), announced at once; its thinking time is `firstTokenDelayMs`. */
  reasoning?: boolean;
  /** Delay before sending response headers at all (for upstream-timeout tests). */
  headersDelayMs?: number;
  /** Answer with this HTTP status and an Azure-shaped JSON error body instead of streaming. */
  status?: number;
  /** With status (429/503): the Retry-After header value in seconds. */
  retryAfterSeconds?: number;
  /** With status: apply it only to the first N requests, then behave normally (retry tests). */
  failTimes?: number;
  /** Destroy the socket abruptly after N content tokens (mid-stream network drop). */
  dropAfterTokens?: number;
  /** Stop with a content-filter finish after N content tokens (chat: finish_reason "content_filter" with content_filter_results filtered:true; responses: `response.incomplete` with incomplete_details.reason "content_filter"). */
  contentFilterAfterTokens?: number;
  /** Replay a recorded real Azure stream from __tests__/fixtures/azure-recordings instead of generating one. Paced by tokensPerSecond if given. */
  replay?:
    | 'responses-text'
    | 'chat-completions-text'
    | 'chat-completions-reasoning'
    | 'responses-azure-tool-call'
    | 'responses-azure-web-search-preview-tool'
    | 'responses-openai-file-search-tool'
    | 'responses-azure-code-interpreter-tool';
}

export interface EmulatorCounters {
  requests: number;
  completed: number;
  aborts: number;
  inFlight: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  api: 'responses' | 'chat' | 'unknown';
}

export interface AzureEmulator {
  /** `http://127.0.0.1:PORT/openai/v1`: use as `createAzure({ baseURL })` / AZURE_BASE_URL. */
  url: string;
  port: number;
  apiKey: string;
  /** Live object, updated as requests arrive, finish or are aborted. */
  counters: EmulatorCounters;
  /** Every API request received, in order, headers included as sent (tests check the key is forwarded; it is never printed). */
  requests: RecordedRequest[];
  /** Applies to requests that arrive from now on; also restarts the `failTimes` count. */
  setScenario(scenario: EmulatorScenario): void;
  /** Back to the scenario given at start, zero counters (except inFlight, which stays true), clear requests. */
  reset(): void;
  /** Resolves once the predicate holds for the counters; rejects after timeoutMs (default 5000). */
  waitFor(predicate: (c: EmulatorCounters) => boolean, timeoutMs?: number): Promise<void>;
  /**
   * Issues a bearer token this emulator accepts until it expires, as Microsoft Entra ID would for
   * the resource (a managed-identity test endpoint hands these out). Only with `bearerTokens`.
   */
  issueToken(expiresInSeconds: number): { token: string; expiresOn: number };
  /** Stops listening and cuts every open connection, so nothing keeps the process alive. */
  close(): Promise<void>;
}

export interface EmulatorOptions {
  port?: number;
  apiKey?: string;
  scenario?: EmulatorScenario;
  /** Keyless (Entra ID) mode: accept only `Authorization: Bearer` tokens from `issueToken` that have not expired; no key. */
  bearerTokens?: boolean;
}

type RecordingName = NonNullable<EmulatorScenario['replay']>;
type Api = RecordedRequest['api'];
type Json = Record<string, unknown>;

const DEFAULT_WORDS = 5;
const RECORDING_API: Record<RecordingName, Exclude<Api, 'unknown'>> = {
  'responses-text': 'responses',
  'chat-completions-text': 'chat',
  'chat-completions-reasoning': 'chat',
  'responses-azure-tool-call': 'responses',
  'responses-azure-web-search-preview-tool': 'responses',
  'responses-openai-file-search-tool': 'responses',
  'responses-azure-code-interpreter-tool': 'responses',
};

export function numberedWords(n: number): string {
  return numberedTokens(n).join('');
}

function numberedTokens(n: number): string[] {
  return Array.from({ length: n }, (_, i) => (i === 0 ? `w${i + 1}` : ` w${i + 1}`));
}

const recordingCache = new Map<RecordingName, Json[]>();

/** Jest and tsx load this file as CommonJS, where __filename locates the fixtures; loaded as ESM only the cwd is left to go by. */
function recordingsDir(): string {
  const fromCwd = path.resolve('__tests__', 'fixtures', 'azure-recordings');
  if (typeof __filename !== 'string') return fromCwd;
  const fromModule = path.resolve(path.dirname(__filename), '..', 'fixtures', 'azure-recordings');
  return existsSync(fromModule) ? fromModule : fromCwd;
}

function loadRecording(name: RecordingName): Json[] {
  let events = recordingCache.get(name);
  if (!events) {
    events = readFileSync(path.join(recordingsDir(), `${name}.chunks.jsonl`), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Json);
    recordingCache.set(name, events);
  }
  return events;
}

/** What the SDK turns into text: output_text deltas (Responses) or `delta.content` (Chat); reasoning is not text. */
function eventText(event: Json): string {
  if (event.type === 'response.output_text.delta') return typeof event.delta === 'string' ? event.delta : '';
  const delta = firstChoice(event)?.delta as Json | undefined;
  return typeof delta?.content === 'string' ? delta.content : '';
}

/** Content or reasoning deltas count as tokens for pacing and drops: both are what a model emits per step. */
function isTokenEvent(event: Json): boolean {
  if (eventText(event) !== '') return true;
  const delta = firstChoice(event)?.delta as Json | undefined;
  return typeof delta?.reasoning_content === 'string' && delta.reasoning_content !== '';
}

function firstChoice(event: Json): Json | undefined {
  return Array.isArray(event.choices) ? (event.choices[0] as Json | undefined) : undefined;
}

export function recordedText(name: EmulatorScenario['replay']): string {
  if (!name) throw new Error('recordedText needs a recording name');
  return loadRecording(name).map(eventText).join('');
}

// ---------------------------------------------------------------------------------------------
// Azure payload builders

const SAFE_COMPLETION_FILTER = {
  hate: { filtered: false, severity: 'safe' },
  self_harm: { filtered: false, severity: 'safe' },
  sexual: { filtered: false, severity: 'safe' },
  violence: { filtered: false, severity: 'safe' },
};
const BLOCKED_COMPLETION_FILTER = { ...SAFE_COMPLETION_FILTER, violence: { filtered: true, severity: 'medium' } };
const PROMPT_FILTER_RESULTS = [
  {
    prompt_index: 0,
    content_filter_results: {
      hate: { filtered: false, severity: 'safe' },
      jailbreak: { filtered: false, detected: false },
      self_harm: { filtered: false, severity: 'safe' },
      sexual: { filtered: false, severity: 'safe' },
      violence: { filtered: false, severity: 'safe' },
    },
  },
];

const ERROR_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: '401',
  403: '403',
  404: '404',
  408: 'Timeout',
  429: '429',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

const ERROR_MESSAGES: Record<number, string> = {
  401: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  404: 'Resource not found',
  500: 'The server had an error while processing your request. Sorry about that!',
  503: 'The service is temporarily unable to process your request. Please try again later.',
};

function errorMessage(status: number, api: Api, retryAfterSeconds: number | undefined): string {
  if (status === 429) {
    const operation = api === 'responses' ? 'Responses_Create' : 'ChatCompletions_Create';
    return `Requests to the ${operation} Operation under Azure OpenAI API version v1 have exceeded call rate limit of your current AIServices S0 pricing tier. Please retry after ${retryAfterSeconds ?? 1} seconds. Please contact Azure support service if you would like to further increase the default rate limit.`;
  }
  return ERROR_MESSAGES[status] ?? `Emulated error with status ${status}.`;
}

/** Azure bills prompts in tokens; a word count is close enough for tests that check usage flows through. */
function countWords(value: unknown, key = ''): number {
  if (typeof value === 'string') return key === 'role' || key === 'type' ? 0 : value.split(/\s+/).filter(Boolean).length;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countWords(item), 0);
  if (value && typeof value === 'object') return Object.entries(value).reduce((sum, [k, item]) => sum + countWords(item, k), 0);
  return 0;
}

function promptTokens(body: Json): number {
  return Math.max(1, countWords({ instructions: body.instructions, input: body.input, messages: body.messages }));
}

function hexId(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

interface Reply {
  body: Json;
  tokens: string[];
  /** Set when a content filter cuts the reply short after `tokens`. */
  filtered: boolean;
}

interface ResponseState {
  id: string;
  itemId: string;
  createdAt: number;
  model: string;
}

function responsesObject(reply: Reply, state: ResponseState, phase: 'in_progress' | 'completed' | 'incomplete'): Json {
  const text = reply.tokens.join('');
  const done = phase !== 'in_progress';
  const input = promptTokens(reply.body);
  return {
    id: state.id,
    object: 'response',
    created_at: state.createdAt,
    status: phase,
    background: false,
    completed_at: done ? Math.floor(Date.now() / 1000) : null,
    content_filters: done
      ? [
          { blocked: false, source_type: 'prompt', content_filter_raw: null, content_filter_results: PROMPT_FILTER_RESULTS[0].content_filter_results },
          { blocked: reply.filtered, source_type: 'completion', content_filter_raw: null, content_filter_results: reply.filtered ? BLOCKED_COMPLETION_FILTER : SAFE_COMPLETION_FILTER },
        ]
      : null,
    error: null,
    incomplete_details: phase === 'incomplete' ? { reason: 'content_filter' } : null,
    instructions: reply.body.instructions ?? null,
    max_output_tokens: reply.body.max_output_tokens ?? null,
    max_tool_calls: null,
    model: state.model,
    output: done ? [messageItem(state, phase === 'completed' ? 'completed' : 'incomplete', text)] : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: done ? 'default' : 'auto',
    store: reply.body.store ?? true,
    temperature: reply.body.temperature ?? 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_logprobs: 0,
    top_p: reply.body.top_p ?? 1,
    truncation: 'disabled',
    usage: done
      ? {
          input_tokens: input,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: reply.tokens.length,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: input + reply.tokens.length,
        }
      : null,
    user: null,
    metadata: {},
  };
}

function messageItem(state: ResponseState, status: string, text: string | null): Json {
  const content = text === null ? [] : [{ type: 'output_text', annotations: [], logprobs: [], text }];
  return { id: state.itemId, type: 'message', status, content, role: 'assistant' };
}

function newResponseState(body: Json): ResponseState {
  return {
    id: `resp_${hexId(25)}`,
    itemId: `msg_${hexId(25)}`,
    createdAt: Math.floor(Date.now() / 1000),
    model: typeof body.model === 'string' ? body.model : 'gpt-emulated',
  };
}

interface ChatState {
  id: string;
  created: number;
  model: string;
}

function newChatState(body: Json): ChatState {
  return {
    id: `chatcmpl-${randomBytes(22).toString('base64url').slice(0, 29)}`,
    created: Math.floor(Date.now() / 1000),
    model: typeof body.model === 'string' ? body.model : 'gpt-emulated',
  };
}

function chatUsage(reply: Reply): Json {
  const input = promptTokens(reply.body);
  return {
    completion_tokens: reply.tokens.length,
    completion_tokens_details: { accepted_prediction_tokens: 0, audio_tokens: 0, reasoning_tokens: 0, rejected_prediction_tokens: 0 },
    prompt_tokens: input,
    prompt_tokens_details: { audio_tokens: 0, cached_tokens: 0 },
    total_tokens: input + reply.tokens.length,
  };
}

function chatChunk(state: ChatState, choices: Json[], usage: Json | null = null): Json {
  return { choices, created: state.created, id: state.id, model: state.model, object: 'chat.completion.chunk', system_fingerprint: null, usage };
}

/** One server-sent event; `token` marks events that carry model output, which pacing and drops count. */
interface Frame {
  data: string;
  token: boolean;
}

const sse = (payload: Json | string, token = false): Frame => ({
  data: `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`,
  token,
});
// The Responses API names each event, like OpenAI's; the SDK reads only `data:` but other clients may not.
const namedSse = (payload: Json, token = false): Frame => ({
  data: `event: ${String(payload.type)}\ndata: ${JSON.stringify(payload)}\n\n`,
  token,
});

function chatFrames(reply: Reply): Frame[] {
  const state = newChatState(reply.body);
  const frames: Frame[] = [
    sse({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: PROMPT_FILTER_RESULTS }),
    sse(chatChunk(state, [{ content_filter_results: {}, delta: { content: '', refusal: null, role: 'assistant' }, finish_reason: null, index: 0, logprobs: null }])),
  ];
  for (const token of reply.tokens) {
    frames.push(sse(chatChunk(state, [{ content_filter_results: SAFE_COMPLETION_FILTER, delta: { content: token }, finish_reason: null, index: 0, logprobs: null }]), true));
  }
  frames.push(
    sse(
      chatChunk(state, [
        {
          content_filter_results: reply.filtered ? BLOCKED_COMPLETION_FILTER : {},
          delta: {},
          finish_reason: reply.filtered ? 'content_filter' : 'stop',
          index: 0,
          logprobs: null,
        },
      ]),
    ),
  );
  const streamOptions = reply.body.stream_options as Json | undefined;
  if (streamOptions?.include_usage === true) frames.push(sse(chatChunk(state, [], chatUsage(reply))));
  frames.push(sse('[DONE]'));
  return frames;
}

function chatCompletion(reply: Reply): Json {
  const state = newChatState(reply.body);
  return {
    choices: [
      {
        content_filter_results: reply.filtered ? BLOCKED_COMPLETION_FILTER : SAFE_COMPLETION_FILTER,
        finish_reason: reply.filtered ? 'content_filter' : 'stop',
        index: 0,
        logprobs: null,
        message: { annotations: [], content: reply.tokens.join(''), refusal: null, role: 'assistant' },
      },
    ],
    created: state.created,
    id: state.id,
    model: state.model,
    object: 'chat.completion',
    prompt_filter_results: PROMPT_FILTER_RESULTS,
    system_fingerprint: null,
    usage: chatUsage(reply),
  };
}

function responsesFrames(reply: Reply, reasoning = false): Frame[] {
  const state = newResponseState(reply.body);
  const text = reply.tokens.join('');
  const itemStatus = reply.filtered ? 'incomplete' : 'completed';
  const messageIndex = reasoning ? 1 : 0;
  const location = { item_id: state.itemId, output_index: messageIndex, content_index: 0 };
  const reasoningItem = { id: `rs_${hexId(24)}`, type: 'reasoning', summary: [] };
  const events: Array<[Json, boolean]> = [
    [{ type: 'response.created', response: responsesObject(reply, state, 'in_progress') }, false],
    [{ type: 'response.in_progress', response: responsesObject(reply, state, 'in_progress') }, false],
    ...(reasoning ? [[{ type: 'response.output_item.added', output_index: 0, item: reasoningItem }, false] as [Json, boolean]] : []),
    // The reasoning item ends when the text begins, so its end travels with the first token.
    ...(reasoning ? [[{ type: 'response.output_item.done', output_index: 0, item: reasoningItem }, true] as [Json, boolean]] : []),
    [{ type: 'response.output_item.added', output_index: messageIndex, item: messageItem(state, 'in_progress', null) }, false],
    [{ type: 'response.content_part.added', ...location, part: { type: 'output_text', annotations: [], logprobs: [], text: '' } }, false],
    ...reply.tokens.map((delta): [Json, boolean] => [{ type: 'response.output_text.delta', ...location, delta, logprobs: [] }, true]),
    [{ type: 'response.output_text.done', ...location, text, logprobs: [] }, false],
    [{ type: 'response.content_part.done', ...location, part: { type: 'output_text', annotations: [], logprobs: [], text } }, false],
    [{ type: 'response.output_item.done', output_index: messageIndex, item: messageItem(state, itemStatus, text) }, false],
    reply.filtered
      ? [{ type: 'response.incomplete', response: responsesObject(reply, state, 'incomplete') }, false]
      : [{ type: 'response.completed', response: responsesObject(reply, state, 'completed') }, false],
  ];
  return events.map(([event, token], sequence) => namedSse({ type: event.type, sequence_number: sequence, ...event }, token));
}

function replayFrames(name: RecordingName): Frame[] {
  const events = loadRecording(name);
  if (RECORDING_API[name] === 'responses') return events.map((event) => namedSse(event, isTokenEvent(event)));
  return [...events.map((event) => sse(event, isTokenEvent(event))), sse('[DONE]')];
}

function replayJson(name: RecordingName): Json {
  const events = loadRecording(name);
  if (RECORDING_API[name] === 'responses') {
    const finished = events.find((event) => event.type === 'response.completed');
    return finished?.response as Json;
  }
  const withId = events.find((event) => typeof event.id === 'string' && event.id !== '') ?? {};
  const finishChoice = events.map(firstChoice).find((choice) => choice?.finish_reason != null);
  const usage = [...events].reverse().find((event) => event.usage != null)?.usage ?? null;
  return {
    choices: [{ finish_reason: finishChoice?.finish_reason ?? 'stop', index: 0, logprobs: null, message: { content: recordedText(name), role: 'assistant' } }],
    created: withId.created,
    id: withId.id,
    model: withId.model,
    object: 'chat.completion',
    usage,
  };
}

// ---------------------------------------------------------------------------------------------
// Server

interface ReplyContext {
  res: ServerResponse;
  timers: Set<NodeJS.Timeout | NodeJS.Immediate>;
  /** The connection is gone (client abort, drop, or server close): stop producing. */
  closed: boolean;
  /** We cut the connection on purpose, so it is not a client abort. */
  dropped: boolean;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function apiOf(pathname: string): Api {
  if (pathname.endsWith('/responses')) return 'responses';
  if (pathname.endsWith('/chat/completions')) return 'chat';
  return 'unknown';
}

function recordHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function azureHeaders(): Record<string, string> {
  const requestId = randomUUID();
  return { 'apim-request-id': requestId, 'x-request-id': requestId, 'x-ms-region': 'Emulated', 'x-content-type-options': 'nosniff' };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...azureHeaders(), ...headers });
  res.end(JSON.stringify(body));
}

function sendAzureError(res: ServerResponse, status: number, api: Api, retryAfterSeconds?: number): void {
  const headers: Record<string, string> = {};
  if (retryAfterSeconds !== undefined) {
    // Retry-After only takes whole seconds; Azure adds retry-after-ms for the exact wait, which the AI SDK prefers.
    headers['retry-after'] = String(Math.ceil(retryAfterSeconds));
    headers['retry-after-ms'] = String(Math.round(retryAfterSeconds * 1000));
  }
  sendJson(res, status, { error: { code: ERROR_CODES[status] ?? String(status), message: errorMessage(status, api, retryAfterSeconds) } }, headers);
}

export function startAzureEmulator(options: EmulatorOptions = {}): Promise<AzureEmulator> {
  const apiKey = options.apiKey ?? 'test-key';
  /** Issued bearer tokens and when each expires (ms since epoch). */
  const issuedTokens = new Map<string, number>();
  const isAuthorized = (req: IncomingMessage): boolean => {
    if (!options.bearerTokens) return req.headers['api-key'] === apiKey || req.headers.authorization === `Bearer ${apiKey}`;
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiresAt = token === undefined ? undefined : issuedTokens.get(token);
    return expiresAt !== undefined && expiresAt > Date.now();
  };
  const initialScenario: EmulatorScenario = { ...options.scenario };
  let scenario: EmulatorScenario = initialScenario;
  let failuresServed = 0;
  const counters: EmulatorCounters = { requests: 0, completed: 0, aborts: 0, inFlight: 0 };
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();
  let shuttingDown = false;

  const notify = (): void => {
    for (const check of [...waiters]) check();
  };

  const schedule = (ctx: ReplyContext, ms: number, fn: () => void): void => {
    if (ctx.closed) return;
    if (ms <= 0) {
      const immediate = setImmediate(() => {
        ctx.timers.delete(immediate);
        if (!ctx.closed) fn();
      });
      ctx.timers.add(immediate);
      return;
    }
    const timer = setTimeout(() => {
      ctx.timers.delete(timer);
      if (!ctx.closed) fn();
    }, ms);
    ctx.timers.add(timer);
  };

  const track = (res: ServerResponse): ReplyContext => {
    const ctx: ReplyContext = { res, timers: new Set(), closed: false, dropped: false };
    counters.inFlight++;
    // 'close' fires both after a complete response and when the peer goes away mid-response;
    // writableFinished tells the two apart at the moment it happens.
    res.on('close', () => {
      ctx.closed = true;
      for (const timer of ctx.timers) {
        clearTimeout(timer as NodeJS.Timeout);
        clearImmediate(timer as NodeJS.Immediate);
      }
      ctx.timers.clear();
      counters.inFlight--;
      if (res.writableFinished) counters.completed++;
      else if (!ctx.dropped && !shuttingDown) counters.aborts++;
      notify();
    });
    return ctx;
  };

  const drop = (ctx: ReplyContext): void => {
    ctx.dropped = true;
    ctx.res.socket?.destroy();
  };

  const stream = (ctx: ReplyContext, frames: Frame[], active: EmulatorScenario): void => {
    const firstToken = frames.findIndex((frame) => frame.token);
    const head = firstToken === -1 ? frames : frames.slice(0, firstToken);
    const rest = firstToken === -1 ? [] : frames.slice(firstToken);
    // Each step is one token plus the bookkeeping events that precede it; the trailer follows the last token.
    const steps: string[] = [];
    let pending = '';
    for (const frame of rest) {
      pending += frame.data;
      if (frame.token) {
        steps.push(pending);
        pending = '';
      }
    }
    const trailer = pending;
    const drops = active.dropAfterTokens !== undefined && active.dropAfterTokens <= steps.length;
    if (drops) steps.length = active.dropAfterTokens ?? 0;

    ctx.res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...azureHeaders() });
    ctx.res.write(head.map((frame) => frame.data).join(''));

    const finish = (data: string): void => {
      // Only cut the wire once the tokens before the drop have reached the socket.
      if (drops) ctx.res.write(data, () => drop(ctx));
      else ctx.res.end(data + trailer);
    };

    const start = (): void => {
      if (active.burst || steps.length === 0) return finish(steps.join(''));
      const interval = active.tokensPerSecond ? 1000 / active.tokensPerSecond : 0;
      const startedAt = Date.now();
      let sent = 0;
      const sendDue = (): void => {
        // Under load timers fire late; sending every step that is due keeps the overall rate honest.
        const due = interval ? Math.floor((Date.now() - startedAt) / interval) + 1 : sent + 1;
        let data = '';
        while (sent < due && sent < steps.length) data += steps[sent++];
        if (sent === steps.length) return finish(data);
        ctx.res.write(data);
        schedule(ctx, interval ? startedAt + sent * interval - Date.now() : 0, sendDue);
      };
      sendDue();
    };
    schedule(ctx, active.firstTokenDelayMs ?? 0, start);
  };

  const buildReply = (body: Json, active: EmulatorScenario): Reply => {
    const words = active.words ?? DEFAULT_WORDS;
    let tokens = typeof words === 'number' ? numberedTokens(words) : [...words];
    const filterAfter = active.contentFilterAfterTokens;
    const filtered = filterAfter !== undefined && filterAfter < tokens.length;
    if (filtered) tokens = tokens.slice(0, filterAfter);
    return { body, tokens, filtered };
  };

  const answer = (ctx: ReplyContext, api: Exclude<Api, 'unknown'>, body: Json, active: EmulatorScenario): void => {
    const { res } = ctx;
    if (active.status !== undefined && active.status >= 400 && (active.failTimes === undefined || failuresServed < active.failTimes)) {
      failuresServed++;
      sendAzureError(res, active.status, api, active.retryAfterSeconds);
      return;
    }
    if (active.replay && RECORDING_API[active.replay] !== api) {
      sendJson(res, 400, { error: { code: 'BadRequest', message: `Emulator replay '${active.replay}' is a ${RECORDING_API[active.replay]} recording but this request used the ${api} API.` } });
      return;
    }
    if (body.stream === true) {
      const frames = active.replay ? replayFrames(active.replay) : api === 'chat' ? chatFrames(buildReply(body, active)) : responsesFrames(buildReply(body, active), active.reasoning);
      stream(ctx, frames, active);
      return;
    }
    const reply = buildReply(body, active);
    const generationMs = (active.firstTokenDelayMs ?? 0) + (active.tokensPerSecond ? (reply.tokens.length * 1000) / active.tokensPerSecond : 0);
    schedule(ctx, generationMs, () => {
      if (active.dropAfterTokens !== undefined) {
        drop(ctx);
        return;
      }
      if (active.replay) sendJson(res, 200, replayJson(active.replay));
      else if (api === 'chat') sendJson(res, 200, chatCompletion(reply));
      else {
        const state = newResponseState(body);
        sendJson(res, 200, responsesObject(reply, state, reply.filtered ? 'incomplete' : 'completed'));
      }
    });
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const api = apiOf(url.pathname);
    const active = scenario;
    counters.requests++;
    const ctx = track(res);
    notify();
    const raw = await readBody(req);
    let body: unknown = raw;
    let parsed = true;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      parsed = false;
    }
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: recordHeaders(req), body, api });
    if (ctx.closed) return;

    if (!isAuthorized(req)) return sendAzureError(res, 401, api);
    if (api === 'unknown' || req.method !== 'POST') return sendAzureError(res, 404, api);
    if (!parsed || typeof body !== 'object' || body === null) {
      return sendJson(res, 400, { error: { code: 'BadRequest', message: 'The request body is not valid JSON.' } });
    }
    schedule(ctx, active.headersDelayMs ?? 0, () => answer(ctx, api, body as Json, active));
  };

  const handleControl = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const route = `${req.method} ${url.pathname}`;
    if (route === 'POST /__emulator/scenario') {
      try {
        emulator.setScenario(JSON.parse((await readBody(req)) || '{}') as EmulatorScenario);
      } catch (error) {
        return sendJson(res, 400, { error: String(error) });
      }
      return sendJson(res, 200, scenario);
    }
    if (route === 'POST /__emulator/reset') {
      emulator.reset();
      return sendJson(res, 200, counters);
    }
    if (route === 'GET /__emulator/counters') return sendJson(res, 200, counters);
    if (route === 'GET /__emulator/requests') return sendJson(res, 200, requests);
    sendJson(res, 404, { error: `unknown control route ${route}` });
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const handler = url.pathname.startsWith('/__emulator/') ? handleControl : handleApi;
    handler(req, res, url).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'InternalServerError', message: String(error) } });
      else res.destroy();
    });
  });

  const emulator: AzureEmulator = {
    url: '',
    port: 0,
    apiKey,
    counters,
    requests,
    setScenario(next) {
      scenario = { ...next };
      failuresServed = 0;
    },
    reset() {
      // inFlight is left alone: it counts responses that are really still open.
      scenario = initialScenario;
      failuresServed = 0;
      counters.requests = 0;
      counters.completed = 0;
      counters.aborts = 0;
      requests.length = 0;
    },
    waitFor(predicate, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!predicate(counters)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`waitFor timed out after ${timeoutMs} ms; counters: ${JSON.stringify(counters)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    issueToken(expiresInSeconds) {
      // Shaped like a JWT (three base64url parts), as Entra's tokens are, so scans for one find it.
      const part = () => randomBytes(24).toString('base64url');
      const token = `eyJ0eXAiOiJKV1QifQ.${part()}.${part()}`;
      const expiresOn = Math.floor(Date.now() / 1000) + expiresInSeconds;
      issuedTokens.set(token, expiresOn * 1000);
      return { token, expiresOn };
    },
    close() {
      shuttingDown = true;
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      emulator.port = port;
      emulator.url = `http://127.0.0.1:${port}/openai/v1`;
      resolve(emulator);
    });
  });
}
