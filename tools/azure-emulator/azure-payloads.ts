/** Azure OpenAI payloads: Chat Completions and Responses bodies and streams, and error bodies, shaped as Azure sends them. */
import { randomBytes } from 'node:crypto';
import { namedSse, sse, type Frame } from './sse-frames';
import type { Api, Json } from './types';

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

/** The JSON body of an Azure error response. */
export function azureErrorBody(status: number, api: Api, retryAfterSeconds?: number): Json {
  return { error: { code: ERROR_CODES[status] ?? String(status), message: errorMessage(status, api, retryAfterSeconds) } };
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

export interface Reply {
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

export function responsesObject(reply: Reply, state: ResponseState, phase: 'in_progress' | 'completed' | 'incomplete'): Json {
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
          {
            blocked: false,
            source_type: 'prompt',
            content_filter_raw: null,
            content_filter_results: PROMPT_FILTER_RESULTS[0].content_filter_results,
          },
          {
            blocked: reply.filtered,
            source_type: 'completion',
            content_filter_raw: null,
            content_filter_results: reply.filtered ? BLOCKED_COMPLETION_FILTER : SAFE_COMPLETION_FILTER,
          },
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

export function newResponseState(body: Json): ResponseState {
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

export function chatFrames(reply: Reply): Frame[] {
  const state = newChatState(reply.body);
  const frames: Frame[] = [
    sse({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: PROMPT_FILTER_RESULTS }),
    sse(
      chatChunk(state, [
        { content_filter_results: {}, delta: { content: '', refusal: null, role: 'assistant' }, finish_reason: null, index: 0, logprobs: null },
      ]),
    ),
  ];
  for (const token of reply.tokens) {
    frames.push(
      sse(
        chatChunk(state, [
          { content_filter_results: SAFE_COMPLETION_FILTER, delta: { content: token }, finish_reason: null, index: 0, logprobs: null },
        ]),
        true,
      ),
    );
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

export function chatCompletion(reply: Reply): Json {
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

export function responsesFrames(reply: Reply, reasoning = false): Frame[] {
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
