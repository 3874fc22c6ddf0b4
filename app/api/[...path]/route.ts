import { apiRoute } from '@/lib/http/api-route';
import { HttpError } from '@/lib/http/errors';

export const dynamic = 'force-dynamic';

/** Any `/api/*` path no route serves: the API's JSON 404, not the site's HTML page. */
const notFound = apiRoute(async (request) => {
  const { pathname } = new URL(request.url);
  throw new HttpError(404, 'not_found', `No API endpoint at ${pathname.slice(0, 200)}. See /api/docs.`);
});

export const GET = notFound;
export const HEAD = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
export const OPTIONS = notFound;
