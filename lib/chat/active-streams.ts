import { generateId } from 'ai';
import { getConfig, type AppConfig } from '@/lib/config';
import { getLogger } from '@/lib/observability/logger';
import { getStreamPubSub } from '@/lib/storage/pubsub';
import type { ChatStream } from './stream';

/**
 * Which reply is being generated for which chat, kept in the same store as the resumable
 * streams (in-process, or Redis shared by every instance). It lets a reconnecting browser find
 * the stream to resume, and lets an explicit Stop reach the instance that is generating,
 * whichever instance the Stop request lands on: the stop travels as a pub/sub message.
 */

/** A reply outlives its connection at most this long; longer ones are not resumable. */
const ACTIVE_TTL_SECONDS = 60 * 60;

/**
 * A finished reply stays replayable this long, for the page that was reloading (or offline)
 * when it ended: without it, that page would keep only the part it had saved.
 */
const FINISHED_TTL_SECONDS = 15 * 60;
/** Replies larger than this (far beyond MAX_OUTPUT_TOKENS) are not kept after they end. */
const MAX_FINISHED_CHARS = 2_000_000;

const activeKey = (chatId: string) => `chat-active:${chatId}`;
const finishedKey = (chatId: string) => `chat-finished:${chatId}`;
const stopChannel = (streamId: string) => `chat-stop:${streamId}`;

export async function activeStreamId(chatId: string, config: AppConfig = getConfig()): Promise<string | undefined> {
  const value = await getStreamPubSub(config).publisher.get(activeKey(chatId));
  return typeof value === 'string' && value ? value : undefined;
}

/**
 * Records `stream` as the chat's active reply until it ends, and aborts it when a Stop for
 * it arrives. Returns the new stream id.
 */
export async function registerActiveStream(
  chatId: string,
  stream: ChatStream,
  config: AppConfig = getConfig(),
): Promise<string> {
  const { publisher, subscriber } = getStreamPubSub(config);
  const streamId = generateId();
  await subscriber.subscribe(stopChannel(streamId), () => stream.abort(new Error('Stopped by the user.')));
  await publisher.set(activeKey(chatId), streamId, { EX: ACTIVE_TTL_SECONDS });

  void stream.finished.then(async () => {
    try {
      await subscriber.unsubscribe(stopChannel(streamId));
      // Only clear the record if a newer reply has not replaced it meanwhile.
      if ((await activeStreamId(chatId, config)) === streamId) {
        await publisher.set(activeKey(chatId), '', { EX: 1 });
      }
    } catch (error) {
      getLogger().error({ chatId, reason: (error as Error).message }, 'chat: could not clear the active stream');
    }
  });
  return streamId;
}

/** Cancels the chat's active reply wherever it runs. Returns false when nothing was running. */
export async function stopActiveStream(chatId: string, config: AppConfig = getConfig()): Promise<boolean> {
  const streamId = await activeStreamId(chatId, config);
  if (!streamId) return false;
  await getStreamPubSub(config).publisher.publish(stopChannel(streamId), 'stop');
  return true;
}

/**
 * A copy of the reply's SSE text that, once the reply has ended, is kept as the chat's finished
 * reply. The copy only closes after the record is stored, so the resumable stream is marked done
 * no sooner: a reconnecting page finds either the live stream or the finished one, never a gap.
 */
export function recordFinishedReply(chatId: string, config: AppConfig = getConfig()): TransformStream<string, string> {
  let sse = '';
  return new TransformStream<string, string>({
    transform(chunk, controller) {
      if (sse.length <= MAX_FINISHED_CHARS) sse += chunk;
      controller.enqueue(chunk);
    },
    async flush() {
      if (sse.length > MAX_FINISHED_CHARS) return;
      try {
        await getStreamPubSub(config).publisher.set(finishedKey(chatId), sse, { EX: FINISHED_TTL_SECONDS });
      } catch (error) {
        getLogger().error({ chatId, reason: (error as Error).message }, 'chat: could not keep the finished reply');
      }
    },
  });
}

/** The chat's last reply as SSE text, if it ended within the last FINISHED_TTL_SECONDS. */
export async function finishedReply(chatId: string, config: AppConfig = getConfig()): Promise<string | undefined> {
  const value = await getStreamPubSub(config).publisher.get(finishedKey(chatId));
  return typeof value === 'string' && value ? value : undefined;
}
