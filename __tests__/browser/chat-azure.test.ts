/**
 * The chat page in a real browser against the built app pointed at the Azure OpenAI wire
 * emulator, which paces tokens, injects failures and counts aborted upstream requests.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { startAppServer, type AppServer } from './support/app-server';
import { launchChromium, saveScreenshot } from './support/browser';
import { ChatPage } from './support/chat-page';

jest.setTimeout(180_000);

let emulator: AzureEmulator;
let server: AppServer;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: 'e2e-key' });
  // One after the other, so a server that fails to start leaves no browser behind.
  server = await startAppServer({
    AZURE_BASE_URL: emulator.url,
    AZURE_API_KEY: emulator.apiKey,
    AZURE_DEPLOYMENTS: 'gpt-test,gpt-other',
    AZURE_API: 'chat',
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.stop();
  await emulator?.close();
});

beforeEach(async () => {
  await context?.close();
  emulator.reset();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
});

async function openChat(): Promise<ChatPage> {
  const page = await context.newPage();
  await page.goto(server.url);
  const chat = new ChatPage(page);
  await chat.composer.waitFor();
  return chat;
}

test('Stop ends the reply, keeps what arrived, and the upstream request is aborted', async () => {
  emulator.setScenario({ words: 400, tokensPerSecond: 25 });
  const chat = await openChat();
  await chat.send('Count for me');
  await chat.page.waitForFunction(() => document.querySelector('[aria-label="Assistant reply"]')?.textContent?.includes('w10'));

  await chat.stopButton.click();
  await chat.waitForReplyEnd(5_000);
  await emulator.waitFor((counters) => counters.aborts >= 1, 10_000);
  expect(emulator.counters.completed).toBe(0);

  const kept = await chat.lastReplyText();
  expect(kept).toMatch(/^w1 w2 w3/);
  await chat.page.waitForTimeout(800);
  expect(await chat.lastReplyText()).toBe(kept);
  expect(kept).not.toContain('w400');
  await chat.lastReply.getByText('Incomplete reply').waitFor();
});

test('a reply that finishes while the page is away is complete when the page comes back', async () => {
  emulator.setScenario({ words: 120, tokensPerSecond: 40 });
  const chat = await openChat();
  await chat.send('Count for me');
  await chat.page.waitForFunction(() => document.querySelector('[aria-label="Assistant reply"]')?.textContent?.includes('w10'));

  // The tab navigates away mid-reply (a reload that takes long, a laptop lid, a train tunnel)…
  await chat.page.goto('about:blank');
  await emulator.waitFor((counters) => counters.completed === 1, 15_000);
  await chat.page.waitForTimeout(500); // the server finishes relaying what the emulator sent

  // …and comes back after the reply has ended: it is there in full, not cut where the page left.
  await chat.page.goto(server.url);
  await chat.page.waitForFunction(() => document.querySelector('[aria-label="Assistant reply"]')?.textContent?.includes('w120'));
  await chat.waitForReplyEnd(5_000);
  expect(await chat.lastReplyText()).toMatch(/^w1 w2 w3[\s\S]* w120/);
  expect(await chat.replies.count()).toBe(1);
  expect(await chat.lastReply.getByText('Incomplete reply').count()).toBe(0);
  expect(emulator.counters).toMatchObject({ requests: 1, aborts: 0 });
});

test('a failed request shows the server message, and Retry gets the reply', async () => {
  // Fails more times than the server retries on its own, so the user sees the failure.
  emulator.setScenario({ words: 6, status: 503, failTimes: 3, retryAfterSeconds: 0 });
  const chat = await openChat();
  await chat.send('Hello?');

  const alert = chat.replyError;
  await alert.waitFor({ timeout: 30_000 });
  const message = (await alert.locator('p').textContent()) ?? '';
  expect(message.length).toBeGreaterThan(10);
  expect(message).not.toMatch(/[{}]|An error occurred/);
  await saveScreenshot(chat.page, 'chat-error-refused');

  await alert.getByRole('button', { name: 'Retry' }).click();
  await chat.waitForReplyEnd();
  expect(await chat.lastReplyText()).toBe('w1 w2 w3 w4 w5 w6');
  expect(await chat.replyError.count()).toBe(0);
  expect(await chat.page.getByRole('article', { name: 'Your message' }).count()).toBe(1);
});

test('a connection dropped mid-reply keeps the partial text and offers Retry', async () => {
  emulator.setScenario({ words: 100, tokensPerSecond: 50, dropAfterTokens: 8 });
  const chat = await openChat();
  await chat.send('Tell me a story');

  const alert = chat.replyError;
  await alert.waitFor({ timeout: 30_000 });
  expect(await alert.locator('p').textContent()).not.toMatch(/[{}]|^An error occurred\.?$/);
  expect(await chat.lastReplyText()).toMatch(/^w1 w2/);
  expect(await alert.getByRole('button', { name: 'Retry' }).isEnabled()).toBe(true);
  await saveScreenshot(chat.page, 'chat-error-dropped');
});

test('a content-filter stop is labelled on the reply', async () => {
  emulator.setScenario({ words: 50, contentFilterAfterTokens: 4 });
  const chat = await openChat();
  await chat.send('Something the filter dislikes');
  await chat.waitForReplyEnd();
  await chat.lastReply.getByText('Stopped by the content filter').waitFor();
  expect(await chat.lastReplyText()).toBe('w1 w2 w3 w4');
});

test('the deployment and temperature chosen in Settings are what the model receives', async () => {
  emulator.setScenario({ words: 3 });
  const chat = await openChat();
  expect(await chat.page.getByText('Offline demo model').count()).toBe(0);

  await chat.page.getByText('Settings', { exact: true }).click();
  await chat.page.getByLabel('Model', { exact: true }).selectOption('gpt-other');
  await chat.page.getByLabel(/Temperature/).fill('1.5');
  await chat.send('Which model are you?');
  await chat.waitForReplyEnd();

  const body = emulator.requests.at(-1)?.body as { model?: string; temperature?: number };
  expect(body.model).toBe('gpt-other');
  expect(body.temperature).toBe(1.5);
  await chat.lastReply.getByText('gpt-other').waitFor();

  // The choice is remembered for the next visit.
  await chat.page.reload();
  await chat.page.getByText('Settings', { exact: true }).click();
  expect(await chat.page.getByLabel('Model', { exact: true }).inputValue()).toBe('gpt-other');
});

test('a failed question keeps a Failed marker with Retry after the next message is sent', async () => {
  emulator.setScenario({ words: 4, status: 503, failTimes: 3, retryAfterSeconds: 0 });
  const chat = await openChat();
  await chat.send('First question');
  await chat.replyError.waitFor({ timeout: 30_000 });
  const reason = (await chat.replyError.locator('p').textContent()) ?? '';

  await chat.send('Second question');
  await chat.waitForReplyEnd();
  expect(await chat.replyError.count()).toBe(0);
  const marker = chat.page.locator('.failed-turn');
  await marker.waitFor();
  expect(await marker.count()).toBe(1);
  expect(await marker.textContent()).toContain(`Failed${reason}`);
  await saveScreenshot(chat.page, 'chat-failed-turn');

  await marker.getByRole('button', { name: 'Retry this message' }).click();
  await chat.waitForReplyEnd();
  const questions = await chat.page.getByRole('article', { name: 'Your message' }).allTextContents();
  expect(questions.map((text) => text.trim())).toEqual(['First question', 'Second question', 'First question']);
  expect(await chat.lastReplyText()).toBe('w1 w2 w3 w4');
});

describe('citations from the Responses API', () => {
  let responsesServer: AppServer;

  beforeAll(async () => {
    responsesServer = await startAppServer({
      AZURE_BASE_URL: emulator.url,
      AZURE_API_KEY: emulator.apiKey,
      AZURE_DEPLOYMENTS: 'gpt-test',
      AZURE_API: 'responses',
    });
  });
  afterAll(() => responsesServer?.stop());

  async function askResponses(question: string): Promise<ChatPage> {
    const page = await context.newPage();
    await page.goto(responsesServer.url);
    const chat = new ChatPage(page);
    await chat.send(question);
    await chat.waitForReplyEnd();
    return chat;
  }

  test('a web search reply lists its cited pages as links that open apart', async () => {
    emulator.setScenario({ replay: 'responses-azure-web-search-preview-tool' });
    const chat = await askResponses('What is in the news?');
    const sources = chat.lastReply.getByRole('region', { name: 'Sources' });
    const link = sources.getByRole('link', { name: 'While You Were Sleeping: 5 stories you might have missed, Nov 19, 2025' });
    await link.waitFor();
    expect(await link.getAttribute('href')).toMatch(/^https:\/\/www\.straitstimes\.com\//);
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await sources.locator('a:not([href^="https://"]):not([href^="http://"])').count()).toBe(0);
    await link.scrollIntoViewIfNeeded();
    await saveScreenshot(chat.page, 'chat-sources-web');
  });

  test('a file search reply names the cited file, without a link', async () => {
    emulator.setScenario({ replay: 'responses-openai-file-search-tool' });
    const chat = await askResponses('What does the document say?');
    const sources = chat.lastReply.getByRole('region', { name: 'Sources' });
    await sources.getByText('ai.pdf', { exact: true }).waitFor();
    expect(await sources.getByRole('link').count()).toBe(0);
  });

  test('a reply that is only a tool call shows a short note, not an empty bubble', async () => {
    emulator.setScenario({ replay: 'responses-azure-tool-call' });
    const chat = await askResponses('Weather in San Francisco?');
    // The server leaves tool parts out of the stream; the finish reason says the model stopped for one.
    await chat.lastReply.getByText('No text reply: the model asked to use a tool, which this chat does not run.').waitFor();
    await saveScreenshot(chat.page, 'chat-tool-call-only');
  });
});
