/**
 * The one error type the API speaks. Every failure before a stream starts becomes an
 * `HttpError` and leaves through `errorResponse`, so clients always get
 * `{ "error": { "code", "message" } }` with the right status and never a stack trace.
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
  | 'shutting_down'
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

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export function errorResponse(error: unknown, extraHeaders: HeadersInit = {}): Response {
  const httpError =
    error instanceof HttpError
      ? error
      : new HttpError(500, 'internal_error', 'The server failed to handle this request.');
  if (!(error instanceof HttpError)) {
    // Unexpected: log the cause server-side (never sent to the client).
    console.error('[api] unexpected error', error);
  }
  const body: ErrorBody = {
    error: {
      code: httpError.code,
      message: httpError.message,
      ...(httpError.details === undefined ? {} : { details: httpError.details }),
    },
  };
  const headers = new Headers(extraHeaders);
  headers.set('Content-Type', 'application/json; charset=utf-8');
  headers.set('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(httpError.headers)) headers.set(name, value);
  return new Response(JSON.stringify(body), { status: httpError.status, headers });
}
