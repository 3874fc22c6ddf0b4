import 'server-only';
import { APICallError, InvalidToolInputError, JSONParseError, NoSuchToolError, RetryError, TypeValidationError } from 'ai';
import { HttpError, internalError } from '@/lib/http/errors';
import { AzureIdentityError } from './azure-identity';

/**
 * Translates whatever the model call failed with into the API's own error, so a client can
 * tell "slow down" from "Azure is down" from "your prompt was filtered". The same message is
 * used for a JSON error before streaming and for an `error` event after it started.
 * Messages never contain the API key or the upstream URL. Only failures of the upstream call are
 * described as such: anything else is the server's own fault (500 `internal_error`).
 */

const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** A 200 whose body broke off: the SDK reports it as an API error with the 2xx status. */
const CONNECTION_LOST = new HttpError(502, 'upstream_error', 'The connection to Azure OpenAI was lost before the reply was complete.');

function retryAfterSeconds(headers: Record<string, string> | undefined): string {
  const ms = Number(headers?.['retry-after-ms']);
  if (Number.isFinite(ms) && ms >= 0) return String(Math.ceil(ms / 1000));
  const seconds = Number(headers?.['retry-after']);
  if (Number.isFinite(seconds) && seconds >= 0) return String(Math.ceil(seconds));
  return String(DEFAULT_RETRY_AFTER_SECONDS);
}

function tryAgain(retryAfterSeconds: string): string {
  return retryAfterSeconds === '0' ? 'Try again now.' : `Try again in ${retryAfterSeconds} s.`;
}

function azureErrorDetail(error: APICallError): { code?: string; message?: string } {
  const data = error.data as { error?: { code?: unknown; message?: unknown } } | undefined;
  let detail = data?.error;
  if (!detail && error.responseBody) {
    try {
      detail = (JSON.parse(error.responseBody) as typeof data)?.error;
    } catch {
      // Not JSON (e.g. an HTML page from a gateway): there is no detail to show.
    }
  }
  return {
    code: typeof detail?.code === 'string' ? detail.code : undefined,
    message: typeof detail?.message === 'string' ? detail.message : undefined,
  };
}

function fromApiCallError(error: APICallError): HttpError {
  const status = error.statusCode;
  const detail = azureErrorDetail(error);
  if (status === undefined) {
    return new HttpError(502, 'upstream_error', 'Could not reach Azure OpenAI.');
  }
  if (status < 300) return CONNECTION_LOST;
  if (status === 429) {
    const retryAfter = retryAfterSeconds(error.responseHeaders);
    return new HttpError(429, 'upstream_rate_limited', `Azure OpenAI is rate limiting this deployment. ${tryAgain(retryAfter)}`, {
      'Retry-After': retryAfter,
    });
  }
  if (status === 401 || status === 403) {
    return new HttpError(
      502,
      'upstream_error',
      `Azure OpenAI rejected the server's credentials (HTTP ${status}). Check AZURE_API_KEY, or with Entra ID the identity's role on the resource (Cognitive Services OpenAI User).`,
    );
  }
  if (status === 404) {
    return new HttpError(
      502,
      'upstream_error',
      'Azure OpenAI has no such deployment or API (HTTP 404). Check AZURE_DEPLOYMENTS, AZURE_API and the endpoint.',
    );
  }
  if (status === 400 && detail.code === 'content_filter') {
    return new HttpError(400, 'content_filter', "The prompt was blocked by Azure OpenAI's content filter.");
  }
  if (status === 400 || status === 413 || status === 422) {
    const reason = detail.message ? `: ${detail.message}` : '.';
    return new HttpError(400, 'invalid_request', `Azure OpenAI rejected the request${reason}`);
  }
  if (status === 408 || status >= 500) {
    const retryAfter = retryAfterSeconds(error.responseHeaders);
    return new HttpError(503, 'upstream_unavailable', `Azure OpenAI is unavailable (HTTP ${status}). ${tryAgain(retryAfter)}`, {
      'Retry-After': retryAfter,
    });
  }
  return new HttpError(502, 'upstream_error', `Azure OpenAI answered with HTTP ${status}.`);
}

/** undici's errors for a socket that failed or closed mid-body ("terminated", "fetch failed"). */
function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof TypeError)) return false;
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return error.message === 'terminated' || error.message === 'fetch failed' || typeof cause?.code === 'string';
}

/**
 * The model asked for a tool (function call, web or file search, code interpreter) that this
 * app never offered. That is how the reply ended (finish reason `tool-calls`, or the hosted tool
 * ran at Azure), not a failure.
 */
export function isUnofferedToolCall(error: unknown): boolean {
  return NoSuchToolError.isInstance(error) || InvalidToolInputError.isInstance(error);
}

/** The API's error for a failed model call; a fault of the server itself is a 500, never "upstream". */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (RetryError.isInstance(error)) return toHttpError(error.lastError);
  if (APICallError.isInstance(error)) return fromApiCallError(error);
  if (error instanceof AzureIdentityError) return new HttpError(503, 'identity_unavailable', error.message);
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new HttpError(504, 'upstream_timeout', 'Azure OpenAI took too long to answer.');
  }
  if (JSONParseError.isInstance(error) || TypeValidationError.isInstance(error)) {
    return new HttpError(502, 'upstream_error', 'Azure OpenAI sent a reply the server could not read.');
  }
  if (isNetworkFailure(error)) return CONNECTION_LOST;
  return internalError();
}
