import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../support/free-port';

/** What a tutorial's `location / { proxy_pass … }` looks like: every nginx default left alone. */
export const STOCK_NGINX_SITE = `
server {
  listen LISTEN;
  location / {
    proxy_pass http://UPSTREAM;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_read_timeout 2s;
  }
}`;

/** Debian's nginx or Caddy, started on a free loopback port in front of the app. */
export interface ReverseProxy {
  url: string;
  stop(): Promise<void>;
}

/**
 * nginx with the essentials of Debian's stock /etc/nginx/nginx.conf (its commented gzip_types
 * switched on, `text/event-stream` included) around `site`, a `server {}` block whose
 * `listen` and upstream placeholders (`LISTEN`, `UPSTREAM`) are filled in here.
 */
export async function startNginx(site: string, upstream: string): Promise<ReverseProxy> {
  const port = await freePort();
  const directory = workDirectory('nginx');
  const config = `
worker_processes 1;
daemon off;
pid ${directory}/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  sendfile on;
  tcp_nopush on;
  types_hash_max_size 2048;
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path ${directory}/body;
  proxy_temp_path ${directory}/proxy;
  fastcgi_temp_path ${directory}/fastcgi;
  uwsgi_temp_path ${directory}/uwsgi;
  scgi_temp_path ${directory}/scgi;
  gzip on;
  gzip_types text/plain text/css application/json application/javascript text/xml application/xml application/xml+rss text/javascript text/event-stream;
  ${site.replaceAll('LISTEN', `127.0.0.1:${port}`).replaceAll('UPSTREAM', upstream)}
}`;
  writeFileSync(path.join(directory, 'nginx.conf'), config);
  const child = spawn('nginx', ['-p', directory, '-c', path.join(directory, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  return running(child, port, directory);
}

/** Caddy with `caddyfile`, its `LISTEN` and `UPSTREAM` placeholders filled in. */
export async function startCaddy(caddyfile: string, upstream: string): Promise<ReverseProxy> {
  const port = await freePort();
  const directory = workDirectory('caddy');
  const file = path.join(directory, 'Caddyfile');
  writeFileSync(
    file,
    `{\n\tadmin off\n\tauto_https off\n}\n${caddyfile.replaceAll('LISTEN', `http://127.0.0.1:${port}`).replaceAll('UPSTREAM', upstream)}`,
  );
  const child = spawn('caddy', ['run', '--config', file, '--adapter', 'caddyfile'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOME: directory, XDG_DATA_HOME: directory, XDG_CONFIG_HOME: directory },
  });
  return running(child, port, directory);
}

function workDirectory(name: string): string {
  const directory = mkdtempSync(path.join(tmpdir(), `e2e-${name}-`));
  // nginx's workers drop root privileges and must still reach their temp folders in here.
  chmodSync(directory, 0o755);
  return directory;
}

async function running(child: ChildProcess, port: number, directory: string): Promise<ReverseProxy> {
  let output = '';
  child.stdout?.on('data', (data) => (output += data));
  child.stderr?.on('data', (data) => (output += data));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the proxy exited (${child.exitCode}):\n${output}`);
    const answered = await fetch(`${url}/api/health`).then(
      (response) => response.status < 500,
      () => false,
    );
    if (answered) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the proxy did not answer within 15 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(directory, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}
