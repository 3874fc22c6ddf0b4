/**
 * Runs `chat-once.ts` (one real `/api/chat` call) in a child process against the Azure emulator,
 * for identity settings Node reads only at start (NODE_EXTRA_CA_CERTS trusting a loopback TLS
 * token endpoint). The child gets none of this machine's own identity or Azure settings.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

export interface ChildChat {
  status: number;
  body: string;
  /** The server's log lines (the child's stdout). */
  log: string;
}

export async function chatInChildProcess(emulatorUrl: string, env: Record<string, string>): Promise<ChildChat> {
  const appEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(appEnv)) if (/^(AZURE_|IDENTITY_|MSI_|VERCEL_OIDC_TOKEN$|LOG_LEVEL$)/.test(name)) delete appEnv[name];
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.resolve('node_modules/tsx/dist/cli.mjs'), '__tests__/support/chat-once.ts'], {
    env: { ...appEnv, AZURE_BASE_URL: emulatorUrl, AZURE_DEPLOYMENTS: 'gpt-main', AZURE_API: 'chat', RATE_LIMIT_PER_MINUTE: '0', ...env },
    timeout: 60_000,
  });
  const result = /^RESULT (.*)$/m.exec(stderr);
  if (!result) throw new Error(`No result from the child process:\n${stderr}\n${stdout}`);
  return { ...(JSON.parse(result[1]) as { status: number; body: string }), log: stdout };
}
