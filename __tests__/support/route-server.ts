import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

/**
 * A real HTTP server on loopback whose requests are answered by the app's route handlers, called
 * the way Next calls them (a `Request` whose signal aborts when the client goes away). Clients that
 * need a URL (the OpenAI SDK, the tutorials' fetch code, Chromium) talk to the real routes through
 * it without a `next build`; a path no route serves gets a plain 404.
 */

type Handler = (request: Request) => Response | Promise<Response>;
export type RouteModule = Partial<Record<'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS', Handler>>;

export interface RouteServer {
  url: string;
  close(): Promise<void>;
}

async function answer(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: string,
  routes: Record<string, RouteModule>,
  pages: Record<string, string>,
) {
  const target = new URL(req.url ?? '/', url);
  const page = pages[target.pathname];
  if (page !== undefined && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    return;
  }
  const handler = routes[target.pathname]?.[req.method as keyof RouteModule];
  if (!handler) {
    res.writeHead(404).end();
    return;
  }
  const hangUp = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) hangUp.abort(new Error('client disconnected'));
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const response = await handler(
    new Request(target, {
      method: req.method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
      signal: hangUp.signal,
      duplex: 'half',
    } as RequestInit),
  );
  res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  hangUp.signal.addEventListener('abort', () => void reader.cancel().catch(() => {}), { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // The client went away mid-body: nothing left to send to.
  }
  res.end();
}

export function startRouteServer(routes: Record<string, RouteModule>, pages: Record<string, string> = {}): Promise<RouteServer> {
  const sockets = new Set<import('node:net').Socket>();
  let url = '';
  const server = http.createServer((req, res) => {
    answer(req, res, url, routes, pages).catch((error) => {
      res.destroy(error as Error);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve({
        url,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
