/**
 * An Azure OpenAI wire emulator: a real HTTP server speaking the Responses and Chat Completions
 * APIs (streaming and not) closely enough that `@ai-sdk/azure` runs against it unchanged. Tests and
 * benchmarks use it instead of a live deployment; its stream shapes follow the recordings in
 * `tools/azure-emulator/recordings`, which it can also replay verbatim.
 *
 * This module is its public face; scenario.ts decides what to answer, server.ts sends it.
 */
import { createEmulatorState } from './scenario';
import { createEmulatorServer, listen } from './server';
import type { AzureEmulator, EmulatorOptions } from './types';

export type { AzureEmulator, EmulatorCounters, EmulatorOptions, EmulatorScenario, RecordedRequest } from './types';
export { numberedWords } from './scenario';
export { recordedText } from './recordings';

export async function startAzureEmulator(options: EmulatorOptions = {}): Promise<AzureEmulator> {
  const state = createEmulatorState(options);
  const handle = createEmulatorServer(state);
  const port = await listen(handle.server, options.port ?? 0);
  return {
    url: `http://127.0.0.1:${port}/openai/v1`,
    port,
    apiKey: state.apiKey,
    counters: state.counters,
    requests: state.requests,
    setScenario: state.setScenario,
    reset: state.reset,
    waitFor: state.waitFor,
    issueToken: state.issueToken,
    close() {
      handle.shuttingDown = true;
      return new Promise((resolve, reject) => {
        handle.server.close((error) => (error ? reject(error) : resolve()));
        handle.server.closeAllConnections();
      });
    },
  };
}
