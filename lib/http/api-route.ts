import { getConfig, type AppConfig } from '@/lib/config';
import { corsHeaders } from './access';
import { errorResponse, type ErrorDialect } from './errors';

export interface ApiRequestContext {
  config: AppConfig;
  /** CORS headers for the caller's origin (empty when it is not allowed): on every answer. */
  cors: Record<string, string>;
}

/**
 * The envelope every API route shares: the configuration, the CORS headers for the caller, and
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
    try {
      // Next passes the route context (with `params`) on every call; only direct callers omit it.
      return await handle(request, { config, cors }, context as RouteContext);
    } catch (error) {
      return errorResponse(error, cors, dialect);
    }
  };
}
