import { createUIMessageStreamResponse } from 'ai';
import { HttpError } from '@/lib/http/errors';
import type { ChatMessageMetadata } from './metadata';
import type { ChatRequest } from './request';
import type { ChatChunk, ChatStream } from './stream';

/**
 * Turns a started chat stream into the response the client asked for:
 * - `ui` (default): the AI SDK UI message stream over SSE, what `useChat` reads;
 * - `text`: plain text as it arrives (`Accept: text/plain` or `?format=text`), for curl;
 * - `json`: one object once the reply is complete (`"stream": false` or `?format=json`).
 */

export type ResponseFormat = 'ui' | 'text' | 'json';

export function negotiateFormat(request: Request, chat: Pick<ChatRequest, 'stream'>): ResponseFormat {
  const requested = new URL(request.url).searchParams.get('format');
  if (requested === 'json' || chat.stream === false) return 'json';
  if (requested === 'text') return 'text';
  if (requested === 'ui' || requested === 'sse') return 'ui';
  if (requested) {
    throw new HttpError(400, 'invalid_request', `Unknown format "${requested}": use ui, text or json.`);
  }
  const accept = request.headers.get('accept') ?? '';
  return accept.includes('text/plain') && !accept.includes('text/event-stream') ? 'text' : 'ui';
}

/** Headers that keep proxies (nginx, Azure Front Door, Vercel) from buffering or compressing. */
export const STREAMING_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  'Content-Encoding': 'identity',
};

/** SSE comments every 15 s keep idle connections open through proxies during slow first tokens. */
const KEEP_ALIVE_MS = 15_000;

export function respond(format: ResponseFormat, stream: ChatStream, headers: HeadersInit = {}): Response | Promise<Response> {
  if (format === 'json') return jsonResponse(stream, headers);
  if (format === 'text') return textResponse(stream, headers);
  return createUIMessageStreamResponse({
    stream: stream.chunks,
    headers: { ...STREAMING_HEADERS, ...headersObject(headers) },
    keepAliveMs: KEEP_ALIVE_MS,
  });
}

function headersObject(headers: HeadersInit): Record<string, string> {
  return Object.fromEntries(new Headers(headers).entries());
}

function finishNote(metadata: ChatMessageMetadata | undefined): string {
  if (metadata?.finishReason === 'content-filter') return "\n\n[stopped: Azure OpenAI's content filter]\n";
  if (metadata?.finishReason === 'length') return '\n\n[stopped: output token limit reached]\n';
  return '';
}

function textResponse(stream: ChatStream, headers: HeadersInit): Response {
  const encoder = new TextEncoder();
  let metadata: ChatMessageMetadata | undefined;
  const body = stream.chunks.pipeThrough(
    new TransformStream<ChatChunk, Uint8Array>({
      transform(chunk, controller) {
        if (chunk.type === 'text-delta') controller.enqueue(encoder.encode(chunk.delta));
        else if (chunk.type === 'error') controller.enqueue(encoder.encode(`\n\n[error: ${chunk.errorText}]\n`));
        else if (chunk.type === 'finish' || chunk.type === 'message-metadata') {
          metadata = { ...metadata, ...chunk.messageMetadata };
        }
      },
      flush(controller) {
        const note = finishNote(metadata);
        if (note) controller.enqueue(encoder.encode(note));
      },
    }),
  );
  const responseHeaders = new Headers(headers);
  for (const [name, value] of Object.entries(STREAMING_HEADERS)) responseHeaders.set(name, value);
  responseHeaders.set('Content-Type', 'text/plain; charset=utf-8');
  return new Response(body, { headers: responseHeaders });
}

export interface ChatJsonResult {
  text: string;
  finishReason: ChatMessageMetadata['finishReason'];
  usage: ChatMessageMetadata['usage'];
  model: string;
}

async function jsonResponse(stream: ChatStream, headers: HeadersInit): Promise<Response> {
  let text = '';
  let metadata: ChatMessageMetadata = {};
  const reader = stream.chunks.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (value.type === 'text-delta') text += value.delta;
    else if (value.type === 'error') {
      // Nothing was sent yet, so a mid-reply failure can still be an honest status code.
      throw stream.failure() ?? new HttpError(502, 'upstream_error', value.errorText);
    } else if ((value.type === 'finish' || value.type === 'start') && value.messageMetadata) {
      metadata = { ...metadata, ...value.messageMetadata };
    }
  }
  const body: ChatJsonResult = {
    text,
    finishReason: metadata.finishReason,
    usage: metadata.usage,
    model: stream.modelId,
  };
  const responseHeaders = new Headers(headers);
  responseHeaders.set('Content-Type', 'application/json; charset=utf-8');
  responseHeaders.set('Cache-Control', 'no-store');
  return new Response(JSON.stringify(body), { headers: responseHeaders });
}
