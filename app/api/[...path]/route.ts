import { errorResponse, HttpError } from '@/lib/http/errors';

export const dynamic = 'force-dynamic';

/** Any `/api/*` path no route serves: the API's JSON 404, not the site's HTML page. */
function notFound(request: Request): Response {
  const { pathname } = new URL(request.url);
  return errorResponse(new HttpError(404, 'not_found', `No API endpoint at ${pathname.slice(0, 200)}. See /api/docs.`));
}

export const GET = notFound;
export const HEAD = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
export const OPTIONS = notFound;
