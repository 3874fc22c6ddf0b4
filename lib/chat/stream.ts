import 'server-only';
import { convertToModelMessages, experimental_streamTextLowMemory as streamTextOnce, generateId, type UIMessageStreamOptions } from 'ai';
import type { AppConfig } from '@/lib/config';
import { type ChunkStep, resolveModel, type ResolvedModel } from '@/lib/ai/models';
import { isUnofferedToolCall, toHttpError } from '@/lib/ai/upstream-errors';
import { HttpError } from '@/lib/http/errors';
import type { ReplyEnding, RequestLog } from '@/lib/observability/request-log';
import { withTimeout } from '@/lib/util/timeout';
import type { ChatChunk, ChatMessage, ChatMessageMetadata } from './metadata';
import type { ChatRequest } from './request';
import { uiMessageChunks } from './ui-chunks';

export interface ChatStream {
  modelId: string;
  /** The step that merges text deltas for delivery, when the model asks for one (see `resolveModel`). */
  mergeDeltas?: ChunkStep;
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
 * This app offers the model no tools, so tool parts (a function call Azure reports, or its own
 * web search, file search or code interpreter at work) are not part of the reply it relays:
 * the text, its sources and the finish reason are.
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
function observeChunk(chunk: ChatChunk, log: RequestLog | undefined): void {
  if (!log) return;
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

type MetadataPart = Parameters<NonNullable<UIMessageStreamOptions<ChatMessage>['messageMetadata']>>[0]['part'];

/** The message metadata clients get: the model at the start, finish reason and usage at the end. */
function replyMetadata(modelId: string) {
  return ({ part }: { part: MetadataPart }): ChatMessageMetadata | undefined => {
    if (part.type === 'start') return { model: modelId, createdAt: Date.now() };
    if (part.type !== 'finish') return undefined;
    const { inputTokens, outputTokens, totalTokens } = part.totalUsage;
    return { model: modelId, finishReason: part.finishReason, usage: { inputTokens, outputTokens, totalTokens } };
  };
}

/** What a reply has been through so far: its first failure and how it ended. */
class ReplyState {
  firstError: unknown;
  ending: ReplyEnding | undefined;
  /** Whoever reads the reply stopped reading (the client went away, or the server shut down). */
  cancelled = false;

  constructor(private readonly log: RequestLog | undefined) {}

  /** Records the reply's first failure (for the log line and `failure()`); returns its text for the client. */
  report(error: unknown): string {
    const httpError = toHttpError(error);
    if (this.firstError === undefined) {
      this.firstError = error;
      this.log?.fail(error, httpError, httpError.code !== 'internal_error');
    }
    return httpError.message;
  }

  failure(): HttpError | undefined {
    return this.firstError === undefined ? undefined : toHttpError(this.firstError);
  }

  endedAs(): ReplyEnding {
    return this.ending ?? (this.firstError === undefined ? 'finished' : 'failed');
  }
}

/**
 * Reads the reply up to its first real output (text, reasoning, a source): the chunks before it
 * and it. An error chunk before it is thrown as the API's error.
 */
async function readUntilFirstOutput(
  reader: ReadableStreamDefaultReader<ChatChunk>,
  state: ReplyState,
  log: RequestLog | undefined,
): Promise<ChatChunk[]> {
  const preamble: ChatChunk[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return preamble;
    if (isToolChunk(value)) continue;
    observeChunk(value, log);
    // Everything read so far is preamble (the loop ends at the first real output).
    if (value.type === 'error') throw toHttpError(state.firstError);
    preamble.push(value);
    if (!PREAMBLE.has(value.type)) return preamble;
  }
}

/**
 * `readUntilFirstOutput` with the first-token timeout. A failure or timeout is recorded as the
 * reply's first error (and a timeout as its ending) before it is thrown.
 */
async function readPreamble(
  reader: ReadableStreamDefaultReader<ChatChunk>,
  state: ReplyState,
  config: AppConfig,
  log: RequestLog | undefined,
): Promise<ChatChunk[]> {
  const timeout = new HttpError(504, 'upstream_timeout', `The model did not start answering within ${config.upstreamTimeoutMs} ms.`);
  try {
    return await withTimeout(readUntilFirstOutput(reader, state, log), config.upstreamTimeoutMs, () => {
      throw timeout;
    });
  } catch (error) {
    if (error === timeout) {
      log?.fail(error, timeout, true);
      state.ending = 'timed_out';
    }
    state.firstError ??= error;
    throw error;
  }
}

/** Whether `work` is still pending after `ms` (its failure, if it fails in time, is thrown). */
function outlasts(work: Promise<unknown>, ms: number): Promise<boolean> {
  return withTimeout(
    work.then(() => false),
    ms,
    () => true,
  );
}

/**
 * Starts the model call and waits for its first real output before returning, so a failure
 * that happens before any token (rate limit, bad key, timeout) becomes a proper HTTP status
 * instead of a 200 followed by an error event. After that, failures travel in the stream.
 * The one exception is a first output slower than the heartbeat interval: then the response
 * starts anyway (with a heartbeat, so no proxy in between gives up on it) and a later failure
 * arrives as an error event.
 */
export async function startChatStream(request: ChatRequest, config: AppConfig, log?: RequestLog): Promise<ChatStream> {
  const resolved = resolveModel(request.model, config);
  const { modelId, mergeDeltas } = resolved;
  log?.set({ deployment: modelId, api: config.mode === 'demo' ? 'demo' : config.api });
  const upstream = new AbortController();
  const state = new ReplyState(log);
  const reader = await startModelCall(request, config, resolved, state, upstream.signal);
  const { preamble } = await waitForFirstOutput(reader, state, upstream, config, log);

  let markFinished!: () => void;
  const finished = new Promise<void>((resolve) => (markFinished = resolve)).then(() => log?.set({ ended: state.endedAs() }));
  log?.waitFor(finished);

  return {
    modelId,
    mergeDeltas,
    chunks: replyChunks(reader, preamble, state, upstream, markFinished, log),
    abort: (reason) => {
      state.ending ??= endingFor(reason);
      upstream.abort(reason);
    },
    failure: () => state.failure(),
    finished,
  };
}

/** Calls the model; its reply as AI SDK UI message chunks, failures reported to `state`. */
async function startModelCall(
  request: ChatRequest,
  config: AppConfig,
  { model, modelId }: ResolvedModel,
  state: ReplyState,
  abortSignal: AbortSignal,
): Promise<ReadableStreamDefaultReader<ChatChunk>> {
  // streamText with one consumer: the reply is read once, as the UI message stream, so the SDK
  // keeps no replay copy of every part for the life of the stream (and builds one stream layer
  // less). Same engine, options and chunks.
  const result = streamTextOnce({
    model,
    instructions: config.systemPrompt,
    messages: await convertToModelMessages(request.messages),
    // Only the OpenAI-compatible and tutorial endpoints let system messages through (after the
    // operator's instructions, which keep precedence); /api/chat's schema refuses them.
    allowSystemInMessages: true,
    temperature: request.temperature,
    maxOutputTokens: request.maxOutputTokens,
    abortSignal,
    // Retries happen only before the first token (honouring Retry-After); bounded so a
    // request cannot wait on a throttled deployment for minutes.
    maxRetries: 2,
    // The SDK would print the whole error object; it is reported once, in the request's log
    // line, by the UI stream's onError below.
    onError: () => {},
    // Spans (when telemetry is registered) carry model, tokens and timings, never the text.
    telemetry: { functionId: 'chat', recordInputs: false, recordOutputs: false },
  });

  return uiMessageChunks(result.fullStream, {
    originalMessages: request.messages,
    // Citations (web and file search annotations) reach clients as source parts.
    sendSources: true,
    // The reply's id travels in the stream's start event, so a client that saved a partial
    // reply and later resumes the stream recognises it as the same message, not a new one.
    generateMessageId: generateId,
    messageMetadata: replyMetadata(modelId),
    // Also called for a tool the model asked for that this app never offered: not a failure
    // (the part is dropped, the reply goes on).
    onError: (error) => (isUnofferedToolCall(error) ? 'The model called a tool this app does not offer.' : state.report(error)),
  }).getReader();
}

/**
 * The chunks up to the first real output, read (a failure before it is thrown, and the model
 * call cancelled), or still being read when that takes longer than the heartbeat interval: then
 * the response starts without them and a failure arrives in-band.
 */
async function waitForFirstOutput(
  reader: ReadableStreamDefaultReader<ChatChunk>,
  state: ReplyState,
  upstream: AbortController,
  config: AppConfig,
  log: RequestLog | undefined,
): Promise<{ preamble: ChatChunk[] | Promise<ChatChunk[]> }> {
  const firstOutput = readPreamble(reader, state, config, log).catch((error) => {
    log?.set({ ended: state.endedAs() });
    upstream.abort(error);
    void reader.cancel().catch(() => {});
    throw error;
  });
  const startedLate = await outlasts(firstOutput, config.streamHeartbeatMs);
  return { preamble: startedLate ? firstOutput : await firstOutput };
}

/**
 * The reply as one stream: the preamble (awaited here when the response started before it was
 * complete), then the rest, with tool parts left out and failures told in-band.
 */
function replyChunks(
  reader: ReadableStreamDefaultReader<ChatChunk>,
  preamble: ChatChunk[] | Promise<ChatChunk[]>,
  state: ReplyState,
  upstream: AbortController,
  markFinished: () => void,
  log: RequestLog | undefined,
): ReadableStream<ChatChunk> {
  const end = (controller: ReadableStreamDefaultController<ChatChunk>) => {
    controller.close();
    markFinished();
  };
  return new ReadableStream<ChatChunk>({
    async start(controller) {
      try {
        for (const chunk of await preamble) controller.enqueue(chunk);
      } catch (error) {
        controller.enqueue({ type: 'error', errorText: toHttpError(error).message });
        end(controller);
      }
    },
    async pull(controller) {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          // Cancelled meanwhile (the client hung up): the stream is closed, nothing to deliver.
          if (state.cancelled) return;
          if (done) return end(controller);
          if (isToolChunk(value)) continue;
          observeChunk(value, log);
          controller.enqueue(value);
          return;
        }
      } catch (error) {
        // After a Stop or a hang-up the cut is the ending, not a failure. Otherwise it is one
        // the SDK throws instead of reporting (e.g. the socket dropped mid-reply): tell the
        // client in-band and end the stream cleanly, keeping what was already sent.
        if (state.cancelled) return;
        if (state.ending === undefined) controller.enqueue({ type: 'error', errorText: state.report(error) });
        end(controller);
      }
    },
    cancel(reason) {
      state.cancelled = true;
      state.ending ??= endingFor(reason) === 'shut_down' ? 'shut_down' : 'client_gone';
      upstream.abort(reason);
      markFinished();
      return reader.cancel(reason);
    },
  });
}
