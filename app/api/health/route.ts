import { getPublicConfig } from '@/lib/config';
import { apiRoute } from '@/lib/http/api-route';
import { isDraining } from '@/lib/server/lifecycle';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Mode, API style and deployments for load balancers and the page; never a secret. 503 while
 * the server is misconfigured or shutting down (`draining`), so a readiness probe routes new
 * users elsewhere. Read across origins by the static export of the page (with CORS).
 */
export const GET = apiRoute(async (_request, { cors }) => {
  const config = getPublicConfig();
  const status = isDraining() ? 'draining' : config.mode === 'misconfigured' ? 'misconfigured' : 'ok';
  return Response.json(
    { status, ...config },
    { status: status === 'ok' ? 200 : 503, headers: { ...cors, 'Cache-Control': 'no-store' } },
  );
});
