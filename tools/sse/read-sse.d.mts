// Types of read-sse.mjs for the TypeScript tests (the module itself stays plain ESM for the bench).
import type { EventSourceMessage } from 'eventsource-parser';

export type SseEvent = EventSourceMessage;
export function sseReader(onEvent: (event: SseEvent) => void): { feed(text: string): void };
export function parseSse(text: string): SseEvent[];
export function readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent>;
