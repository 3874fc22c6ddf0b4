import 'server-only';
import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import type { AppConfig } from '@/lib/config';
import { HttpError } from '@/lib/http/errors';
import { getLogger } from './logger';

/**
 * One JSON log line per API request, written when the request is really over: at once for a
 * plain answer, and for a streamed reply when the reply ends. It says who asked (hashed key or
 * address), what was used, how long it took, what it cost and how it ended; never what was
 * said. The request id is the one the client gets in `X-Request-Id`.
 */

/** How a reply ended. */
export type ReplyEnding = 'finished' | 'stopped' | 'client_gone' | 'timed_out' | 'shut_down' | 'failed';

export interface RequestLogFields {
  deployment?: string;
  api?: string;
  ttftMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  finishReason?: string;
  errorCode?: string;
  ended?: ReplyEnding;
}

/** An inbound id a trusted proxy may pass on: short, and nothing that could forge a log line. */
const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_ROUTE_CHARS = 200;

/**
 * The request's id: the one a proxy of the operator's own assigned (only with TRUSTED_PROXY_HOPS,
 * as a client could otherwise choose what its requests are logged as), else a fresh one.
 */
function requestIdFor(request: Request, config: AppConfig): string {
  const inbound = request.headers.get('x-request-id');
  if (config.trustedProxyHops > 0 && inbound && WELL_FORMED_ID.test(inbound)) return inbound;
  return randomUUID();
}

function activeTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && trace.isSpanContextValid(context) ? context.traceId : undefined;
}

/** What the log may say about a failure: its kind, Azure's status, the identity's reason; no message text. */
function describeFailure(error: unknown): Record<string, unknown> {
  // After retries, the last attempt is what says what went wrong.
  const e = ((error as { lastError?: unknown })?.lastError ?? error) as { name?: unknown; statusCode?: unknown; reason?: unknown };
  return {
    name: typeof e?.name === 'string' ? e.name : typeof error,
    ...(typeof e?.statusCode === 'number' ? { statusCode: e.statusCode } : {}),
    ...(typeof e?.reason === 'string' ? { reason: e.reason } : {}),
  };
}

export class RequestLog {
  readonly requestId: string;
  private readonly startedAt = performance.now();
  private readonly fields: RequestLogFields & Record<string, unknown> = {};
  private failure: Record<string, unknown> | undefined;
  private internalFault: unknown;
  private replyOver: Promise<unknown> | undefined;
  private written = false;

  constructor(
    request: Request,
    private readonly config: AppConfig,
    private readonly client: string,
  ) {
    this.requestId = requestIdFor(request, config);
    this.fields.route = new URL(request.url).pathname.slice(0, MAX_ROUTE_CHARS);
    this.fields.method = request.method;
    const traceId = activeTraceId();
    if (traceId) this.fields.traceId = traceId;
  }

  set(fields: RequestLogFields): void {
    Object.assign(this.fields, fields);
  }

  /** The first token reached the client side of the pipeline (first one only counts). */
  firstToken(): void {
    this.fields.ttftMs ??= Math.round(performance.now() - this.startedAt);
  }

  /**
   * Records why the request or reply failed. `upstream` says the model call failed (Azure,
   * the network, the identity); otherwise it is the server's own fault and its stack is kept.
   */
  fail(error: unknown, httpError: HttpError, upstream: boolean): void {
    if (this.failure) return;
    this.fields.errorCode = httpError.code;
    this.failure = { status: httpError.status, ...describeFailure(error) };
    if (!upstream && !(error instanceof HttpError)) this.internalFault = error;
  }

  /** The log line waits for this (a streamed reply) before it is written. */
  waitFor(replyOver: Promise<unknown>): void {
    this.replyOver = replyOver;
  }

  /** The response is ready: write the line now, or when the reply it streams is over. */
  respond(status: number): void {
    this.fields.status = status;
    if (this.replyOver) void this.replyOver.finally(() => this.write());
    else this.write();
  }

  private write(): void {
    if (this.written) return;
    this.written = true;
    const failed = this.failure !== undefined && Number(this.failure.status) >= 500;
    const line = {
      requestId: this.requestId,
      ...this.fields,
      client: this.client,
      durationMs: Math.round(performance.now() - this.startedAt),
      ...(this.failure ? { error: this.failure } : {}),
      ...(this.internalFault ? { err: this.internalFault } : {}),
    };
    const logger = getLogger(this.config);
    if (failed) logger.error(line, 'request failed');
    else logger.info(line, 'request');
  }
}
