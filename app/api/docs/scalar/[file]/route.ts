import { apiRoute } from '@/lib/http/api-route';
import { methodNotAllowed } from '@/lib/http/method-not-allowed';
import { scalarAssetResponse } from '@/lib/openapi/scalar-bundle';

export const runtime = 'nodejs';

/** Scalar's bundle for the reference page at /api/docs, from this site (see the module). */
export const GET = apiRoute(async (_request, _api, context: { params: Promise<{ file: string }> }) =>
  scalarAssetResponse((await context.params).file),
);

export const POST = methodNotAllowed(['GET']);
export const PUT = POST;
export const PATCH = POST;
export const DELETE = POST;
