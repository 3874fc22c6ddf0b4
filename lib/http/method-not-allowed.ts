import 'server-only';
import { apiRoute } from './api-route';
import { HttpError, type ErrorDialect } from './errors';

/** A JSON 405 naming the methods a route does accept (Next's default has no body). */
export function methodNotAllowed(allowed: string[], dialect: ErrorDialect = 'api'): (request: Request) => Promise<Response> {
  return apiRoute(
    async () => {
      throw new HttpError(405, 'method_not_allowed', `Use ${allowed.join(' or ')} for this endpoint.`, {
        Allow: allowed.join(', '),
      });
    },
    { dialect },
  );
}
