'use client';

import { useEffect, useState } from 'react';
import type { ConversationSummary } from '@/lib/client/conversation-store';
import { EditIcon, PlusIcon, TrashIcon } from './icons';

interface ConversationListProps {
  conversations: ConversationSummary[];
  activeId: string | undefined;
  onNew: () => void;
  onOpen: (id: string) => void;
  onRename: (id: string, title: string) => void;
  onDelete: (id: string) => void;
}

/** The chats kept in this browser: start one, open one, rename or delete it. */
export function ConversationList({ conversations, activeId, onNew, onOpen, onRename, onDelete }: ConversationListProps) {
  return (
    <nav className="conversation-nav" aria-label="Conversations">
      <button type="button" className="button new-chat" onClick={onNew}>
        <PlusIcon /> New chat
      </button>
      {conversations.length === 0 ? (
        <p className="conversation-empty">Your chats are kept in this browser and will appear here.</p>
      ) : (
        <ul className="conversation-list">
          {conversations.map((conversation) => (
            <ConversationItem
              key={conversation.id}
              conversation={conversation}
              active={conversation.id === activeId}
              onOpen={onOpen}
              onRename={onRename}
              onDelete={onDelete}
            />
          ))}
        </ul>
      )}
    </nav>
  );
}

interface ConversationItemProps {
  conversation: ConversationSummary;
  active: boolean;
  onOpen: (id: string) => void;
  onRename: (id: string, title: string) => void;
  onDelete: (id: string) => void;
}

function ConversationItem({ conversation, active, onOpen, onRename, onDelete }: ConversationItemProps) {
  const [renaming, setRenaming] = useState<string | undefined>(undefined);
  const [confirmingDelete, setConfirmingDelete] = useState(false);

  // A delete must be confirmed with a second click soon after the first.
  useEffect(() => {
    if (!confirmingDelete) return;
    const timer = setTimeout(() => setConfirmingDelete(false), 4000);
    return () => clearTimeout(timer);
  }, [confirmingDelete]);

  if (renaming !== undefined) {
    const finish = (save: boolean) => {
      if (save && renaming.trim()) onRename(conversation.id, renaming);
      setRenaming(undefined);
    };
    return (
      <li className="conversation-item">
        <input
          className="rename-input"
          aria-label="Chat name"
          value={renaming}
          autoFocus
          maxLength={120}
          onChange={(event) => setRenaming(event.target.value)}
          onBlur={() => finish(true)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') finish(true);
            if (event.key === 'Escape') finish(false);
          }}
        />
      </li>
    );
  }

  return (
    <li className="conversation-item" data-active={active || undefined}>
      <button
        type="button"
        className="conversation-open"
        aria-current={active ? 'page' : undefined}
        title={conversation.title}
        onClick={() => onOpen(conversation.id)}
      >
        {conversation.title}
      </button>
      <span className="conversation-actions">
        <button
          type="button"
          className="icon-button"
          aria-label={`Rename “${conversation.title}”`}
          title="Rename"
          onClick={() => setRenaming(conversation.title)}
        >
          <EditIcon />
        </button>
        <button
          type="button"
          className="icon-button"
          data-confirm={confirmingDelete || undefined}
          aria-label={confirmingDelete ? `Confirm deleting “${conversation.title}”` : `Delete “${conversation.title}”`}
          title={confirmingDelete ? 'Click again to delete' : 'Delete'}
          onClick={() => (confirmingDelete ? onDelete(conversation.id) : setConfirmingDelete(true))}
        >
          <TrashIcon />
        </button>
      </span>
    </li>
  );
}
