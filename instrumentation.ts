/**
 * Next.js calls `register` once when the server starts. Telemetry is started only in the Node
 * runtime (the API routes run there) and only when a destination is configured; otherwise
 * nothing beyond the config check is loaded (lib/observability/telemetry.ts).
 */
export async function register(): Promise<void> {
  // NEXT_RUNTIME is fixed by Next.js per bundle at build time, not a setting of this app.
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const [{ getConfig }, { startTelemetry }] = await Promise.all([import('@/lib/config'), import('@/lib/observability/telemetry')]);
  await startTelemetry(getConfig());
}
