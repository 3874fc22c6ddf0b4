import 'server-only';
import { createUIMessageStreamResponse } from 'ai';
import type { AppConfig } from '@/lib/config';
import { HttpError } from '@/lib/http/errors';
import {
  cancelOnHangUp,
  collectReply,
  encodedResponse,
  endableOnShutdown,
  jsonAnswer,
  sseHeaders,
  TEXT_CONTENT_TYPE,
  type CollectedReply,
} from '@/lib/protocols/delivery';
import { textEncoder } from '@/lib/protocols/text';
import { getLogger } from '@/lib/observability/logger';
import { outliveConnection } from '@/lib/server/lifecycle';
import { getResumableStreamContext } from '@/lib/storage/pubsub';
import { recordFinishedReply, registerActiveStream } from './active-streams';
import type { ChatRequest } from './request';
import type { ChatChunk } from './metadata';
import type { ChatStream } from './stream';

/**
 * Turns a started chat stream into the response the client asked for:
 * - `ui` (default): the AI SDK UI message stream over SSE, what `useChat` reads;
 * - `text`: plain text as it arrives (`Accept: text/plain` or `?format=text`), for curl;
 * - `json`: one object once the reply is complete (`"stream": false`, `?format=json` or
 *   `Accept: application/json`).
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
  if (accept.includes('text/event-stream')) return 'ui';
  if (accept.includes('text/plain')) return 'text';
  return accept.includes('application/json') ? 'json' : 'ui';
}

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
  stream = endableOnShutdown(stream);
  const streamId = format === 'ui' && chatId ? await tryRegister(chatId, stream, request.signal, config) : undefined;
  if (streamId) outliveConnection(stream.finished);
  else cancelOnHangUp(stream, request);

  if (format === 'json') return jsonResponse(stream, headers);
  const chunks = stream.mergeDeltas ? stream.chunks.pipeThrough(stream.mergeDeltas()) : stream.chunks;
  if (format === 'text') return textResponse(chunks, headers);
  return createUIMessageStreamResponse({
    stream: chunks,
    headers: sseHeaders(headers),
    // An SSE comment opens the response and follows every silence this long: a reasoning model
    // that thinks for minutes does not look like a dead connection to a proxy in between.
    keepAliveMs: config.streamHeartbeatMs,
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
    getLogger().error({ chatId, reason: (error as Error).message }, 'chat: the reply could not be made resumable');
    await recorded.cancel().catch(() => {});
  }
}

async function tryRegister(chatId: string, stream: ChatStream, clientGone: AbortSignal, config: AppConfig): Promise<string | undefined> {
  try {
    return await registerActiveStream(chatId, stream, config, clientGone);
  } catch (error) {
    // The store is down: still answer, just without resumption (and say so in the log).
    getLogger().error({ reason: (error as Error).message }, 'chat: stream store unavailable, the reply will not be resumable');
    return undefined;
  }
}

function textResponse(chunks: ReadableStream<ChatChunk>, headers: HeadersInit): Response {
  return encodedResponse(chunks, textEncoder(), TEXT_CONTENT_TYPE, headers);
}

export interface ChatJsonResult extends CollectedReply {
  model: string;
}

async function jsonResponse(stream: ChatStream, headers: HeadersInit): Promise<Response> {
  const reply = await collectReply(stream);
  const body: ChatJsonResult = { ...reply, model: stream.modelId };
  return jsonAnswer(body, headers);
}
