import 'server-only';
import type { ChatChunk } from '@/lib/chat/metadata';
import { sseEvent } from './delivery';

/**
 * The streaming guide's SSE protocol (Flask, FastAPI and .NET servers; fetch and React clients):
 * `data: {"content": "…"}` per piece of text, then `data: [DONE]`. A failure after the start is
 * `data: {"error": "…"}` and ends the stream, as that guide's Flask server does.
 */
export function contentEvents(): TransformStream<ChatChunk, string> {
  let failed = false;
  return new TransformStream<ChatChunk, string>({
    transform(chunk, controller) {
      if (failed) return;
      if (chunk.type === 'text-delta') controller.enqueue(sseEvent({ content: chunk.delta }));
      else if (chunk.type === 'error') {
        failed = true;
        controller.enqueue(sseEvent({ error: chunk.errorText }));
      }
    },
    flush(controller) {
      if (!failed) controller.enqueue(sseEvent('[DONE]'));
    },
  });
}
