import { describeAuth, getPublicConfig } from '@/lib/config';
import { apiRoute } from '@/lib/http/api-route';
import { isDraining } from '@/lib/server/lifecycle';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Mode, sign-in method, API style and deployments for load balancers and the page; never a
 * secret. 503 while the server is misconfigured or shutting down (`draining`), so a readiness
 * probe routes new users elsewhere. Read across origins by the static export of the page (CORS).
 */
export const GET = apiRoute(async (_request, { config, cors }) => {
  const publicConfig = getPublicConfig(config);
  const status = isDraining() ? 'draining' : config.mode === 'misconfigured' ? 'misconfigured' : 'ok';
  return Response.json(
    { status, ...publicConfig, auth: describeAuth(config) },
    { status: status === 'ok' ? 200 : 503, headers: { ...cors, 'Cache-Control': 'no-store' } },
  );
});
