import { DefaultChatTransport } from 'ai';
import type { ChatMessage } from '@/lib/chat/metadata';
import { chatApiOrigin } from '@/lib/config/browser';

/** What the user picked in the settings; read at request time so a change applies to the next reply. */
export interface ReplySettings {
  model: string;
  temperature: number;
}

type Fetch = typeof globalThis.fetch;

/** Everything the chat says to the server: the reply stream (with the settings), and the explicit stop. */
export class ChatConnection {
  readonly transport: DefaultChatTransport<ChatMessage>;
  #settings: ReplySettings;
  readonly #fetch: Fetch;
  readonly #api: string;

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
      fetch,
      // The server's body is exactly { id, messages, model, temperature }; the default body
      // would add trigger/messageId, which the API does not take.
      prepareSendMessagesRequest: ({ id, messages }) => ({
        body: { id, messages, model: this.#settings.model, temperature: this.#settings.temperature },
      }),
    });
  }

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
      await this.#fetch(`${this.#api}/${encodeURIComponent(chatId)}/stop`, { method: 'POST' });
    } catch {
      // The local stop already ended the reply on screen; a server that cannot be told only
      // finishes a generation nobody reads.
    }
  }
}
