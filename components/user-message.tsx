'use client';

import { memo, useState } from 'react';
import type { ChatMessage } from '@/lib/chat/metadata';
import { messageText } from '@/lib/client/message-text';
import { isSendKey } from '@/lib/client/send-key';
import { CopyButton } from './copy-button';
import { EditIcon } from './icons';

interface UserMessageProps {
  message: ChatMessage;
  /** Set only on the last user message, and only when it may be changed and sent again. */
  onEdit?: (text: string) => void;
}

/** A message the user sent; the last one can be edited and resent in place. */
export const UserMessage = memo(function UserMessage({ message, onEdit }: UserMessageProps) {
  const text = messageText(message);
  const [draft, setDraft] = useState<string | undefined>(undefined);

  if (draft !== undefined && onEdit) {
    const submit = () => {
      if (!draft.trim()) return;
      setDraft(undefined);
      onEdit(draft.trim());
    };
    return (
      <form
        className="message message-user message-editing"
        aria-label="Edit your message"
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <textarea
          className="edit-input"
          aria-label="Edited message"
          value={draft}
          autoFocus
          rows={Math.min(8, draft.split('\n').length + 1)}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={(event) => {
            if (isSendKey(event)) {
              event.preventDefault();
              submit();
            } else if (event.key === 'Escape') {
              setDraft(undefined);
            }
          }}
        />
        <div className="edit-actions">
          <button type="button" className="button" onClick={() => setDraft(undefined)}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={!draft.trim()}>
            Send
          </button>
        </div>
      </form>
    );
  }

  return (
    <article className="message message-user" aria-label="Your message">
      <p className="user-text">{text}</p>
      <footer className="message-footer">
        <span className="message-actions">
          <CopyButton text={text} label="Copy message" />
          {onEdit && (
            <button type="button" className="icon-button" aria-label="Edit message" title="Edit" onClick={() => setDraft(text)}>
              <EditIcon />
            </button>
          )}
        </span>
      </footer>
    </article>
  );
});
