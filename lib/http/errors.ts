/**
 * The one error type the API speaks. Every failure before a stream starts becomes an
 * `HttpError` and leaves through `errorResponse`, so clients always get
 * `{ "error": { "code", "message", "requestId" } }` with the right status and never a stack trace.
 */

export type ErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'unknown_model'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unauthorized'
  | 'forbidden_origin'
  | 'rate_limited'
  | 'upstream_rate_limited'
  | 'upstream_error'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'content_filter'
  | 'misconfigured'
  | 'identity_unavailable'
  | 'internal_error';

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

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown; requestId?: string };
}

/**
 * The JSON answer for `error`; anything that is not an HttpError is a 500 `internal_error` (its
 * cause goes to the request's log line, never to the client). `requestId` is the id the client
 * also gets in `X-Request-Id`, so a report can be matched with that log line.
 */
export function errorResponse(error: unknown, extraHeaders: HeadersInit = {}, requestId?: string): Response {
  const httpError = error instanceof HttpError ? error : internalError();
  const body: ErrorBody = {
    error: {
      code: httpError.code,
      message: httpError.message,
      ...(httpError.details === undefined ? {} : { details: httpError.details }),
      ...(requestId === undefined ? {} : { requestId }),
    },
  };
  const headers = new Headers(extraHeaders);
  headers.set('Content-Type', 'application/json; charset=utf-8');
  headers.set('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(httpError.headers)) headers.set(name, value);
  return new Response(JSON.stringify(body), { status: httpError.status, headers });
}
