import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

/** A static host on loopback serving a folder the way Azure Static Web Apps would. */
export interface StaticHost {
  url: string;
  close(): Promise<void>;
}

interface StaticWebAppConfig {
  navigationFallback?: { rewrite: string; exclude?: string[] };
  globalHeaders?: Record<string, string>;
  routes?: { route: string; headers?: Record<string, string> }[];
  responseOverrides?: Record<string, { rewrite: string }>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Static Web Apps' wildcard routes: `*` for any characters, `{a,b}` for alternatives. */
function routePattern(route: string): RegExp {
  const source = route
    .replace(/[.+^$()|[\]\\]/g, '\\$&')
    .replace(/\{([^}]*)\}/g, (_, alternatives: string) => `(?:${alternatives.split(',').join('|')})`)
    .replace(/\*/g, '.*');
  return new RegExp(`^${source}$`);
}

/**
 * Serves `root` on a free loopback port applying its staticwebapp.config.json as Static Web
 * Apps does: global headers and route headers on every answer, the navigation fallback for
 * paths that are not files, the 404 override. Enough of the platform to test the config the
 * static build writes, in a browser, on an origin of its own.
 */
export function startStaticHost(root: string, port: number): Promise<StaticHost> {
  const config = JSON.parse(readFileSync(path.join(root, 'staticwebapp.config.json'), 'utf8')) as StaticWebAppConfig;
  const fileAt = (urlPath: string): string | undefined => {
    const candidate = path.join(root, decodeURIComponent(urlPath));
    if (!candidate.startsWith(root)) return undefined;
    for (const file of [candidate, path.join(candidate, 'index.html'), `${candidate}.html`]) {
      if (existsSync(file) && statSync(file).isFile()) return file;
    }
    return undefined;
  };
  const server = http.createServer((request, response) => {
    const urlPath = new URL(request.url ?? '/', 'http://host').pathname;
    let file = fileAt(urlPath);
    let status = 200;
    const fallback = config.navigationFallback;
    if (!file && fallback && !(fallback.exclude ?? []).some((route) => routePattern(route).test(urlPath))) file = fileAt(fallback.rewrite);
    if (!file) {
      status = 404;
      const override = config.responseOverrides?.['404'];
      file = override ? fileAt(override.rewrite) : undefined;
    }
    const headers: Record<string, string> = { ...config.globalHeaders };
    for (const route of config.routes ?? []) if (routePattern(route.route).test(urlPath)) Object.assign(headers, route.headers);
    headers['Content-Type'] = CONTENT_TYPES[path.extname(file ?? '')] ?? 'application/octet-stream';
    response.writeHead(status, headers);
    response.end(file ? readFileSync(file) : 'Not found');
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
  });
}
