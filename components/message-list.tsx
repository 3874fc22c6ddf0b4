'use client';

import { Fragment, useEffect, type ReactNode } from 'react';
import type { ChatMessage } from '@/lib/chat/metadata';
import { useFollowScroll } from '@/hooks/use-follow-scroll';
import { AssistantMessage } from './assistant-message';
import { messageText } from '@/lib/client/message-text';
import { FailedTurn } from './failed-turn';
import { ArrowDownIcon } from './icons';
import { TypingIndicator } from './typing-indicator';
import { UserMessage } from './user-message';

interface MessageListProps {
  messages: ChatMessage[];
  /** The last message is a reply that is still arriving. */
  streaming: boolean;
  /** A request is out and no reply token has arrived yet. */
  waiting: boolean;
  onRegenerate?: () => void;
  onEditLast?: (text: string) => void;
  /** Why a question got no answer, by its message id, for the failures seen on this page. */
  failedTurns?: ReadonlyMap<string, string>;
  /** Asks a question again as a new message (Retry under an unanswered earlier question). */
  onResend?: (text: string) => void;
  /** Rendered after the messages (e.g. an error), inside the scrolled area. */
  children?: ReactNode;
}

/**
 * The conversation, scrolled to follow a reply as it grows while the user stays at the bottom.
 * Only the last user message gets Edit and only the last reply gets Regenerate; every other
 * message receives the same props on each update, so memo skips it while a reply streams.
 */
export function MessageList({ messages, streaming, waiting, onRegenerate, onEditLast, failedTurns, onResend, children }: MessageListProps) {
  const { scrollerRef, contentRef, following, jumpToLatest } = useFollowScroll();
  const lastIndex = messages.length - 1;
  const lastUserIndex = messages.findLastIndex((message) => message.role === 'user');
  const lastUserId = messages[lastUserIndex]?.id;

  // Sending (or editing) a message means the user wants to watch the answer.
  useEffect(() => {
    if (lastUserId) jumpToLatest();
  }, [lastUserId, jumpToLatest]);

  return (
    <div className="message-pane">
      <div className="message-scroller" ref={scrollerRef}>
        <div className="message-list" ref={contentRef}>
          {messages.map((message, index) =>
            message.role === 'user' ? (
              <Fragment key={message.id}>
                <UserMessage message={message} onEdit={index === lastUserIndex ? onEditLast : undefined} />
                {/* Followed by the next question: this one was never answered. (The last one's
                  failure is the notice after the list.) */}
                {messages[index + 1]?.role === 'user' && (
                  <FailedTurn
                    reason={failedTurns?.get(message.id) ?? 'No reply was received.'}
                    onRetry={onResend && (() => onResend(messageText(message)))}
                  />
                )}
              </Fragment>
            ) : (
              <AssistantMessage
                key={message.id}
                message={message}
                streaming={streaming && index === lastIndex}
                onRegenerate={index === lastIndex ? onRegenerate : undefined}
              />
            ),
          )}
          {waiting && <TypingIndicator />}
          {children}
        </div>
      </div>
      {!following && (
        <button type="button" className="jump-to-latest" onClick={jumpToLatest}>
          <ArrowDownIcon /> Jump to latest
        </button>
      )}
    </div>
  );
}
