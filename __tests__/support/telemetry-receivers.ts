import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { gunzipSync } from 'node:zlib';
import { listenOnLoopback, sendJson } from './loopback-server';
import type { ThrowawayCert } from './throwaway-cert';

/**
 * Loopback stand-ins for where telemetry goes: an OTLP/HTTP collector (JSON encoding, what
 * @opentelemetry/exporter-trace-otlp-http sends) and Azure Monitor's ingestion service over
 * TLS (its exporter rewrites http:// endpoints to https://).
 */

export interface ReceivedRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', reject);
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const text = raw.toString('utf8');
      try {
        resolve(JSON.parse(text));
      } catch {
        resolve(text);
      }
    });
  });
}

async function listen(
  server: http.Server | https.Server,
  scheme: 'http' | 'https',
  answer: (req: ReceivedRequest, res: ServerResponse) => void,
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  server.on('request', async (req: IncomingMessage, res: ServerResponse) => {
    const request = { method: req.method ?? 'GET', path: req.url ?? '/', body: await readBody(req) };
    requests.push(request);
    answer(request, res);
  });
  const { origin, close } = await listenOnLoopback(server, scheme);
  return { url: origin, requests, close };
}

/** OTLP attribute values (`{ stringValue }`, `{ intValue }`, …) as plain values. */
function plainValue(value: Record<string, unknown>): unknown {
  const [first] = Object.values(value ?? {});
  return typeof first === 'string' && 'intValue' in value ? Number(first) : first;
}

export function startOtlpReceiver(): Promise<Receiver & { spans(): OtlpSpan[] }> {
  return listen(http.createServer(), 'http', (_req, res) => sendJson(res, 200, {})).then((receiver) =>
    Object.assign(receiver, {
      spans(): OtlpSpan[] {
        return receiver.requests
          .filter((request) => request.path === '/v1/traces' && typeof request.body === 'object')
          .flatMap(
            (request) =>
              (request.body as { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }> }> }).resourceSpans ?? [],
          )
          .flatMap((resource) => resource.scopeSpans ?? [])
          .flatMap((scope) => scope.spans ?? [])
          .map((span) => ({
            traceId: String(span.traceId),
            spanId: String(span.spanId),
            parentSpanId: span.parentSpanId ? String(span.parentSpanId) : undefined,
            name: String(span.name),
            attributes: Object.fromEntries(
              ((span.attributes as Array<{ key: string; value: Record<string, unknown> }>) ?? []).map(({ key, value }) => [key, plainValue(value)]),
            ),
          }));
      },
    }),
  );
}

/** Azure Monitor's ingestion (`POST /v2.1/track`, gzip JSON envelopes) over TLS. */
export function startAzureMonitorReceiver(cert: ThrowawayCert): Promise<Receiver & { envelopes(): Array<Record<string, unknown>> }> {
  return listen(https.createServer({ cert: cert.cert, key: cert.key }), 'https', (request, res) => {
    const items = Array.isArray(request.body) ? request.body.length : 0;
    sendJson(res, 200, { itemsReceived: items, itemsAccepted: items, errors: [] });
  }).then((receiver) =>
    Object.assign(receiver, {
      envelopes: () =>
        receiver.requests
          .filter((request) => request.path.includes('/track'))
          .flatMap((request) => (Array.isArray(request.body) ? (request.body as Array<Record<string, unknown>>) : [])),
    }),
  );
}
