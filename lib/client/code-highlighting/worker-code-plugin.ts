import { code as streamdownCode } from '@streamdown/code';
import type { CodeHighlighterPlugin, HighlightOptions, HighlightResult } from 'streamdown';
import type { HighlightReply, HighlightRequest } from './protocol';

const inThreadCode: CodeHighlighterPlugin = streamdownCode;

/** Highlighted blocks kept for re-renders (switching chats, a block re-mounting). */
const MAX_CACHED_RESULTS = 200;
/** Unanswered requests remembered; a highlight that fails in the worker never answers. */
const MAX_PENDING_REQUESTS = 64;

type Callback = (result: HighlightResult) => void;

/**
 * Streamdown's Shiki plugin, run in a Web Worker (`highlight-worker.ts`) so grammar loading and
 * tokenising never block the page while a reply streams. Streamdown already treats highlighting
 * as asynchronous (a block shows its last result until the callback brings the next), so only
 * the thread changes. Where workers are unavailable or fail to start, it highlights in-thread.
 */
export function createWorkerCodePlugin(startWorker: () => Worker | undefined): CodeHighlighterPlugin {
  const cached = new Map<string, HighlightResult>();
  const pending = new Map<number, { key: string; options: HighlightOptions; callbacks: Callback[] }>();
  const pendingByKey = new Map<string, number>();
  let worker: Worker | undefined | null = null; // null: not started yet; undefined: unavailable
  let nextId = 0;

  const remember = (key: string, result: HighlightResult) => {
    cached.delete(key);
    cached.set(key, result);
    if (cached.size > MAX_CACHED_RESULTS) cached.delete(cached.keys().next().value!);
  };

  const settle = (id: number, result?: HighlightResult) => {
    const request = pending.get(id);
    if (!request) return;
    pending.delete(id);
    pendingByKey.delete(request.key);
    if (result) {
      remember(request.key, result);
      for (const callback of request.callbacks) callback(result);
    }
  };

  const fallBackInThread = (reason: unknown) => {
    console.warn('[code highlighting] worker unavailable, highlighting on the page:', reason);
    worker?.terminate();
    worker = undefined;
    // Blocks still waiting would otherwise stay plain until their next update.
    const waiting = [...pending.values()];
    pending.clear();
    pendingByKey.clear();
    for (const { key, options, callbacks } of waiting) {
      const deliver = (result: HighlightResult) => {
        remember(key, result);
        for (const callback of callbacks) callback(result);
      };
      const ready = inThreadCode.highlight(options, deliver);
      if (ready) deliver(ready);
    }
  };

  const ensureWorker = () => {
    if (worker !== null) return worker;
    try {
      worker = startWorker();
    } catch (error) {
      fallBackInThread(error);
      return undefined;
    }
    worker?.addEventListener('message', ({ data }: MessageEvent<HighlightReply>) => {
      if ('result' in data) settle(data.id, data.result);
      else settle(data.id);
    });
    worker?.addEventListener('error', (event) => fallBackInThread(event.message || 'worker error'));
    return worker;
  };

  return {
    name: 'shiki',
    type: 'code-highlighter',
    supportsLanguage: (language) => inThreadCode.supportsLanguage(language),
    getSupportedLanguages: () => inThreadCode.getSupportedLanguages(),
    getThemes: () => inThreadCode.getThemes(),
    highlight(options: HighlightOptions, callback?: Callback) {
      const key = `${options.language}\n${JSON.stringify(options.themes)}\n${options.code}`;
      const ready = cached.get(key);
      if (ready) return ready;

      const thread = ensureWorker();
      if (!thread) return inThreadCode.highlight(options, callback);

      const known = pendingByKey.get(key);
      if (known !== undefined) {
        if (callback) pending.get(known)?.callbacks.push(callback);
        return null;
      }
      const id = nextId++;
      pending.set(id, { key, options, callbacks: callback ? [callback] : [] });
      pendingByKey.set(key, id);
      if (pending.size > MAX_PENDING_REQUESTS) settle(pending.keys().next().value!);
      thread.postMessage({ id, options } satisfies HighlightRequest);
      return null;
    },
  };
}

/** The page's code highlighter: Shiki in a worker once one is needed. */
export const code = createWorkerCodePlugin(() =>
  typeof Worker === 'undefined' ? undefined : new Worker(new URL('./highlight-worker.ts', import.meta.url)),
);
