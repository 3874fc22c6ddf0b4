import 'server-only';
import { getConfig, type AppConfig } from '@/lib/config';
import { RequestLog } from '@/lib/observability/request-log';
import { corsHeaders } from './access';
import { clientIdentity } from './client-identity';
import { errorResponse, HttpError, internalError, type ErrorDialect } from './errors';

export interface ApiRequestContext {
  config: AppConfig;
  /** CORS headers for the caller's origin (empty when it is not allowed): on every answer. */
  cors: Record<string, string>;
  /** This request's log line (and its id, `log.requestId`), for the steps that add to it. */
  log: RequestLog;
}

/**
 * The envelope every API route shares: the configuration, the CORS headers for the caller, a
 * request id on every answer (`X-Request-Id`, and in error JSON), one log line per request, and
 * any thrown error answered as the API's JSON error (with those headers, so a browser on an
 * allowed origin can read why). `handle` is the route's own pipeline; `dialect` is the error body
 * shape its clients read (the OpenAI-compatible and tutorial endpoints answer in theirs).
 */
export function apiRoute<RouteContext = unknown>(
  handle: (request: Request, api: ApiRequestContext, context: RouteContext) => Promise<Response>,
  { dialect = 'api' }: { dialect?: ErrorDialect } = {},
): (request: Request, context?: RouteContext) => Promise<Response> {
  return async (request, context) => {
    const config = getConfig();
    const cors = corsHeaders(request, config);
    const log = new RequestLog(request, config, clientIdentity(request, config));
    let response: Response;
    try {
      // Next passes the route context (with `params`) on every call; only direct callers omit it.
      response = await handle(request, { config, cors, log }, context as RouteContext);
    } catch (error) {
      const httpError = error instanceof HttpError ? error : internalError();
      log.fail(error, httpError, false);
      response = errorResponse(httpError, cors, { dialect, requestId: log.requestId });
    }
    response.headers.set('X-Request-Id', log.requestId);
    log.respond(response.status);
    return response;
  };
}
