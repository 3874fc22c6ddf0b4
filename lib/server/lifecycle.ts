import 'server-only';
import { after } from 'next/server';
import { getConfig } from '@/lib/config';
import { HttpError } from '@/lib/http/errors';
import { withTimeout } from '@/lib/util/timeout';

/**
 * The server's life after SIGTERM, as the app sees it. The server entry (server.mjs) sets
 * `draining` when the signal arrives and then awaits `drain()`: new chats are refused, replies
 * in flight get SHUTDOWN_GRACE_MS to finish, and whatever is still running then is ended with
 * a ShutdownError, which its response turns into an error event asking the client to retry.
 *
 * The state lives on a global symbol, not in this module: each route is bundled separately (so
 * this module may exist in several copies) and server.mjs is not bundled at all.
 */

export interface DrainableReply {
  /** Ends the reply now: its response tells the client why, its upstream request is cancelled. */
  end(reason: ShutdownError): void;
  /** Settles when the reply is over, however it ended. */
  finished: Promise<void>;
}

interface Lifecycle {
  draining: boolean;
  /** HTTP requests the server entry is answering: a chat still waiting for its first token is one before it is a reply. */
  openRequests?: number;
  replies?: Set<DrainableReply>;
  drain?: () => Promise<void>;
}

const LIFECYCLE = Symbol.for('azure-streaming-chat.lifecycle');

function lifecycle(): Lifecycle & { replies: Set<DrainableReply> } {
  const scope = globalThis as { [LIFECYCLE]?: Lifecycle };
  const state = (scope[LIFECYCLE] ??= { draining: false });
  state.replies ??= new Set();
  state.drain ??= drain;
  return state as Lifecycle & { replies: Set<DrainableReply> };
}

/** The reason a reply was cut short by a shutdown (its `name` tells logs the outcome). */
export class ShutdownError extends Error {
  constructor() {
    super('The server restarted before this reply was finished. Send the message again to get a full reply.');
    this.name = 'ShutdownError';
  }
}

/** Seconds a refused client should wait: long enough for a load balancer to route around us. */
const RETRY_AFTER_SECONDS = 5;

export function isDraining(): boolean {
  return lifecycle().draining;
}

/** The first step of a route that starts work: a draining server takes none. */
export function refuseWhileDraining(): void {
  if (!isDraining()) return;
  throw new HttpError(503, 'shutting_down', 'This server is shutting down; retry in a few seconds.', {
    'Retry-After': String(RETRY_AFTER_SECONDS),
  });
}

/** Counts the reply as in flight until it finishes, so a shutdown waits for it. */
export function trackReply(reply: DrainableReply): void {
  const { replies } = lifecycle();
  replies.add(reply);
  void reply.finished.finally(() => replies.delete(reply));
}

/**
 * Keeps the request's function running until `work` settles. On serverless hosts (Vercel) a
 * function may be frozen or cancelled once its response is handed over or its caller leaves; a
 * reply that outlives its connection (a resumable chat) must keep generating until it ends.
 * Outside a request (tests calling a handler directly) there is no request to extend.
 */
export function outliveConnection(work: Promise<void>): void {
  try {
    after(work);
  } catch {}
}

/** After the grace period, ended replies get this long to write their error event. */
const SETTLE_MS = 2_000;

/** How often the drain looks again while requests are open that are not replies (yet). */
const POLL_MS = 100;

async function drain(): Promise<void> {
  const state = lifecycle();
  const { replies } = state;
  const deadline = Date.now() + getConfig().shutdownGraceMs;
  // Replies, and requests still open: a chat admitted just before the signal becomes a reply
  // only once the model starts answering.
  while ((replies.size > 0 || (state.openRequests ?? 0) > 0) && Date.now() < deadline) {
    if (replies.size > 0) await settled([...replies], deadline - Date.now());
    else await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, deadline - Date.now())));
  }
  if (replies.size === 0) return;
  console.warn(`[server] ending ${replies.size} repl${replies.size === 1 ? 'y' : 'ies'} still running after the shutdown grace period`);
  const ending = [...replies];
  for (const reply of ending) reply.end(new ShutdownError());
  await settled(ending, SETTLE_MS);
}

/** Waits until every reply finished or `timeoutMs` passed. */
async function settled(replies: DrainableReply[], timeoutMs: number): Promise<void> {
  await withTimeout(Promise.all(replies.map((reply) => reply.finished)), Math.max(0, timeoutMs), () => undefined);
}
