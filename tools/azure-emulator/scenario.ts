/**
 * What the emulator answers, apart from how it is sent: the reply a scenario asks for (numbered
 * or given words, recordings, errors, rate limits, content filters, drops and pacing), who may
 * call (an API key or Entra bearer tokens it issued), and what it has seen (requests, counters).
 */
import { randomBytes } from 'node:crypto';
import { chatCompletion, chatFrames, newResponseState, responsesFrames, responsesObject, type Reply } from './azure-payloads';
import { RECORDING_API, replayFrames, replayJson } from './recordings';
import type { Frame } from './sse-frames';
import type { Api, EmulatorCounters, EmulatorOptions, EmulatorScenario, Json, RecordedRequest } from './types';

const DEFAULT_WORDS = 5;

export function numberedWords(n: number): string {
  return numberedTokens(n).join('');
}

function numberedTokens(n: number): string[] {
  return Array.from({ length: n }, (_, i) => (i === 0 ? `w${i + 1}` : ` w${i + 1}`));
}

/** What to send for one API request, decided before anything is written. */
export type Answer =
  | { kind: 'error'; status: number; retryAfterSeconds?: number }
  /** `afterMs` is the generation time before the body goes out (none: at once). */
  | { kind: 'json'; status: number; body: () => Json; afterMs?: number }
  | { kind: 'drop'; afterMs: number }
  | { kind: 'stream'; plan: StreamPlan; firstTokenDelayMs: number };

/** A stream cut into what goes out at once, one step per token, and what follows the last token. */
export interface StreamPlan {
  head: string;
  /** Each step is one token plus the bookkeeping events that precede it. */
  steps: string[];
  trailer: string;
  /** Cut the connection after the steps instead of ending the reply. */
  drops: boolean;
  /** All steps in one write. */
  burst: boolean;
  /** Between steps; 0 = as fast as the socket takes them. */
  intervalMs: number;
}

function planStream(frames: Frame[], active: EmulatorScenario): StreamPlan {
  const firstToken = frames.findIndex((frame) => frame.token);
  const head = firstToken === -1 ? frames : frames.slice(0, firstToken);
  const rest = firstToken === -1 ? [] : frames.slice(firstToken);
  const steps: string[] = [];
  let pending = '';
  for (const frame of rest) {
    pending += frame.data;
    if (frame.token) {
      steps.push(pending);
      pending = '';
    }
  }
  const drops = active.dropAfterTokens !== undefined && active.dropAfterTokens <= steps.length;
  if (drops) steps.length = active.dropAfterTokens ?? 0;
  return {
    head: head.map((frame) => frame.data).join(''),
    steps,
    trailer: pending,
    drops,
    burst: active.burst === true || steps.length === 0,
    intervalMs: active.tokensPerSecond ? 1000 / active.tokensPerSecond : 0,
  };
}

function buildReply(body: Json, active: EmulatorScenario): Reply {
  const words = active.words ?? DEFAULT_WORDS;
  let tokens = typeof words === 'number' ? numberedTokens(words) : [...words];
  const filterAfter = active.contentFilterAfterTokens;
  const filtered = filterAfter !== undefined && filterAfter < tokens.length;
  if (filtered) tokens = tokens.slice(0, filterAfter);
  return { body, tokens, filtered };
}

function streamAnswer(api: Exclude<Api, 'unknown'>, body: Json, active: EmulatorScenario): Answer {
  const frames = active.replay
    ? replayFrames(active.replay)
    : api === 'chat'
      ? chatFrames(buildReply(body, active))
      : responsesFrames(buildReply(body, active), active.reasoning);
  return { kind: 'stream', plan: planStream(frames, active), firstTokenDelayMs: active.firstTokenDelayMs ?? 0 };
}

function jsonAnswer(api: Exclude<Api, 'unknown'>, body: Json, active: EmulatorScenario): Answer {
  const reply = buildReply(body, active);
  const afterMs = (active.firstTokenDelayMs ?? 0) + (active.tokensPerSecond ? (reply.tokens.length * 1000) / active.tokensPerSecond : 0);
  if (active.dropAfterTokens !== undefined) return { kind: 'drop', afterMs };
  const { replay } = active;
  if (replay) return { kind: 'json', status: 200, afterMs, body: () => replayJson(replay) };
  if (api === 'chat') return { kind: 'json', status: 200, afterMs, body: () => chatCompletion(reply) };
  return {
    kind: 'json',
    status: 200,
    afterMs,
    body: () => responsesObject(reply, newResponseState(body), reply.filtered ? 'incomplete' : 'completed'),
  };
}

/** Tokens as Entra ID would issue them for the resource, each valid until it expires. */
function bearerTokens() {
  const expiries = new Map<string, number>();
  return {
    issue(expiresInSeconds: number): { token: string; expiresOn: number } {
      // Shaped like a JWT (three base64url parts), as Entra's tokens are, so scans for one find it.
      const part = () => randomBytes(24).toString('base64url');
      const token = `eyJ0eXAiOiJKV1QifQ.${part()}.${part()}`;
      const expiresOn = Math.floor(Date.now() / 1000) + expiresInSeconds;
      expiries.set(token, expiresOn * 1000);
      return { token, expiresOn };
    },
    valid(token: string | undefined): boolean {
      const expiresAt = token === undefined ? undefined : expiries.get(token);
      return expiresAt !== undefined && expiresAt > Date.now();
    },
  };
}

export type EmulatorState = ReturnType<typeof createEmulatorState>;

/** The emulator's memory across requests: the scenario, failures served, callers allowed, requests and counters seen. */
export function createEmulatorState(options: EmulatorOptions) {
  const apiKey = options.apiKey ?? 'test-key';
  const tokens = bearerTokens();
  const initialScenario: EmulatorScenario = { ...options.scenario };
  let scenario = initialScenario;
  let failuresServed = 0;
  const counters: EmulatorCounters = { requests: 0, completed: 0, aborts: 0, inFlight: 0 };
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();

  const state = {
    apiKey,
    counters,
    requests,
    scenario: () => scenario,
    setScenario(next: EmulatorScenario): void {
      scenario = { ...next };
      failuresServed = 0;
    },
    reset(): void {
      // inFlight is left alone: it counts responses that are really still open.
      scenario = initialScenario;
      failuresServed = 0;
      counters.requests = 0;
      counters.completed = 0;
      counters.aborts = 0;
      requests.length = 0;
    },
    issueToken: tokens.issue,
    isAuthorized(headers: { 'api-key'?: string | string[]; authorization?: string }): boolean {
      if (!options.bearerTokens) return headers['api-key'] === apiKey || headers.authorization === `Bearer ${apiKey}`;
      return tokens.valid(/^Bearer (\S+)$/.exec(headers.authorization ?? '')?.[1]);
    },
    /** Tells waiters the counters changed. */
    notify(): void {
      for (const check of [...waiters]) check();
    },
    waitFor(predicate: (c: EmulatorCounters) => boolean, timeoutMs = 5000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!predicate(counters)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`waitFor timed out after ${timeoutMs} ms; counters: ${JSON.stringify(counters)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    /** The answer to one authorized, well-formed API request under the scenario it arrived with. */
    answer(api: Exclude<Api, 'unknown'>, body: Json, active: EmulatorScenario): Answer {
      if (active.status !== undefined && active.status >= 400 && (active.failTimes === undefined || failuresServed < active.failTimes)) {
        failuresServed++;
        return { kind: 'error', status: active.status, retryAfterSeconds: active.retryAfterSeconds };
      }
      if (active.replay && RECORDING_API[active.replay] !== api) {
        const message = `Emulator replay '${active.replay}' is a ${RECORDING_API[active.replay]} recording but this request used the ${api} API.`;
        return { kind: 'json', status: 400, body: () => ({ error: { code: 'BadRequest', message } }) };
      }
      return body.stream === true ? streamAnswer(api, body, active) : jsonAnswer(api, body, active);
    },
  };
  return state;
}
