import { spawn, type ChildProcess } from 'node:child_process';
import { E2E_BUILD_FAILURE, e2eDistDir, nextBin, projectRoot } from './build';
import { freePort } from '../../support/free-port';

export interface AppServer {
  url: string;
  stop(): Promise<void>;
}

// Settings the app reads from the environment: none may leak in from the machine running the
// tests, so each test file decides demo or Azure by itself.
const APP_SETTING = /^(AZURE_|CHAT_API_KEYS$|ALLOWED_ORIGINS$|REDIS_URL$|SESSION_SECRET$|RATE_LIMIT_PER_MINUTE$|SYSTEM_PROMPT$|DEMO_)/;

/**
 * Starts the built app (`next start`) on a free port with exactly the given settings and waits
 * until it answers `/api/health`.
 */
export async function startAppServer(settings: Record<string, string> = {}): Promise<AppServer> {
  const buildFailure = process.env[E2E_BUILD_FAILURE];
  if (buildFailure) throw new Error(buildFailure);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !APP_SETTING.test(name))),
    NODE_ENV: 'production',
    NEXT_DIST_DIR: e2eDistDir,
    NEXT_TELEMETRY_DISABLED: '1',
    // Every test shares one client address; the per-client budgets must not be what a test hits.
    RATE_LIMIT_PER_MINUTE: '10000',
    RESUME_RATE_LIMIT_PER_MINUTE: '10000',
    MAX_REPLIES_IN_FLIGHT: '100',
    ...settings,
  };
  const child = spawn(process.execPath, [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: projectRoot,
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
    throw new Error(`${(error as Error).message}\n--- next start output ---\n${output}`);
  }
  return { url, stop: () => stopProcess(child) };
}

async function waitUntilHealthy(url: string, child: ChildProcess, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`next start did not answer /api/health within ${timeoutMs} ms`);
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
