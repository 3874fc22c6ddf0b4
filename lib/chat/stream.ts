import { convertToModelMessages, generateId, streamText, type InferUIMessageChunk } from 'ai';
import type { AppConfig } from '@/lib/config';
import { resolveModel } from '@/lib/ai/models';
import { isUnofferedToolCall, toHttpError } from '@/lib/ai/upstream-errors';
import { HttpError } from '@/lib/http/errors';
import type { ReplyEnding, RequestLog } from '@/lib/observability/request-log';
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

/** Chunks that can come before the model has produced anything worth waiting for. */
const PREAMBLE = new Set<ChatChunk['type']>(['start', 'start-step', 'text-start', 'reasoning-start']);

/**
 * This app offers the model no tools, so tool parts (a function call Azure reports, or its own
 * web search, file search or code interpreter at work) are not part of the reply it relays:
 * the text and the finish reason are.
 */
function isToolChunk(chunk: ChatChunk): boolean {
  return chunk.type.startsWith('tool-');
}

/**
 * How a reply that was cut short ended, from the reason it was cut with: the deployment's
 * shutdown aborts with a `ShutdownError`; a hung-up client cancels with an AbortError (or
 * nothing); any other explicit abort is a Stop.
 */
function endingFor(reason: unknown): ReplyEnding {
  const name = (reason as { name?: unknown } | undefined)?.name;
  if (name === 'ShutdownError') return 'shut_down';
  if (name === 'TimeoutError') return 'timed_out';
  if (reason === undefined || name === 'AbortError' || name === 'ResponseAborted') return 'client_gone';
  return 'stopped';
}

/** What the request's log line learns from the reply as it passes: first token, usage, finish. */
function observeChunk(chunk: ChatChunk, log: RequestLog): void {
  if (chunk.type === 'text-delta' || chunk.type === 'reasoning-delta') log.firstToken();
  else if (chunk.type === 'finish') {
    const metadata = chunk.messageMetadata as ChatMessageMetadata | undefined;
    log.set({
      finishReason: metadata?.finishReason,
      inputTokens: metadata?.usage?.inputTokens,
      outputTokens: metadata?.usage?.outputTokens,
    });
  }
}

/**
 * Starts the model call and waits for its first real output before returning, so a failure
 * that happens before any token (rate limit, bad key, timeout) becomes a proper HTTP status
 * instead of a 200 followed by an error event. After that, failures travel in the stream.
 */
export async function startChatStream(request: ChatRequest, config: AppConfig, log?: RequestLog): Promise<ChatStream> {
  const { model, modelId, coalescedUpstream } = resolveModel(request.model, config);
  log?.set({ deployment: modelId, api: config.mode === 'demo' ? 'demo' : config.api });
  const upstream = new AbortController();
  let firstError: unknown;
  let ending: ReplyEnding | undefined;
  let cancelled = false;
  const cutShort = (reason: unknown) => {
    ending ??= endingFor(reason);
    upstream.abort(reason);
  };

  const result = streamText({
    model,
    instructions: config.systemPrompt,
    messages: await convertToModelMessages(request.messages),
    temperature: request.temperature,
    maxOutputTokens: request.maxOutputTokens,
    abortSignal: upstream.signal,
    // Retries happen only before the first token (honouring Retry-After); bounded so a
    // request cannot wait on a throttled deployment for minutes.
    maxRetries: 2,
    // The SDK would print the whole error object; it is reported once, in the request's log
    // line, by the UI stream's onError below.
    onError: () => {},
    // Spans (when telemetry is registered) carry model, tokens and timings, never the text.
    telemetry: { functionId: 'chat', recordInputs: false, recordOutputs: false },
  });

  /** Records the reply's first failure (for the log line and `failure()`); returns its text for the client. */
  const reportError = (error: unknown): string => {
    const httpError = toHttpError(error);
    if (firstError === undefined) {
      firstError = error;
      log?.fail(error, httpError, httpError.code !== 'internal_error');
    }
    return httpError.message;
  };

  const observe = (chunk: ChatChunk) => (log ? observeChunk(chunk, log) : undefined);

  const uiChunks = result.toUIMessageStream<ChatMessage>({
    originalMessages: request.messages,
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
    // Also called for a tool the model asked for that this app never offered: not a failure
    // (the part is dropped below, the reply goes on).
    onError: (error) => (isUnofferedToolCall(error) ? 'The model called a tool this app does not offer.' : reportError(error)),
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

  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timedOut]);
      if (done) break;
      if (isToolChunk(value)) continue;
      observe(value);
      if (value.type === 'error' && !preamble.some((chunk) => !PREAMBLE.has(chunk.type))) {
        throw toHttpError(firstError);
      }
      preamble.push(value);
      if (!PREAMBLE.has(value.type)) break;
    }
  } catch (error) {
    if (error === timeout) log?.fail(error, timeout, true);
    log?.set({ ended: error === timeout ? 'timed_out' : 'failed' });
    upstream.abort(error);
    void reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }

  let markFinished!: () => void;
  const finished = new Promise<void>((resolve) => (markFinished = resolve)).then(() =>
    log?.set({ ended: ending ?? (firstError === undefined ? 'finished' : 'failed') }),
  );
  log?.waitFor(finished);

  const chunks = new ReadableStream<ChatChunk>({
    start(controller) {
      for (const chunk of preamble) controller.enqueue(chunk);
    },
    async pull(controller) {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          // Cancelled meanwhile (the client hung up): the stream is closed, nothing to deliver.
          if (cancelled) return;
          if (done) {
            controller.close();
            markFinished();
            return;
          }
          if (isToolChunk(value)) continue;
          observe(value);
          controller.enqueue(value);
          return;
        }
      } catch (error) {
        // After a Stop or a hang-up the cut is the ending, not a failure. Otherwise it is one
        // the SDK throws instead of reporting (e.g. the socket dropped mid-reply): tell the
        // client in-band and end the stream cleanly, keeping what was already sent.
        if (cancelled) return;
        if (ending === undefined) controller.enqueue({ type: 'error', errorText: reportError(error) });
        controller.close();
        markFinished();
      }
    },
    cancel(reason) {
      // Whoever reads the reply stopped reading: the client went away (or the server is shutting down).
      cancelled = true;
      ending ??= endingFor(reason) === 'shut_down' ? 'shut_down' : 'client_gone';
      upstream.abort(reason);
      markFinished();
      return reader.cancel(reason);
    },
  });

  return {
    modelId,
    coalescedUpstream,
    chunks,
    abort: cutShort,
    failure: () => (firstError === undefined ? undefined : toHttpError(firstError)),
    finished,
  };
}
