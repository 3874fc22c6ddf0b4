'use client';

import { memo, useRef, useState } from 'react';
import { isSendKey } from '@/lib/client/send-key';
import { SendIcon, StopIcon } from './icons';

interface ComposerProps {
  /** A reply is being requested or is arriving: sending waits, stopping is possible. */
  busy: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
}

/**
 * Where the user writes. Enter sends, Shift+Enter starts a new line; while a reply arrives
 * the user may keep typing, and the send button becomes Stop.
 */
export const Composer = memo(function Composer({ busy, onSend, onStop }: ComposerProps) {
  const [draft, setDraft] = useState('');
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const canSend = !busy && draft.trim().length > 0;

  const send = () => {
    if (!canSend) return;
    onSend(draft.trim());
    setDraft('');
    inputRef.current?.focus();
  };

  return (
    <form
      className="composer"
      aria-label="Send a message"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <textarea
        ref={inputRef}
        className="composer-input"
        aria-label="Message"
        placeholder="Message the assistant…"
        rows={1}
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (isSendKey(event)) {
            event.preventDefault();
            send();
          }
        }}
      />
      {busy ? (
        <button
          type="button"
          className="composer-button composer-stop"
          aria-label="Stop reply"
          title="Stop (Esc)"
          onClick={() => {
            onStop();
            // The Stop button is about to become Send; keep the keyboard user in the composer.
            inputRef.current?.focus();
          }}
        >
          <StopIcon />
        </button>
      ) : (
        <button type="submit" className="composer-button" aria-label="Send message" title="Send (Enter)" disabled={!canSend}>
          <SendIcon />
        </button>
      )}
    </form>
  );
});
