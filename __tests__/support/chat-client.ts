import { POST } from '@/app/api/chat/route';
import type { ChatMessageMetadata } from '@/lib/chat/metadata';
import type { AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { readSse } from '@/tools/sse/read-sse.mjs';

/**
 * Calls the real `/api/chat` route handler with a real `Request`, the way Next.js does, and
 * reads its answer the way a client would.
 */

export interface PostOptions {
  query?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  rawBody?: string;
}

export function postChat(body: unknown, options: PostOptions = {}): Promise<Response> {
  return POST(
    new Request(`http://localhost/api/chat${options.query ?? ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: options.rawBody ?? JSON.stringify(body),
      signal: options.signal,
    }),
  );
}

export interface UiStreamChunk {
  type: string;
  delta?: string;
  errorText?: string;
  messageMetadata?: ChatMessageMetadata;
  [key: string]: unknown;
}

export interface ReadUiStream {
  chunks: UiStreamChunk[];
  text: string;
  metadata: ChatMessageMetadata;
  errors: string[];
  /** Milliseconds from the start of reading to each text delta, to see progressive delivery. */
  deltaTimes: number[];
}

/** Parses an SSE UI message stream: `data: {json}` events, ending with `data: [DONE]`. */
export async function readUiStream(response: Response): Promise<ReadUiStream> {
  const started = performance.now();
  const result: ReadUiStream = { chunks: [], text: '', metadata: {}, errors: [], deltaTimes: [] };
  let sawDone = false;
  for await (const { data } of readSse(response.body as unknown as AsyncIterable<Uint8Array>)) {
    if (!data) continue;
    if (data === '[DONE]') {
      sawDone = true;
      continue;
    }
    const chunk = JSON.parse(data) as UiStreamChunk;
    result.chunks.push(chunk);
    if (chunk.type === 'text-delta') {
      result.text += chunk.delta;
      result.deltaTimes.push(performance.now() - started);
    }
    if (chunk.type === 'error') result.errors.push(chunk.errorText ?? '');
    if (chunk.messageMetadata) result.metadata = { ...result.metadata, ...chunk.messageMetadata };
  }
  if (!sawDone) throw new Error('The UI message stream ended without [DONE]: it was not closed cleanly.');
  return result;
}

export async function readErrorBody(response: Response): Promise<{ code: string; message: string }> {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(typeof body.error.code).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(10);
  return body.error;
}

/**
 * The app's settings for talking to `emulator` (Chat Completions, one deployment `gpt-main`,
 * no rate limit, nothing left over from the machine's own environment), plus `overrides`.
 */
export function emulatorEnv(
  emulator: Pick<AzureEmulator, 'url' | 'apiKey'>,
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    AZURE_RESOURCE_NAME: undefined,
    AZURE_BASE_URL: emulator.url,
    AZURE_API_KEY: emulator.apiKey,
    AZURE_DEPLOYMENTS: 'gpt-main',
    AZURE_API: 'chat',
    RATE_LIMIT_PER_MINUTE: '0',
    ...overrides,
  };
}

/** Sets environment variables for the next requests (config is re-read when env changes). */
export function useEnv(vars: Record<string, string | undefined>): () => void {
  const previous = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  return () => apply(previous);
}
