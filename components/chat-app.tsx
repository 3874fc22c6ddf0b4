'use client';

import { generateId } from 'ai';
import { useCallback, useEffect, useState } from 'react';
import type { ChatMessage } from '@/lib/chat/metadata';
import type { PublicConfig } from '@/lib/config';
import {
  readActiveConversationId,
  readReplySettings,
  rememberActiveConversationId,
  rememberReplySettings,
} from '@/lib/client/browser-preferences';
import { ChatConnection, type ReplySettings } from '@/lib/client/chat-connection';
import {
  deleteConversation,
  listConversations,
  loadConversation,
  renameConversation,
  saveConversation,
  type ConversationSummary,
  type StoredConversation,
} from '@/lib/client/conversation-store';
import { ChatSession } from './chat-session';
import { ConfigProblems } from './config-problems';
import { ConversationList } from './conversation-list';
import { MenuIcon, SettingsIcon } from './icons';
import { ReplySettingsForm } from './reply-settings';

const DEFAULT_TEMPERATURE = 0.7;

interface OpenConversation {
  id: string;
  /** What IndexedDB held for it; undefined for a chat that has no message yet. */
  stored?: StoredConversation;
}

/** Puts the newest summary first, or keeps the list as it is when nothing visible changed. */
function withSummary(list: ConversationSummary[] | undefined, summary: ConversationSummary) {
  if (list?.[0]?.id === summary.id && list[0].title === summary.title) return list;
  return [summary, ...(list ?? []).filter((item) => item.id !== summary.id)];
}

/** The whole chat page in the browser: the conversation list, the settings and the open chat. */
export function ChatApp({ config }: { config: PublicConfig }) {
  const [settings, setSettings] = useState<ReplySettings>({ model: config.defaultDeployment, temperature: DEFAULT_TEMPERATURE });
  // One connection for the page's lifetime; requests read the settings it holds when they leave.
  const [connection] = useState(() => new ChatConnection({ settings }));
  useEffect(() => {
    connection.applySettings(settings);
  }, [connection, settings]);

  const [conversations, setConversations] = useState<ConversationSummary[]>();
  const [open, setOpen] = useState<OpenConversation>();
  const [drawerOpen, setDrawerOpen] = useState(false);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const list = await listConversations().catch(() => []);
      const remembered = readActiveConversationId();
      const known = remembered !== undefined && list.some((item) => item.id === remembered);
      const id = known ? remembered : generateId();
      const stored = known ? await loadConversation(id).catch(() => undefined) : undefined;
      if (cancelled) return;
      setSettings((current) => readReplySettings(config.deployments, current));
      setConversations(list);
      rememberActiveConversationId(id);
      setOpen({ id, stored });
    })();
    return () => {
      cancelled = true;
    };
  }, [config.deployments]);

  const show = useCallback((conversation: OpenConversation) => {
    rememberActiveConversationId(conversation.id);
    setOpen(conversation);
    setDrawerOpen(false);
  }, []);

  const openConversation = useCallback(
    async (id: string) => show({ id, stored: await loadConversation(id) }),
    [show],
  );
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
  const persist = useCallback(
    (messages: ChatMessage[], replyInProgress: boolean) => {
      if (!openId) return;
      saveConversation(openId, { messages, replyInProgress })
        .then((summary) => setConversations((list) => withSummary(list, summary)))
        .catch((error: unknown) => console.error('[chat] could not save the conversation', error));
    },
    [openId],
  );

  const changeSettings = useCallback((next: ReplySettings) => {
    setSettings(next);
    rememberReplySettings(next);
  }, []);

  const title = conversations?.find((item) => item.id === openId)?.title ?? 'New chat';

  return (
    <div className="app" data-drawer-open={drawerOpen || undefined}>
      <aside id="conversation-drawer" className="sidebar">
        <div className="brand">Streaming Chat</div>
        {conversations && (
          <ConversationList
            conversations={conversations}
            activeId={openId}
            onNew={newConversation}
            onOpen={openConversation}
            onRename={rename}
            onDelete={remove}
          />
        )}
      </aside>
      {drawerOpen && (
        <button type="button" className="drawer-backdrop" aria-label="Close chat list" onClick={() => setDrawerOpen(false)} />
      )}
      <main className="chat">
        <header className="chat-header">
          <button
            type="button"
            className="icon-button drawer-toggle"
            aria-label="Show chats"
            aria-expanded={drawerOpen}
            aria-controls="conversation-drawer"
            onClick={() => setDrawerOpen((value) => !value)}
          >
            <MenuIcon />
          </button>
          <h1 className="chat-title">{title}</h1>
          {config.mode === 'demo' && (
            <span className="badge" title="No Azure OpenAI settings on the server: replies come from a built-in offline model.">
              Offline demo model
            </span>
          )}
          <details className="settings-menu">
            <summary className="button" aria-label="Settings">
              <SettingsIcon />
              <span className="settings-label">Settings</span>
            </summary>
            <ReplySettingsForm deployments={config.deployments} settings={settings} onChange={changeSettings} />
          </details>
        </header>
        {config.mode === 'misconfigured' && <ConfigProblems problems={config.problems} />}
        {open ? (
          <ChatSession
            key={open.id}
            conversationId={open.id}
            initialMessages={open.stored?.messages ?? []}
            resume={open.stored?.replyInProgress ?? false}
            connection={connection}
            onMessagesChange={persist}
          />
        ) : (
          <div className="chat-session" aria-busy="true" />
        )}
      </main>
    </div>
  );
}
