import { convertToModelMessages, generateId, streamText, type InferUIMessageChunk } from 'ai';
import type { AppConfig } from '@/lib/config';
import { resolveModel } from '@/lib/ai/models';
import { toHttpError } from '@/lib/ai/upstream-errors';
import { HttpError } from '@/lib/http/errors';
import type { ChatMessage, ChatMessageMetadata } from './metadata';
import type { ChatRequest } from './request';

export type ChatChunk = InferUIMessageChunk<ChatMessage>;

export interface ChatStream {
  modelId: string;
  /** Text deltas were already merged before the SDK parsed them; no second coalescing needed. */
  coalescedUpstream: boolean;
  /** The reply as AI SDK UI message chunks, starting with what arrived before the first token. */
  chunks: ReadableStream<ChatChunk>;
  /** Cancels the upstream model request (Stop, or a client gone on a non-resumable request). */
  abort(reason?: unknown): void;
  /** The first failure the stream reported, as the API's error (undefined while all is well). */
  failure(): HttpError | undefined;
  /** Settles when generation is over: finished, failed, stopped or cancelled. */
  finished: Promise<void>;
}

/**
 * Chunks that can come before the model has produced anything worth waiting for. A reasoning
 * item's start is not among them: it is the model at work (o-series deployments think for
 * minutes with no visible text), so it ends the first-token wait and its timeout.
 */
const PREAMBLE = new Set<ChatChunk['type']>(['start', 'start-step', 'text-start']);

/**
 * Starts the model call and waits for its first real output before returning, so a failure
 * that happens before any token (rate limit, bad key, timeout) becomes a proper HTTP status
 * instead of a 200 followed by an error event. After that, failures travel in the stream.
 */
export async function startChatStream(request: ChatRequest, config: AppConfig): Promise<ChatStream> {
  const { model, modelId, coalescedUpstream } = resolveModel(request.model, config);
  const upstream = new AbortController();
  let firstError: unknown;

  const result = streamText({
    model,
    instructions: config.systemPrompt,
    messages: await convertToModelMessages(request.messages),
    // Only the OpenAI-compatible and tutorial endpoints let system messages through (after the
    // operator's instructions, which keep precedence); /api/chat's schema refuses them.
    allowSystemInMessages: true,
    temperature: request.temperature,
    maxOutputTokens: request.maxOutputTokens,
    abortSignal: upstream.signal,
    // Retries happen only before the first token (honouring Retry-After); bounded so a
    // request cannot wait on a throttled deployment for minutes.
    maxRetries: 2,
    // The SDK would print the whole error object; it is reported once, concisely and without
    // request details, by the UI stream's onError below.
    onError: () => {},
  });

  const reportError = (error: unknown): string => {
    const httpError = toHttpError(error);
    if (httpError.status >= 500) console.error(`[chat] ${modelId}: ${httpError.message} (${describe(error)})`);
    return httpError.message;
  };

  const uiChunks = result.toUIMessageStream<ChatMessage>({
    originalMessages: request.messages,
    // Citations (web and file search annotations) reach clients as source parts.
    sendSources: true,
    // The reply's id travels in the stream's start event, so a client that saved a partial
    // reply and later resumes the stream recognises it as the same message, not a new one.
    generateMessageId: generateId,
    messageMetadata: ({ part }): ChatMessageMetadata | undefined => {
      if (part.type === 'start') return { model: modelId, createdAt: Date.now() };
      if (part.type === 'finish') {
        return {
          model: modelId,
          finishReason: part.finishReason,
          usage: {
            inputTokens: part.totalUsage.inputTokens,
            outputTokens: part.totalUsage.outputTokens,
            totalTokens: part.totalUsage.totalTokens,
          },
        };
      }
      return undefined;
    },
    onError: (error) => {
      firstError ??= error;
      return reportError(error);
    },
  });

  const reader = uiChunks.getReader();
  const preamble: ChatChunk[] = [];
  const timeout = new HttpError(
    504,
    'upstream_timeout',
    `The model did not start answering within ${config.upstreamTimeoutMs} ms.`,
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout), config.upstreamTimeoutMs);
  });

  const firstOutput = (async () => {
    try {
      for (;;) {
        const { done, value } = await Promise.race([reader.read(), timedOut]);
        if (done) break;
        if (value.type === 'error' && !preamble.some((chunk) => !PREAMBLE.has(chunk.type))) {
          throw toHttpError(firstError);
        }
        preamble.push(value);
        if (!PREAMBLE.has(value.type)) break;
      }
    } catch (error) {
      firstError ??= error;
      upstream.abort(error);
      void reader.cancel().catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  })();
  // Failures before the first output keep their HTTP status, unless the first output takes
  // longer than the heartbeat interval: then the response starts anyway (with a heartbeat, so no
  // proxy in between gives up on it) and a later failure arrives as an error event.
  const startedLate = await outlasts(firstOutput, config.streamHeartbeatMs);

  let markFinished!: () => void;
  const finished = new Promise<void>((resolve) => (markFinished = resolve));

  const chunks = new ReadableStream<ChatChunk>({
    async start(controller) {
      try {
        if (startedLate) await firstOutput;
      } catch (error) {
        controller.enqueue({ type: 'error', errorText: toHttpError(error).message });
        controller.close();
        markFinished();
        return;
      }
      for (const chunk of preamble) controller.enqueue(chunk);
    },
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          markFinished();
        } else controller.enqueue(value);
      } catch (error) {
        // A failure the SDK throws instead of reporting (e.g. the socket dropped mid-reply):
        // tell the client in-band and end the stream cleanly, keeping what was already sent.
        firstError ??= error;
        controller.enqueue({ type: 'error', errorText: reportError(error) });
        controller.close();
        markFinished();
      }
    },
    cancel(reason) {
      upstream.abort(reason);
      markFinished();
      return reader.cancel(reason);
    },
  });

  return {
    modelId,
    coalescedUpstream,
    chunks,
    abort: (reason) => upstream.abort(reason),
    failure: () => (firstError === undefined ? undefined : toHttpError(firstError)),
    finished,
  };
}

/** Whether `work` is still pending after `ms` (its failure, if it fails in time, is thrown). */
async function outlasts(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<true>((resolve) => (timer = setTimeout(() => resolve(true), ms)));
  try {
    return await Promise.race([work.then(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Log-safe summary of an upstream error: status and Azure's code, never headers or the key. */
function describe(error: unknown): string {
  const e = error as { statusCode?: number; name?: string; message?: string };
  return [e?.name, e?.statusCode, e?.message].filter(Boolean).join(' ');
}
