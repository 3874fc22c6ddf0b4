import type { HighlightOptions, HighlightResult } from 'streamdown';
import { createWorkerCodePlugin } from '@/lib/client/code-highlighting/worker-code-plugin';
import type { HighlightReply, HighlightRequest } from '@/lib/client/code-highlighting/protocol';

/** Stands in for the browser's Worker: records what the page posts, answers when told to. */
class ScriptedWorker extends EventTarget {
  posted: HighlightRequest[] = [];
  terminated = false;
  postMessage(request: HighlightRequest) {
    this.posted.push(request);
  }
  reply(message: HighlightReply) {
    this.dispatchEvent(new MessageEvent('message', { data: message }));
  }
  fail(message: string) {
    this.dispatchEvent(Object.assign(new Event('error'), { message }));
  }
  terminate() {
    this.terminated = true;
  }
}

const options = (code: string): HighlightOptions => ({ code, language: 'ts', themes: ['github-light', 'github-dark'] });
const tokens = (text: string): HighlightResult => ({ tokens: [[{ content: text, color: '#123456' }]] });

test('sends each block once, hands the worker’s tokens to every caller, and remembers them', () => {
  const worker = new ScriptedWorker();
  const plugin = createWorkerCodePlugin(() => worker as unknown as Worker);
  const first = jest.fn();
  const second = jest.fn();

  expect(plugin.highlight(options('const a = 1;'), first)).toBeNull();
  expect(plugin.highlight(options('const a = 1;'), second)).toBeNull();
  expect(worker.posted).toHaveLength(1);

  worker.reply({ id: worker.posted[0].id, result: tokens('const a = 1;') });
  expect(first).toHaveBeenCalledWith(tokens('const a = 1;'));
  expect(second).toHaveBeenCalledWith(tokens('const a = 1;'));
  expect(plugin.highlight(options('const a = 1;'))).toEqual(tokens('const a = 1;'));
  expect(worker.posted).toHaveLength(1);
});

test('when the worker fails, waiting blocks and later ones are highlighted on the page instead', async () => {
  const worker = new ScriptedWorker();
  const plugin = createWorkerCodePlugin(() => worker as unknown as Worker);
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
  const waiting = new Promise<HighlightResult>((resolve) => plugin.highlight(options('let x = 2;'), resolve));

  worker.fail('refused by the content security policy');
  const result = await waiting;
  expect(
    result.tokens
      .flat()
      .map((token) => token.content)
      .join(''),
  ).toBe('let x = 2;');
  expect(new Set(result.tokens.flat().map((token) => JSON.stringify(token.htmlStyle ?? token.color))).size).toBeGreaterThan(1);
  expect(worker.terminated).toBe(true);
  expect(warn).toHaveBeenCalledWith(expect.stringContaining('worker unavailable'), 'refused by the content security policy');

  await new Promise<HighlightResult>((resolve) => {
    const ready = plugin.highlight(options('let y = 3;'), resolve);
    if (ready) resolve(ready);
  });
  expect(worker.posted).toHaveLength(1);
  warn.mockRestore();
});
