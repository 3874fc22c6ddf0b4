import 'server-only';
import pino, { type Logger } from 'pino';
import { type AppConfig, getConfig, onConfigLoaded } from '@/lib/config';

/**
 * The server's one logger: JSON lines on stdout (one object a line, what App Service, Container
 * Apps, Vercel and any log shipper ingest), human-readable under `next dev`. Level: LOG_LEVEL.
 * Nothing is logged that a user typed or received, and never a key or token.
 */

let current: { key: string; logger: Logger } | undefined;

function createLogger({ logLevel, prettyLogs }: AppConfig['observability']): Logger {
  const options: pino.LoggerOptions = {
    level: logLevel,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  // pino-pretty is a development dependency; only `next dev` asks for it.
  if (prettyLogs) return pino({ ...options, transport: { target: 'pino-pretty' } });
  // Looked up on each write (not captured once) so the line goes wherever stdout is now.
  return pino(options, { write: (line: string) => process.stdout.write(line) });
}

export function getLogger(config: AppConfig = getConfig()): Logger {
  const key = `${config.observability.logLevel}|${config.observability.prettyLogs}`;
  if (current?.key !== key) current = { key, logger: createLogger(config.observability) };
  return current.logger;
}

onConfigLoaded((config) => {
  if (config.problems.length > 0) getLogger(config).error({ mode: config.mode, problems: config.problems }, 'configuration problem');
});
