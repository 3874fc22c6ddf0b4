/**
 * The production server: what `npm start`, the standalone folder's `server.js` and the container
 * run. It serves the Next.js build through Next's own request handler and adds two things Next's
 * `next start` lacks:
 *
 * - X-Forwarded-For is appended to, never trusted as sent: every request gets its connection's
 *   socket address added at the end, exactly as a reverse proxy does. Next only fills the header
 *   when it is absent, so otherwise a client could choose the address it is limited and logged
 *   by. The app then trusts a fixed number of hops from the right (TRUSTED_PROXY_HOPS).
 * - SIGTERM drains instead of dropping: the app stops taking new chats (503, Retry-After) and
 *   reports `draining` on /api/health, replies in flight finish within SHUTDOWN_GRACE_MS and the
 *   rest end with an error event asking the client to retry; then the process exits 0. The
 *   draining itself lives in lib/server/lifecycle.ts, inside the app, which shares its state
 *   with this file through a global symbol (route handlers are bundled apart from it).
 *
 * Plain JavaScript so the same file runs from the repository and from the standalone folder,
 * where no TypeScript exists. Environment: PORT (3000), HOSTNAME (0.0.0.0), NEXT_DIST_DIR
 * (`.next`, where the build is); the app's own settings are read by lib/config.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
process.chdir(dir);
process.env.NODE_ENV = 'production';
// Next's own SIGTERM handler exits at once (code 143); this file handles the signal itself.
process.env.NEXT_MANUAL_SIG_HANDLE = 'true';

// The configuration the build serialised (what Next's generated standalone server embeds), so
// the server never compiles next.config.ts at run time and the standalone folder needs no copy.
const distDir = process.env.NEXT_DIST_DIR || '.next';
const { config } = JSON.parse(readFileSync(path.join(dir, distDir, 'required-server-files.json'), 'utf8'));
process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);

const port = Number.parseInt(process.env.PORT ?? '', 10) || 3000;
const hostname = process.env.HOSTNAME || '0.0.0.0';

/**
 * Shared with lib/server/lifecycle.ts: `draining` and `openRequests` (kept here), and `drain()`
 * (set by the app once it has loaded).
 */
const lifecycle = (globalThis[Symbol.for('azure-streaming-chat.lifecycle')] ??= { draining: false });
lifecycle.openRequests = 0;

const { default: next } = await import('next');
const app = next({ dev: false, dir, hostname, port });
await app.prepare();
const handle = app.getRequestHandler();

const server = http.createServer((request, response) => {
  appendForwardedFor(request);
  lifecycle.openRequests++;
  response.once('close', () => lifecycle.openRequests--);
  handle(request, response).catch((error) => {
    console.error('[server] request failed', error);
    if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ error: { code: 'internal_error', message: 'The server failed to handle this request.' } }));
  });
});

/** Adds this connection's peer to X-Forwarded-For, as a proxy would (IPv4 without the ::ffff: prefix). */
function appendForwardedFor(request) {
  const peer = (request.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  const forwarded = request.headers['x-forwarded-for'];
  request.headers['x-forwarded-for'] = forwarded ? `${forwarded}, ${peer}` : peer;
}

server.listen(port, hostname, () => {
  console.log(`[server] listening on http://${hostname}:${port} (Node ${process.version})`);
});

// After the replies are settled, open responses get this long to write their last bytes.
const CLOSE_TIMEOUT_MS = 3_000;

async function shutdown(signal) {
  if (lifecycle.draining) return;
  lifecycle.draining = true;
  console.log(`[server] ${signal}: draining (no new chats, replies in flight may finish)`);
  try {
    await lifecycle.drain?.();
  } catch (error) {
    console.error('[server] draining failed', error);
  }
  const forced = setTimeout(() => server.closeAllConnections(), CLOSE_TIMEOUT_MS);
  forced.unref();
  server.close(() => {
    console.log('[server] stopped');
    // Redis clients and timers would keep the process alive; everything worth finishing is done.
    process.exit(0);
  });
  server.closeIdleConnections();
}

process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
