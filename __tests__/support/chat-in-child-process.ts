/**
 * Runs `chat-once.ts` (one real `/api/chat` call) in a child process against the Azure emulator,
 * for identity settings Node reads only at start (NODE_EXTRA_CA_CERTS trusting a loopback TLS
 * token endpoint). The child gets none of this machine's own identity or Azure settings.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

interface Answer {
  status: number;
  body: string;
}

export interface ChildChat extends Answer {
  /** Every chat's answer: the first (also `status`/`body`), then one per `thenSet` assignment. */
  answers: Answer[];
  /** The server's log lines (the child's stdout). */
  log: string;
}

/** `thenSet`: variables to change in the running process, chatting again after each. */
export async function chatInChildProcess(emulatorUrl: string, env: Record<string, string>, thenSet: Record<string, string> = {}): Promise<ChildChat> {
  const appEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(appEnv)) if (/^(AZURE_|IDENTITY_|MSI_|VERCEL(_OIDC_TOKEN)?$|LOG_LEVEL$)/.test(name)) delete appEnv[name];
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [
      path.resolve('node_modules/tsx/dist/cli.mjs'),
      '--import',
      path.resolve('__tests__/support/server-only-outside-next.mjs'),
      '__tests__/support/chat-once.ts',
      ...Object.entries(thenSet).map(([name, value]) => `${name}=${value}`),
    ],
    {
      env: { ...appEnv, AZURE_BASE_URL: emulatorUrl, AZURE_DEPLOYMENTS: 'gpt-main', AZURE_API: 'chat', RATE_LIMIT_PER_MINUTE: '0', ...env },
      timeout: 60_000,
    },
  );
  const answers = [...stderr.matchAll(/^RESULT (.*)$/gm)].map((result) => JSON.parse(result[1]) as Answer);
  if (answers.length !== 1 + Object.keys(thenSet).length) throw new Error(`Missing results from the child process:\n${stderr}\n${stdout}`);
  return { ...answers[0], answers, log: stdout };
}
