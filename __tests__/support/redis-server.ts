import { spawn } from 'node:child_process';
import { createClient } from 'redis';
import { freePort } from './free-port';

/**
 * A real, throw-away redis-server for tests: Debian's binary on a free loopback port, with
 * persistence off so nothing is written to disk and each server starts empty.
 */
export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

const REDIS_BINARY = '/usr/bin/redis-server';

async function answersPing(url: string): Promise<boolean> {
  // No reconnect attempts: one try per poll, so a not-yet-listening server fails fast.
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
  client.on('error', () => {
    // Expected while the server is still starting; the poll loop retries.
  });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn(REDIS_BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (error) => reject(new Error(`cannot start ${REDIS_BINARY}: ${error.message}`))),
  );
  spawnError.catch(() => undefined);

  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (await Promise.race([answersPing(url), spawnError])) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer PING on ${url}: ${stderr || 'no output'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
