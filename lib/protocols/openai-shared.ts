import 'server-only';
import type { ChatMessageMetadata } from '@/lib/chat/metadata';
import type { ChatStream } from '@/lib/chat/stream';
import { HttpError, openAiError, type OpenAiErrorObject } from '@/lib/http/errors';

/** What the OpenAI-compatible protocols share: ids, timestamps, finish reasons, in-band errors. */

export const unixSeconds = () => Math.floor(Date.now() / 1000);

/** The AI SDK's finish reasons in OpenAI's spelling. */
export function openAiFinishReason(reason: ChatMessageMetadata['finishReason']): 'stop' | 'length' | 'content_filter' | 'tool_calls' {
  if (reason === 'length') return 'length';
  if (reason === 'content-filter') return 'content_filter';
  if (reason === 'tool-calls') return 'tool_calls';
  return 'stop';
}

/** A failure after the stream started, as the OpenAI error object its SDKs raise. */
export function streamFailure(stream: ChatStream, errorText: string): OpenAiErrorObject {
  return openAiError(stream.failure() ?? new HttpError(502, 'upstream_error', errorText));
}
