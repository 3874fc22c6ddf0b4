import { useCallback, useEffect, useRef } from 'react';
import type { ChatMessage } from '@/lib/chat/metadata';

/**
 * While a reply streams, its conversation is saved at most this often: every save copies the
 * whole conversation into IndexedDB, and the reply re-renders 25 times a second, so saving each
 * update made long conversations cost more main-thread time than rendering them.
 */
const SAVE_WHILE_STREAMING_MS = 1000;

type Snapshot = { messages: ChatMessage[]; replyInProgress: boolean };

/**
 * Persists the messages through `save` whenever they change: at once when a reply starts or
 * ends, at most every SAVE_WHILE_STREAMING_MS while its text arrives, and at once when the page
 * is hidden or closed, so a reload finds what was on screen.
 */
export function useConversationSaving(
  messages: ChatMessage[],
  replyInProgress: boolean,
  initial: Snapshot,
  save: (messages: ChatMessage[], replyInProgress: boolean) => void,
): void {
  const saved = useRef(initial);
  const pending = useRef<Snapshot | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const flush = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = undefined;
    const next = pending.current;
    if (!next) return;
    pending.current = undefined;
    saved.current = next;
    save(next.messages, next.replyInProgress);
  }, [save]);

  useEffect(() => {
    if (messages.length === 0) return;
    if (saved.current.messages === messages && saved.current.replyInProgress === replyInProgress) return;
    pending.current = { messages, replyInProgress };
    if (!replyInProgress || !saved.current.replyInProgress) flush();
    else timer.current ??= setTimeout(flush, SAVE_WHILE_STREAMING_MS);
  }, [messages, replyInProgress, flush]);

  useEffect(() => {
    const onVisibilityChange = () => {
      if (document.visibilityState === 'hidden') flush();
    };
    document.addEventListener('visibilitychange', onVisibilityChange);
    window.addEventListener('pagehide', flush);
    return () => {
      document.removeEventListener('visibilitychange', onVisibilityChange);
      window.removeEventListener('pagehide', flush);
      flush();
    };
  }, [flush]);
}
