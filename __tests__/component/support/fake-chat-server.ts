import { createUIMessageStream, createUIMessageStreamResponse, type FinishReason } from 'ai';
import type { ChatMessage, ChatMessageMetadata } from '@/lib/chat/metadata';

/**
 * A stand-in for `/api/chat` that answers with a real AI SDK UI message stream (built with
 * `createUIMessageStream`), served through the `fetch` the chat's transport is given. Each
 * request takes the next scripted reply.
 */

export type ScriptedReply =
  | {
      /** Text deltas, sent one every `intervalMs`. */
      deltas: string[];
      intervalMs?: number;
      /** The reply's message id, sent in its `start` chunk (as /api/chat does). */
      messageId?: string;
      finishReason?: FinishReason;
      usage?: ChatMessageMetadata['usage'];
      /** Sent as an `error` chunk after the deltas, instead of finishing. */
      errorText?: string;
      /** After the deltas, keep the stream open until the client goes away. */
      holdOpen?: boolean;
      /** After the deltas, break the connection (the body fails as fetch does on a network error). */
      dropConnection?: boolean;
      /** Send nothing at all until the client goes away (a model that has not started yet). */
      silentUntilAborted?: boolean;
    }
  | { status: number; code: string; message: string };

export interface RecordedRequest {
  method: string;
  url: string;
  body?: { id: string; messages: ChatMessage[]; model?: string; temperature?: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createFakeChatServer(
  replies: ScriptedReply[],
  {
    resumeStatus = 204,
    resumeReplay,
  }: {
    /** How GET /api/chat/{id}/stream answers when there is no replay: 204, or an error status. */
    resumeStatus?: number;
    /** A reply still being generated, which GET /api/chat/{id}/stream replays from its start. */
    resumeReplay?: ScriptedReply;
  } = {},
) {
  const requests: RecordedRequest[] = [];
  let aborted = 0;
  let networkFailure: Error | undefined;

  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    requests.push({ method, url, body });
    if (networkFailure) {
      const failure = networkFailure;
      networkFailure = undefined;
      throw failure;
    }

    if (method === 'POST' && url.endsWith('/stop')) return Response.json({ stopped: true });
    if (method === 'GET' && !resumeReplay) {
      return resumeStatus === 204
        ? new Response(null, { status: 204 })
        : Response.json({ error: { code: 'not_found', message: 'Not found' } }, { status: resumeStatus });
    }

    const reply = method === 'GET' ? resumeReplay : replies.shift();
    if (!reply) throw new Error(`No scripted reply left for request ${requests.length}`);
    if ('status' in reply) {
      return Response.json({ error: { code: reply.code, message: reply.message } }, { status: reply.status });
    }

    const stream = scriptedStream(reply, body?.model, init?.signal ?? undefined, () => (aborted += 1));
    const response = createUIMessageStreamResponse({ stream });
    return reply.dropConnection ? withBrokenConnection(response) : response;
  };

  return {
    fetch,
    requests,
    /** Chat requests (POST /api/chat), in order. */
    chatRequests: () => requests.filter((request) => request.method === 'POST' && !request.url.endsWith('/stop')),
    stopRequests: () => requests.filter((request) => request.url.endsWith('/stop')),
    abortedReplies: () => aborted,
    /** The next request fails as fetch() does when the server cannot be reached. */
    failNextRequest: (error: Error) => {
      networkFailure = error;
    },
  };
}

/** The UI message stream of one scripted reply, as the route would stream it, cut short by an abort. */
function scriptedStream(
  reply: Extract<ScriptedReply, { deltas: string[] }>,
  model: string | undefined,
  signal: AbortSignal | undefined,
  onAbort: () => void,
) {
  return createUIMessageStream<ChatMessage>({
    execute: async ({ writer }) => {
      if (reply.silentUntilAborted) {
        await new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
        onAbort();
        return;
      }
      writer.write({ type: 'start', messageId: reply.messageId, messageMetadata: { model } });
      writer.write({ type: 'text-start', id: 'text' });
      for (const delta of reply.deltas) {
        await sleep(reply.intervalMs ?? 5);
        if (signal?.aborted) break;
        writer.write({ type: 'text-delta', id: 'text', delta });
      }
      if (reply.dropConnection) return;
      if (reply.holdOpen && !signal?.aborted) {
        await new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
      }
      if (signal?.aborted) {
        onAbort();
        return;
      }
      if (reply.errorText) {
        writer.write({ type: 'error', errorText: reply.errorText });
        return;
      }
      writer.write({ type: 'text-end', id: 'text' });
      writer.write({
        type: 'finish',
        finishReason: reply.finishReason ?? 'stop',
        messageMetadata: { finishReason: reply.finishReason ?? 'stop', usage: reply.usage },
      });
    },
  });
}

/** The response as received over a connection that breaks once the sent bytes have arrived. */
function withBrokenConnection(response: Response): Response {
  const reader = response.body!.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.error(new TypeError('network error'));
      else controller.enqueue(value);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}
