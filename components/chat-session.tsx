'use client';

import { useState } from 'react';
import { useResumableChat, type ResumableChatOptions } from '@/hooks/use-resumable-chat';
import { Composer } from './composer';
import { EmptyChat } from './empty-chat';
import { MessageList } from './message-list';
import { RetryNotice } from './retry-notice';

const NO_REPLY = 'No reply: it was stopped before it began.';

export type ChatSessionProps = ResumableChatOptions;

/** One conversation: its messages, the reply being streamed, the composer and the reply controls. */
export function ChatSession(props: ChatSessionProps) {
  const { messages, status, busy, streaming, waiting, lastMessage, errorText, failedTurns, send, retry, editLast, stopReply } =
    useResumableChat(props);

  // Whether this page has asked for a reply yet, so "Reply finished." is not announced on opening
  // a stored chat. Set during render (React's pattern for state derived from a changed value): an
  // effect would first render, and announce, without it.
  const [hasReplied, setHasReplied] = useState(false);
  if (busy && !hasReplied) setHasReplied(true);
  // Announced politely and only on changes of state, never per token.
  const announcement =
    status === 'submitted'
      ? 'Sending…'
      : status === 'streaming'
        ? 'The assistant is replying…'
        : errorText
          ? `The reply failed: ${errorText}`
          : hasReplied
            ? 'Reply finished.'
            : '';

  return (
    <div className="chat-session">
      {messages.length === 0 && !busy ? (
        <EmptyChat onPick={send} />
      ) : (
        <MessageList
          messages={messages}
          streaming={streaming}
          waiting={waiting}
          onRegenerate={busy ? undefined : retry}
          onEditLast={busy ? undefined : editLast}
          failedTurns={failedTurns}
          onResend={busy ? undefined : send}
        >
          {errorText ? (
            <RetryNotice message={errorText} urgent onRetry={retry} />
          ) : (
            !busy && lastMessage?.role === 'user' && <RetryNotice message={NO_REPLY} urgent={false} onRetry={retry} />
          )}
        </MessageList>
      )}
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      <Composer busy={busy} onSend={send} onStop={stopReply} />
    </div>
  );
}
