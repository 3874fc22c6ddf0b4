'use client';

import { generateId } from 'ai';
import { useCallback, useEffect, useState } from 'react';
import type { ChatMessage } from '@/lib/chat/metadata';
import { readActiveConversationId, rememberActiveConversationId } from '@/lib/client/browser-preferences';
import {
  deleteConversation,
  listConversations,
  loadConversation,
  renameConversation,
  saveConversation,
  type ConversationSummary,
  type StoredConversation,
} from '@/lib/client/conversation-store';

export interface OpenConversation {
  id: string;
  /** What IndexedDB held for it; undefined for a chat that has no message yet. */
  stored?: StoredConversation;
}

/** Puts the newest summary first, or keeps the list as it is when nothing visible changed. */
function withSummary(list: ConversationSummary[] | undefined, summary: ConversationSummary) {
  if (list?.[0]?.id === summary.id && list[0].title === summary.title) return list;
  return [summary, ...(list ?? []).filter((item) => item.id !== summary.id)];
}

/**
 * The chats kept in this browser and the one that is open: on start the one open last time (or
 * a new one), then opening, starting, renaming, deleting, and saving the open one as it changes.
 * `onShow` runs whenever another chat is shown.
 */
export function useConversations({ onShow }: { onShow?: () => void } = {}) {
  const [conversations, setConversations] = useState<ConversationSummary[]>();
  const [open, setOpen] = useState<OpenConversation>();

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const list = await listConversations().catch(() => []);
      const remembered = readActiveConversationId();
      const known = remembered !== undefined && list.some((item) => item.id === remembered);
      const id = known ? remembered : generateId();
      const stored = known ? await loadConversation(id).catch(() => undefined) : undefined;
      if (cancelled) return;
      setConversations(list);
      rememberActiveConversationId(id);
      setOpen({ id, stored });
    })();
    return () => {
      cancelled = true;
    };
  }, []);

  const show = useCallback(
    (conversation: OpenConversation) => {
      rememberActiveConversationId(conversation.id);
      setOpen(conversation);
      onShow?.();
    },
    [onShow],
  );

  const openConversation = useCallback(async (id: string) => show({ id, stored: await loadConversation(id) }), [show]);
  const newConversation = useCallback(() => show({ id: generateId() }), [show]);

  const rename = useCallback(async (id: string, title: string) => {
    await renameConversation(id, title);
    setConversations(await listConversations());
  }, []);

  const remove = useCallback(
    async (id: string) => {
      await deleteConversation(id);
      const list = await listConversations();
      setConversations(list);
      if (open?.id === id) {
        if (list[0]) await openConversation(list[0].id);
        else newConversation();
      }
    },
    [open?.id, openConversation, newConversation],
  );

  const openId = open?.id;
  const save = useCallback(
    (messages: ChatMessage[], replyInProgress: boolean) => {
      if (!openId) return;
      saveConversation(openId, { messages, replyInProgress })
        .then((summary) => setConversations((list) => withSummary(list, summary)))
        .catch((error: unknown) => console.error('[chat] could not save the conversation', error));
    },
    [openId],
  );

  const title = conversations?.find((item) => item.id === openId)?.title ?? 'New chat';

  return { conversations, open, title, openConversation, newConversation, rename, remove, save };
}
