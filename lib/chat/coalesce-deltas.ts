import 'server-only';
import type { UIMessageChunk } from 'ai';
import { type CoalesceDeltasOptions, holdWindow, windowOf } from './hold-window';

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

type TextDelta = Extract<UIMessageChunk, { type: 'text-delta' }>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any metadata / data part types
export function coalesceDeltas<CHUNK extends UIMessageChunk<any, any>>(options: CoalesceDeltasOptions): TransformStream<CHUNK, CHUNK> {
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
