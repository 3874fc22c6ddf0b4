import 'server-only';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { type CoalesceDeltasOptions, holdWindow, windowOf } from '@/lib/chat/hold-window';

/**
 * Text-delta coalescing on the upstream Azure/OpenAI SSE bytes, before the AI SDK parses them.
 * The SDK spends its CPU per upstream event (SSE parsing, JSON validation and a dozen stream
 * layers in the provider, `streamText` and `toUIMessageStream`), so merging text events here
 * cuts that whole chain, which merging UI chunks after it (`coalesceDeltas`) cannot.
 *
 * Merged: consecutive Chat Completions chunks whose only change is `choices[0].delta.content`
 * (no role, tool calls, finish reason, logprobs or usage), and consecutive Responses
 * `response.output_text.delta` events of the same item/part. The merged event is the first held
 * one with the concatenated text. Every other event (and comment) flushes what is held and
 * passes on unchanged, re-serialised; the timing is the shared leading/trailing window.
 */

type Json = Record<string, unknown>;

/** A mergeable text event: what it may merge with (`key`), its text, and the event itself. */
interface TextEvent {
  key: string;
  text: string;
  json: Json;
  message: EventSourceMessage;
}

const RESPONSES_TEXT_DELTA = 'response.output_text.delta';

/** One event as SSE text again, in the form Azure sends it. */
function serialise({ event, id, data }: EventSourceMessage): string {
  const lines = data.includes('\n') ? data.replaceAll('\n', '\ndata: ') : data;
  return `${event ? `event: ${event}\n` : ''}${id === undefined ? '' : `id: ${id}\n`}data: ${lines}\n\n`;
}

/** The event as a mergeable text event, or undefined (events with an id or multi-line data are never merged). */
function textEventOf(message: EventSourceMessage): TextEvent | undefined {
  const { event: name, data } = message;
  // Cheap checks before parsing: only text-delta-looking events are candidates.
  if (name === undefined ? !data.includes('"content"') : name !== RESPONSES_TEXT_DELTA) return undefined;
  if (message.id !== undefined || data.includes('\n')) return undefined;
  let json: Json;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (name === RESPONSES_TEXT_DELTA) {
    if (json.type !== name || typeof json.delta !== 'string') return undefined;
    return { key: `r:${json.item_id}:${json.output_index}:${json.content_index}`, text: json.delta, json, message };
  }
  const choices = json.choices as Json[] | undefined;
  if (!Array.isArray(choices) || choices.length !== 1 || json.usage != null) return undefined;
  const choice = choices[0];
  const delta = choice.delta as Json | undefined;
  if (choice.finish_reason != null || choice.logprobs != null || !delta) return undefined;
  const keys = Object.keys(delta);
  if (keys.length !== 1 || keys[0] !== 'content' || typeof delta.content !== 'string') return undefined;
  return { key: `c:${json.id}:${choice.index}`, text: delta.content, json, message };
}

/** The first held event carrying all the held `texts`. */
function mergedEvent({ json, message }: TextEvent, texts: string[]): string {
  if (texts.length === 1) return serialise(message);
  const text = texts.join('');
  if (message.event === undefined) {
    const choice = (json.choices as Json[])[0];
    return serialise({ data: JSON.stringify({ ...json, choices: [{ ...choice, delta: { content: text } }] }) });
  }
  return serialise({ event: message.event, data: JSON.stringify({ ...json, delta: text }) });
}

/**
 * The merging itself, on decoded SSE text: `take` returns what goes out now ('' while all is
 * held), held text leaves through `sendLater` when its window ends, `rest` is what is still held
 * as the stream ends. What a stream ends with before a blank line is not an event (the SDK's
 * parser drops it too), so it is not passed on.
 */
function sseTextMerger(windowMs: () => number, sendLater: (sse: string) => void) {
  let held: TextEvent | undefined;
  let heldTexts: string[] = [];
  let out = '';

  const heldSse = (): string => {
    if (!held) return '';
    const sse = mergedEvent(held, heldTexts);
    held = undefined;
    heldTexts = [];
    return sse;
  };
  const holding = holdWindow(windowMs, () => {
    const sse = heldSse();
    if (sse) sendLater(sse);
    return sse !== '';
  });
  /** Anything that is not mergeable text: what is held goes first, then it, and the window closes. */
  const passOn = (sse: string) => {
    out += heldSse() + sse;
    holding.close();
  };
  const onEvent = (message: EventSourceMessage) => {
    const text = textEventOf(message);
    if (!text) return passOn(serialise(message));
    if (held && held.key !== text.key) passOn('');
    if (!holding.isOpen()) {
      // No window open: this event goes out now and opens one.
      out += serialise(message);
      holding.open();
      return;
    }
    held ??= text;
    heldTexts.push(text.text);
  };
  const parser = createParser({
    onEvent,
    onComment: (comment) => passOn(`: ${comment}\n\n`),
    onRetry: (ms) => passOn(`retry: ${ms}\n\n`),
  });

  return {
    take(text: string): string {
      parser.feed(text);
      const sse = out;
      out = '';
      return sse;
    },
    rest(): string {
      holding.stop();
      return heldSse();
    },
    stop: () => holding.stop(),
  };
}

/**
 * `source` with its text events merged. One stream, reading `source` directly: every upstream
 * event passes here, so each extra stream layer would cost on every token. When `source` fails
 * (the upstream socket dropped), held text is sent before the error.
 */
export function coalesceSseDeltas(source: ReadableStream<Uint8Array>, options: CoalesceDeltasOptions): ReadableStream<Uint8Array> {
  const windowMs = windowOf(options);
  if (!windowMs) return source;
  const reader = source.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let done = false;
  const merger = sseTextMerger(windowMs, (sse) => controller.enqueue(encoder.encode(sse)));
  const sendRest = () => {
    done = true;
    const rest = merger.rest();
    if (rest) controller.enqueue(encoder.encode(rest));
  };

  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    // Reads until something can go out; held text leaves by its own timer meanwhile.
    async pull(c) {
      for (;;) {
        let read: ReadableStreamReadResult<Uint8Array>;
        try {
          read = await reader.read();
        } catch (error) {
          if (done) return;
          sendRest();
          c.error(error);
          return;
        }
        if (done) return;
        if (read.done) {
          sendRest();
          c.close();
          return;
        }
        const sse = merger.take(decoder.decode(read.value, { stream: true }));
        if (sse) {
          c.enqueue(encoder.encode(sse));
          return;
        }
      }
    },
    cancel(reason) {
      done = true;
      merger.stop();
      return reader.cancel(reason);
    },
  });
}

/**
 * A `fetch` for `createAzure({ fetch })` that runs streamed (text/event-stream) responses
 * through `coalesceSseDeltas`. Everything else is returned untouched.
 */
export function coalescingFetch(options: CoalesceDeltasOptions, baseFetch: typeof fetch = fetch): typeof fetch {
  if (!windowOf(options)) return baseFetch;
  return async (input, init) => {
    const response = await baseFetch(input, init);
    if (!response.body || !response.headers.get('content-type')?.includes('text/event-stream')) return response;
    return new Response(coalesceSseDeltas(response.body, options), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
