import 'server-only';
import { generateId } from 'ai';
import { getConfig, type AppConfig } from '@/lib/config';
import { createSlots, onStreamEnd } from '@/lib/http/concurrency';
import { getLogger } from '@/lib/observability/logger';
import { getResumableStreamContext, getStreamPubSub } from '@/lib/storage/pubsub';
import { MAX_REPLY_BYTES, getReplyStore } from '@/lib/storage/reply-store';
import type { ChatStream } from './stream';

/**
 * Which reply is being generated for which chat, kept in the same store as the resumable
 * streams (in-process, or Redis shared by every instance). It lets a reconnecting browser find
 * the stream to resume, and lets an explicit Stop reach the instance that is generating,
 * whichever instance the Stop request lands on: the stop travels as a pub/sub message.
 *
 * Every function takes the chat's owned key (lib/chat/chat-owner.ts), never a bare chat id.
 */

/** A reply outlives its connection at most this long; longer ones are not resumable. */
const ACTIVE_TTL_SECONDS = 60 * 60;

/**
 * A finished reply stays replayable this long, for the page that was reloading (or offline)
 * when it ended: without it, that page would keep only the part it had saved.
 */
const FINISHED_TTL_SECONDS = 15 * 60;

const activeKey = (chatKey: string) => `chat-active:${chatKey}`;
/** Messages to the generating instance: `stop`, and readers arriving (`watch`) and leaving (`unwatch`). */
const controlChannel = (streamId: string) => `chat-control:${streamId}`;
type ControlMessage = 'stop' | 'watch' | 'unwatch';

export async function activeStreamId(chatKey: string, config: AppConfig = getConfig()): Promise<string | undefined> {
  const value = await getStreamPubSub(config).publisher.get(activeKey(chatKey));
  return typeof value === 'string' && value ? value : undefined;
}

/**
 * Cancels the reply once nobody has been reading it for `ABANDONED_REPLY_MS`: its own client
 * gone and no resume attached. What was generated is kept as a stopped reply, so a reload
 * later still gets it; a reload in time re-attaches and the reply continues.
 */
function abandonmentWatch(stream: ChatStream, clientGone: AbortSignal, config: AppConfig) {
  let readers = 1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const update = (change: number) => {
    readers = Math.max(0, readers + change);
    clearTimeout(timer);
    timer = undefined;
    if (readers === 0 && config.abandonedReplyMs > 0) {
      timer = setTimeout(() => stream.abort(new Error('Nobody is reading the reply.')), config.abandonedReplyMs);
      timer.unref?.();
    }
  };
  if (clientGone.aborted) update(-1);
  else clientGone.addEventListener('abort', () => update(-1), { once: true });
  void stream.finished.then(() => clearTimeout(timer));
  return update;
}

/**
 * Records `stream` as the chat's active reply until it ends; aborts it when a Stop for it
 * arrives or when it is abandoned (see above). `clientGone` is the request's abort signal.
 * Returns the new stream id.
 */
export async function registerActiveStream(
  chatKey: string,
  stream: ChatStream,
  config: AppConfig = getConfig(),
  clientGone: AbortSignal = new AbortController().signal,
): Promise<string> {
  const { publisher, subscriber } = getStreamPubSub(config);
  const streamId = generateId();
  const readersChange = abandonmentWatch(stream, clientGone, config);
  await subscriber.subscribe(controlChannel(streamId), (message) => {
    if (message === 'stop') stream.abort(new Error('Stopped by the user.'));
    else if (message === 'watch') readersChange(+1);
    else if (message === 'unwatch') readersChange(-1);
  });
  await publisher.set(activeKey(chatKey), streamId, { EX: ACTIVE_TTL_SECONDS });

  void stream.finished.then(async () => {
    try {
      await subscriber.unsubscribe(controlChannel(streamId));
      // Only clear the record if a newer reply has not replaced it meanwhile.
      if ((await activeStreamId(chatKey, config)) === streamId) {
        await publisher.set(activeKey(chatKey), '', { EX: 1 });
      }
    } catch (error) {
      getLogger().error({ reason: (error as Error).message }, 'chat: could not clear the active stream');
    }
  });
  return streamId;
}

function tell(streamId: string, message: ControlMessage, config: AppConfig): Promise<unknown> {
  return getStreamPubSub(config).publisher.publish(controlChannel(streamId), message);
}

/** Cancels the chat's active reply wherever it runs. Returns false when nothing was running. */
export async function stopActiveStream(chatKey: string, config: AppConfig = getConfig()): Promise<boolean> {
  const streamId = await activeStreamId(chatKey, config);
  if (!streamId) return false;
  await tell(streamId, 'stop', config);
  return true;
}

const resumeSlots = createSlots();

/**
 * The chat's reply for a reconnecting client: while it is generated, a live copy (everything so
 * far, then the rest), counted against `MAX_RESUMES_PER_CHAT` readers (429 beyond, in this
 * instance) and keeping the reply from being abandoned; afterwards the finished reply's text.
 */
export async function resumeReply(chatKey: string, config: AppConfig = getConfig()): Promise<ReadableStream<Uint8Array> | string | undefined> {
  const streamId = await activeStreamId(chatKey, config);
  if (streamId) {
    const release = resumeSlots.take(
      chatKey,
      config.maxResumesPerChat,
      `This reply already has ${config.maxResumesPerChat} readers. Close another tab showing it, or retry when it has finished.`,
    );
    // Announced first, so the reply is not abandoned while this reader is being attached.
    void tell(streamId, 'watch', config).catch(() => {});
    const leave = () => {
      release();
      void tell(streamId, 'unwatch', config).catch(() => {});
    };
    try {
      const resumed = await getResumableStreamContext(config).resumeExistingStream(streamId);
      if (resumed) return onStreamEnd(resumed.pipeThrough(new TextEncoderStream()), leave);
    } catch (error) {
      leave();
      throw error;
    }
    leave();
  }
  return finishedReply(chatKey, config);
}

/**
 * A copy of the reply's SSE text that, once the reply has ended, is kept as the chat's finished
 * reply. The copy only closes after the record is stored, so the resumable stream is marked done
 * no sooner: a reconnecting page finds either the live stream or the finished one, never a gap.
 */
export function recordFinishedReply(chatKey: string, config: AppConfig = getConfig()): TransformStream<string, string> {
  const parts: string[] = [];
  let length = 0;
  return new TransformStream<string, string>({
    transform(chunk, controller) {
      // Past the store's cap (UTF-16 units never outnumber UTF-8 bytes) the copy is pointless.
      if (length <= MAX_REPLY_BYTES) parts.push(chunk);
      length += chunk.length;
      controller.enqueue(chunk);
    },
    async flush() {
      if (length > MAX_REPLY_BYTES) return;
      try {
        await getReplyStore(config).put(chatKey, parts.join(''), FINISHED_TTL_SECONDS);
      } catch (error) {
        getLogger().error({ reason: (error as Error).message }, 'chat: could not keep the finished reply');
      }
    },
  });
}

/** The chat's last reply as SSE text, if it ended within the last FINISHED_TTL_SECONDS. */
async function finishedReply(chatKey: string, config: AppConfig = getConfig()): Promise<string | undefined> {
  return getReplyStore(config).get(chatKey);
}
