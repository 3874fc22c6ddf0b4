/**
 * The chat page in a real browser (Debian's Chromium) against the built app running the offline
 * demo model: streaming, markdown, conversations kept across reloads, scrolling, keyboard use,
 * and screenshots of both themes and a phone-sized screen for review.
 */
import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';
import { startAppServer, type AppServer } from './support/app-server';
import { auditAccessibility, seriousViolations } from './support/axe';
import { launchChromium, saveScreenshot } from './support/browser';
import { ChatPage } from './support/chat-page';

jest.setTimeout(180_000);

let server: AppServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  // Slower than the default 40 tokens/s so a reply is still arriving while it is observed.
  // One after the other, so a server that fails to start leaves no browser behind.
  server = await startAppServer({ DEMO_TOKENS_PER_SECOND: '30' });
  browser = await launchChromium();
});

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await server?.stop();
});

/** A fresh browser profile (own IndexedDB) on the chat page. */
async function openChat(options: BrowserContextOptions = {}): Promise<ChatPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(server.url);
  const chat = new ChatPage(page);
  await chat.composer.waitFor();
  return chat;
}

test('a reply grows while it streams, then shows rendered markdown and highlighted code', async () => {
  const chat = await openChat();
  // Code is highlighted in a worker, off the page's main thread (a CSP that refused it would
  // silently fall back to the main thread, with a warning in the console).
  const workers: string[] = [];
  const warnings: string[] = [];
  chat.page.on('worker', (worker) => workers.push(worker.url()));
  chat.page.on('console', (message) => {
    if (message.type() === 'warning' || message.type() === 'error') warnings.push(message.text());
  });
  await expectVisible(chat.page.getByText('Offline demo model'));
  // Layout shifts (not scrolling) while the reply streams: the text must not jump around.
  await chat.page.evaluate(() => {
    const record = window as unknown as { layoutShift: number };
    record.layoutShift = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as Array<PerformanceEntry & { value: number }>) record.layoutShift += entry.value;
    }).observe({ type: 'layout-shift' });
  });
  await chat.send('Show me what you can do');
  await chat.stopButton.waitFor();

  // Sample the reply's length while Stop is still offered, i.e. before the reply ends.
  const samples: number[] = [];
  while (await chat.stopButton.isVisible()) {
    const length = (await chat.lastReplyText()).length;
    if (length > 0 && length !== samples.at(-1)) samples.push(length);
    await chat.page.waitForTimeout(150);
  }
  // Rising: at least three samples longer than the one before. (Not strictly monotonic: a line
  // of pipes shrinks once it becomes a table, and unfinished markup is hidden until complete.)
  const rises = samples.filter((length, index) => index > 0 && length > samples[index - 1]);
  expect(rises.length).toBeGreaterThanOrEqual(3);
  expect(samples.at(-1)).toBeGreaterThan(samples[0]);

  await chat.waitForReplyEnd();
  expect(await chat.page.evaluate(() => (window as unknown as { layoutShift: number }).layoutShift)).toBeLessThan(0.05);
  const reply = chat.lastReply;
  expect((await chat.lastReplyText()).length).toBeGreaterThan(samples[0]);
  expect(await reply.getByRole('listitem').count()).toBeGreaterThan(0);
  expect(await reply.locator('strong, [data-streamdown="strong"]').count()).toBeGreaterThan(0);
  const codeBlock = reply.locator('[data-streamdown="code-block"]').first();
  await codeBlock.waitFor();
  // Highlighted: Shiki gives tokens their own colours.
  await codeBlock.locator('[data-streamdown="code-block-body"] span[style*="--sdm-c"]').first().waitFor();
  const colours = await codeBlock
    .locator('[data-streamdown="code-block-body"] span[style*="--sdm-c"]')
    .evaluateAll((spans) => new Set(spans.map((span) => getComputedStyle(span).color)).size);
  expect(colours).toBeGreaterThan(1);
  expect(workers).toHaveLength(1);
  expect(warnings).toEqual([]);
  await expectVisible(codeBlock.getByRole('button', { name: /copy code/i }));
  await expectVisible(reply.getByText(/\d+ tokens/));
  await expectVisible(reply.getByRole('button', { name: 'Regenerate reply' }));
});

test('chats survive a reload, and a reply interrupted by a reload resumes and completes', async () => {
  const chat = await openChat();
  await chat.send('First question');
  await chat.waitForReplyEnd();
  const firstReply = await chat.lastReplyText();

  await chat.page.reload();
  await expectVisible(chat.page.getByRole('article', { name: 'Your message' }).getByText('First question'));
  expect(await chat.lastReplyText()).toBe(firstReply);
  await expectVisible(chat.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'First question', exact: true }));

  await chat.send('Second question');
  await chat.page.waitForFunction(() => (document.querySelectorAll('[aria-label="Assistant reply"]')[1]?.textContent?.length ?? 0) > 60);
  const beforeReload = await chat.lastReplyText();
  await chat.page.reload();

  await expectVisible(chat.page.getByRole('article', { name: 'Your message' }).getByText('Second question'));
  await chat.replies.nth(1).waitFor();
  expect((await chat.lastReplyText()).length).toBeGreaterThan(0);

  // The reply carries on where it was (the server kept generating) and ends normally: the same
  // reply, not a second one, and not cut short.
  await chat.waitForReplyEnd();
  const afterReload = await chat.lastReplyText();
  expect(afterReload.slice(0, 20)).toBe(beforeReload.slice(0, 20));
  expect(afterReload.length).toBeGreaterThan(beforeReload.length);
  expect(await chat.replies.count()).toBe(2);
  await expectVisible(chat.lastReply.getByText(/\d+ tokens/));
  expect(await chat.lastReply.getByText('Incomplete reply').count()).toBe(0);
  expect(await chat.replyError.count()).toBe(0);

  await chat.page.reload();
  await chat.replies.nth(1).waitFor();
  expect(await chat.lastReplyText()).toBe(afterReload);
});

test('conversations can be started, switched, renamed and deleted, and the list survives a reload', async () => {
  const chat = await openChat();
  const nav = chat.page.getByRole('navigation', { name: 'Conversations' });
  await chat.send('Alpha question');
  await chat.waitForReplyEnd();

  await nav.getByRole('button', { name: 'New chat' }).click();
  await expectVisible(chat.page.getByRole('heading', { name: 'How can I help?' }));
  await chat.send('Beta question');
  await chat.waitForReplyEnd();
  await expectVisible(nav.getByRole('button', { name: 'Beta question', exact: true }));

  await nav.getByRole('button', { name: 'Alpha question', exact: true }).click();
  await expectVisible(chat.page.getByRole('article', { name: 'Your message' }).getByText('Alpha question'));
  expect(await chat.page.getByText('Beta question', { exact: true }).count()).toBe(1); // only in the list

  await nav.getByRole('button', { name: 'Rename “Alpha question”' }).click();
  await chat.page.getByRole('textbox', { name: 'Chat name' }).fill('Greek letters');
  await chat.page.keyboard.press('Enter');
  await expectVisible(nav.getByRole('button', { name: 'Greek letters', exact: true }));

  await chat.page.reload();
  await expectVisible(nav.getByRole('button', { name: 'Greek letters', exact: true }));
  await expectVisible(chat.page.getByRole('heading', { name: 'Greek letters' }));
  await expectVisible(chat.page.getByRole('article', { name: 'Your message' }).getByText('Alpha question'));

  await nav.getByRole('button', { name: 'Delete “Beta question”' }).click();
  await nav.getByRole('button', { name: 'Confirm deleting “Beta question”' }).click();
  await nav.getByRole('button', { name: 'Beta question', exact: true }).waitFor({ state: 'detached' });
  await chat.page.reload();
  await expectVisible(nav.getByRole('button', { name: 'Greek letters', exact: true }));
  expect(await nav.getByRole('button', { name: 'Beta question', exact: true }).count()).toBe(0);
});

test('the view follows a reply at the bottom, lets the user scroll up, and jumps back to the latest', async () => {
  const chat = await openChat({ viewport: { width: 360, height: 560 } });
  const scroller = chat.page.locator('.message-scroller');
  const distanceFromBottom = () => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);

  await chat.send('A long answer please');
  // Once the reply overflows the view, following keeps its end in sight.
  await chat.page.waitForFunction(() => {
    const el = document.querySelector('.message-scroller');
    return !!el && el.scrollHeight > el.clientHeight * 1.5;
  });
  expect(await chat.stopButton.isVisible()).toBe(true);
  expect(await distanceFromBottom()).toBeLessThan(60);

  await scroller.hover();
  await chat.page.mouse.wheel(0, -500);
  const jump = chat.page.getByRole('button', { name: 'Jump to latest' });
  await jump.waitFor();
  const parked = await scroller.evaluate((el) => el.scrollTop);
  await chat.page.waitForTimeout(600);
  expect(await scroller.evaluate((el) => el.scrollTop)).toBe(parked);

  await jump.click();
  await jump.waitFor({ state: 'detached' });
  expect(await distanceFromBottom()).toBeLessThan(60);
  await chat.waitForReplyEnd();
  expect(await distanceFromBottom()).toBeLessThan(60);
});

test('keyboard only: Tab reaches the composer, Shift+Enter adds a line, Enter sends, Esc stops', async () => {
  const chat = await openChat();
  // Tab through the page until the composer has focus: every control on the way is reachable.
  for (let step = 0; step < 20; step++) {
    if (await chat.composer.evaluate((el) => el === document.activeElement)) break;
    await chat.page.keyboard.press('Tab');
  }
  await expect(chat.composer.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
  await chat.page.keyboard.type('line one');
  await chat.page.keyboard.press('Shift+Enter');
  await chat.page.keyboard.type('line two');
  expect(await chat.composer.inputValue()).toBe('line one\nline two');
  await chat.page.keyboard.press('Enter');

  await chat.page.waitForFunction(() => (document.querySelector('[aria-label="Assistant reply"]')?.textContent?.length ?? 0) > 20);
  await chat.page.keyboard.press('Escape');
  await chat.waitForReplyEnd(5_000);
  const stopped = await chat.lastReplyText();
  await expectVisible(chat.lastReply.getByText('Incomplete reply'));
  await chat.page.waitForTimeout(800);
  expect(await chat.lastReplyText()).toBe(stopped);
  expect(await chat.page.getByRole('status').textContent()).toBe('Reply finished.');
});

test('screenshots: light and dark themes, desktop and 360 px wide', async () => {
  const shots: Array<[string, BrowserContextOptions]> = [
    ['chat-light-desktop', { viewport: { width: 1280, height: 800 }, colorScheme: 'light' }],
    ['chat-dark-desktop', { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' }],
    ['chat-light-360', { viewport: { width: 360, height: 740 }, colorScheme: 'light', deviceScaleFactor: 2 }],
    ['chat-dark-360', { viewport: { width: 360, height: 740 }, colorScheme: 'dark', deviceScaleFactor: 2 }],
  ];
  for (const [name, options] of shots) {
    const chat = await openChat(options);
    await saveScreenshot(chat.page, `${name}-empty`);
    await chat.send('How do I connect Azure OpenAI?');
    await chat.waitForReplyEnd();
    await chat.lastReply.locator('[data-streamdown="code-block-body"] span[style*="--sdm-c"]').first().waitFor();
    await saveScreenshot(chat.page, name);
    // Nothing may stick out sideways at any width.
    expect(await chat.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(options.viewport!.width);
  }
  const narrow = await openChat({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2 });
  await narrow.page.getByRole('button', { name: 'Show chats' }).click();
  await expectVisible(narrow.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'New chat' }));
  await narrow.page.waitForTimeout(400); // the drawer slides in
  await saveScreenshot(narrow.page, 'chat-light-360-drawer');
});

test('on a phone, a table wider than the screen shows that it scrolls sideways, and scrolls by keyboard', async () => {
  const chat = await openChat({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  await chat.send('Show me a table');
  await chat.waitForReplyEnd();
  const frame = chat.lastReply.locator('.table-frame');
  const region = frame.getByRole('region', { name: 'Table, scrolls sideways' });
  await region.waitFor();
  const hint = frame.getByText('Scroll sideways for more columns');
  await hint.scrollIntoViewIfNeeded();
  await expectVisible(hint);
  expect(await frame.getAttribute('data-more-right')).toBe('true');
  // The right edge fades over the hidden columns.
  expect(await frame.evaluate((el) => getComputedStyle(el, '::after').opacity)).toBe('1');
  await saveScreenshot(chat.page, 'chat-light-390-table');

  await region.focus();
  for (let press = 0; press < 30 && (await frame.getAttribute('data-more-right')); press++) await chat.page.keyboard.press('ArrowRight');
  expect(await frame.getAttribute('data-more-right')).toBeNull();
  expect(await frame.getAttribute('data-more-left')).toBe('true');
  expect(await region.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);

  // Wide enough for the whole table: no cue, and no extra tab stop.
  await chat.page.setViewportSize({ width: 1280, height: 844 });
  await frame.locator('.table-hint').waitFor({ state: 'detached' });
  expect(await frame.locator('[tabindex]').count()).toBe(0);
});

test('on a phone, Escape closes the chat drawer and gives focus back to its toggle', async () => {
  const chat = await openChat({ viewport: { width: 360, height: 740 } });
  const toggle = chat.page.getByRole('button', { name: 'Show chats' });
  const newChat = chat.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'New chat' });
  await toggle.click();
  await expectVisible(newChat);
  // Focus moved into the drawer.
  await chat.page.waitForFunction(() => document.activeElement?.closest('#conversation-drawer') !== null);

  await chat.page.keyboard.press('Escape');
  await newChat.waitFor({ state: 'hidden' });
  expect(await toggle.getAttribute('aria-expanded')).toBe('false');
  expect(await toggle.evaluate((el) => el === document.activeElement)).toBe(true);
});

describe.each<[string, BrowserContextOptions]>([
  ['light', { viewport: { width: 1280, height: 800 }, colorScheme: 'light' }],
  ['dark', { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' }],
  ['light, 360 px', { viewport: { width: 360, height: 740 }, colorScheme: 'light' }],
  ['dark, 360 px', { viewport: { width: 360, height: 740 }, colorScheme: 'dark' }],
])('axe-core (WCAG 2.2 A and AA) in %s', (_name, options) => {
  test('no serious or critical violation: empty chat, after a markdown reply, with the settings open', async () => {
    const chat = await openChat(options);
    const found: Record<string, unknown[]> = {};
    found.empty = seriousViolations(await auditAccessibility(chat.page));

    await chat.send('Show me what you can do');
    await chat.waitForReplyEnd();
    // Audited once the code is highlighted: Shiki's token colours are part of what is checked.
    await chat.lastReply.locator('[data-streamdown="code-block-body"] span[style*="--sdm-c"]').first().waitFor();
    await expectVisible(chat.lastReply.getByText(/\d+ tokens/));
    found.reply = seriousViolations(await auditAccessibility(chat.page));

    await chat.page.locator('summary', { hasText: 'Settings' }).click();
    await expectVisible(chat.page.getByRole('slider', { name: /Temperature/ }));
    found.settings = seriousViolations(await auditAccessibility(chat.page));

    expect(found).toEqual({ empty: [], reply: [], settings: [] });
  });
});

async function expectVisible(locator: import('playwright-core').Locator) {
  await locator.first().waitFor({ state: 'visible', timeout: 15_000 });
}
