import { code as streamdownCode } from '@streamdown/code';
import type { CodeHighlighterPlugin, HighlightOptions, HighlightResult } from 'streamdown';
import type { HighlightReply, HighlightRequest } from './protocol';

const inThreadCode: CodeHighlighterPlugin = streamdownCode;

/** Highlighted blocks kept for re-renders (switching chats, a block re-mounting). */
const MAX_CACHED_RESULTS = 200;
/** Unanswered requests remembered; a highlight that fails in the worker never answers. */
const MAX_PENDING_REQUESTS = 64;

type Callback = (result: HighlightResult) => void;

/** Highlighted blocks by key, the most recently used kept. */
function resultCache() {
  const results = new Map<string, HighlightResult>();
  return {
    get: (key: string) => results.get(key),
    remember(key: string, result: HighlightResult) {
      results.delete(key);
      results.set(key, result);
      if (results.size > MAX_CACHED_RESULTS) results.delete(results.keys().next().value!);
    },
  };
}

interface PendingRequest {
  key: string;
  options: HighlightOptions;
  callbacks: Callback[];
}

/**
 * Requests sent to the worker and not answered yet: one per block (the same block asked again
 * joins the waiting request), the oldest given up beyond the bound. `deliver` gets each answer.
 */
function pendingRequests(deliver: (request: PendingRequest, result: HighlightResult) => void) {
  const byId = new Map<number, PendingRequest>();
  const idByKey = new Map<string, number>();
  let nextId = 0;
  const settle = (id: number, result?: HighlightResult) => {
    const request = byId.get(id);
    if (!request) return;
    byId.delete(id);
    idByKey.delete(request.key);
    if (result) deliver(request, result);
  };
  return {
    settle,
    /** The id to send a new request under, or undefined when one for this block is already waiting. */
    add(key: string, options: HighlightOptions, callback?: Callback): number | undefined {
      const known = idByKey.get(key);
      if (known !== undefined) {
        if (callback) byId.get(known)?.callbacks.push(callback);
        return undefined;
      }
      const id = nextId++;
      byId.set(id, { key, options, callbacks: callback ? [callback] : [] });
      idByKey.set(key, id);
      if (byId.size > MAX_PENDING_REQUESTS) settle(byId.keys().next().value!);
      return id;
    },
    /** Every waiting request, no longer waited for here. */
    takeAll(): PendingRequest[] {
      const all = [...byId.values()];
      byId.clear();
      idByKey.clear();
      return all;
    },
  };
}

/**
 * Streamdown's Shiki plugin, run in a Web Worker (`highlight-worker.ts`) so grammar loading and
 * tokenising never block the page while a reply streams. Streamdown already treats highlighting
 * as asynchronous (a block shows its last result until the callback brings the next), so only
 * the thread changes. Where workers are unavailable or fail to start, it highlights in-thread.
 */
export function createWorkerCodePlugin(startWorker: () => Worker | undefined): CodeHighlighterPlugin {
  const cache = resultCache();
  const deliver = ({ key, callbacks }: PendingRequest, result: HighlightResult) => {
    cache.remember(key, result);
    for (const callback of callbacks) callback(result);
  };
  const pending = pendingRequests(deliver);
  let worker: Worker | undefined | null = null; // null: not started yet; undefined: unavailable

  const fallBackInThread = (reason: unknown) => {
    console.warn('[code highlighting] worker unavailable, highlighting on the page:', reason);
    worker?.terminate();
    worker = undefined;
    // Blocks still waiting would otherwise stay plain until their next update.
    for (const request of pending.takeAll()) {
      const ready = inThreadCode.highlight(request.options, (result) => deliver(request, result));
      if (ready) deliver(request, ready);
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
      if ('result' in data) pending.settle(data.id, data.result);
      else pending.settle(data.id);
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
      const ready = cache.get(key);
      if (ready) return ready;

      const thread = ensureWorker();
      if (!thread) return inThreadCode.highlight(options, callback);

      const id = pending.add(key, options, callback);
      if (id !== undefined) thread.postMessage({ id, options } satisfies HighlightRequest);
      return null;
    },
  };
}

/** The page's code highlighter: Shiki in a worker once one is needed. */
export const code = createWorkerCodePlugin(() =>
  typeof Worker === 'undefined' ? undefined : new Worker(new URL('./highlight-worker.ts', import.meta.url)),
);
