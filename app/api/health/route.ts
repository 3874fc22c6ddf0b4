import { describeAuth, getPublicConfig } from '@/lib/config';
import { apiRoute } from '@/lib/http/api-route';

export const dynamic = 'force-dynamic';

/** Mode, sign-in method, API style and deployments for load balancers and the page; never a secret. */
export const GET = apiRoute(async (_request, { config }) => {
  const publicConfig = getPublicConfig(config);
  return Response.json(
    { status: config.mode === 'misconfigured' ? 'misconfigured' : 'ok', ...publicConfig, auth: describeAuth(config) },
    { status: config.mode === 'misconfigured' ? 503 : 200, headers: { 'Cache-Control': 'no-store' } },
  );
});
