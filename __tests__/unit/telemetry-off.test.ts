import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * With neither OTEL_EXPORTER_OTLP_ENDPOINT nor APPLICATIONINSIGHTS_CONNECTION_STRING, starting the
 * server loads no telemetry package at all (so it costs nothing); with one set, it does.
 */

async function telemetryPackagesLoaded(env: Record<string, string>): Promise<string[]> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NEXT_RUNTIME: 'nodejs', ...env };
  for (const name of Object.keys(childEnv)) if (/^(OTEL_|APPLICATIONINSIGHTS_)/.test(name) && !(name in env)) delete childEnv[name];
  const { stderr } = await promisify(execFile)(
    process.execPath,
    [
      path.resolve('node_modules/tsx/dist/cli.mjs'),
      '--import',
      path.resolve('__tests__/support/server-only-outside-next.mjs'),
      '__tests__/support/telemetry-modules.ts',
    ],
    { env: childEnv, timeout: 60_000 },
  );
  const loaded = /^LOADED (.*)$/m.exec(stderr);
  if (!loaded) throw new Error(`No answer from the child process:\n${stderr}`);
  return JSON.parse(loaded[1]) as string[];
}

test('nothing is loaded when no destination is set', async () => {
  expect(await telemetryPackagesLoaded({})).toEqual([]);
}, 90_000);

test('OTEL_EXPORTER_OTLP_ENDPOINT loads the OpenTelemetry SDK, its OTLP exporter and the AI SDK integration', async () => {
  // Nothing listens there: exports fail quietly in the background, the process exits at once.
  expect(await telemetryPackagesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })).toEqual([
    '@opentelemetry/sdk-node',
    '@opentelemetry/exporter-trace-otlp-http',
    '@ai-sdk/otel',
  ]);
}, 90_000);
