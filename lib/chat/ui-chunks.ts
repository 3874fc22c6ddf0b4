import 'server-only';
import { toUIMessageChunk, type TextStreamPart, type ToolSet, type UIMessageStreamOptions } from 'ai';
import type { ChatChunk, ChatMessage } from './metadata';

type Options = Required<Pick<UIMessageStreamOptions<ChatMessage>, 'originalMessages' | 'generateMessageId' | 'messageMetadata' | 'onError'>> & {
  sendSources: boolean;
};

/**
 * `streamText`'s parts as AI SDK UI message chunks, in one stream layer: what
 * `result.toUIMessageStream(options)` produces for a reply without tools or finish callbacks
 * (the SDK's own `toUIMessageChunk` maps each part; the message id, metadata chunks and their
 * order are the SDK's), without the four stream layers that method wraps around it. Every text
 * delta passes each layer, so fewer layers is less work per token for the whole reply.
 */
export function uiMessageChunks(parts: ReadableStream<TextStreamPart<ToolSet>>, options: Options): ReadableStream<ChatChunk> {
  const { originalMessages, generateMessageId, messageMetadata, onError, sendSources } = options;
  // A continued assistant message keeps its id; a new reply gets a fresh one.
  const last = originalMessages[originalMessages.length - 1];
  const responseMessageId = last?.role === 'assistant' ? last.id : generateMessageId();
  // A call of a tool the model invented is reported once, as its input error, not again as its output error.
  const invalidToolCalls = new Set<string>();
  return parts.pipeThrough(
    new TransformStream<TextStreamPart<ToolSet>, ChatChunk>({
      transform(part, controller) {
        if (part.type === 'tool-call' && part.invalid) invalidToolCalls.add(part.toolCallId);
        const repeatedToolError = part.type === 'tool-error' && !part.providerExecuted && invalidToolCalls.delete(part.toolCallId);
        const metadata = messageMetadata({ part });
        const chunk = repeatedToolError
          ? undefined
          : toUIMessageChunk<ToolSet, ChatMessage>(part, { sendSources, onError, messageMetadata: metadata, responseMessageId });
        // Metadata rides on start and finish; for any other part it follows the part's chunk,
        // except that a step's end comes after it.
        if (chunk && part.type !== 'finish-step') controller.enqueue(chunk);
        if (metadata != null && part.type !== 'start' && part.type !== 'finish')
          controller.enqueue({ type: 'message-metadata', messageMetadata: metadata });
        if (chunk && part.type === 'finish-step') controller.enqueue(chunk);
      },
    }),
  );
}
