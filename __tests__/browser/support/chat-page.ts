import type { Locator, Page } from 'playwright-core';

/** What a user does on the chat page, in the words of its accessible names. */
export class ChatPage {
  constructor(readonly page: Page) {}

  get composer(): Locator {
    return this.page.getByRole('textbox', { name: 'Message', exact: true });
  }

  get replies(): Locator {
    return this.page.getByRole('article', { name: 'Assistant reply' });
  }

  get lastReply(): Locator {
    return this.replies.last();
  }

  get stopButton(): Locator {
    return this.page.getByRole('button', { name: 'Stop reply' });
  }

  /** The failed-reply notice (Next's own route announcer is an alert too, hence the filter). */
  get replyError(): Locator {
    return this.page.getByRole('alert').filter({ has: this.page.getByRole('button', { name: 'Retry' }) });
  }

  get sendButton(): Locator {
    return this.page.getByRole('button', { name: 'Send message' });
  }

  async send(text: string) {
    await this.composer.fill(text);
    await this.composer.press('Enter');
  }

  /** The last reply is done: its Copy action shows and the composer can send again. */
  async waitForReplyEnd(timeout = 30_000) {
    await this.stopButton.waitFor({ state: 'detached', timeout });
    await this.sendButton.waitFor({ timeout });
  }

  async lastReplyText(): Promise<string> {
    return (await this.replies.count()) === 0 ? '' : ((await this.lastReply.locator('.markdown').textContent()) ?? '');
  }
}
