/**
 * The one server-sent-events reader of the tests and the benchmark, on `eventsource-parser` (the
 * parser the AI SDK itself uses). Plain ESM with JSDoc types, so jest (via SWC) and the plain-node
 * load generator load the same file. Parsing is incremental: each chunk is scanned once.
 */
import { createParser } from 'eventsource-parser';

/** @typedef {import('eventsource-parser').EventSourceMessage} SseEvent */

/**
 * An incremental reader: feed it text as it arrives; `onEvent` gets each event once it is complete.
 * @param {(event: SseEvent) => void} onEvent
 * @returns {{ feed(text: string): void }}
 */
export function sseReader(onEvent) {
  const parser = createParser({ onEvent });
  return { feed: (text) => parser.feed(text) };
}

/**
 * Every complete event of an SSE text.
 * @param {string} text
 * @returns {SseEvent[]}
 */
export function parseSse(text) {
  /** @type {SseEvent[]} */
  const events = [];
  sseReader((event) => events.push(event)).feed(text);
  return events;
}

/**
 * The events of a byte stream (a fetch Response body), as they arrive.
 * @param {AsyncIterable<Uint8Array>} body
 * @returns {AsyncGenerator<SseEvent>}
 */
export async function* readSse(body) {
  /** @type {SseEvent[]} */
  const ready = [];
  const reader = sseReader((event) => ready.push(event));
  const decoder = new TextDecoder();
  for await (const bytes of body) {
    reader.feed(decoder.decode(bytes, { stream: true }));
    yield* ready.splice(0);
  }
  reader.feed(decoder.decode());
  yield* ready.splice(0);
}
