import 'server-only';
import { z } from 'zod';
import { promptBody, simpleMessagesBody, uiMessagesBody } from '@/lib/chat/request';
import type { ErrorDialect } from '@/lib/http/errors';
import { chatCompletionsBody, responsesBody, tutorialMessagesBody, tutorialPromptBody } from '@/lib/protocols/requests';
import * as shapes from './schemas';

/**
 * The OpenAPI 3.1 description of every endpoint, served at `/api/openapi.json` and rendered at
 * `/api/docs`. Request bodies are the zod schemas the routes validate with and answers are the
 * zod shapes in ./schemas, all turned into JSON Schema (draft 2020-12, OpenAPI 3.1's dialect) by
 * zod itself. An event stream's events are described by `x-sse-data`: the schema of each `data:`.
 */

const SCHEMAS = {
  UiMessagesBody: uiMessagesBody,
  SimpleMessagesBody: simpleMessagesBody,
  PromptBody: promptBody,
  ChatCompletionsBody: chatCompletionsBody,
  ResponsesBody: responsesBody,
  TutorialPromptBody: tutorialPromptBody,
  TutorialMessagesBody: tutorialMessagesBody,
  ApiError: shapes.apiErrorBody,
  OpenAiError: shapes.openAiErrorBody,
  TutorialError: shapes.tutorialErrorBody,
  ChatJsonResult: shapes.chatJsonResult,
  UiMessageChunk: shapes.uiMessageChunk,
  StopResult: shapes.stopResult,
  Health: shapes.health,
  ChatCompletion: shapes.chatCompletion,
  ChatCompletionChunk: shapes.chatCompletionChunk,
  Response: shapes.responseObject,
  ResponseStreamEvent: shapes.responseStreamEvent,
  ModelList: shapes.modelList,
  TutorialContentEvent: shapes.tutorialContentEvent,
} satisfies Record<string, z.ZodType>;

export type SchemaName = keyof typeof SCHEMAS;

function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(SCHEMAS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
  });
  // Each becomes a component; the document names the dialect once for all of them.
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const component: Record<string, unknown> = { ...schema };
      delete component.$schema;
      delete component.$id;
      return [id, component];
    }),
  );
}

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: SchemaName) => ({ 'application/json': { schema: ref(name) } });
const eventStream = (name: SchemaName, description: string) => ({
  'text/event-stream': { schema: { type: 'string', description }, 'x-sse-data': ref(name) },
});
const plainText = (description: string) => ({ 'text/plain': { schema: { type: 'string', description } } });

const ERROR_STATUSES: Record<number, string> = {
  400: 'Invalid body (the message names the fields), unparsable JSON, a refused system message, or a prompt blocked by the content filter',
  401: '`CHAT_API_KEYS` is set and no valid `Authorization: Bearer` key (or site session) was sent',
  403: 'A browser origin not in `ALLOWED_ORIGINS`',
  404: '`model` is not a configured deployment',
  405: 'Wrong method; `Allow` names the right ones',
  413: 'Body, message count or message length over the limits',
  415: 'The body is not `application/json`',
  429: "This server's rate limit, or Azure's after two retries; `Retry-After` says when to retry",
  502: 'Azure OpenAI unreachable, rejecting the credentials, or without such a deployment',
  503: 'Azure OpenAI kept failing, or the server is half configured',
  504: 'No first token within `UPSTREAM_TIMEOUT_MS`',
};

const ERROR_SCHEMA: Record<ErrorDialect, SchemaName> = { api: 'ApiError', openai: 'OpenAiError', tutorial: 'TutorialError' };

function errors(dialect: ErrorDialect, statuses = Object.keys(ERROR_STATUSES).map(Number)) {
  return Object.fromEntries(
    statuses.map((status) => [String(status), { description: ERROR_STATUSES[status], content: json(ERROR_SCHEMA[dialect]) }]),
  );
}

const ACCESS = [401, 403, 405];
const body = (...names: SchemaName[]) => ({
  required: true,
  content: { 'application/json': { schema: names.length === 1 ? ref(names[0]) : { oneOf: names.map(ref) } } },
});

function chatPaths() {
  return {
    '/api/chat': {
      post: {
        summary: 'Chat: stream a reply',
        description:
          'The body is a `useChat` body (with `id` the reply is resumable), OpenAI-style `{role, content}` messages (no `system`), or one `message`/`input`. The format: the UI message stream by default; plain text for `Accept: text/plain` or `?format=text`; one JSON object for `"stream": false`, `?format=json` or `Accept: application/json`. Failures after the stream started arrive in-band (an `error` chunk, or an `[error: …]` line).',
        parameters: [{ name: 'format', in: 'query', required: false, schema: { type: 'string', enum: ['ui', 'sse', 'text', 'json'] } }],
        requestBody: body('UiMessagesBody', 'SimpleMessagesBody', 'PromptBody'),
        responses: {
          200: {
            description: 'The reply',
            content: {
              ...eventStream('UiMessageChunk', 'AI SDK UI message stream: `data: {json}` events, then `data: [DONE]`'),
              ...plainText('The text as generated; `[error: …]` / `[stopped: …]` lines at the end when it broke off'),
              ...json('ChatJsonResult'),
            },
          },
          ...errors('api'),
        },
      },
    },
    '/api/chat/{id}/stream': {
      get: {
        summary: "Resume a conversation's reply",
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,200}$' } }],
        responses: {
          200: {
            description: 'Everything so far, then the rest live (or the whole reply, up to 15 minutes after it ended)',
            content: eventStream('UiMessageChunk', 'The UI message stream'),
          },
          204: { description: 'No reply running or recently finished' },
          ...errors('api', [400, ...ACCESS, 429]),
        },
      },
    },
    '/api/chat/{id}/stop': {
      post: {
        summary: "Stop a conversation's reply",
        description: 'Cancels the reply and its Azure request on whichever instance runs it. `{ "stopped": false }` when nothing was running.',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,200}$' } }],
        responses: { 200: { description: 'Whether a reply was stopped', content: json('StopResult') }, ...errors('api', [400, ...ACCESS]) },
      },
    },
    '/api/health': {
      get: {
        summary: 'Mode and deployments (never a secret)',
        responses: {
          200: { description: 'Ready', content: json('Health') },
          503: { description: 'Misconfigured: `problems` says why', content: json('Health') },
        },
      },
    },
  };
}

function openAiPaths() {
  return {
    '/api/v1/chat/completions': {
      post: {
        summary: 'OpenAI Chat Completions',
        description:
          'For the OpenAI SDKs (`baseURL: <this server>/api/v1`). `model` may be omitted (the first deployment answers). `system`/`developer` messages are sent after the server\'s `SYSTEM_PROMPT`, unless `CLIENT_SYSTEM_MESSAGES=refuse`. A failure after the stream started is a `data: {"error": …}` event.',
        requestBody: body('ChatCompletionsBody'),
        responses: {
          200: {
            description: 'With `stream: true` the chunks, else one completion',
            content: { ...json('ChatCompletion'), ...eventStream('ChatCompletionChunk', '`chat.completion.chunk` events, then `data: [DONE]`') },
          },
          ...errors('openai'),
        },
      },
    },
    '/api/v1/responses': {
      post: {
        summary: 'OpenAI Responses',
        description: "`instructions` are sent after the server's `SYSTEM_PROMPT`. A failure after the stream started is an `event: error`.",
        requestBody: body('ResponsesBody'),
        responses: {
          200: {
            description: 'With `stream: true` the events, else one response',
            content: { ...json('Response'), ...eventStream('ResponseStreamEvent', 'Named events `response.created` … `response.completed`') },
          },
          ...errors('openai'),
        },
      },
    },
    '/api/v1/models': {
      get: {
        summary: 'The deployments `model` may name (or the offline demo model)',
        responses: { 200: { description: 'The list', content: json('ModelList') }, ...errors('openai', ACCESS) },
      },
    },
  };
}

function tutorialPaths() {
  return {
    '/api/chat/stream': {
      post: {
        summary: "The tutorials' streaming endpoint",
        description:
          'Chosen by the body: `{ "message" }` (the Express + React tutorial) streams plain text, a failure after the start appending `\\n[Error: …]`; `{ "messages": [{ role, content }] }` (the streaming guide) streams `data: {"content"}` events, then `data: [DONE]`, a failure being `data: {"error": "…"}`.',
        requestBody: body('TutorialPromptBody', 'TutorialMessagesBody'),
        responses: {
          200: {
            description: 'The reply',
            content: { ...plainText('For `{ "message" }`'), ...eventStream('TutorialContentEvent', 'For `{ "messages" }`') },
          },
          ...errors('tutorial'),
        },
      },
    },
    '/chat/stream': {
      post: {
        summary: "The streaming guide's Flask/FastAPI endpoint",
        requestBody: body('TutorialMessagesBody'),
        responses: {
          200: { description: 'The reply', content: eventStream('TutorialContentEvent', '`data: {"content"}` events, then `data: [DONE]`') },
          ...errors('tutorial'),
        },
      },
    },
    '/v1/chat': {
      post: {
        summary: "The Express relay tutorial's endpoint",
        description: 'Always streams the Responses events, ending with `event: done`.',
        requestBody: body('ResponsesBody'),
        responses: {
          200: { description: 'The reply', content: eventStream('ResponseStreamEvent', 'Responses events, then `event: done`') },
          ...errors('tutorial'),
        },
      },
    },
  };
}

function documentationPaths() {
  return {
    '/api/openapi.json': {
      get: {
        summary: 'This document',
        responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } },
      },
    },
    '/api/docs': {
      get: {
        summary: 'This document as a reference page',
        responses: { 200: { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } } },
      },
    },
    '/api/docs/scalar/{file}': {
      get: {
        summary: "The reference page's script (Scalar's bundle, served by this site)",
        parameters: [
          {
            name: 'file',
            in: 'path',
            required: true,
            schema: { type: 'string' },
            description: 'The name /api/docs links to; it carries the version, so the file may be cached for good',
          },
        ],
        responses: {
          200: { description: 'JavaScript', content: { 'text/javascript': { schema: { type: 'string' } } } },
          404: { description: 'Any other name', content: json('ApiError') },
          ...errors('api', [405]),
        },
      },
    },
  };
}

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'Azure streaming chat API',
      version: '1.0.0',
      description:
        "Streaming chat over Azure OpenAI (or the offline demo model): its own API, OpenAI-compatible endpoints and the tutorials' endpoints.",
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'One of `CHAT_API_KEYS`, when set' } },
    },
    security: [{}, { apiKey: [] }],
    paths: { ...chatPaths(), ...openAiPaths(), ...tutorialPaths(), ...documentationPaths() },
  };
  return cached;
}
