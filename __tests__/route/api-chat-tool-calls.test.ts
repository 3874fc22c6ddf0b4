import { recordedText, startAzureEmulator, type AzureEmulator, type EmulatorScenario } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, postChat, readUiStream, useEnv } from '../support/chat-client';
import { captureLogs, type CapturedLogs } from '../support/log-capture';

/**
 * Healthy replies that used to be reported as failures: real recorded Azure streams in which the
 * model calls a function or Azure runs a hosted tool (web search, file search, code
 * interpreter) that this app never offered, and a client hanging up on the demo model. Each is
 * relayed with its text and finish reason, with no error part and no error in the log.
 */

let emulator: AzureEmulator;
let logs: CapturedLogs;
let restore: () => void;

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: 'tool-call-key' });
});
afterAll(() => emulator.close());
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => {
  logs.restore();
  restore?.();
});

type Recording = NonNullable<EmulatorScenario['replay']>;
const RECORDINGS: Array<[Recording, string]> = [
  ['responses-azure-tool-call', 'tool-calls'],
  ['responses-azure-web-search-preview-tool', 'stop'],
  ['responses-openai-file-search-tool', 'stop'],
  ['responses-azure-code-interpreter-tool', 'stop'],
];

/** The request's log line: written once the reply is over, never at error level. */
async function expectQuietLogLine(requestId: string | null, expected: Record<string, unknown>) {
  const line = await logs.waitForLine((entry) => entry.requestId === requestId);
  expect(line).toMatchObject({ level: 'info', ...expected });
  expect(line.errorCode).toBeUndefined();
  expect(logs.lines().filter((entry) => entry.level === 'error' || entry.level === 'warn')).toEqual([]);
  expect(logs.text()).not.toMatch(/connection to Azure OpenAI was lost|unavailable tool/i);
}

describe.each(RECORDINGS)('a recorded Azure stream with tool calls: %s', (recording, finishReason) => {
  beforeEach(() => {
    restore = useEnv(emulatorEnv(emulator, { AZURE_API: 'responses' }));
    emulator.setScenario({ replay: recording });
  });

  test(`the UI stream relays the text and finishes with "${finishReason}", with no error or tool parts`, async () => {
    const response = await postChat({ id: 'chat-tools', messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] });
    expect(response.status).toBe(200);
    const reply = await readUiStream(response);
    expect(reply.text).toBe(recordedText(recording));
    expect(reply.errors).toEqual([]);
    expect(reply.chunks.filter((chunk) => chunk.type.startsWith('tool-') || chunk.type === 'error')).toEqual([]);
    expect(reply.metadata).toMatchObject({ model: 'gpt-main', finishReason });
    expect(reply.chunks.at(-1)?.type).toBe('finish');
    await expectQuietLogLine(response.headers.get('x-request-id'), { status: 200, ended: 'finished', finishReason });
  });

  test('plain text carries the text and no [error] note', async () => {
    const response = await postChat({ message: 'hi' }, { query: '?format=text' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(recordedText(recording));
    await expectQuietLogLine(response.headers.get('x-request-id'), { ended: 'finished', finishReason });
  });

  test('JSON answers 200 with the text and finish reason', async () => {
    const response = await postChat({ message: 'hi' }, { query: '?format=json' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ text: recordedText(recording), finishReason });
    await expectQuietLogLine(response.headers.get('x-request-id'), { ended: 'finished', finishReason });
  });
});

describe('a client hanging up on the demo model', () => {
  beforeEach(() => {
    restore = useEnv({
      AZURE_RESOURCE_NAME: undefined,
      AZURE_BASE_URL: undefined,
      AZURE_API_KEY: undefined,
      AZURE_DEPLOYMENTS: undefined,
      DEMO_TOKENS_PER_SECOND: '50',
      RATE_LIMIT_PER_MINUTE: '0',
    });
  });

  test.each([
    ['UI stream', ''],
    ['plain text', '?format=text'],
  ])('%s: logged as "client_gone", not as an upstream failure', async (_name, query) => {
    const controller = new AbortController();
    const response = await postChat({ message: 'hi' }, { query, signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    controller.abort();
    await reader.cancel().catch(() => {});
    await expectQuietLogLine(response.headers.get('x-request-id'), { status: 200, ended: 'client_gone', deployment: 'offline-demo' });
  });
});
