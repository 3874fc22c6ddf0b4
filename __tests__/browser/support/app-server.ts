import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { E2E_BUILD_FAILURE, standaloneServer } from './build';
import { freePort } from '../../support/free-port';

export interface AppServer {
  url: string;
  /** Everything the server printed so far (stdout and stderr): its log. */
  output(): string;
  stop(): Promise<void>;
}

// Settings the app reads from the environment: none may leak in from the machine running the
// tests, so each test file decides demo or Azure by itself.
const APP_SETTING =
  /^(AZURE_|CHAT_API_KEYS$|ALLOWED_ORIGINS$|REDIS_URL$|SESSION_SECRET$|RATE_LIMIT_PER_MINUTE$|SYSTEM_PROMPT$|DEMO_|LOG_LEVEL$|OTEL_|APPLICATIONINSIGHTS_|IDENTITY_)/;

export interface RunningAppServer extends AppServer {
  /** The server process, for tests that signal it. */
  process: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
}

/**
 * Starts the built app the way the container does (`node server.js` in the standalone folder)
 * on a free port (or settings.PORT) with exactly the given settings and waits until it answers
 * `/api/health`.
 */
export async function startAppServer(settings: Record<string, string> = {}): Promise<RunningAppServer> {
  const buildFailure = process.env[E2E_BUILD_FAILURE];
  if (buildFailure) throw new Error(buildFailure);
  const port = settings.PORT ? Number(settings.PORT) : await freePort();
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !APP_SETTING.test(name))),
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    HOSTNAME: '127.0.0.1',
    // Every test shares one client address; the per-client budgets must not be what a test hits.
    RATE_LIMIT_PER_MINUTE: '10000',
    RESUME_RATE_LIMIT_PER_MINUTE: '10000',
    MAX_REPLIES_IN_FLIGHT: '100',
    ...settings,
    PORT: String(port),
  };
  const child = spawn(process.execPath, ['server.js'], {
    cwd: path.dirname(standaloneServer),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (data) => (output += data));
  child.stderr?.on('data', (data) => (output += data));

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilHealthy(url, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- server output ---\n${output}`);
  }
  return { url, stop: () => stopProcess(child), process: child, output: () => output };
}

async function waitUntilHealthy(url: string, child: ChildProcess, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the server did not answer /api/health within ${timeoutMs} ms`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
