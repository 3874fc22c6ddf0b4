'use client';

import { memo } from 'react';
import type { ChatMessage } from '@/lib/chat/metadata';
import { messageText } from '@/lib/client/message-text';
import { replyOutcomeLabel, usageNote } from '@/lib/client/reply-outcome';
import { calledTools, replySources } from '@/lib/client/reply-parts';
import { CopyButton } from './copy-button';
import { RegenerateIcon } from './icons';
import { Markdown } from './markdown';
import { ReplySources } from './reply-sources';

interface AssistantMessageProps {
  message: ChatMessage;
  /** This reply is still arriving. */
  streaming: boolean;
  /** Set only on the last reply, and only when a new one may be requested. */
  onRegenerate?: () => void;
}

/** One reply: its markdown, then how it ended, its token usage and its actions. */
export const AssistantMessage = memo(function AssistantMessage({ message, streaming, onRegenerate }: AssistantMessageProps) {
  const text = messageText(message);
  const outcome = streaming ? undefined : replyOutcomeLabel(message.metadata);
  const usage = usageNote(message.metadata?.usage);
  const sources = replySources(message);
  // A reply that is only a call to a tool this chat does not run has no text to show. The server
  // leaves tool parts out of its stream, so the finish reason tells; a reply saved with its tool
  // parts (or from another server) also names the tools.
  const onlyToolCall = !text && !streaming && message.metadata?.finishReason === 'tool-calls';
  const tools = calledTools(message);

  return (
    <article className="message message-assistant" aria-label="Assistant reply" aria-busy={streaming} data-streaming={streaming || undefined}>
      <Markdown text={text} streaming={streaming} />
      {onlyToolCall && (
        <p className="reply-note">
          No text reply: the model asked to use {tools.length > 0 ? tools.map((name) => `“${name}”`).join(', ') : 'a tool'}, which this chat does not
          run.
        </p>
      )}
      {sources.length > 0 && <ReplySources sources={sources} />}
      {/* The footer keeps its height while streaming so the end of a reply does not shift the page. */}
      <footer className="message-footer" data-hidden={streaming || undefined}>
        {outcome && (
          <span className="reply-outcome" data-reason={message.metadata?.finishReason ?? 'incomplete'}>
            {outcome}
          </span>
        )}
        {usage && (
          <span className="reply-usage" title={usage.detail}>
            {usage.short}
          </span>
        )}
        {message.metadata?.model && <span className="reply-model">{message.metadata.model}</span>}
        <span className="message-actions">
          {text && <CopyButton text={text} label="Copy reply" />}
          {onRegenerate && (
            <button type="button" className="icon-button" aria-label="Regenerate reply" title="Regenerate" onClick={onRegenerate}>
              <RegenerateIcon />
            </button>
          )}
        </span>
      </footer>
    </article>
  );
});
