import { createUIMessageStreamResponse } from 'ai';
import type { AppConfig } from '@/lib/config';
import { HttpError } from '@/lib/http/errors';
import { getResumableStreamContext } from '@/lib/storage/pubsub';
import { recordFinishedReply, registerActiveStream } from './active-streams';
import { coalesceDeltas } from './coalesce-deltas';
import { coalesceWindow } from './coalesce-window';
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

export interface DeliveryOptions {
  format: ResponseFormat;
  /** The incoming request: its abort signal tells us when the caller hung up. */
  request: Request;
  /** Set for `useChat` conversations (the owned chat key): their replies survive a dropped connection. */
  chatId?: string;
  headers?: HeadersInit;
  config: AppConfig;
}

/**
 * A `useChat` reply (UI format with a chat id) is resumable: it keeps generating when the
 * connection drops so a reload can pick it up, and only an explicit Stop cancels it. Every
 * other reply belongs to its connection: a caller that hangs up cancels the upstream request.
 */
export async function respond(stream: ChatStream, options: DeliveryOptions): Promise<Response> {
  const { format, request, chatId, headers = {}, config } = options;
  const streamId = format === 'ui' && chatId ? await tryRegister(chatId, stream, request.signal, config) : undefined;
  if (!streamId) {
    request.signal.addEventListener('abort', () => stream.abort(request.signal.reason), { once: true });
  }

  if (format === 'json') return jsonResponse(stream, headers);
  // Merged here only when nothing merged them upstream: no extra stream layer on the per-token
  // path, and no second window for a delta to wait in.
  const chunks =
    config.streamCoalesceMs > 0 && !stream.coalescedUpstream
      ? stream.chunks.pipeThrough(coalesceDeltas<ChatChunk>({ windowMs: coalesceWindow(config) }))
      : stream.chunks;
  if (format === 'text') return textResponse(chunks, headers);
  return createUIMessageStreamResponse({
    stream: chunks,
    headers: { ...STREAMING_HEADERS, ...headersObject(headers) },
    keepAliveMs: KEEP_ALIVE_MS,
    consumeSseStream: streamId && chatId ? ({ stream: copy }) => keepResumable(chatId, streamId, copy, config) : undefined,
  });
}

/**
 * Feeds a copy of the SSE stream to the resumable store, which serves it to reconnecting clients
 * while it runs; once it ends, the chat's finished-reply record takes over.
 */
async function keepResumable(chatId: string, streamId: string, copy: ReadableStream<string>, config: AppConfig): Promise<void> {
  const recorded = copy.pipeThrough(recordFinishedReply(chatId, config));
  try {
    await getResumableStreamContext(config).createNewResumableStream(streamId, () => recorded);
  } catch (error) {
    // The live response is unaffected; only resuming this reply becomes impossible.
    console.error(`[chat] stream ${streamId} could not be made resumable:`, (error as Error).message);
    await recorded.cancel().catch(() => {});
  }
}

async function tryRegister(chatId: string, stream: ChatStream, clientGone: AbortSignal, config: AppConfig): Promise<string | undefined> {
  try {
    return await registerActiveStream(chatId, stream, config, clientGone);
  } catch (error) {
    // The store is down: still answer, just without resumption (and say so in the log).
    console.error('[chat] stream store unavailable, a chat will not be resumable:', (error as Error).message);
    return undefined;
  }
}

function headersObject(headers: HeadersInit): Record<string, string> {
  return Object.fromEntries(new Headers(headers).entries());
}

function finishNote(metadata: ChatMessageMetadata | undefined): string {
  if (metadata?.finishReason === 'content-filter') return "\n\n[stopped: Azure OpenAI's content filter]\n";
  if (metadata?.finishReason === 'length') return '\n\n[stopped: output token limit reached]\n';
  return '';
}

function textResponse(chunks: ReadableStream<ChatChunk>, headers: HeadersInit): Response {
  const encoder = new TextEncoder();
  let metadata: ChatMessageMetadata | undefined;
  const body = chunks.pipeThrough(
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
      void reader.cancel().catch(() => {});
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
