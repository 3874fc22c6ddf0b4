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

/** The saved settings, when still valid for what this server offers. */
export function readReplySettings(deployments: string[], fallback: ReplySettings): ReplySettings {
  try {
    const saved = JSON.parse(read(SETTINGS_KEY) ?? '{}') as Partial<ReplySettings>;
    return {
      model: saved.model && deployments.includes(saved.model) ? saved.model : fallback.model,
      temperature:
        typeof saved.temperature === 'number' && saved.temperature >= 0 && saved.temperature <= 2
          ? saved.temperature
          : fallback.temperature,
    };
  } catch {
    return fallback;
  }
}

export const rememberReplySettings = (settings: ReplySettings) => write(SETTINGS_KEY, JSON.stringify(settings));
