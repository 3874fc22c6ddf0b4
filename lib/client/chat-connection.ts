import { DefaultChatTransport } from 'ai';
import type { ChatMessage } from '@/lib/chat/metadata';
import { chatApiOrigin } from '@/lib/config/browser';

/** What the user picked in the settings; read at request time so a change applies to the next reply. */
export interface ReplySettings {
  model: string;
  temperature: number;
}

type Fetch = typeof globalThis.fetch;

/** The header with which the server hands out, and expects back, a chat's token. */
const CHAT_TOKEN_HEADER = 'X-Chat-Token';
const TOKENS_KEY = 'chat-tokens';
/** Tokens of this many most recent chats are kept; older chats' replies are long finished. */
const MAX_TOKENS = 200;

/**
 * The chat tokens the server handed out (to a page without the session cookie, e.g. served
 * from another origin), by chat id. In localStorage so a reload can still resume and stop.
 */
class ChatTokens {
  #read(): Record<string, string> {
    try {
      return JSON.parse(globalThis.localStorage?.getItem(TOKENS_KEY) ?? '{}') as Record<string, string>;
    } catch {
      return {};
    }
  }

  get(chatId: string): string | undefined {
    return this.#read()[chatId];
  }

  set(chatId: string, token: string) {
    const tokens = this.#read();
    delete tokens[chatId];
    tokens[chatId] = token;
    const recent = Object.entries(tokens).slice(-MAX_TOKENS);
    try {
      globalThis.localStorage?.setItem(TOKENS_KEY, JSON.stringify(Object.fromEntries(recent)));
    } catch {
      // Storage full or disabled: this page keeps working; only a reload loses the chat's token.
    }
  }

  headers(chatId: string): Record<string, string> {
    const token = this.get(chatId);
    return token ? { [CHAT_TOKEN_HEADER]: token } : {};
  }
}

/** Everything the chat says to the server: the reply stream (with the settings), and the explicit stop. */
export class ChatConnection {
  readonly transport: DefaultChatTransport<ChatMessage>;
  #settings: ReplySettings;
  readonly #fetch: Fetch;
  readonly #api: string;
  readonly #tokens = new ChatTokens();

  constructor({
    settings,
    fetch = (...args) => globalThis.fetch(...args),
    api = `${chatApiOrigin}/api/chat`,
  }: {
    settings: ReplySettings;
    fetch?: Fetch;
    api?: string;
  }) {
    this.#settings = settings;
    this.#fetch = fetch;
    this.#api = api;
    this.transport = new DefaultChatTransport<ChatMessage>({
      api,
      fetch: this.#keepingTokens,
      // The server's body is exactly { id, messages, model, temperature }; the default body
      // would add trigger/messageId, which the API does not take.
      prepareSendMessagesRequest: ({ id, messages }) => ({
        body: { id, messages, model: this.#settings.model, temperature: this.#settings.temperature },
        headers: this.#tokens.headers(id),
      }),
      prepareReconnectToStreamRequest: ({ id }) => ({ headers: this.#tokens.headers(id) }),
    });
  }

  /** Sends the requests; a new turn's answer may hand out the chat's token, which is kept. */
  #keepingTokens: Fetch = (input, init) => {
    const body = init?.body;
    if (typeof body !== 'string') return this.#fetch(input, init);
    return this.#fetch(input, init).then((response) => {
      const token = response.headers.get(CHAT_TOKEN_HEADER);
      const { id } = token ? (JSON.parse(body) as { id?: string }) : {};
      if (token && id) this.#tokens.set(id, token);
      return response;
    });
  };

  /** Settings for the requests from now on (one already streaming keeps its own). */
  applySettings(settings: ReplySettings) {
    this.#settings = settings;
  }

  /**
   * Asks the server to cancel the generation. Needed besides `useChat().stop()` because with
   * resumable streams closing the connection is only a disconnect, not a cancel.
   */
  async stopGeneration(chatId: string): Promise<void> {
    try {
      await this.#fetch(`${this.#api}/${encodeURIComponent(chatId)}/stop`, {
        method: 'POST',
        headers: this.#tokens.headers(chatId),
      });
    } catch {
      // The local stop already ended the reply on screen; a server that cannot be told only
      // finishes a generation nobody reads.
    }
  }
}
