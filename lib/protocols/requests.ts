import 'server-only';
import { generateId } from 'ai';
import { z } from 'zod';
import type { AppConfig } from '@/lib/config';
import type { ChatMessage } from '@/lib/chat/metadata';
import { enforceSizeLimits, validate, type ChatRequest } from '@/lib/chat/request';
import { HttpError } from '@/lib/http/errors';

/**
 * The bodies of the OpenAI-compatible endpoints (Chat Completions, Responses) and of the
 * tutorials' endpoints, normalised to the one `ChatRequest` that `startChatStream` runs. Unlike
 * `/api/chat`, these accept the system messages OpenAI-style clients routinely send: they go
 * after the operator's `SYSTEM_PROMPT` (sent as the instructions, so it keeps precedence), unless
 * `CLIENT_SYSTEM_MESSAGES=refuse`. Fields the OpenAI SDKs may send that this server does not
 * implement (`n`, `top_p`, `user`, …) are ignored; the size limits are those of `/api/chat`.
 */

const textPart = z.object({
  type: z.enum(['text', 'input_text', 'output_text']),
  text: z.string(),
});

/** A message's content: a string or text parts (OpenAI's array form). */
const content = z.union([z.string(), z.array(textPart)]);

const role = z.enum(['system', 'developer', 'user', 'assistant'], {
  error: 'role must be "system", "developer", "user" or "assistant"',
});

const message = z.object({ role, content });

const temperature = z.number().min(0).max(2).optional();
const tokenCap = z.number().int().positive().optional();
const model = z.string().min(1).max(200).optional().describe('A deployment from `GET /api/v1/models`; default: the first.');

export const chatCompletionsBody = z.object({
  model,
  messages: z.array(message).min(1, 'messages must contain at least one message'),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).optional(),
  temperature,
  max_tokens: tokenCap,
  max_completion_tokens: tokenCap,
});

export const responsesBody = z.object({
  model,
  input: z.union([
    z.string().min(1, 'input must not be empty'),
    z.array(message.extend({ type: z.literal('message').optional() })).min(1, 'input must contain at least one message'),
  ]),
  instructions: z.string().optional().describe("Sent after the server's own system prompt, which keeps precedence."),
  stream: z.boolean().optional(),
  temperature,
  max_output_tokens: tokenCap,
});

/** Tutorial 003 (Express + React): one prompt. */
export const tutorialPromptBody = z.object({ message: z.string().min(1, 'Message is required') });

/** Tutorial 002 (Flask, FastAPI, .NET servers; fetch and React clients). */
export const tutorialMessagesBody = z.object({ messages: chatCompletionsBody.shape.messages });

type Message = z.infer<typeof message>;

function messageText(value: Message['content']): string {
  return typeof value === 'string' ? value : value.map((part) => part.text).join('');
}

function toChatMessage({ role: from, content: value }: Message, config: AppConfig): ChatMessage {
  const to = from === 'developer' ? 'system' : from;
  if (to === 'system' && config.clientSystemMessages === 'refuse') {
    throw new HttpError(400, 'invalid_request', 'This server does not accept system messages: its system prompt is set by the operator.');
  }
  return { id: generateId(), role: to, parts: [{ type: 'text', text: messageText(value) }] };
}

interface ChatOptions {
  model?: string;
  temperature?: number;
  maxOutputTokens?: number;
}

function toChatRequest(messages: Message[], options: ChatOptions, config: AppConfig): ChatRequest {
  const chatMessages = messages.map((each) => toChatMessage(each, config));
  if (!chatMessages.some((each) => each.role === 'user')) {
    throw new HttpError(400, 'invalid_request', 'messages must contain at least one user message.');
  }
  enforceSizeLimits(chatMessages, config.limits);
  return {
    messages: chatMessages,
    model: options.model,
    temperature: options.temperature,
    // Clamped like /api/chat: asking for more than the server allows still gets an answer.
    maxOutputTokens: Math.min(options.maxOutputTokens ?? config.maxOutputTokens, config.maxOutputTokens),
  };
}

export interface ChatCompletionsRequest {
  chat: ChatRequest;
  stream: boolean;
  includeUsage: boolean;
}

export function parseChatCompletionsRequest(body: unknown, config: AppConfig): ChatCompletionsRequest {
  const data = validate(chatCompletionsBody, body);
  const chat = toChatRequest(
    data.messages,
    { model: data.model, temperature: data.temperature, maxOutputTokens: data.max_completion_tokens ?? data.max_tokens },
    config,
  );
  return { chat, stream: data.stream === true, includeUsage: data.stream_options?.include_usage === true };
}

export interface ResponsesRequest {
  chat: ChatRequest;
  stream: boolean;
}

export function parseResponsesRequest(body: unknown, config: AppConfig): ResponsesRequest {
  const data = validate(responsesBody, body);
  const input: Message[] = typeof data.input === 'string' ? [{ role: 'user', content: data.input }] : data.input;
  const instructions: Message[] = data.instructions ? [{ role: 'system', content: data.instructions }] : [];
  const chat = toChatRequest(
    [...instructions, ...input],
    { model: data.model, temperature: data.temperature, maxOutputTokens: data.max_output_tokens },
    config,
  );
  return { chat, stream: data.stream === true };
}

/** Which tutorial's client sent the body to `/api/chat/stream`. */
export type TutorialShape = 'messages-sse' | 'prompt-text';

/**
 * `/api/chat/stream` serves two tutorials' clients at one path, told apart by the body:
 * `{ "messages": [...] }` (002) gets the `{"content"}` event stream, `{ "message" }` (003) plain text.
 */
export function parseTutorialRequest(body: unknown, config: AppConfig, only?: TutorialShape): { shape: TutorialShape; chat: ChatRequest } {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const shape: TutorialShape = only ?? ('messages' in record ? 'messages-sse' : 'prompt-text');
  if (shape === 'messages-sse') {
    return { shape, chat: toChatRequest(validate(tutorialMessagesBody, body).messages, {}, config) };
  }
  const { message: prompt } = validate(tutorialPromptBody, body);
  return { shape, chat: toChatRequest([{ role: 'user', content: prompt }], {}, config) };
}
