/**
 * The hold window both coalescers (UI chunks after the SDK, upstream SSE before it) share: plain
 * timers and nothing of Node's, so the UI-chunk coalescer also runs where only web APIs exist.
 * How long a window is comes from `coalesce-window.ts` (widened under load).
 */

export interface CoalesceDeltasOptions {
  /**
   * Longest time a delta may be held back, in milliseconds: a number (0 disables coalescing) or
   * a function asked each time a window opens (`adaptiveWindow` widens it under load).
   */
  windowMs: number | (() => number);
}

/** The window as a function, or undefined when coalescing is off. */
export function windowOf({ windowMs }: CoalesceDeltasOptions): (() => number) | undefined {
  if (typeof windowMs === 'function') return windowMs;
  return windowMs > 0 ? () => windowMs : undefined;
}

/**
 * The leading/trailing window both coalescers (UI chunks, upstream SSE) share. `open()` starts a
 * window; when it ends, `sendHeld()` sends what was held meanwhile: if there was something, the
 * next window opens at once, otherwise none is open until the next `open()`. So the first delta
 * is never delayed, a held one waits at most one window, and order is kept.
 */
export function holdWindow(windowMs: () => number, sendHeld: () => boolean) {
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
