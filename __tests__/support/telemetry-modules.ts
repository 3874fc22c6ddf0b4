/**
 * Runs the app's instrumentation hook the way Next.js does at start, in a process of its own
 * (`npx tsx`), and prints on stderr `LOADED ["…"]`: which telemetry packages it loaded, seen by
 * a module resolution hook (so both `require` and `import` count).
 */
import { registerHooks } from 'node:module';

const TELEMETRY_PACKAGES = ['@opentelemetry/sdk-node', '@opentelemetry/exporter-trace-otlp-http', '@azure/monitor-opentelemetry', '@ai-sdk/otel'];
const resolved = new Set<string>();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    resolved.add(result.url);
    return result;
  },
});

async function main() {
  const { register } = await import('@/instrumentation');
  await register();
  const found = TELEMETRY_PACKAGES.filter((name) => [...resolved].some((url) => url.includes(`/node_modules/${name}/`)));
  process.stderr.write(`LOADED ${JSON.stringify(found)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`FAILED ${String(error)}\n`);
    process.exit(1);
  },
);
