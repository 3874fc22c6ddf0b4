import 'server-only';
import { generateId } from 'ai';
import type { ChatChunk, ChatMessageMetadata } from '@/lib/chat/metadata';
import type { ChatStream } from '@/lib/chat/stream';
import { apiRoute } from '@/lib/http/api-route';
import { deliver, sseEvent, SSE_CONTENT_TYPE, type CollectedReply, type Delivery } from './delivery';
import { admitJsonBody, startCountedChat } from './intake';
import { streamFailure, unixSeconds } from './openai-shared';
import { parseResponsesRequest } from './requests';

/**
 * The Responses API wire format (`POST /api/v1/responses`, and `POST /v1/chat`, the Express
 * tutorial's relay of it): `response.created`, `response.in_progress`, the message item and its
 * text part opening, `response.output_text.delta` per piece of text, their closing events, then
 * `response.completed` (or `response.incomplete` for a token-limit or content-filter stop).
 * A failure after the start is an `error` event, which the OpenAI SDKs raise as an `APIError`.
 */

type Status = 'in_progress' | 'completed' | 'incomplete';

function usage(metadata: ChatMessageMetadata['usage']) {
  const input = metadata?.inputTokens ?? 0;
  const output = metadata?.outputTokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: metadata?.totalTokens ?? input + output,
  };
}

function incompleteReason(reason: ChatMessageMetadata['finishReason']): 'max_output_tokens' | 'content_filter' | undefined {
  if (reason === 'length') return 'max_output_tokens';
  if (reason === 'content-filter') return 'content_filter';
  return undefined;
}

/** Builds one reply's response object and its output message at each stage. */
function responseShapes(stream: ChatStream) {
  const id = `resp_${generateId()}`;
  const itemId = `msg_${generateId()}`;
  const createdAt = unixSeconds();
  const part = (text: string) => ({ type: 'output_text' as const, text, annotations: [] as never[], logprobs: [] as never[] });
  const item = (status: Status, text?: string) => ({
    id: itemId,
    type: 'message' as const,
    status,
    role: 'assistant' as const,
    content: text === undefined ? [] : [part(text)],
  });
  const response = (status: Status, extra: { text?: string; finish?: ChatMessageMetadata } = {}) => {
    const reason = incompleteReason(extra.finish?.finishReason);
    const final = status === 'in_progress' ? status : reason ? 'incomplete' : 'completed';
    return {
      id,
      object: 'response' as const,
      created_at: createdAt,
      status: final,
      model: stream.modelId,
      output: extra.text === undefined ? [] : [item(final, extra.text)],
      usage: extra.finish ? usage(extra.finish.usage) : null,
      error: null,
      incomplete_details: reason ? { reason } : null,
      instructions: null,
    };
  };
  return { itemId, part, item, response };
}

function responseEvents(stream: ChatStream, { doneEvent = false } = {}): TransformStream<ChatChunk, string> {
  const shapes = responseShapes(stream);
  let sequence = 0;
  let text = '';
  let failed = false;
  const event = (type: string, fields: Record<string, unknown>) => sseEvent({ type, sequence_number: sequence++, ...fields }, type);
  const at = { item_id: shapes.itemId, output_index: 0, content_index: 0 };
  return new TransformStream<ChatChunk, string>({
    start(controller) {
      controller.enqueue(event('response.created', { response: shapes.response('in_progress') }));
      controller.enqueue(event('response.in_progress', { response: shapes.response('in_progress') }));
      controller.enqueue(event('response.output_item.added', { output_index: 0, item: shapes.item('in_progress') }));
      controller.enqueue(event('response.content_part.added', { ...at, part: shapes.part('') }));
    },
    transform(chunk, controller) {
      if (failed) return;
      if (chunk.type === 'text-delta') {
        text += chunk.delta;
        controller.enqueue(event('response.output_text.delta', { ...at, delta: chunk.delta, logprobs: [] }));
      } else if (chunk.type === 'error') {
        failed = true;
        const { code, message } = streamFailure(stream, chunk.errorText);
        controller.enqueue(event('error', { code, message, param: null }));
      } else if (chunk.type === 'finish') {
        const done = shapes.response('completed', { text, finish: chunk.messageMetadata });
        controller.enqueue(event('response.output_text.done', { ...at, text, logprobs: [] }));
        controller.enqueue(event('response.content_part.done', { ...at, part: shapes.part(text) }));
        controller.enqueue(event('response.output_item.done', { output_index: 0, item: done.output[0] }));
        controller.enqueue(event(`response.${done.status}`, { response: done }));
      }
    },
    flush(controller) {
      // The tutorial's relay ends its stream with a named `done` event.
      if (doneEvent) controller.enqueue(sseEvent('[DONE]', 'done'));
    },
  });
}

export function responseObject(stream: ChatStream, reply: CollectedReply) {
  return responseShapes(stream).response('completed', {
    text: reply.text,
    finish: { finishReason: reply.finishReason, usage: reply.usage },
  });
}

export function responsesResponse(
  stream: ChatStream,
  delivery: Delivery,
  { streaming, doneEvent = false }: { streaming: boolean; doneEvent?: boolean },
) {
  return deliver(stream, delivery, {
    streaming,
    encoder: () => responseEvents(stream, { doneEvent }),
    contentType: SSE_CONTENT_TYPE,
    whole: (reply) => responseObject(stream, reply),
  });
}

/**
 * A Responses endpoint, admit → limit → parse → stream → respond, in either dialect: OpenAI's
 * (streams when asked to) or the Express tutorial's, whose clients expect it to always stream and
 * to end with `event: done`, as their relay did.
 */
export function responsesRoute(dialect: 'openai' | 'tutorial') {
  const tutorial = dialect === 'tutorial';
  return apiRoute(
    async (request, { config, cors, log }) => {
      const parsed = parseResponsesRequest(await admitJsonBody(request, config), config);
      const stream = await startCountedChat(request, parsed.chat, config, log);
      return responsesResponse(stream, { request, headers: cors }, { streaming: tutorial || parsed.stream, doneEvent: tutorial });
    },
    { dialect },
  );
}
