/** @jest-environment jsdom */
import './support/web-platform';
import '@testing-library/jest-dom';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { ChatMessage } from '@/lib/chat/metadata';
import { ChatConnection } from '@/lib/client/chat-connection';
import { ChatSession } from '@/components/chat-session';
import { createFakeChatServer, type ScriptedReply } from './support/fake-chat-server';

jest.setTimeout(20_000);

function renderSession({
  replies,
  initialMessages = [],
  resume = false,
  resumeStatus,
  resumeReplay,
}: {
  replies: ScriptedReply[];
  initialMessages?: ChatMessage[];
  resume?: boolean;
  resumeStatus?: number;
  resumeReplay?: ScriptedReply;
}) {
  const server = createFakeChatServer(replies, { resumeStatus, resumeReplay });
  const connection = new ChatConnection({ settings: { model: 'gpt-test', temperature: 0.3 }, fetch: server.fetch });
  const saved: Array<{ messages: ChatMessage[]; replyInProgress: boolean }> = [];
  render(
    <ChatSession
      conversationId="chat-1"
      initialMessages={initialMessages}
      resume={resume}
      connection={connection}
      onMessagesChange={(messages, replyInProgress) => saved.push({ messages, replyInProgress })}
    />,
  );
  return { server, saved };
}

const composer = () => screen.getByRole('textbox', { name: 'Message' });
const lastReply = () => screen.getAllByRole('article', { name: 'Assistant reply' }).at(-1)!;
/** Waits until the last reply shows `text` and the chat is ready again (Send is back). */
const replyFinished = (text: string) =>
  waitFor(
    () => {
      expect(lastReply()).toHaveTextContent(text);
      expect(screen.getByRole('button', { name: 'Send message' })).toBeInTheDocument();
    },
    { timeout: 10_000 },
  );

function send(text: string) {
  fireEvent.change(composer(), { target: { value: text } });
  fireEvent.keyDown(composer(), { key: 'Enter' });
}

const userMessage = (id: string, text: string): ChatMessage => ({ id, role: 'user', parts: [{ type: 'text', text }] });
const assistantMessage = (id: string, text: string, metadata?: ChatMessage['metadata']): ChatMessage => ({
  id,
  role: 'assistant',
  parts: [{ type: 'text', text }],
  metadata,
});

test('a reply appears progressively, then renders as markdown with a highlighted, copyable code block', async () => {
  const deltas = ['Here ', 'is ', 'a ', 'list:\n\n', '- one\n', '- two\n\n', '```ts\n', 'const x = 1;\n', '```\n', 'Done.'];
  const { server } = renderSession({ replies: [{ deltas, intervalMs: 60, usage: { inputTokens: 12, outputTokens: 30, totalTokens: 42 } }] });

  send('Hi there');
  expect(composer()).toHaveValue('');
  expect(await screen.findByRole('article', { name: 'Your message' })).toHaveTextContent('Hi there');
  expect(await screen.findByRole('button', { name: 'Stop reply' })).toBeInTheDocument();

  // Sample the reply's visible length while it streams.
  const lengths: number[] = [];
  while (screen.queryByRole('button', { name: 'Stop reply' })) {
    const text = screen.queryAllByRole('article', { name: 'Assistant reply' }).at(-1)?.textContent ?? '';
    if (text.length > (lengths.at(-1) ?? 0)) lengths.push(text.length);
    await act(() => new Promise((resolve) => setTimeout(resolve, 25)));
  }
  expect(lengths.length).toBeGreaterThanOrEqual(3);

  await replyFinished('Done.');
  const reply = lastReply();
  expect(
    within(reply)
      .getAllByRole('listitem')
      .map((item) => item.textContent),
  ).toEqual(['one', 'two']);
  const codeBlock = reply.querySelector('[data-streamdown="code-block"]');
  expect(codeBlock).toHaveTextContent('const x = 1;');
  expect(within(reply).getByRole('button', { name: /copy code/i })).toBeInTheDocument();
  // Shiki colours tokens once its grammar has loaded.
  await waitFor(() => expect(codeBlock!.querySelector('span[style*="--sdm-c"]')).toHaveTextContent('const'), { timeout: 10_000 });
  expect(reply).toHaveTextContent('42 tokens');
  expect(reply).toHaveTextContent('gpt-test');
  expect(screen.getByRole('status')).toHaveTextContent('Reply finished.');

  // The body the server receives: the chat id, the messages and the chosen settings only.
  const [request] = server.chatRequests();
  expect(request.body).toEqual({
    id: 'chat-1',
    model: 'gpt-test',
    temperature: 0.3,
    messages: [expect.objectContaining({ role: 'user', parts: [{ type: 'text', text: 'Hi there' }] })],
  });
});

test('Shift+Enter does not send; an empty message cannot be sent', () => {
  const { server } = renderSession({ replies: [] });
  fireEvent.change(composer(), { target: { value: 'first line' } });
  fireEvent.keyDown(composer(), { key: 'Enter', shiftKey: true });
  expect(composer()).toHaveValue('first line');
  fireEvent.change(composer(), { target: { value: '   ' } });
  fireEvent.keyDown(composer(), { key: 'Enter' });
  expect(screen.getByRole('button', { name: 'Send message' })).toBeDisabled();
  expect(server.requests).toHaveLength(0);
});

test('Esc stops the reply, keeps the partial text, and tells the server to stop', async () => {
  const { server } = renderSession({ replies: [{ deltas: ['Partial ', 'answer'], holdOpen: true }] });
  send('Tell me a long story');
  await waitFor(() => expect(lastReply()).toHaveTextContent('Partial answer'));
  // While streaming there is no Regenerate and no Edit.
  expect(screen.queryByRole('button', { name: 'Regenerate reply' })).not.toBeInTheDocument();
  expect(screen.queryByRole('button', { name: 'Edit message' })).not.toBeInTheDocument();

  fireEvent.keyDown(document, { key: 'Escape' });
  await replyFinished('Partial answer');
  expect(lastReply()).toHaveTextContent('Partial answer');
  expect(lastReply()).toHaveTextContent('Incomplete reply');
  expect(server.stopRequests()).toEqual([expect.objectContaining({ method: 'POST', url: '/api/chat/chat-1/stop' })]);
  await waitFor(() => expect(server.abortedReplies()).toBe(1));
  expect(screen.queryByRole('alert')).not.toBeInTheDocument();
});

test('the Stop button stops the reply too', async () => {
  const { server } = renderSession({ replies: [{ deltas: ['Some text'], holdOpen: true }] });
  send('Go');
  await waitFor(() => expect(lastReply()).toHaveTextContent('Some text'));
  fireEvent.click(screen.getByRole('button', { name: 'Stop reply' }));
  await replyFinished('Some text');
  expect(server.stopRequests()).toHaveLength(1);
  expect(composer()).toHaveFocus();
  expect(lastReply()).toHaveTextContent('Some text');
});

test('stopping before the first word leaves no empty reply, and offers Retry', async () => {
  renderSession({ replies: [{ deltas: [], silentUntilAborted: true }, { deltas: ['Now it works'] }] });
  send('Question');
  fireEvent.click(await screen.findByRole('button', { name: 'Stop reply' }));
  const notice = await screen.findByText('No reply: it was stopped before it began.');
  expect(screen.queryAllByRole('article', { name: 'Assistant reply' })).toHaveLength(0);
  expect(screen.queryByRole('alert')).not.toBeInTheDocument();

  fireEvent.click(within(notice.parentElement!).getByRole('button', { name: 'Retry' }));
  await replyFinished('Now it works');
  expect(screen.queryByText('No reply: it was stopped before it began.')).not.toBeInTheDocument();
});

test('a refused request shows the server message, and Retry sends it again', async () => {
  const { server } = renderSession({
    replies: [
      { status: 503, code: 'upstream_unavailable', message: 'Azure OpenAI is unavailable right now. Try again in a moment.' },
      { deltas: ['Back ', 'online.'] },
    ],
  });
  send('Hello?');
  const alert = await screen.findByRole('alert');
  expect(alert).toHaveTextContent('Azure OpenAI is unavailable right now. Try again in a moment.');
  expect(alert).not.toHaveTextContent('{');
  expect(screen.getByRole('status')).toHaveTextContent('The reply failed');

  fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
  await replyFinished('Back online.');
  expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  // The retry resends the same conversation: still one user message.
  expect(server.chatRequests()[1].body?.messages.map((message) => message.role)).toEqual(['user']);
});

test('a failed question keeps a "Failed" marker with Retry after the next message is sent', async () => {
  const { server } = renderSession({
    replies: [
      { status: 503, code: 'upstream_unavailable', message: 'Azure OpenAI is unavailable right now. Try again in a moment.' },
      { deltas: ['Second ', 'answer.'] },
      { deltas: ['First ', 'answer.'] },
    ],
  });
  send('First question');
  await screen.findByRole('alert');
  send('Second question');
  await replyFinished('Second answer.');

  // The error notice is gone, but the first question still shows that, and why, it failed.
  expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  const [first] = screen.getAllByRole('article', { name: 'Your message' });
  const marker = first.nextElementSibling as HTMLElement;
  expect(marker).toHaveTextContent('Failed');
  expect(marker).toHaveTextContent('Azure OpenAI is unavailable right now.');

  fireEvent.click(within(marker).getByRole('button', { name: 'Retry this message' }));
  await replyFinished('First answer.');
  const questions = server.chatRequests()[2].body?.messages.filter((message) => message.role === 'user');
  expect(questions?.map((message) => message.parts)).toEqual([
    [{ type: 'text', text: 'First question' }],
    [{ type: 'text', text: 'Second question' }],
    [{ type: 'text', text: 'First question' }],
  ]);
});

test('a stored question that never got an answer is marked as failed, with Retry', () => {
  renderSession({
    replies: [],
    initialMessages: [userMessage('u1', 'Lost question'), userMessage('u2', 'Next question'), assistantMessage('a2', 'An answer.')],
  });
  const [first, second] = screen.getAllByRole('article', { name: 'Your message' });
  expect(first.nextElementSibling).toHaveTextContent('FailedNo reply was received.');
  expect(within(first.nextElementSibling as HTMLElement).getByRole('button', { name: 'Retry this message' })).toBeEnabled();
  expect(second.nextElementSibling).not.toHaveTextContent('Failed');
});

test('an error during the stream keeps the partial reply and shows the error text', async () => {
  renderSession({ replies: [{ deltas: ['Half of ', 'an answer'], errorText: 'The connection to Azure OpenAI was lost.' }] });
  send('Explain');
  const alert = await screen.findByRole('alert');
  expect(alert).toHaveTextContent('The connection to Azure OpenAI was lost.');
  expect(lastReply()).toHaveTextContent('Half of an answer');
  expect(within(alert).getByRole('button', { name: 'Retry' })).toBeEnabled();
});

test('a connection lost during the reply keeps the partial text and says what happened', async () => {
  renderSession({ replies: [{ deltas: ['The first ', 'half'], dropConnection: true }] });
  send('Explain');
  const alert = await screen.findByRole('alert');
  expect(alert).toHaveTextContent('The connection was lost before the reply was finished.');
  expect(lastReply()).toHaveTextContent('The first half');
  expect(lastReply()).toHaveTextContent('Incomplete reply');
});

test('a server that cannot be reached is reported as such', async () => {
  const { server } = renderSession({ replies: [] });
  server.failNextRequest(new TypeError('Failed to fetch'));
  send('Anyone there?');
  expect(await screen.findByRole('alert')).toHaveTextContent('Could not reach the server.');
});

test('a content-filter stop is labelled as such', async () => {
  renderSession({ replies: [{ deltas: ['I cannot'], finishReason: 'content-filter' }] });
  send('Something questionable');
  await replyFinished('I cannot');
  expect(lastReply()).toHaveTextContent('Stopped by the content filter');
});

test('Regenerate replaces the last reply with a new one', async () => {
  const { server } = renderSession({ replies: [{ deltas: ['First answer'] }, { deltas: ['Second answer'] }] });
  send('Question');
  await replyFinished('First answer');

  fireEvent.click(screen.getByRole('button', { name: 'Regenerate reply' }));
  await replyFinished('Second answer');
  expect(screen.getAllByRole('article', { name: 'Assistant reply' })).toHaveLength(1);
  expect(server.chatRequests()[1].body?.messages.map((message) => message.role)).toEqual(['user']);
});

test('Edit changes the last user message and resends from there', async () => {
  const { server } = renderSession({ replies: [{ deltas: ['About cats'] }, { deltas: ['About dogs'] }] });
  send('Tell me about cats');
  await replyFinished('About cats');

  fireEvent.click(screen.getByRole('button', { name: 'Edit message' }));
  const editor = screen.getByRole('textbox', { name: 'Edited message' });
  expect(editor).toHaveValue('Tell me about cats');
  fireEvent.change(editor, { target: { value: 'Tell me about dogs' } });
  fireEvent.keyDown(editor, { key: 'Enter' });

  await replyFinished('About dogs');
  expect(screen.getAllByRole('article', { name: 'Your message' })).toHaveLength(1);
  expect(screen.getByRole('article', { name: 'Your message' })).toHaveTextContent('Tell me about dogs');
  const resent = server.chatRequests()[1].body!.messages;
  expect(resent).toHaveLength(1);
  expect(resent[0].parts).toEqual([{ type: 'text', text: 'Tell me about dogs' }]);
});

test('Copy puts the reply text on the clipboard', async () => {
  const writeText = jest.fn().mockResolvedValue(undefined);
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
  renderSession({ replies: [{ deltas: ['Copy ', 'me'] }] });
  send('Say copy me');
  await replyFinished('Copy me');
  fireEvent.click(within(lastReply()).getByRole('button', { name: 'Copy reply' }));
  await waitFor(() => expect(writeText).toHaveBeenCalledWith('Copy me'));
  expect(await within(lastReply()).findByRole('button', { name: 'Copied' })).toBeInTheDocument();
});

test('every change is handed over for saving, marked in progress while the reply streams', async () => {
  const { saved } = renderSession({ replies: [{ deltas: ['Saved ', 'reply'], intervalMs: 40 }] });
  send('Save this');
  await replyFinished('Saved reply');
  expect(saved[0].replyInProgress).toBe(true); // saved as soon as the reply starts
  const last = saved.at(-1)!;
  expect(last.replyInProgress).toBe(false);
  expect(last.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
  expect(last.messages[1].parts).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'text', text: 'Saved reply' })]));
});

test('a streaming reply is saved about once a second, not on every update, and at once when the page goes away', async () => {
  const deltas = Array.from({ length: 30 }, (_, i) => `word${i} `);
  const { saved } = renderSession({ replies: [{ deltas, intervalMs: 100 }] });
  send('Count slowly');
  await waitFor(() => expect(lastReply()).toHaveTextContent('word20'), { timeout: 10_000 });

  const before = saved.length;
  act(() => {
    window.dispatchEvent(new Event('pagehide'));
  });
  expect(saved.length).toBe(before + 1);
  expect(JSON.stringify(saved.at(-1)!.messages)).toContain('word20');
  expect(saved.at(-1)!.replyInProgress).toBe(true);

  await replyFinished('word29');
  const whileStreaming = saved.filter((entry) => entry.replyInProgress);
  // About 3 s of reply: the start, one save a second and the page-hide one, not one per update.
  expect(whileStreaming.length).toBeLessThanOrEqual(6);
  expect(whileStreaming.some((entry) => JSON.stringify(entry.messages).includes('word5'))).toBe(true);
  expect(saved.at(-1)!.replyInProgress).toBe(false);
  expect(JSON.stringify(saved.at(-1)!.messages)).toContain('word29');
});

test('a reply interrupted by a reload that cannot be resumed keeps its text and offers Retry', async () => {
  const { server } = renderSession({
    replies: [{ deltas: ['A complete answer'] }],
    initialMessages: [userMessage('u1', 'Question'), assistantMessage('a1', 'An incomp')],
    resume: true,
    resumeStatus: 404,
  });
  const alert = await screen.findByRole('alert');
  expect(alert).toHaveTextContent('interrupted');
  expect(lastReply()).toHaveTextContent('An incomp');
  expect(server.requests[0]).toEqual(expect.objectContaining({ method: 'GET', url: '/api/chat/chat-1/stream' }));

  fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
  await waitFor(() => expect(lastReply()).toHaveTextContent('A complete answer'));
  expect(screen.getAllByRole('article', { name: 'Assistant reply' })).toHaveLength(1);
});

test('a reply interrupted by a reload is resumed: replayed in full, replacing the saved part', async () => {
  const { server, saved } = renderSession({
    replies: [],
    initialMessages: [userMessage('u1', 'Question'), assistantMessage('a1', 'The beginn')],
    resume: true,
    // A replay whose start carries no message id, as a server other than this app's may send.
    resumeReplay: { deltas: ['The beginning ', 'and the end.'] },
  });
  await replyFinished('The beginning and the end.');
  expect(screen.getAllByRole('article', { name: 'Assistant reply' })).toHaveLength(1);
  expect(lastReply()).not.toHaveTextContent('Incomplete reply');
  expect(server.requests).toEqual([expect.objectContaining({ method: 'GET', url: '/api/chat/chat-1/stream' })]);
  expect(saved.at(-1)?.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
});

test('a resumed reply keeps showing the saved text until its replay has caught up, then carries on', async () => {
  const { saved } = renderSession({
    replies: [],
    initialMessages: [userMessage('u1', 'Question'), assistantMessage('a1', 'The beginn')],
    resume: true,
    // This app's server names the reply in its start chunk, so the replay replaces the saved part.
    resumeReplay: { messageId: 'a1', deltas: ['The beginning ', 'and the end.'], intervalMs: 300 },
  });
  const shown: string[] = [];
  while (!lastReply().textContent?.includes('and the end.')) {
    shown.push(lastReply().textContent ?? '');
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
  }
  await replyFinished('The beginning and the end.');
  expect(shown.length).toBeGreaterThan(10);
  expect(shown.filter((text) => !text.includes('The beginn'))).toEqual([]);
  expect(saved.filter(({ messages }) => !JSON.stringify(messages).includes('The beginn'))).toEqual([]);
  expect(screen.getAllByRole('article', { name: 'Assistant reply' })).toHaveLength(1);
});

test('a reply with nothing left to resume stays as it was, marked as not finished', async () => {
  const { server } = renderSession({
    replies: [],
    initialMessages: [userMessage('u1', 'Question'), assistantMessage('a1', 'Half a reply')],
    resume: true,
  });
  await waitFor(() => expect(server.requests).toHaveLength(1));
  expect(lastReply()).toHaveTextContent('Half a reply');
  expect(lastReply()).toHaveTextContent('Incomplete reply');
  expect(screen.queryByRole('alert')).not.toBeInTheDocument();
});

test('a stored chat opens with its messages, and without asking the server for anything', () => {
  const { server } = renderSession({
    replies: [],
    initialMessages: [
      userMessage('u1', 'Old question'),
      assistantMessage('a1', 'Old **answer**', { finishReason: 'length', usage: { totalTokens: 7 } }),
    ],
  });
  expect(screen.getByRole('article', { name: 'Your message' })).toHaveTextContent('Old question');
  expect(lastReply()).toHaveTextContent('Old answer');
  expect(lastReply()).toHaveTextContent('Cut off at the length limit');
  expect(lastReply()).toHaveTextContent('7 tokens');
  expect(server.requests).toHaveLength(0);
});

test('a reply lists its cited pages as safe links and its cited files by name', () => {
  const cited: ChatMessage = {
    id: 'a1',
    role: 'assistant',
    parts: [
      { type: 'text', text: 'The news today.' },
      { type: 'source-url', sourceId: 's1', url: 'https://news.example/story', title: 'A story' },
      { type: 'source-url', sourceId: 's2', url: 'https://news.example/story', title: 'A story' },
      { type: 'source-url', sourceId: 's3', url: 'http://plain.example/page' },
      { type: 'source-url', sourceId: 's4', url: 'javascript:alert(1)', title: 'Not a page' },
      { type: 'source-document', sourceId: 's5', mediaType: 'text/plain', title: 'ai.pdf', filename: 'ai.pdf' },
    ],
    metadata: { finishReason: 'stop' },
  };
  renderSession({ replies: [], initialMessages: [userMessage('u1', 'News?'), cited] });
  const sources = within(lastReply()).getByRole('region', { name: 'Sources' });
  const links = within(sources).getAllByRole('link');
  // One link per page (a repeated citation once), named by its title, else its host.
  expect(links.map((link) => [link.textContent, link.getAttribute('href')])).toEqual([
    ['A story', 'https://news.example/story'],
    ['plain.example', 'http://plain.example/page'],
  ]);
  for (const link of links) {
    expect(link).toHaveAttribute('target', '_blank');
    expect(link).toHaveAttribute('rel', 'noopener noreferrer');
  }
  // Anything but a web page, and a file, is shown as text.
  expect(
    within(sources)
      .getAllByRole('listitem')
      .map((item) => item.textContent),
  ).toEqual(['A story', 'plain.example', 'Not a page', 'ai.pdf']);
  expect(sources.querySelector('a[href^="javascript"]')).toBeNull();
});

test('a reply that is only a tool call says so instead of showing an empty bubble', () => {
  const toolOnly: ChatMessage = {
    id: 'a1',
    role: 'assistant',
    parts: [
      { type: 'step-start' },
      {
        type: 'dynamic-tool',
        toolName: 'weather',
        toolCallId: 'call-1',
        state: 'output-error',
        input: { location: 'San Francisco' },
        errorText: 'unavailable',
      },
    ],
    metadata: { finishReason: 'tool-calls' },
  };
  renderSession({ replies: [], initialMessages: [userMessage('u1', 'Weather?'), toolOnly] });
  expect(lastReply()).toHaveTextContent('No text reply: the model asked to use “weather”, which this chat does not run.');
  expect(within(lastReply()).queryByRole('button', { name: 'Copy reply' })).not.toBeInTheDocument();
});

test('a new chat offers suggestions that send right away', async () => {
  const { server } = renderSession({ replies: [{ deltas: ['Sure.'] }] });
  const suggestions = within(screen.getByRole('list', { name: 'Suggestions' })).getAllByRole('button');
  fireEvent.click(suggestions[0]);
  await replyFinished('Sure.');
  expect(server.chatRequests()).toHaveLength(1);
});
