import { APICallError } from 'ai';

/**
 * Turns whatever `useChat` reports as its `error` into one sentence a person can act on.
 *
 * `useChat` keeps the raw response text of a failed request as the error message, and the
 * server answers `{ "error": { "code", "message" } }`, so that body is parsed rather than
 * shown as JSON. An `error` chunk in the stream arrives as a plain `Error` whose message is
 * already readable.
 */
export function describeChatError(error: Error, { replyStarted = false }: { replyStarted?: boolean } = {}): string {
  if (APICallError.isInstance(error)) {
    return messageFromBody(error.responseBody) ?? messageForStatus(error.statusCode);
  }
  if (error instanceof TypeError) {
    // fetch() and the body reader reject with a TypeError when the connection fails: before the
    // reply, the server was not reached; during it, the connection broke off.
    return replyStarted
      ? 'The connection was lost before the reply was finished. Retry to get a complete answer.'
      : 'Could not reach the server. Check your connection and try again.';
  }
  return error.message.trim() || 'The reply failed for an unknown reason.';
}

function messageFromBody(body: string | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    const message = (parsed as { error?: { message?: unknown } })?.error?.message;
    return typeof message === 'string' && message.trim() ? message : undefined;
  } catch {
    return undefined;
  }
}

function messageForStatus(status: number | undefined): string {
  if (status === 429) return 'Too many requests. Wait a moment and try again.';
  if (status === 404) return 'The chat service was not found on this server.';
  if (status !== undefined && status >= 500) return `The server failed to answer (HTTP ${status}). Try again.`;
  return status ? `The request was refused (HTTP ${status}).` : 'The request failed.';
}
