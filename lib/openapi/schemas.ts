import 'server-only';
import { z } from 'zod';
import { ERROR_CODES } from '@/lib/http/errors';

/**
 * The shapes of what the API answers, for its OpenAPI description (the request shapes are the
 * very schemas the routes validate with). The tests check real answers of every route against
 * the generated document, so these cannot drift from what the code sends.
 */

const finishReason = z.enum(['stop', 'length', 'content-filter', 'tool-calls', 'error', 'other']).optional();
const usage = z
  .object({ inputTokens: z.number().optional(), outputTokens: z.number().optional(), totalTokens: z.number().optional() })
  .loose()
  .optional();

export const apiErrorBody = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.unknown().optional().describe('zod issues, for an invalid body'),
  }),
});

export const openAiErrorBody = z.object({
  error: z.object({
    message: z.string(),
    type: z.enum(['invalid_request_error', 'authentication_error', 'permission_error', 'rate_limit_error', 'server_error']),
    code: z.enum(ERROR_CODES),
    param: z.null(),
  }),
});

export const tutorialErrorBody = z.object({ error: z.string() });

export const chatJsonResult = z.object({ text: z.string(), finishReason, usage, model: z.string() });

export const uiMessageChunk = z.union([
  z.object({ type: z.string() }).loose().describe('An AI SDK UI message stream chunk: text-delta, start, finish (with metadata), error, …'),
  z.literal('[DONE]'),
]);

export const stopResult = z.object({
  stopped: z.boolean().describe('false when the chat had no reply in progress (already finished, or never started)'),
});

export const health = z.object({
  status: z.enum(['ok', 'misconfigured']),
  mode: z.enum(['demo', 'azure', 'misconfigured']),
  api: z.enum(['responses', 'chat']),
  deployments: z.array(z.string()),
  defaultDeployment: z.string(),
  problems: z.array(z.string()),
});

const openAiUsage = z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() });
const openAiFinish = z.enum(['stop', 'length', 'content_filter', 'tool_calls']);

export const chatCompletion = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({ role: z.literal('assistant'), content: z.string(), refusal: z.null() }),
      logprobs: z.null(),
      finish_reason: openAiFinish,
    }),
  ),
  usage: openAiUsage,
});

export const chatCompletionChunk = z.union([
  z.object({
    id: z.string(),
    object: z.literal('chat.completion.chunk'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        delta: z.object({ role: z.literal('assistant').optional(), content: z.string().optional() }),
        logprobs: z.null(),
        finish_reason: openAiFinish.nullable(),
      }),
    ),
    usage: openAiUsage.optional().describe('only in the last chunk, with stream_options.include_usage, where choices is empty'),
  }),
  openAiErrorBody.describe('a failure after the stream started'),
  z.literal('[DONE]'),
]);

const outputText = z.object({ type: z.literal('output_text'), text: z.string(), annotations: z.array(z.unknown()), logprobs: z.array(z.unknown()) });
const outputMessage = z.object({
  id: z.string(),
  type: z.literal('message'),
  status: z.enum(['in_progress', 'completed', 'incomplete']),
  role: z.literal('assistant'),
  content: z.array(outputText),
});

export const responseObject = z.object({
  id: z.string(),
  object: z.literal('response'),
  created_at: z.number().int(),
  status: z.enum(['in_progress', 'completed', 'incomplete']),
  model: z.string(),
  output: z.array(outputMessage),
  usage: z
    .object({
      input_tokens: z.number(),
      input_tokens_details: z.object({ cached_tokens: z.number() }),
      output_tokens: z.number(),
      output_tokens_details: z.object({ reasoning_tokens: z.number() }),
      total_tokens: z.number(),
    })
    .nullable(),
  error: z.null(),
  incomplete_details: z.object({ reason: z.enum(['max_output_tokens', 'content_filter']) }).nullable(),
  instructions: z.null(),
});

export const responseStreamEvent = z.union([
  z
    .object({
      type: z.string().regex(/^response\./),
      sequence_number: z.number().int(),
      response: responseObject.optional(),
      item: outputMessage.optional(),
      part: outputText.optional(),
      delta: z.string().optional(),
      text: z.string().optional(),
    })
    .loose(),
  z
    .object({ type: z.literal('error'), sequence_number: z.number().int(), code: z.enum(ERROR_CODES), message: z.string(), param: z.null() })
    .describe('a failure after the stream started'),
  z.literal('[DONE]').describe('only on /v1/chat, as `event: done`'),
]);

export const modelList = z.object({
  object: z.literal('list'),
  data: z.array(z.object({ id: z.string(), object: z.literal('model'), created: z.number().int(), owned_by: z.string() })),
});

export const tutorialContentEvent = z.union([
  z.object({ content: z.string() }),
  z.object({ error: z.string() }).describe('a failure after the stream started; the stream ends'),
  z.literal('[DONE]'),
]);
