import { startAzureEmulator, type AzureEmulator } from '../support/azure-emulator';
import { startAzureMonitorReceiver, startOtlpReceiver, type OtlpSpan } from '../support/telemetry-receivers';
import { makeThrowawayCert, type ThrowawayCert } from '../support/throwaway-cert';
import { startAppServer, type AppServer } from './support/app-server';

/**
 * OpenTelemetry from the real app (`next start`, instrumentation.ts): one chat's spans reach an
 * OTLP/HTTP collector with the model, token counts and time to first chunk, in the same trace
 * as Next.js's HTTP server span, and that trace id is in the request's log line; the same
 * telemetry reaches Azure Monitor's ingestion (a TLS server on loopback, trusted through
 * NODE_EXTRA_CA_CERTS) with live metrics off. Without either setting, nothing is exported.
 */

const INSTRUMENTATION_KEY = '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
let emulator: AzureEmulator;
let cert: ThrowawayCert;
let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
let azureMonitor: Awaited<ReturnType<typeof startAzureMonitorReceiver>>;
let app: AppServer;

beforeAll(async () => {
  cert = makeThrowawayCert();
  [emulator, otlp, azureMonitor] = await Promise.all([startAzureEmulator({ apiKey: 'telemetry-key' }), startOtlpReceiver(), startAzureMonitorReceiver(cert)]);
  app = await startAppServer({
    AZURE_BASE_URL: emulator.url,
    AZURE_API_KEY: emulator.apiKey,
    AZURE_DEPLOYMENTS: 'gpt-main',
    AZURE_API: 'responses',
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${INSTRUMENTATION_KEY};IngestionEndpoint=${azureMonitor.url}/;LiveEndpoint=${azureMonitor.url}/`,
    NODE_EXTRA_CA_CERTS: cert.certFile,
    // Batches are sent after at most this long.
    OTEL_BSP_SCHEDULE_DELAY: '500',
  });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await Promise.all([emulator?.close(), otlp?.close(), azureMonitor?.close()]);
  cert?.remove();
});

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('one chat: GenAI spans over OTLP in the HTTP request trace, whose id is in the log line', async () => {
  emulator.setScenario({ words: 12, firstTokenDelayMs: 30 });
  const response = await fetch(`${app.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'trace me' }) });
  expect(response.status).toBe(200);
  await response.text();
  const requestId = response.headers.get('x-request-id');

  const line = await until('the log line', () =>
    app
      .output()
      .split('\n')
      .filter((text) => text.startsWith('{'))
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((entry) => entry.requestId === requestId),
  );
  expect(line).toMatchObject({ status: 200, ended: 'finished', traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });

  const hasModelCall = (spans: OtlpSpan[]) => spans.some((span) => span.attributes['gen_ai.usage.output_tokens'] !== undefined);
  const trace = await until('the chat spans', () => {
    const spans = otlp.spans().filter((span) => span.traceId === line.traceId);
    return hasModelCall(spans) ? spans : undefined;
  });
  const attributes = Object.assign({}, ...trace.map((span) => span.attributes)) as Record<string, unknown>;
  expect(attributes).toMatchObject({
    'gen_ai.request.model': 'gpt-main',
    'gen_ai.usage.input_tokens': expect.any(Number),
    'gen_ai.usage.output_tokens': 12,
  });
  expect(attributes['gen_ai.client.operation.time_to_first_chunk'] ?? attributes['ai.response.msToFirstChunk']).toEqual(expect.any(Number));
  // Next.js's server span for the request is in the same trace.
  expect(trace.some((span) => /POST|api\/chat/.test(span.name))).toBe(true);
  // No prompt or reply text in the telemetry.
  const exported = JSON.stringify(otlp.requests);
  expect(exported).not.toContain('trace me');
  expect(exported).not.toContain('w12');
}, 60_000);

test('Azure Monitor receives the same trace over TLS; live metrics stay off', async () => {
  const requestId = await until('a request envelope', () =>
    azureMonitor.envelopes().find((envelope) => JSON.stringify(envelope).includes('gen_ai.usage.output_tokens')),
  );
  expect(JSON.stringify(requestId)).toContain(INSTRUMENTATION_KEY);
  expect(azureMonitor.requests.every((request) => request.path.includes('/track'))).toBe(true);
}, 60_000);
