import type { UIMessageChunk } from 'ai';

/**
 * Server-side delta coalescing for the AI SDK UI message stream.
 *
 * A model sends one `text-delta` per token; every chunk then costs a JSON encode, an SSE
 * frame, a stream hop and a socket write on the server, and a state update on the client —
 * while a reader cannot see more than ~30 updates a second. This TransformStream merges
 * consecutive `text-delta` chunks of the same text part that arrive within `windowMs` into
 * one chunk (same `id`, deltas concatenated), so the wire protocol is unchanged and any
 * `useChat` or UI-stream client keeps working.
 *
 * Timing (leading + trailing edge, so the first word is never delayed):
 *  - a delta that arrives while no window is open is sent at once and opens a window;
 *  - deltas arriving inside the window are buffered and sent as one chunk when it closes,
 *    which opens the next window; a window that closes with nothing buffered ends it;
 *  - any other chunk (text-end, finish, error, tool parts, …) first flushes the buffer and
 *    passes through unchanged, in order; the end of the stream flushes too.
 * So a delta waits at most `windowMs`, text order is kept, and nothing is dropped.
 * `windowMs <= 0` returns a pass-through stream.
 */
export interface CoalesceDeltasOptions {
  /**
   * Longest time a delta may be held back, in milliseconds: a number (0 disables coalescing) or
   * a function asked each time a window opens (`adaptiveWindow` widens it under load).
   */
  windowMs: number | (() => number);
}

/** The window as a function, or undefined when coalescing is off. */
function windowOf({ windowMs }: CoalesceDeltasOptions): (() => number) | undefined {
  if (typeof windowMs === 'function') return windowMs;
  return windowMs > 0 ? () => windowMs : undefined;
}

/**
 * The leading/trailing window both coalescers share. `open()` starts a window; when it ends,
 * `sendHeld()` sends what was held meanwhile: if there was something, the next window opens at
 * once, otherwise none is open until the next `open()`.
 */
function holdWindow(windowMs: () => number, sendHeld: () => boolean) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const end = () => {
    timer = undefined;
    if (stopped) return;
    try {
      if (sendHeld()) timer = setTimeout(end, windowMs());
    } catch {
      // The reader went away (client disconnected); the stream's own cancel handles the rest.
      stopped = true;
    }
  };
  const close = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return {
    isOpen: () => timer !== undefined,
    open: () => {
      timer = setTimeout(end, windowMs());
    },
    close,
    /** For good: the stream ended or was cancelled. */
    stop: () => {
      stopped = true;
      close();
    },
  };
}

type TextDelta = Extract<UIMessageChunk, { type: 'text-delta' }>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any metadata / data part types
export function coalesceDeltas<CHUNK extends UIMessageChunk<any, any>>(
  options: CoalesceDeltasOptions,
): TransformStream<CHUNK, CHUNK> {
  const windowMs = windowOf(options);
  if (!windowMs) return new TransformStream<CHUNK, CHUNK>();

  let controller: TransformStreamDefaultController<CHUNK> | undefined;
  // The text part the buffer belongs to, and its held-back deltas.
  let first: TextDelta | undefined;
  let held: string[] = [];

  const emitHeld = () => {
    if (!first || held.length === 0) return false;
    const delta = held.length === 1 ? held[0] : held.join('');
    held = [];
    controller!.enqueue({ ...first, delta } as CHUNK);
    return true;
  };
  const holding = holdWindow(windowMs, emitHeld);

  return new TransformStream<CHUNK, CHUNK>({
    start(c) {
      controller = c;
    },
    transform(chunk, c) {
      if (chunk.type === 'text-delta' && chunk.providerMetadata === undefined) {
        const delta = chunk as TextDelta;
        if (first && first.id !== delta.id) {
          // A different text part: what was held belongs before it.
          emitHeld();
          holding.close();
        }
        if (!holding.isOpen()) {
          // No window open: send now (the first word is never delayed) and open one.
          first = delta;
          c.enqueue(chunk);
          holding.open();
        } else {
          if (held.length === 0) first = delta;
          held.push(delta.delta);
        }
        return;
      }
      emitHeld();
      holding.close();
      first = undefined;
      c.enqueue(chunk);
    },
    flush() {
      emitHeld();
      holding.stop();
    },
  });
}

/**
 * The same coalescing one step earlier, on the upstream Azure/OpenAI SSE bytes, before the AI
 * SDK parses them. The SDK spends its CPU per upstream event (SSE parsing, JSON validation and
 * a dozen stream layers in the provider, `streamText` and `toUIMessageStream`), so merging
 * text events here cuts that whole chain, which `coalesceDeltas` (after it) cannot.
 *
 * Merged: consecutive Chat Completions chunks whose only change is `choices[0].delta.content`
 * (no role, tool calls, finish reason, logprobs or usage), and consecutive Responses
 * `response.output_text.delta` events of the same item/part. The merged event is the first
 * held one with the concatenated text. Every other event flushes and passes through verbatim;
 * same leading/trailing timing as `coalesceDeltas`. When `source` fails (the upstream socket
 * dropped), held text is sent before the error. One stream, reading `source` directly: every
 * upstream event passes here, so each extra layer would cost on every token.
 */
export function coalesceSseDeltas(source: ReadableStream<Uint8Array>, options: CoalesceDeltasOptions): ReadableStream<Uint8Array> {
  const windowMs = windowOf(options);
  if (!windowMs) return source;
  const reader = source.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let buffer = '';
  // Held text events: the first one parsed (merge target), its merge key, and the texts.
  let heldEvent: { name?: string; json: Record<string, unknown>; key: string; raw: string } | undefined;
  let heldTexts: string[] = [];
  let done = false;
  let passThrough = false;

  const serialise = (name: string | undefined, data: string) => `${name ? `event: ${name}\n` : ''}data: ${data}\n\n`;

  const heldFrame = (): string => {
    if (!heldEvent) return '';
    const { name, json, raw } = heldEvent;
    const texts = heldTexts;
    heldEvent = undefined;
    heldTexts = [];
    if (texts.length === 1) return raw;
    const text = texts.join('');
    if (name === undefined) {
      const choice = (json.choices as Record<string, unknown>[])[0];
      return serialise(undefined, JSON.stringify({ ...json, choices: [{ ...choice, delta: { content: text } }] }));
    }
    return serialise(name, JSON.stringify({ ...json, delta: text }));
  };

  const holding = holdWindow(windowMs, () => {
    const frame = heldFrame();
    if (frame) controller!.enqueue(encoder.encode(frame));
    return frame !== '';
  });

  /** The merge key and text of a mergeable text event, or undefined. */
  const textOf = (name: string | undefined, data: string): { key: string; text: string; json: Record<string, unknown> } | undefined => {
    // Cheap pre-checks before parsing: only text-delta-looking events are candidates.
    if (name === undefined ? !data.includes('"content"') : name !== 'response.output_text.delta') return undefined;
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(data);
    } catch {
      return undefined;
    }
    if (name === 'response.output_text.delta') {
      if (json.type !== name || typeof json.delta !== 'string') return undefined;
      return { key: `r:${json.item_id}:${json.output_index}:${json.content_index}`, text: json.delta, json };
    }
    const choices = json.choices as Record<string, unknown>[] | undefined;
    if (!Array.isArray(choices) || choices.length !== 1 || json.usage != null) return undefined;
    const choice = choices[0];
    const delta = choice.delta as Record<string, unknown> | undefined;
    if (choice.finish_reason != null || choice.logprobs != null || !delta) return undefined;
    const keys = Object.keys(delta);
    if (keys.length !== 1 || keys[0] !== 'content' || typeof delta.content !== 'string') return undefined;
    return { key: `c:${json.id}:${choice.index}`, text: delta.content, json };
  };

  /** Takes in upstream bytes; returns the SSE text to send now ('' while everything is held). */
  const take = (bytes: Uint8Array): string => {
    buffer += decoder.decode(bytes, { stream: true });
    if (passThrough || buffer.includes('\r')) {
      // CRLF-framed SSE: not worth a second parser; hand everything on untouched from here.
      passThrough = true;
      holding.close();
      const out = heldFrame() + buffer;
      buffer = '';
      return out;
    }
    let out = '';
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end < 0) break;
      const block = buffer.slice(0, end + 2);
      buffer = buffer.slice(end + 2);
      let name: string | undefined;
      let data = '';
      let plain = true;
      for (const line of block.split('\n')) {
        if (line === '') continue;
        if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ') && data === '') data = line.slice(6);
        else plain = false; // comments, ids, retry, multi-line data: pass through as is
      }
      const text = plain && data ? textOf(name, data) : undefined;
      if (!text) {
        out += heldFrame() + block;
        holding.close();
        continue;
      }
      if (heldEvent && heldEvent.key !== text.key) {
        out += heldFrame();
        holding.close();
      }
      if (!holding.isOpen()) {
        // No window open: this event goes out now and opens one.
        out += block;
        holding.open();
      } else {
        if (!heldEvent) heldEvent = { name, json: text.json, key: text.key, raw: block };
        heldTexts.push(text.text);
      }
    }
    return out;
  };

  /** Everything still held or buffered, as the stream ends. */
  const rest = () => {
    done = true;
    holding.stop();
    return heldFrame() + buffer + decoder.decode();
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
          const out = rest();
          if (out) c.enqueue(encoder.encode(out));
          c.error(error);
          return;
        }
        if (done) return;
        if (read.done) {
          const out = rest();
          if (out) c.enqueue(encoder.encode(out));
          c.close();
          return;
        }
        const out = take(read.value);
        if (out) {
          c.enqueue(encoder.encode(out));
          return;
        }
      }
    },
    cancel(reason) {
      done = true;
      holding.stop();
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
