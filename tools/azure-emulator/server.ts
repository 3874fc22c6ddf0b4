/**
 * The emulator's HTTP side: routes (the Azure API under /openai/v1, control routes under
 * /__emulator), SSE writing at the pace a plan asks for, and the sockets, whose closing tells a
 * finished reply from a client abort. What to answer is decided in scenario.ts.
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { azureErrorBody } from './azure-payloads';
import type { Answer, EmulatorState, StreamPlan } from './scenario';
import type { Api, EmulatorScenario, Json } from './types';

interface ReplyContext {
  res: ServerResponse;
  timers: Set<NodeJS.Timeout | NodeJS.Immediate>;
  /** The connection is gone (client abort, drop, or server close): stop producing. */
  closed: boolean;
  /** We cut the connection on purpose, so it is not a client abort. */
  dropped: boolean;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function apiOf(pathname: string): Api {
  if (pathname.endsWith('/responses')) return 'responses';
  if (pathname.endsWith('/chat/completions')) return 'chat';
  return 'unknown';
}

function recordHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function azureHeaders(): Record<string, string> {
  const requestId = randomUUID();
  return { 'apim-request-id': requestId, 'x-request-id': requestId, 'x-ms-region': 'Emulated', 'x-content-type-options': 'nosniff' };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...azureHeaders(), ...headers });
  res.end(JSON.stringify(body));
}

function sendAzureError(res: ServerResponse, status: number, api: Api, retryAfterSeconds?: number): void {
  const headers: Record<string, string> = {};
  if (retryAfterSeconds !== undefined) {
    // Retry-After only takes whole seconds; Azure adds retry-after-ms for the exact wait, which the AI SDK prefers.
    headers['retry-after'] = String(Math.ceil(retryAfterSeconds));
    headers['retry-after-ms'] = String(Math.round(retryAfterSeconds * 1000));
  }
  sendJson(res, status, azureErrorBody(status, api, retryAfterSeconds), headers);
}

/** Runs fn after ms (next turn when ms ≤ 0) unless the connection has closed by then. */
function schedule(ctx: ReplyContext, ms: number, fn: () => void): void {
  if (ctx.closed) return;
  if (ms <= 0) {
    const immediate = setImmediate(() => {
      ctx.timers.delete(immediate);
      if (!ctx.closed) fn();
    });
    ctx.timers.add(immediate);
    return;
  }
  const timer = setTimeout(() => {
    ctx.timers.delete(timer);
    if (!ctx.closed) fn();
  }, ms);
  ctx.timers.add(timer);
}

function drop(ctx: ReplyContext): void {
  ctx.dropped = true;
  ctx.res.socket?.destroy();
}

/** Writes a planned stream: the head at once, then the steps paced (or in one burst), then the end or a cut. */
function writeStream(ctx: ReplyContext, plan: StreamPlan, firstTokenDelayMs: number): void {
  ctx.res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...azureHeaders() });
  ctx.res.write(plan.head);
  const { steps, intervalMs } = plan;
  const finish = (data: string): void => {
    // Only cut the wire once the tokens before the drop have reached the socket.
    if (plan.drops) ctx.res.write(data, () => drop(ctx));
    else ctx.res.end(data + plan.trailer);
  };
  const start = (): void => {
    if (plan.burst) return finish(steps.join(''));
    const startedAt = Date.now();
    let sent = 0;
    const sendDue = (): void => {
      // Under load timers fire late; sending every step that is due keeps the overall rate honest.
      const due = intervalMs ? Math.floor((Date.now() - startedAt) / intervalMs) + 1 : sent + 1;
      let data = '';
      while (sent < due && sent < steps.length) data += steps[sent++];
      if (sent === steps.length) return finish(data);
      ctx.res.write(data);
      schedule(ctx, intervalMs ? startedAt + sent * intervalMs - Date.now() : 0, sendDue);
    };
    sendDue();
  };
  schedule(ctx, firstTokenDelayMs, start);
}

function send(ctx: ReplyContext, api: Api, answer: Answer): void {
  switch (answer.kind) {
    case 'error':
      return sendAzureError(ctx.res, answer.status, api, answer.retryAfterSeconds);
    case 'stream':
      return writeStream(ctx, answer.plan, answer.firstTokenDelayMs);
    case 'drop':
      return schedule(ctx, answer.afterMs, () => drop(ctx));
    case 'json':
      if (answer.afterMs === undefined) return sendJson(ctx.res, answer.status, answer.body());
      return schedule(ctx, answer.afterMs, () => sendJson(ctx.res, answer.status, answer.body()));
  }
}

export interface EmulatorServer {
  server: Server;
  /** Set while closing, so the connections cut then are not counted as client aborts. */
  shuttingDown: boolean;
}

/** An HTTP server that answers as the state's scenario says and counts every reply's outcome in it. */
export function createEmulatorServer(state: EmulatorState): EmulatorServer {
  const { counters } = state;
  const handle: EmulatorServer = { server: undefined as unknown as Server, shuttingDown: false };

  const track = (res: ServerResponse): ReplyContext => {
    const ctx: ReplyContext = { res, timers: new Set(), closed: false, dropped: false };
    counters.inFlight++;
    // 'close' fires both after a complete response and when the peer goes away mid-response;
    // writableFinished tells the two apart at the moment it happens.
    res.on('close', () => {
      ctx.closed = true;
      for (const timer of ctx.timers) {
        clearTimeout(timer as NodeJS.Timeout);
        clearImmediate(timer as NodeJS.Immediate);
      }
      ctx.timers.clear();
      counters.inFlight--;
      if (res.writableFinished) counters.completed++;
      else if (!ctx.dropped && !handle.shuttingDown) counters.aborts++;
      state.notify();
    });
    return ctx;
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const api = apiOf(url.pathname);
    const active = state.scenario();
    counters.requests++;
    const ctx = track(res);
    state.notify();
    const raw = await readBody(req);
    let body: unknown = raw;
    let parsed = true;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      parsed = false;
    }
    state.requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: recordHeaders(req),
      body,
      api,
    });
    if (ctx.closed) return;

    if (!state.isAuthorized(req.headers)) return sendAzureError(res, 401, api);
    if (api === 'unknown' || req.method !== 'POST') return sendAzureError(res, 404, api);
    if (!parsed || typeof body !== 'object' || body === null) {
      return sendJson(res, 400, { error: { code: 'BadRequest', message: 'The request body is not valid JSON.' } });
    }
    schedule(ctx, active.headersDelayMs ?? 0, () => send(ctx, api, state.answer(api, body as Json, active)));
  };

  handle.server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const handled = url.pathname.startsWith('/__emulator/') ? handleControl(req, res, url, state) : handleApi(req, res, url);
    handled.catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'InternalServerError', message: String(error) } });
      else res.destroy();
    });
  });
  return handle;
}

/** Steering over HTTP for an emulator in another process (the benchmark's, the CLI's). */
async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, state: EmulatorState): Promise<void> {
  const route = `${req.method} ${url.pathname}`;
  if (route === 'POST /__emulator/scenario') {
    try {
      state.setScenario(JSON.parse((await readBody(req)) || '{}') as EmulatorScenario);
    } catch (error) {
      return sendJson(res, 400, { error: String(error) });
    }
    return sendJson(res, 200, state.scenario());
  }
  if (route === 'POST /__emulator/reset') {
    state.reset();
    return sendJson(res, 200, state.counters);
  }
  if (route === 'GET /__emulator/counters') return sendJson(res, 200, state.counters);
  if (route === 'GET /__emulator/requests') return sendJson(res, 200, state.requests);
  sendJson(res, 404, { error: `unknown control route ${route}` });
}

/** Listens on 127.0.0.1 (port 0: any free one) and resolves with the port. */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
