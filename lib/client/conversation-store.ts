import { createStore, del, get, set, update, values, type UseStore } from 'idb-keyval';
import type { ChatMessage } from '@/lib/chat/metadata';
import { messageText } from './message-text';

/**
 * The browser's own copy of every conversation, in IndexedDB (through idb-keyval).
 * Summaries and messages live in separate stores so the sidebar can list chats without
 * reading every message of every chat.
 */

export interface ConversationSummary {
  id: string;
  title: string;
  /** A title the user typed; kept instead of the one derived from the first message. */
  customTitle: boolean;
  updatedAt: number;
}

export interface StoredConversation {
  messages: ChatMessage[];
  /** True while a reply was streaming when this was saved: after a reload it may be resumed. */
  replyInProgress: boolean;
}

const UNTITLED = 'New chat';

// A streaming reply changes many times a second; writes are coalesced per chat so at most one
// is in flight and only the newest snapshot waits behind it.
const pendingWrites = new Map<string, { latest: StoredConversation; done: Promise<ConversationSummary> }>();

// Opened lazily: this module is also evaluated during server rendering, where there is no IndexedDB.
let stores: { summaries: UseStore; conversations: UseStore } | undefined;
function db() {
  stores ??= {
    summaries: createStore('chat-ui-summaries', 'summaries'),
    conversations: createStore('chat-ui-conversations', 'conversations'),
  };
  return stores;
}

export async function listConversations(): Promise<ConversationSummary[]> {
  const all = await values<ConversationSummary>(db().summaries);
  return all.sort((a, b) => b.updatedAt - a.updatedAt);
}

/** Resolves once a save still on its way for this chat has landed, so reads and deletes see it. */
async function settled(id: string) {
  await pendingWrites.get(id)?.done.catch(() => undefined);
}

export async function loadConversation(id: string): Promise<StoredConversation | undefined> {
  await settled(id);
  return get<StoredConversation>(id, db().conversations);
}

function titleFor(messages: ChatMessage[]): string {
  const firstUserMessage = messages.find((message) => message.role === 'user');
  const text = firstUserMessage ? messageText(firstUserMessage).replace(/\s+/g, ' ') : '';
  return text ? (text.length > 60 ? `${text.slice(0, 57)}…` : text) : UNTITLED;
}

async function writeConversation(id: string, conversation: StoredConversation): Promise<ConversationSummary> {
  await set(id, conversation, db().conversations);
  let summary: ConversationSummary | undefined;
  await update<ConversationSummary>(
    id,
    (previous) =>
      (summary = {
        id,
        title: previous?.customTitle ? previous.title : titleFor(conversation.messages),
        customTitle: previous?.customTitle ?? false,
        updatedAt: Date.now(),
      }),
    db().summaries,
  );
  return summary!;
}

export function saveConversation(id: string, conversation: StoredConversation): Promise<ConversationSummary> {
  const pending = pendingWrites.get(id);
  if (pending) {
    pending.latest = conversation;
    return pending.done;
  }
  const entry = { latest: conversation, done: Promise.resolve({} as ConversationSummary) };
  entry.done = (async () => {
    // Yield once so snapshots arriving in the same tick collapse into this write.
    await Promise.resolve();
    let written: StoredConversation | undefined;
    let summary: ConversationSummary;
    do {
      written = entry.latest;
      summary = await writeConversation(id, written);
    } while (written !== entry.latest);
    pendingWrites.delete(id);
    return summary;
  })();
  entry.done.catch(() => pendingWrites.delete(id));
  pendingWrites.set(id, entry);
  return entry.done;
}

export async function renameConversation(id: string, title: string): Promise<void> {
  const trimmed = title.trim();
  await update<ConversationSummary>(
    id,
    (previous) => ({
      id,
      updatedAt: previous?.updatedAt ?? Date.now(),
      title: trimmed || UNTITLED,
      customTitle: Boolean(trimmed),
    }),
    db().summaries,
  );
}

export async function deleteConversation(id: string): Promise<void> {
  await settled(id);
  await Promise.all([del(id, db().summaries), del(id, db().conversations)]);
}
