import 'server-only';
import { generateId } from 'ai';
import { z } from 'zod';
import type { AppConfig } from '@/lib/config';
import { HttpError } from '@/lib/http/errors';
import { chatMessageMetadataSchema, type ChatMessage } from './metadata';
import { TEMPERATURE } from './temperature';

/**
 * The request bodies `/api/chat` accepts, normalised to one `ChatRequest`:
 * - the `useChat` body: `{ id?, messages: UIMessage[] }`
 * - OpenAI-style simple messages: `{ messages: [{ role, content: string }] }`
 * - a single prompt, as the Express tutorials send it: `{ message: string }` or `{ input: string }`
 * plus the options `model`, `temperature`, `maxOutputTokens` and `stream`.
 */

const options = {
  model: z.string().min(1).optional(),
  temperature: z.number().min(TEMPERATURE.min).max(TEMPERATURE.max).optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  stream: z.boolean().optional(),
};

const conversationRole = z.enum(['user', 'assistant'], {
  error: 'role must be "user" or "assistant" (the system prompt is set by the server)',
});

/** Every id a client sends is echoed or stored, so each is bounded like a chat id. */
const MAX_ID_LENGTH = 200;

/**
 * The parts the page sends back: the text of each message, and in its own earlier replies the
 * step markers, reasoning and cited sources the stream produced (sources are only shown, never
 * given to the model, and never fetched). Nothing else: no files or image URLs (the
 * server would fetch or forward them), no tool parts. Objects are rebuilt from the listed fields
 * only, so `providerMetadata` (which Azure would take as references to its stored items) and
 * any unknown field are dropped before the model sees the message.
 */
const ACCEPTED_PARTS =
  'parts must be {"type":"text","text":"…"} (assistant messages may also hold "reasoning", "step-start", "source-url" and "source-document" parts)';
/** Long enough for any real citation; the rest of a source part is display text. */
const MAX_URL_LENGTH = 2_048;
const MAX_TITLE_LENGTH = 1_000;
const sourceParts = [
  z.object({
    type: z.literal('source-url'),
    sourceId: z.string().max(MAX_ID_LENGTH),
    url: z.string().max(MAX_URL_LENGTH),
    title: z.string().max(MAX_TITLE_LENGTH).optional(),
  }),
  z.object({
    type: z.literal('source-document'),
    sourceId: z.string().max(MAX_ID_LENGTH),
    mediaType: z.string().max(MAX_ID_LENGTH),
    title: z.string().max(MAX_TITLE_LENGTH),
    filename: z.string().max(MAX_TITLE_LENGTH).optional(),
  }),
] as const;
const partState = z.enum(['streaming', 'done']).optional();
const textPart = z.object({ type: z.literal('text'), text: z.string(), state: partState });
const assistantPart = z.discriminatedUnion(
  'type',
  [
    textPart,
    z.object({ type: z.literal('reasoning'), text: z.string(), state: partState }),
    z.object({ type: z.literal('step-start') }),
    ...sourceParts,
  ],
  { error: ACCEPTED_PARTS },
);
const messageFields = {
  id: z.string().max(MAX_ID_LENGTH, `message ids must be at most ${MAX_ID_LENGTH} characters`).optional(),
  metadata: chatMessageMetadataSchema.optional(),
};
const uiMessage = z.discriminatedUnion(
  'role',
  [
    z.object({ ...messageFields, role: z.literal('user'), parts: z.array(z.discriminatedUnion('type', [textPart], { error: ACCEPTED_PARTS })) }),
    z.object({ ...messageFields, role: z.literal('assistant'), parts: z.array(assistantPart) }),
  ],
  { error: 'role must be "user" or "assistant" (the system prompt is set by the server)' },
);

export const uiMessagesBody = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, 'id must be 1–200 letters, digits, "-" or "_"')
    .optional(),
  messages: z.array(uiMessage).min(1, 'messages must contain at least one message'),
  ...options,
});

export const simpleMessagesBody = z.object({
  messages: z.array(z.object({ role: conversationRole, content: z.string() })).min(1, 'messages must contain at least one message'),
  ...options,
});

export const promptBody = z.union([
  z.object({ message: z.string().min(1, 'message must not be empty'), ...options }),
  z.object({ input: z.string().min(1, 'input must not be empty'), ...options }),
]);

export interface ChatRequest {
  /** The conversation id from `useChat`; absent for one-off API calls. */
  chatId?: string;
  messages: ChatMessage[];
  model?: string;
  temperature?: number;
  maxOutputTokens: number;
  /** `false` asks for one JSON answer instead of a stream. */
  stream?: boolean;
}

function readableIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

function textMessage(role: 'user' | 'assistant', text: string): ChatMessage {
  return { id: generateId(), role, parts: [{ type: 'text', text }] };
}

type ParsedBody =
  | { shape: 'ui'; data: z.infer<typeof uiMessagesBody> }
  | { shape: 'simple'; data: z.infer<typeof simpleMessagesBody> }
  | { shape: 'prompt'; data: z.infer<typeof promptBody> };

export function validate<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new HttpError(400, 'invalid_request', `Invalid request body: ${readableIssues(parsed.error)}`, {}, parsed.error.issues);
  }
  return parsed.data;
}

/** Picks the shape by its distinguishing field, so a client gets the errors of the shape it meant. */
function parseShape(body: unknown): ParsedBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_request', 'The body must be a JSON object such as {"message": "Hello"}.');
  }
  const record = body as Record<string, unknown>;
  const first = Array.isArray(record.messages) ? (record.messages[0] as Record<string, unknown> | undefined) : undefined;
  if ('messages' in record) {
    return first && typeof first === 'object' && 'content' in first && !('parts' in first)
      ? { shape: 'simple', data: validate(simpleMessagesBody, body) }
      : { shape: 'ui', data: validate(uiMessagesBody, body) };
  }
  if ('message' in record || 'input' in record) return { shape: 'prompt', data: validate(promptBody, body) };
  throw new HttpError(400, 'invalid_request', 'The body needs "messages" (useChat or {role, content} messages), "message" or "input".');
}

export function enforceSizeLimits(messages: ChatMessage[], limits: AppConfig['limits']) {
  if (messages.length > limits.maxMessages) {
    throw new HttpError(
      413,
      'payload_too_large',
      `Too many messages: ${messages.length} (at most ${limits.maxMessages}). Start a new chat or trim the history.`,
    );
  }
  messages.forEach((message, index) => {
    const characters = message.parts.reduce((sum, part) => sum + (part.type === 'text' ? part.text.length : 0), 0);
    if (characters > limits.maxMessageChars) {
      throw new HttpError(413, 'payload_too_large', `messages.${index} has ${characters} characters (at most ${limits.maxMessageChars}).`);
    }
  });
}

export async function parseChatRequest(body: unknown, config: AppConfig): Promise<ChatRequest> {
  const parsed = parseShape(body);
  const { data } = parsed;
  let messages: ChatMessage[];
  let chatId: string | undefined;

  if (parsed.shape === 'prompt') {
    const prompt = parsed.data;
    messages = [textMessage('user', 'message' in prompt ? prompt.message : prompt.input)];
  } else if (parsed.shape === 'simple') {
    messages = parsed.data.messages.map((m) => textMessage(m.role, m.content));
  } else {
    chatId = parsed.data.id;
    // Reasoning and step markers are the page's record of earlier replies, not conversation:
    // only text reaches the model.
    messages = parsed.data.messages
      .map((m) => ({ ...m, id: m.id || generateId(), parts: m.parts.filter((part) => part.type === 'text') }))
      .filter((m) => m.parts.length > 0);
  }

  if (!messages.some((message) => message.role === 'user')) {
    throw new HttpError(400, 'invalid_request', 'messages must contain at least one user message.');
  }
  enforceSizeLimits(messages, config.limits);

  return {
    chatId,
    messages,
    model: data.model,
    temperature: data.temperature,
    // Clamped rather than rejected: asking for more than the server allows still gets an answer.
    maxOutputTokens: Math.min(data.maxOutputTokens ?? config.maxOutputTokens, config.maxOutputTokens),
    stream: data.stream,
  };
}
