/**
 * Runs the Azure OpenAI emulator as its own process for benchmarks and browser tests that start the
 * app separately: `npx tsx tools/azure-emulator/cli.ts --port 0 --api-key test-key`.
 * Prints `{"url": "...", "port": N}` on one stdout line once listening; steer it over HTTP with
 * POST /__emulator/scenario, POST /__emulator/reset and GET /__emulator/counters.
 */
import { parseArgs } from 'node:util';
import { startAzureEmulator, type EmulatorScenario } from './azure-emulator';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'api-key': { type: 'string' },
      scenario: { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0) throw new Error(`--port must be a port number, got ${values.port}`);
  const scenario = values.scenario ? (JSON.parse(values.scenario) as EmulatorScenario) : undefined;
  const emulator = await startAzureEmulator({ port, apiKey: values['api-key'], scenario });
  process.stdout.write(`${JSON.stringify({ url: emulator.url, port: emulator.port })}\n`);

  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`azure-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
