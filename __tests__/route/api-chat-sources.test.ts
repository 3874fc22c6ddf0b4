import { recordedText, startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, postChat, readUiStream, useEnv } from '../support/chat-client';

/**
 * Citations Azure attaches to a reply (hosted web search, file search) reach clients as the AI
 * SDK's source parts, from real recorded Azure streams replayed by the emulator on loopback.
 */

let emulator: AzureEmulator;
let restore: () => void;

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: 'emulator-key-sources' });
});
afterAll(() => emulator.close());
afterEach(() => restore?.());

describe.each(['0', '33'])('STREAM_COALESCE_MS=%s', (coalesceMs) => {
  beforeEach(() => {
    emulator.reset();
    restore = useEnv(emulatorEnv(emulator, { AZURE_API: 'responses', STREAM_COALESCE_MS: coalesceMs }));
  });

  test('web search citations arrive as source-url chunks with their URL and title', async () => {
    emulator.setScenario({ replay: 'responses-azure-web-search-preview-tool' });
    const reply = await readUiStream(
      await postChat({ id: 'chat-web', messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'news?' }] }] }),
    );
    expect(reply.errors).toEqual([]);
    expect(reply.text).toBe(recordedText('responses-azure-web-search-preview-tool'));
    const sources = reply.chunks.filter((chunk) => chunk.type === 'source-url');
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(source.url).toMatch(/^https:\/\//);
      expect(typeof source.sourceId).toBe('string');
    }
    expect(sources[0].title).toBe('While You Were Sleeping: 5 stories you might have missed, Nov 19, 2025');
  });

  test('file search citations arrive as source-document chunks named by the file', async () => {
    emulator.setScenario({ replay: 'responses-openai-file-search-tool' });
    const reply = await readUiStream(
      await postChat({ id: 'chat-file', messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'what does it say?' }] }] }),
    );
    expect(reply.errors).toEqual([]);
    const documents = reply.chunks.filter((chunk) => chunk.type === 'source-document');
    expect(documents.length).toBeGreaterThan(0);
    expect(documents[0]).toMatchObject({ title: 'ai.pdf', filename: 'ai.pdf' });
    expect(reply.chunks.some((chunk) => chunk.type === 'source-url')).toBe(false);
  });
});

test('a conversation that carries a cited reply can be continued', async () => {
  emulator.reset();
  restore = useEnv(emulatorEnv(emulator, { AZURE_API: 'responses' }));
  emulator.setScenario({ replay: 'responses-azure-web-search-preview-tool' });
  const first = await readUiStream(
    await postChat({ id: 'chat-more', messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'news?' }] }] }),
  );
  const sourceParts = first.chunks
    .filter((chunk) => chunk.type === 'source-url')
    .map(({ type, sourceId, url, title }) => ({ type, sourceId, url, title }));
  emulator.setScenario({ words: 5 });
  const response = await postChat({
    id: 'chat-more',
    messages: [
      { id: 'm1', role: 'user', parts: [{ type: 'text', text: 'news?' }] },
      { id: 'a1', role: 'assistant', parts: [{ type: 'text', text: first.text }, ...sourceParts] },
      { id: 'm2', role: 'user', parts: [{ type: 'text', text: 'tell me more' }] },
    ],
  });
  expect(response.status).toBe(200);
  expect((await readUiStream(response)).errors).toEqual([]);
});
