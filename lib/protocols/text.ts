import 'server-only';
import type { ChatChunk, ChatMessageMetadata } from '@/lib/chat/metadata';

/**
 * The plain-text protocol: the reply's text as it is generated, for curl and for the Express
 * tutorial's client. A failure after the text started cannot change the status any more, so it is
 * appended as a line in the caller's style; a content-filter or token-limit stop gets a note.
 */

function finishNote(metadata: ChatMessageMetadata | undefined): string {
  if (metadata?.finishReason === 'content-filter') return "\n\n[stopped: Azure OpenAI's content filter]\n";
  if (metadata?.finishReason === 'length') return '\n\n[stopped: output token limit reached]\n';
  return '';
}

/** `/api/chat`'s error line; the Express tutorial writes `\n[Error: …]` instead. */
const apiErrorLine = (message: string) => `\n\n[error: ${message}]\n`;
export const tutorialErrorLine = (message: string) => `\n[Error: ${message}]`;

export function textEncoder(errorLine: (message: string) => string = apiErrorLine): TransformStream<ChatChunk, string> {
  let metadata: ChatMessageMetadata | undefined;
  return new TransformStream<ChatChunk, string>({
    transform(chunk, controller) {
      if (chunk.type === 'text-delta') controller.enqueue(chunk.delta);
      else if (chunk.type === 'error') controller.enqueue(errorLine(chunk.errorText));
      else if (chunk.type === 'finish' || chunk.type === 'message-metadata') {
        metadata = { ...metadata, ...chunk.messageMetadata };
      }
    },
    flush(controller) {
      const note = finishNote(metadata);
      if (note) controller.enqueue(note);
    },
  });
}
