import type { KeyboardEvent } from 'react';

/**
 * Enter sends, Shift+Enter starts a new line. An Enter that confirms an IME candidate (Japanese,
 * Chinese, Korean input) is part of typing and must not send.
 */
export function isSendKey(event: KeyboardEvent<HTMLElement>): boolean {
  return event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing;
}
