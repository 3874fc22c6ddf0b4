import type http from 'node:http';
import type https from 'node:https';
import type { AddressInfo } from 'node:net';

/** Starts `server` on a free loopback port; `close` also cuts open connections, so nothing lingers. */
export function listenOnLoopback(server: http.Server | https.Server, scheme: 'http' | 'https'): Promise<{ origin: string; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        origin: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
