import 'server-only';
import type { AppConfig } from '@/lib/config';

/**
 * OpenTelemetry for the server, started once from `instrumentation.ts`: Next.js's own HTTP server
 * spans and the AI SDK's GenAI spans (model, token counts, time to first chunk; never the
 * prompt or reply, see lib/chat/stream.ts), exported over OTLP/HTTP when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set and to Azure Monitor when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set. With neither, nothing is loaded: the SDKs are
 * imported only here, dynamically, after that check.
 */

/** The Azure Monitor exporter's calls home, off unless the operator turned them on explicitly. */
const AZURE_MONITOR_QUIET_DEFAULTS = {
  // Statsbeat: the SDK's own usage metrics, sent to fixed Microsoft endpoints (and probing the
  // instance metadata address to describe the machine).
  APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
  APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
  APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
};

async function otlpExporter(endpoint: string) {
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
}

/** For Azure Monitor's SDK: the batch processor of @opentelemetry/sdk-node's own trace SDK. */
async function otlpSpanProcessor(endpoint: string) {
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace');
  return new BatchSpanProcessor({ exporter: await otlpExporter(endpoint) });
}

async function startAzureMonitor(config: AppConfig['observability'], connectionString: string): Promise<void> {
  // These switches exist only as environment variables the exporter reads when it starts.
  for (const [name, value] of Object.entries(AZURE_MONITOR_QUIET_DEFAULTS)) process.env[name] ??= value;
  const { useAzureMonitor: enableAzureMonitor } = await import('@azure/monitor-opentelemetry');
  const spanProcessors = config.otlpEndpoint ? [await otlpSpanProcessor(config.otlpEndpoint)] : [];
  enableAzureMonitor({
    // No offline storage: a failed send is dropped, not kept on disk (in /tmp) for a retry.
    azureMonitorExporterOptions: { connectionString, disableOfflineStorage: true },
    enableLiveMetrics: false,
    enableStandardMetrics: false,
    enablePerformanceCounters: false,
    // Next.js makes the HTTP server spans; the library instrumentations would only add noise.
    instrumentationOptions: {
      http: { enabled: false },
      azureSdk: { enabled: false },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
    },
    // Every reply traced (the default rate limit keeps 5 traces a second).
    tracesPerSecond: 0,
    samplingRatio: 1,
    // Structurally the same processor interface; the two SDKs pin different minor versions.
    spanProcessors: spanProcessors as never,
  });
}

async function startOtlp(config: AppConfig['observability'], endpoint: string): Promise<void> {
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  new NodeSDK({ serviceName: config.serviceName, traceExporter: await otlpExporter(endpoint), instrumentations: [] }).start();
}

/** Registers the exporters and the AI SDK's telemetry; does nothing when no destination is set. */
export async function startTelemetry(config: AppConfig): Promise<boolean> {
  const { otlpEndpoint, appInsightsConnectionString } = config.observability;
  if (!otlpEndpoint && !appInsightsConnectionString) return false;
  if (appInsightsConnectionString) await startAzureMonitor(config.observability, appInsightsConnectionString);
  else await startOtlp(config.observability, otlpEndpoint!);
  const [{ registerTelemetry }, { OpenTelemetry }] = await Promise.all([import('ai'), import('@ai-sdk/otel')]);
  registerTelemetry(new OpenTelemetry());
  return true;
}
