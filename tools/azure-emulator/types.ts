/** The emulator's public shapes: what a test or the CLI can ask of it and read back. */

export interface EmulatorScenario {
  /** Reply content: N numbered words "w1 w2 … wN" (each streamed token is the word with a leading space after the first, e.g. "w1", " w2"), or explicit token strings. Default: 5 numbered words. */
  words?: number | string[];
  /** Tokens per second pacing; undefined/0 = as fast as possible (one write per token). */
  tokensPerSecond?: number;
  /** Send all tokens in ONE socket write (as Azure's content filter often does). */
  burst?: boolean;
  /** Delay before the first content token (headers and Azure's empty first chunk go out at once). */
  firstTokenDelayMs?: number;
  /** Responses API: the reply starts with a reasoning item (as o-series deployments send, with no summary text), announced at once; its thinking time is `firstTokenDelayMs`. */
  reasoning?: boolean;
  /** Delay before sending response headers at all (for upstream-timeout tests). */
  headersDelayMs?: number;
  /** Answer with this HTTP status and an Azure-shaped JSON error body instead of streaming. */
  status?: number;
  /** With status (429/503): the Retry-After header value in seconds. */
  retryAfterSeconds?: number;
  /** With status: apply it only to the first N requests, then behave normally (retry tests). */
  failTimes?: number;
  /** Destroy the socket abruptly after N content tokens (mid-stream network drop). */
  dropAfterTokens?: number;
  /** Stop with a content-filter finish after N content tokens (chat: finish_reason "content_filter" with content_filter_results filtered:true; responses: `response.incomplete` with incomplete_details.reason "content_filter"). */
  contentFilterAfterTokens?: number;
  /** Replay a recorded real Azure stream from tools/azure-emulator/recordings instead of generating one. Paced by tokensPerSecond if given. */
  replay?:
    | 'responses-text'
    | 'chat-completions-text'
    | 'chat-completions-reasoning'
    | 'responses-azure-tool-call'
    | 'responses-azure-web-search-preview-tool'
    | 'responses-openai-file-search-tool'
    | 'responses-azure-code-interpreter-tool';
}

export interface EmulatorCounters {
  requests: number;
  completed: number;
  aborts: number;
  inFlight: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  api: 'responses' | 'chat' | 'unknown';
}

export interface AzureEmulator {
  /** `http://127.0.0.1:PORT/openai/v1`: use as `createAzure({ baseURL })` / AZURE_BASE_URL. */
  url: string;
  port: number;
  apiKey: string;
  /** Live object, updated as requests arrive, finish or are aborted. */
  counters: EmulatorCounters;
  /** Every API request received, in order, headers included as sent (tests check the key is forwarded; it is never printed). */
  requests: RecordedRequest[];
  /** Applies to requests that arrive from now on; also restarts the `failTimes` count. */
  setScenario(scenario: EmulatorScenario): void;
  /** Back to the scenario given at start, zero counters (except inFlight, which stays true), clear requests. */
  reset(): void;
  /** Resolves once the predicate holds for the counters; rejects after timeoutMs (default 5000). */
  waitFor(predicate: (c: EmulatorCounters) => boolean, timeoutMs?: number): Promise<void>;
  /**
   * Issues a bearer token this emulator accepts until it expires, as Microsoft Entra ID would for
   * the resource (a managed-identity test endpoint hands these out). Only with `bearerTokens`.
   */
  issueToken(expiresInSeconds: number): { token: string; expiresOn: number };
  /** Stops listening and cuts every open connection, so nothing keeps the process alive. */
  close(): Promise<void>;
}

export interface EmulatorOptions {
  port?: number;
  apiKey?: string;
  scenario?: EmulatorScenario;
  /** Keyless (Entra ID) mode: accept only `Authorization: Bearer` tokens from `issueToken` that have not expired; no key. */
  bearerTokens?: boolean;
}

export type RecordingName = NonNullable<EmulatorScenario['replay']>;
export type Api = RecordedRequest['api'];
export type Json = Record<string, unknown>;
