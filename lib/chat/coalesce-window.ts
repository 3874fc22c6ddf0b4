import 'server-only';
import { performance } from 'node:perf_hooks';
import type { AppConfig } from '@/lib/config';
import { perConfig } from '@/lib/util/per-key';

/**
 * How long a streamed text delta may be held to merge it with the next ones, widened while this
 * server is busy.
 *
 * Every delta that leaves costs the same work however short it is (a dozen stream layers in the
 * AI SDK, an SSE frame, a socket write), so when the event loop is saturated, short windows only
 * make first tokens and whole replies later for everyone. With little load the window is
 * `baseMs` (about what a reader can see); between 50 % and 90 % event-loop utilisation it widens
 * linearly to `maxMs`, and narrows again as soon as the load drops. The first delta of a reply
 * is never held, whatever the window.
 */
export interface AdaptiveWindowOptions {
  baseMs: number;
  maxMs: number;
  /** This process's event-loop utilisation, 0–1 (injectable for tests). */
  utilization?: () => number;
}

const CALM_UTILIZATION = 0.5;
const SATURATED_UTILIZATION = 0.9;

export function adaptiveWindow({ baseMs, maxMs, utilization = recentEventLoopUtilization() }: AdaptiveWindowOptions): () => number {
  if (maxMs <= baseMs) return () => baseMs;
  return () => {
    const load = (utilization() - CALM_UTILIZATION) / (SATURATED_UTILIZATION - CALM_UTILIZATION);
    return Math.round(baseMs + Math.min(1, Math.max(0, load)) * (maxMs - baseMs));
  };
}

/** Event-loop utilisation over the last ≥ `sampleMs`, re-measured at most that often. */
export function recentEventLoopUtilization(sampleMs = 200): () => number {
  let mark = performance.eventLoopUtilization();
  let markedAt = performance.now();
  let recent = 0;
  return () => {
    const now = performance.now();
    if (now - markedAt >= sampleMs) {
      const next = performance.eventLoopUtilization();
      recent = performance.eventLoopUtilization(next, mark).utilization;
      mark = next;
      markedAt = now;
    }
    return recent;
  };
}

const adaptiveWindowOf = perConfig((config) => adaptiveWindow({ baseMs: config.streamCoalesceMs, maxMs: config.streamCoalesceMaxMs }));

/** The coalescing window this configuration asks for: 0 (off) or one adaptive window per process. */
export function coalesceWindow(config: AppConfig): number | (() => number) {
  return config.streamCoalesceMs <= 0 ? 0 : adaptiveWindowOf(config);
}

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
