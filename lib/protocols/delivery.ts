import 'server-only';
import { UI_MESSAGE_STREAM_HEADERS } from 'ai';
import type { ChatChunk, ChatMessageMetadata } from '@/lib/chat/metadata';
import type { ChatStream } from '@/lib/chat/stream';
import { HttpError } from '@/lib/http/errors';
import { trackReply } from '@/lib/server/lifecycle';

/**
 * What every protocol's response shares: a one-off reply belongs to its connection (a caller that
 * hangs up cancels the upstream request), streams go out unbuffered and uncompressed, and each
 * protocol is one encoder from the `ChatStream`'s chunks to its wire text.
 */

/**
 * Headers asking proxies (nginx, Azure Front Door, Vercel) not to buffer a stream (nginx honours
 * `X-Accel-Buffering: no`) and not to transform it (`no-transform`, which nginx's gzip ignores:
 * it then compresses the stream but still flushes each event; deploy/nginx.conf turns it off).
 */
const STREAMING_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
};

/**
 * Headers of an SSE reply: the UI message stream's own and the ones above, each once (set, not
 * appended: a doubled `X-Accel-Buffering: no, no` is not "no" to nginx), then `extra`.
 */
export function sseHeaders(extra: HeadersInit = {}): Headers {
  const headers = new Headers(UI_MESSAGE_STREAM_HEADERS);
  for (const [name, value] of Object.entries(STREAMING_HEADERS)) headers.set(name, value);
  for (const [name, value] of new Headers(extra)) headers.set(name, value);
  return headers;
}

/**
 * The reply, counted as in flight whatever protocol carries it: a shutdown waits for it to end,
 * and past its grace period ends it with an error event that tells the client to send the
 * message again.
 */
export function endableOnShutdown(stream: ChatStream): ChatStream {
  let output!: TransformStreamDefaultController<ChatChunk>;
  const chunks = stream.chunks.pipeThrough(new TransformStream<ChatChunk, ChatChunk>({ start: (controller) => void (output = controller) }));
  trackReply({
    finished: stream.finished,
    end(reason) {
      // Cancelled with the ShutdownError first, so the upstream request's outcome names it.
      stream.abort(reason);
      try {
        output.enqueue({ type: 'error', errorText: reason.message });
        output.terminate();
      } catch {
        // The response had already ended; there is nobody left to tell.
      }
    },
  });
  return { ...stream, chunks };
}

/** None of these endpoints resumes a reply, so a caller that hangs up cancels the model call. */
export function cancelOnHangUp(stream: ChatStream, request: Request): void {
  request.signal.addEventListener('abort', () => stream.abort(request.signal.reason), { once: true });
}

/** `chunks` encoded by a protocol's `encoder` as a streaming response of `contentType`. */
export function encodedResponse(
  chunks: ReadableStream<ChatChunk>,
  encoder: TransformStream<ChatChunk, string>,
  contentType: string,
  headers: HeadersInit,
): Response {
  const responseHeaders = new Headers(headers);
  for (const [name, value] of Object.entries(STREAMING_HEADERS)) responseHeaders.set(name, value);
  responseHeaders.set('Content-Type', contentType);
  return new Response(chunks.pipeThrough(encoder).pipeThrough(new TextEncoderStream()), { headers: responseHeaders });
}

/** A complete JSON answer, never cached. */
export function jsonAnswer(body: unknown, headers: HeadersInit): Response {
  const responseHeaders = new Headers(headers);
  responseHeaders.set('Content-Type', 'application/json; charset=utf-8');
  responseHeaders.set('Cache-Control', 'no-store');
  return new Response(JSON.stringify(body), { headers: responseHeaders });
}

/** One server-sent event; `event` names it for clients that dispatch on names (the Responses API). */
export function sseEvent(data: unknown, event?: string): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event ? `event: ${event}\n` : ''}data: ${payload}\n\n`;
}

export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';
export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

export interface CollectedReply {
  text: string;
  finishReason: ChatMessageMetadata['finishReason'];
  usage: ChatMessageMetadata['usage'];
}

/**
 * The whole reply, for the non-streaming formats. Nothing was sent yet, so a failure mid-reply
 * can still be an honest status code: it is thrown as the API's error.
 */
export async function collectReply(stream: ChatStream): Promise<CollectedReply> {
  let text = '';
  let metadata: ChatMessageMetadata = {};
  const reader = stream.chunks.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (value.type === 'text-delta') text += value.delta;
    else if (value.type === 'error') {
      // Cancelled so the reply's slot (replies in flight) is freed at once.
      void reader.cancel().catch(() => {});
      throw stream.failure() ?? new HttpError(502, 'upstream_error', value.errorText);
    } else if ((value.type === 'finish' || value.type === 'start') && value.messageMetadata) {
      metadata = { ...metadata, ...value.messageMetadata };
    }
  }
  return { text, finishReason: metadata.finishReason, usage: metadata.usage };
}

export interface Delivery {
  request: Request;
  headers: HeadersInit;
}

/**
 * Answers with `stream` as the caller asked: the protocol's event stream, or (`whole`) one JSON
 * object once the reply is complete.
 */
export async function deliver(
  stream: ChatStream,
  { request, headers }: Delivery,
  protocol: {
    streaming: boolean;
    encoder: () => TransformStream<ChatChunk, string>;
    contentType: string;
    whole?: (reply: CollectedReply) => unknown;
  },
): Promise<Response> {
  stream = endableOnShutdown(stream);
  cancelOnHangUp(stream, request);
  if (!protocol.streaming && protocol.whole) return jsonAnswer(protocol.whole(await collectReply(stream)), headers);
  return encodedResponse(stream.chunks, protocol.encoder(), protocol.contentType, headers);
}
