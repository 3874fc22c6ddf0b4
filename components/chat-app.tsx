'use client';

import { useCallback } from 'react';
import type { PublicConfig } from '@/lib/config';
import { useConversations } from '@/hooks/use-conversations';
import { useDrawer } from '@/hooks/use-drawer';
import { useReplySettings } from '@/hooks/use-reply-settings';
import { ChatSession } from './chat-session';
import { ConfigProblems } from './config-problems';
import { ConversationList } from './conversation-list';
import { MenuIcon, SettingsIcon } from './icons';
import { ReplySettingsForm } from './reply-settings';

/** The whole chat page in the browser: the conversation list, the settings and the open chat. */
export function ChatApp({ config }: { config: PublicConfig }) {
  const { settings, changeSettings, connection } = useReplySettings(config);
  const { open: drawerOpen, toggle: toggleDrawer, close: closeDrawer, drawerRef, toggleRef } = useDrawer();
  // Picking a chat is done with the drawer; focus goes on to the chat, not back to the toggle.
  const leaveDrawer = useCallback(() => closeDrawer({ returnFocus: false }), [closeDrawer]);
  const { conversations, open, title, openConversation, newConversation, rename, remove, save } = useConversations({
    onShow: leaveDrawer,
  });
  const openId = open?.id;

  return (
    <div className="app" data-drawer-open={drawerOpen || undefined}>
      <aside id="conversation-drawer" className="sidebar" ref={drawerRef}>
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
      {drawerOpen && <button type="button" className="drawer-backdrop" aria-label="Close chat list" onClick={() => closeDrawer()} />}
      <main className="chat">
        <header className="chat-header">
          <button
            type="button"
            className="icon-button drawer-toggle"
            aria-label="Show chats"
            ref={toggleRef}
            aria-expanded={drawerOpen}
            aria-controls="conversation-drawer"
            onClick={toggleDrawer}
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
            onMessagesChange={save}
          />
        ) : (
          <div className="chat-session" aria-busy="true" />
        )}
      </main>
    </div>
  );
}
