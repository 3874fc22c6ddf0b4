import { getPublicConfig } from '@/lib/config';

export const dynamic = 'force-dynamic';

/** Mode, API style and deployments for load balancers and the page; never a secret. */
export function GET(): Response {
  const config = getPublicConfig();
  return Response.json(
    { status: config.mode === 'misconfigured' ? 'misconfigured' : 'ok', ...config },
    { status: config.mode === 'misconfigured' ? 503 : 200, headers: { 'Cache-Control': 'no-store' } },
  );
}
