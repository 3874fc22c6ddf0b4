'use client';

import { useChat } from '@ai-sdk/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { chatMessageMetadataSchema, type ChatMessage } from '@/lib/chat/metadata';
import type { ChatConnection } from '@/lib/client/chat-connection';
import { describeChatError } from '@/lib/client/chat-error';
import { messageText } from '@/lib/client/message-text';
import { useConversationSaving } from './use-conversation-saving';

/**
 * How often a streaming reply is re-rendered (ms). Rendering every token costs the page most of
 * its main-thread time on a fast reply; 40 ms keeps 25 updates a second, which still reads as
 * smooth (twice as long looks choppy), at well under half the script time. That time per second
 * stays flat as the reply grows, since only the streaming message and its last block re-render.
 */
const REPLY_RENDER_THROTTLE_MS = 40;

const RESUME_FAILED = 'The reply was interrupted (the page was reloaded or the connection dropped) and could not be resumed.';

export interface ResumableChatOptions {
  conversationId: string;
  initialMessages: ChatMessage[];
  /** The stored reply was still arriving when the page went away: try to pick it up again. */
  resume: boolean;
  connection: ChatConnection;
  /** Called whenever the messages change, to persist them; `replyInProgress` while a reply arrives. */
  onMessagesChange: (messages: ChatMessage[], replyInProgress: boolean) => void;
}

/**
 * One conversation with the chat API: `useChat`, plus picking up a reply that was still arriving
 * when the page went away, saving as it goes, stopping on the server too, and errors in words.
 */
export function useResumableChat({ conversationId, initialMessages, resume, connection, onMessagesChange }: ResumableChatOptions) {
  const resumingRef = useRef(false);
  const [resumeFailed, setResumeFailed] = useState(false);

  const { messages, setMessages, status, error, sendMessage, regenerate, stop, resumeStream } = useChat<ChatMessage>({
    id: conversationId,
    messages: initialMessages,
    transport: connection.transport,
    messageMetadataSchema: chatMessageMetadataSchema,
    throttle: REPLY_RENDER_THROTTLE_MS,
    onError: () => {
      if (resumingRef.current) setResumeFailed(true);
    },
  });

  const busy = status === 'submitted' || status === 'streaming';
  const lastMessage = messages.at(-1);
  const streaming = status === 'streaming' && lastMessage?.role === 'assistant';

  // Resumed by hand rather than with useChat's `resume`, which would ask on every chat switch and
  // cannot tell a failed resume apart from a failed reply.
  useEffect(() => {
    if (!resume) return;
    resumingRef.current = true;
    void resumeStream().finally(() => {
      resumingRef.current = false;
    });
  }, [resume, resumeStream]);

  const shownMessages = useResumedReply({ messages, setMessages, resume, initialMessages });
  const [savedAtStart] = useState(() => ({ messages: initialMessages, replyInProgress: resume }));
  useConversationSaving(shownMessages, busy, savedAtStart, onMessagesChange);

  const stopReply = useStopReply({ connection, conversationId, stop, busy });

  const send = useCallback(
    (text: string) => {
      setResumeFailed(false);
      void sendMessage({ text });
    },
    [sendMessage],
  );
  const retry = useCallback(() => {
    setResumeFailed(false);
    void regenerate();
  }, [regenerate]);
  const editLast = useCallback(
    (text: string) => {
      const lastUser = messages.findLast((message) => message.role === 'user');
      if (!lastUser) return;
      setResumeFailed(false);
      void sendMessage({ text, messageId: lastUser.id });
    },
    [messages, sendMessage],
  );

  const errorText = error && (resumeFailed ? RESUME_FAILED : describeChatError(error, { replyStarted: lastMessage?.role === 'assistant' }));
  const failedTurns = useFailedTurns(messages, errorText);

  return {
    messages: shownMessages,
    status,
    busy,
    streaming,
    /** A request is out and no reply token has arrived yet. */
    waiting: busy && !streaming,
    lastMessage,
    errorText,
    failedTurns,
    send,
    retry,
    editLast,
    stopReply,
  };
}

/**
 * Stop ends the reply on the page and asks the server to cancel it (with resumable streams,
 * closing the connection alone is only a disconnect). Escape stops too while a reply is coming.
 */
function useStopReply({
  connection,
  conversationId,
  stop,
  busy,
}: {
  connection: ChatConnection;
  conversationId: string;
  stop: () => Promise<void>;
  busy: boolean;
}): () => void {
  const stopReply = useCallback(() => {
    void connection.stopGeneration(conversationId);
    void stop();
  }, [connection, conversationId, stop]);

  useEffect(() => {
    if (!busy) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') stopReply();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [busy, stopReply]);

  return stopReply;
}

/**
 * The messages to show and save while a reply is resumed. The resume stream replays the reply
 * from its start: when its start carries no message id, the replay arrives as a new message and
 * the part saved before the reload is superseded; when it does carry the id, it replaces the
 * saved part from its first (empty) chunk, so until it has caught up the saved text is what is
 * shown and saved: the reply never blanks and a second reload in that moment loses nothing.
 */
function useResumedReply({
  messages,
  setMessages,
  resume,
  initialMessages,
}: {
  messages: ChatMessage[];
  setMessages: (update: (messages: ChatMessage[]) => ChatMessage[]) => void;
  resume: boolean;
  initialMessages: ChatMessage[];
}): ChatMessage[] {
  const [savedPartial] = useState(() => (resume && initialMessages.at(-1)?.role === 'assistant' ? initialMessages.at(-1) : undefined));
  useEffect(() => {
    if (!savedPartial) return;
    const index = messages.findIndex((message) => message.id === savedPartial.id);
    if (index !== -1 && index < messages.length - 1 && messages.at(-1)?.role === 'assistant') {
      setMessages((current) => current.filter((message) => message.id !== savedPartial.id));
    }
  }, [messages, savedPartial, setMessages]);

  return useMemo(() => {
    if (!savedPartial) return messages;
    const savedLength = messageText(savedPartial).length;
    return messages.map((message) => (message.id === savedPartial.id && messageText(message).length < savedLength ? savedPartial : message));
  }, [messages, savedPartial]);
}

/** Why each question got no answer, by its id, kept after useChat forgets the error on the next send. */
function useFailedTurns(messages: ChatMessage[], errorText: string | undefined): ReadonlyMap<string, string> {
  const [failedTurns, setFailedTurns] = useState<ReadonlyMap<string, string>>(new Map());
  const failedQuestionId = errorText ? messages.findLast((message) => message.role === 'user')?.id : undefined;
  // Set during render, React's pattern for state that follows a changed value: recorded in the
  // same render that shows the error, with no extra effect pass.
  if (failedQuestionId && errorText && failedTurns.get(failedQuestionId) !== errorText) {
    setFailedTurns(new Map(failedTurns).set(failedQuestionId, errorText));
  }
  return failedTurns;
}
