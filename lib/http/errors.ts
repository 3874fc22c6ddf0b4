import 'server-only';
/**
 * The one error type the API speaks. Every failure before a stream starts becomes an
 * `HttpError` and leaves through `errorResponse`, so clients always get
 * `{ "error": { "code", "message", "requestId" } }` (or the same in their endpoint's dialect,
 * below) with the right status and never a stack trace.
 */

export const ERROR_CODES = [
  'invalid_request',
  'invalid_json',
  'unknown_model',
  'not_found',
  'method_not_allowed',
  'payload_too_large',
  'unsupported_media_type',
  'unauthorized',
  'forbidden_origin',
  'rate_limited',
  'upstream_rate_limited',
  'upstream_error',
  'upstream_unavailable',
  'upstream_timeout',
  'content_filter',
  'misconfigured',
  'shutting_down',
  'identity_unavailable',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A fault of the server itself: the client learns only that, and the request id to quote. */
export function internalError(): HttpError {
  return new HttpError(500, 'internal_error', 'The server failed to handle this request.');
}

/**
 * The error body shape a client of an endpoint family can read:
 * - `api`: this API's `{ "error": { "code", "message", "requestId" } }`;
 * - `openai`: OpenAI's `{ "error": { "message", "type", "code", "param" } }`, which the OpenAI
 *   SDKs turn into their error classes (by status) with the message intact (they read the request
 *   id from `X-Request-Id`);
 * - `tutorial`: `{ "error": "message" }`, what the tutorials' Express and Flask servers answer.
 */
export type ErrorDialect = 'api' | 'openai' | 'tutorial';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown; requestId?: string };
}

export interface OpenAiErrorObject {
  message: string;
  type: string;
  code: ErrorCode;
  param: null;
}

/** OpenAI's error `type` for a status (its SDKs pick the error class by status alone). */
function openAiErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export function openAiError(error: HttpError): OpenAiErrorObject {
  return { message: error.message, type: openAiErrorType(error.status), code: error.code, param: null };
}

function errorBody(error: HttpError, dialect: ErrorDialect, requestId: string | undefined): unknown {
  if (dialect === 'openai') return { error: openAiError(error) };
  if (dialect === 'tutorial') return { error: error.message };
  const body: ErrorBody = {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
      ...(requestId === undefined ? {} : { requestId }),
    },
  };
  return body;
}

export interface ErrorAnswerOptions {
  dialect?: ErrorDialect;
  /** The id the client also gets in `X-Request-Id`, so a report can be matched with the log line. */
  requestId?: string;
}

/**
 * The JSON answer for `error`; anything that is not an HttpError is a 500 `internal_error` (its
 * cause goes to the request's log line, never to the client).
 */
export function errorResponse(error: unknown, extraHeaders: HeadersInit = {}, { dialect = 'api', requestId }: ErrorAnswerOptions = {}): Response {
  const httpError = error instanceof HttpError ? error : internalError();
  const headers = new Headers(extraHeaders);
  headers.set('Content-Type', 'application/json; charset=utf-8');
  headers.set('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(httpError.headers)) headers.set(name, value);
  return new Response(JSON.stringify(errorBody(httpError, dialect, requestId)), { status: httpError.status, headers });
}
