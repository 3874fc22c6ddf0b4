import 'server-only';
import type { ChatStream } from '@/lib/chat/stream';
import { deliver, SSE_CONTENT_TYPE, TEXT_CONTENT_TYPE, type Delivery } from './delivery';
import type { TutorialShape } from './requests';
import { textEncoder, tutorialErrorLine } from './text';
import { contentEvents } from './tutorial-sse';

/** The tutorials' two streams: 002's `{"content"}` events, or 003's plain text with `[Error: …]`. */
export function tutorialResponse(stream: ChatStream, delivery: Delivery, shape: TutorialShape) {
  return deliver(
    stream,
    delivery,
    shape === 'messages-sse'
      ? { streaming: true, encoder: contentEvents, contentType: SSE_CONTENT_TYPE }
      : { streaming: true, encoder: () => textEncoder(tutorialErrorLine), contentType: TEXT_CONTENT_TYPE },
  );
}
