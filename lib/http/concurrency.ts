import 'server-only';
import { HttpError } from './errors';

/**
 * Counts what is running per key in this process (replies per client, readers per chat) and
 * refuses with 429 beyond a limit. Per instance: these guard this server's own sockets and
 * upstream requests, which another instance's count says nothing about.
 */
export interface Slots {
  /** Takes a slot for `key`, or throws 429 with `message`. Returns the release (idempotent). */
  take(key: string, limit: number, message: string): () => void;
  /** Slots held for `key` now. */
  held(key: string): number;
}

/** How long a client told "too many at once" should wait before trying again. */
const RETRY_AFTER_SECONDS = '5';

export function createSlots(): Slots {
  const counts = new Map<string, number>();
  return {
    take(key, limit, message) {
      const count = counts.get(key) ?? 0;
      if (limit > 0 && count >= limit) {
        throw new HttpError(429, 'rate_limited', message, { 'Retry-After': RETRY_AFTER_SECONDS });
      }
      counts.set(key, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (counts.get(key) ?? 1) - 1;
        if (left > 0) counts.set(key, left);
        else counts.delete(key);
      };
    },
    held: (key) => counts.get(key) ?? 0,
  };
}

/** The same bytes, calling `onEnd` once when the stream finishes, fails or its reader leaves. */
export function onStreamEnd<T>(stream: ReadableStream<T>, onEnd: () => void): ReadableStream<T> {
  const reader = stream.getReader();
  let ended = false;
  const end = () => {
    if (!ended) {
      ended = true;
      onEnd();
    }
  };
  return new ReadableStream<T>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
}
