import 'server-only';
import { generateId } from 'ai';
import type { ChatChunk, ChatMessageMetadata } from '@/lib/chat/metadata';
import type { ChatStream } from '@/lib/chat/stream';
import { deliver, sseEvent, SSE_CONTENT_TYPE, type Delivery } from './delivery';
import type { CollectedReply } from './delivery';
import { openAiFinishReason, streamFailure, unixSeconds } from './openai-shared';

/**
 * OpenAI's Chat Completions wire format (`POST /api/v1/chat/completions`), as its SDKs read it:
 * `chat.completion.chunk` events with `choices[0].delta.content`, a last choice with
 * `finish_reason`, a usage chunk when `stream_options.include_usage` asked for one, then
 * `data: [DONE]`. A failure after the first chunk is an `{"error": {…}}` event, which the SDKs
 * raise as an `APIError` carrying the message.
 */

function usage(metadata: ChatMessageMetadata['usage']) {
  const prompt = metadata?.inputTokens ?? 0;
  const completion = metadata?.outputTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: metadata?.totalTokens ?? prompt + completion };
}

function chatCompletionChunks(stream: ChatStream, { includeUsage }: { includeUsage: boolean }): TransformStream<ChatChunk, string> {
  const base = { id: `chatcmpl-${generateId()}`, object: 'chat.completion.chunk', created: unixSeconds(), model: stream.modelId };
  const choice = (delta: Record<string, string>, finishReason: string | null = null) =>
    sseEvent({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });
  let failed = false;
  return new TransformStream<ChatChunk, string>({
    start(controller) {
      controller.enqueue(choice({ role: 'assistant', content: '' }));
    },
    transform(chunk, controller) {
      if (failed) return;
      if (chunk.type === 'text-delta') controller.enqueue(choice({ content: chunk.delta }));
      else if (chunk.type === 'error') {
        failed = true;
        controller.enqueue(sseEvent({ error: streamFailure(stream, chunk.errorText) }));
      } else if (chunk.type === 'finish') {
        controller.enqueue(choice({}, openAiFinishReason(chunk.messageMetadata?.finishReason)));
        if (includeUsage) controller.enqueue(sseEvent({ ...base, choices: [], usage: usage(chunk.messageMetadata?.usage) }));
      }
    },
    flush(controller) {
      if (!failed) controller.enqueue(sseEvent('[DONE]'));
    },
  });
}

export function chatCompletion(stream: ChatStream, reply: CollectedReply) {
  return {
    id: `chatcmpl-${generateId()}`,
    object: 'chat.completion' as const,
    created: unixSeconds(),
    model: stream.modelId,
    choices: [
      {
        index: 0,
        message: { role: 'assistant' as const, content: reply.text, refusal: null },
        logprobs: null,
        finish_reason: openAiFinishReason(reply.finishReason),
      },
    ],
    usage: usage(reply.usage),
  };
}

export function chatCompletionsResponse(stream: ChatStream, delivery: Delivery, request: { stream: boolean; includeUsage: boolean }) {
  return deliver(stream, delivery, {
    streaming: request.stream,
    encoder: () => chatCompletionChunks(stream, request),
    contentType: SSE_CONTENT_TYPE,
    whole: (reply) => chatCompletion(stream, reply),
  });
}
