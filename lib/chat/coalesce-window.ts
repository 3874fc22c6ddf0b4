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
