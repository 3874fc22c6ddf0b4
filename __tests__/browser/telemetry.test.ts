import { startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { startAzureMonitorReceiver, startOtlpReceiver, type OtlpSpan } from '../support/telemetry-receivers';
import { makeThrowawayCert, type ThrowawayCert } from '../support/throwaway-cert';
import { startAppServer, type AppServer } from './support/app-server';

/**
 * OpenTelemetry from the real app (`next start`, instrumentation.ts). OTLP: one chat's spans
 * reach a loopback collector with the model, token counts and time to first chunk, in the same
 * trace as Next.js's HTTP server span, and that trace id is in the request's log line. Azure
 * Monitor: the same chat's telemetry reaches its ingestion (a TLS server on loopback, trusted
 * through NODE_EXTRA_CA_CERTS, which Node reads only at start), with live metrics off, and the
 * OTLP collector still gets the GenAI spans.
 */

const INSTRUMENTATION_KEY = '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
let emulator: AzureEmulator;
let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;

beforeAll(async () => {
  [emulator, otlp] = await Promise.all([startAzureEmulator({ apiKey: 'telemetry-key' }), startOtlpReceiver()]);
});
afterAll(() => Promise.all([emulator?.close(), otlp?.close()]));

const appSettings = (extra: Record<string, string>) => ({
  AZURE_BASE_URL: emulator.url,
  AZURE_API_KEY: emulator.apiKey,
  AZURE_DEPLOYMENTS: 'gpt-main',
  AZURE_API: 'responses',
  OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
  ...extra,
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

/** One chat through the app; its log line (written when the reply ended). */
async function chat(app: AppServer, message: string) {
  emulator.setScenario({ words: 12, firstTokenDelayMs: 30 });
  const response = await fetch(`${app.url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message }),
  });
  expect(response.status).toBe(200);
  await response.text();
  const requestId = response.headers.get('x-request-id');
  return until('the log line', () =>
    app
      .output()
      .split('\n')
      .filter((text) => text.startsWith('{'))
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((entry) => entry.requestId === requestId),
  );
}

/** The spans of the model call that reported `outputTokens`, and every attribute across them. */
async function modelCallSpans(predicate: (span: OtlpSpan) => boolean) {
  const spans = await until('the chat spans', () => {
    const found = otlp.spans().filter(predicate);
    return found.some((span) => span.attributes['gen_ai.usage.output_tokens'] !== undefined) ? found : undefined;
  });
  return { spans, attributes: Object.assign({}, ...spans.map((span) => span.attributes)) as Record<string, unknown> };
}

const GEN_AI = {
  'gen_ai.request.model': 'gpt-main',
  'gen_ai.usage.input_tokens': expect.any(Number),
  'gen_ai.usage.output_tokens': 12,
  'gen_ai.client.operation.time_to_first_chunk': expect.any(Number),
};

describe('OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  let app: AppServer;
  beforeAll(async () => {
    app = await startAppServer(appSettings({ OTEL_BSP_SCHEDULE_DELAY: '500' }));
  }, 90_000);
  afterAll(() => app?.stop());

  test('one chat: GenAI spans in the HTTP request trace, whose id is in the log line; no prompt or reply text', async () => {
    const line = await chat(app, 'trace me please');
    expect(line).toMatchObject({ status: 200, ended: 'finished', traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const { spans, attributes } = await modelCallSpans((span) => span.traceId === line.traceId);
    expect(attributes).toMatchObject(GEN_AI);
    // Next.js's server span for the request is the root of that trace.
    expect(spans.find((span) => !span.parentSpanId)?.name).toBe('POST /api/chat');
    const exported = JSON.stringify(otlp.requests);
    expect(exported).not.toContain('trace me please');
    expect(exported).not.toContain('w12');
  }, 60_000);
});

describe('APPLICATIONINSIGHTS_CONNECTION_STRING (with OTLP too)', () => {
  let cert: ThrowawayCert;
  let azureMonitor: Awaited<ReturnType<typeof startAzureMonitorReceiver>>;
  let app: AppServer;
  beforeAll(async () => {
    cert = makeThrowawayCert();
    azureMonitor = await startAzureMonitorReceiver(cert);
    otlp.requests.length = 0;
    app = await startAppServer(
      appSettings({
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${INSTRUMENTATION_KEY};IngestionEndpoint=${azureMonitor.url}/;LiveEndpoint=${azureMonitor.url}/`,
        NODE_EXTRA_CA_CERTS: cert.certFile,
      }),
    );
  }, 90_000);
  afterAll(async () => {
    await app?.stop();
    await azureMonitor?.close();
    cert?.remove();
  });

  test('the chat reaches Azure Monitor over TLS, in the request trace of the log line; live metrics stay off; OTLP still gets the GenAI spans', async () => {
    const line = await chat(app, 'monitor me please');
    expect(line).toMatchObject({ status: 200, traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const envelope = await until('the model call in Azure Monitor', () =>
      azureMonitor.envelopes().find((item) => JSON.stringify(item).includes('"gen_ai.usage.output_tokens":"12"')),
    );
    expect(envelope).toMatchObject({ iKey: INSTRUMENTATION_KEY });
    expect(JSON.stringify(envelope)).toContain('gpt-main');
    // Next.js's server span arrives as the request, in the same operation (trace) as the log line.
    const request = await until('the HTTP request in Azure Monitor', () =>
      azureMonitor.envelopes().find((item) => JSON.stringify(item).includes('RequestData') && JSON.stringify(item).includes(String(line.traceId))),
    );
    expect(JSON.stringify(request)).toContain('POST /api/chat');
    // Only telemetry was sent: no Live Metrics (QuickPulse) calls to the LiveEndpoint.
    expect(azureMonitor.requests.map((request) => request.path).filter((path) => !path.startsWith('/v2.1/track'))).toEqual([]);
    expect(JSON.stringify(azureMonitor.requests)).not.toContain('monitor me please');
    const { attributes } = await modelCallSpans(() => true);
    expect(attributes).toMatchObject(GEN_AI);
  }, 60_000);
});
