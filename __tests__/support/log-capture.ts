import { useEnv as applyEnv } from './chat-client';

/**
 * Captures what the server logs (pino writes JSON lines to stdout) for the duration of a test,
 * so a test can assert on the one line each request writes, and on what no line contains.
 */

export interface LogLine {
  level: string;
  msg: string;
  requestId?: string;
  [field: string]: unknown;
}

export interface CapturedLogs {
  /** Everything written to stdout while capturing, as written. */
  text(): string;
  /** The lines that are log records (JSON objects). */
  lines(): LogLine[];
  /** Resolves with the first line matching `predicate` (request lines of a stream come when it ends). */
  waitForLine(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  restore(): void;
}

export function captureLogs(): CapturedLogs {
  // jest.config.mjs silences the log by default; a test that captures it wants it.
  const restoreLevel = applyEnv({ LOG_LEVEL: process.env.LOG_LEVEL === 'silent' ? undefined : process.env.LOG_LEVEL });
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  const text = () => written.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  return {
    text,
    lines,
    async waitForLine(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines().find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`No log line matched within ${timeoutMs} ms. Lines:\n${text()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    restore: () => {
      spy.mockRestore();
      restoreLevel();
    },
  };
}
