import { isTemperature } from '@/lib/chat/temperature';
import type { ReplySettings } from './chat-connection';

/**
 * Small per-browser choices kept in localStorage (synchronous, tiny): the open chat and the
 * reply settings. Conversations themselves live in IndexedDB (conversation-store).
 */

const ACTIVE_KEY = 'chat-ui:active-conversation';
const SETTINGS_KEY = 'chat-ui:reply-settings';

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // Storage disabled (private mode, policy): behave as a first visit.
  }
}

function write(key: string, value: string) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Not remembered across reloads, nothing else is lost.
  }
}

export const readActiveConversationId = () => read(ACTIVE_KEY) ?? undefined;
export const rememberActiveConversationId = (id: string) => write(ACTIVE_KEY, id);

/** The settings as remembered (a JSON string, or null): a stable snapshot for useSyncExternalStore. */
let rememberedSettings: string | null | undefined;
const settingsListeners = new Set<() => void>();

export const storedReplySettings = (): string | null => (rememberedSettings !== undefined ? rememberedSettings : read(SETTINGS_KEY));

export function subscribeToReplySettings(listener: () => void): () => void {
  settingsListeners.add(listener);
  return () => settingsListeners.delete(listener);
}

/** Kept for this page even where storage refuses it, and for the next visit where it does not. */
export function rememberReplySettings(settings: ReplySettings) {
  rememberedSettings = JSON.stringify(settings);
  write(SETTINGS_KEY, rememberedSettings);
  for (const listener of settingsListeners) listener();
}

/** Remembered settings, when still valid for what this server offers; `fallback` for the rest. */
export function parseReplySettings(stored: string | null, deployments: string[], fallback: ReplySettings): ReplySettings {
  try {
    const saved = JSON.parse(stored ?? '{}') as Partial<ReplySettings>;
    return {
      model: saved.model && deployments.includes(saved.model) ? saved.model : fallback.model,
      temperature: isTemperature(saved.temperature) ? saved.temperature : fallback.temperature,
    };
  } catch {
    return fallback;
  }
}
