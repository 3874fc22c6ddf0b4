import type { UIMessageChunk } from 'ai';
import fc from 'fast-check';
import { coalesceSseDeltas, coalescingFetch } from '@/lib/ai/coalescing-fetch';
import { coalesceDeltas } from '@/lib/chat/coalesce-deltas';

type Step = { gap: number; chunk: UIMessageChunk };

const delta = (id: string, text: string): UIMessageChunk => ({ type: 'text-delta', id, delta: text });
const words = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? 'w1' : ` w${i + 1}`));

/** Feeds the steps (each after `gap` ms of fake time) and records what comes out, and when. */
async function run(steps: Step[], windowMs: number) {
  const stream = coalesceDeltas<UIMessageChunk>({ windowMs });
  const out: { chunk: UIMessageChunk; at: number }[] = [];
  const reading = (async () => {
    const reader = stream.readable.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      out.push({ chunk: value, at: Date.now() });
    }
  })();
  const writer = stream.writable.getWriter();
  const sentAt: number[] = [];
  for (const step of steps) {
    if (step.gap > 0) await jest.advanceTimersByTimeAsync(step.gap);
    sentAt.push(Date.now());
    await writer.write(step.chunk);
  }
  await writer.close();
  await reading;
  return { out, sentAt };
}

const textOf = (chunks: UIMessageChunk[], id?: string) =>
  chunks
    .filter((c): c is Extract<UIMessageChunk, { type: 'text-delta' }> => c.type === 'text-delta' && (!id || c.id === id))
    .map((c) => c.delta)
    .join('');

beforeEach(() => {
  // Web streams resolve through microtasks and nextTick: only the timers are faked.
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'], now: 0 });
});
afterEach(() => jest.useRealTimers());

describe('coalesceDeltas', () => {
  it('sends the first delta at once and merges a burst into one chunk before text-end', async () => {
    const steps: Step[] = [
      { gap: 0, chunk: { type: 'start' } },
      { gap: 0, chunk: { type: 'text-start', id: 't1' } },
      ...words(200).map((w) => ({ gap: 0, chunk: delta('t1', w) })),
      { gap: 0, chunk: { type: 'text-end', id: 't1' } },
      { gap: 0, chunk: { type: 'finish' } },
    ];
    const { out } = await run(steps, 30);
    const chunks = out.map((o) => o.chunk);
    expect(chunks.map((c) => c.type)).toEqual(['start', 'text-start', 'text-delta', 'text-delta', 'text-end', 'finish']);
    expect(chunks[2]).toEqual(delta('t1', 'w1'));
    expect(textOf(chunks)).toBe(words(200).join(''));
    // Nothing waited for the window: text-end flushed the held text.
    expect(out.every((o) => o.at === 0)).toBe(true);
  });

  it('holds a paced delta no longer than the window and cuts the chunk count', async () => {
    const steps: Step[] = words(100).map((w, i) => ({ gap: i === 0 ? 0 : 20, chunk: delta('t1', w) }));
    const { out, sentAt } = await run(steps, 50);
    const chunks = out.map((o) => o.chunk);
    expect(textOf(chunks)).toBe(words(100).join(''));
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil((99 * 20) / 50) + 2);
    expect(chunks.length).toBeGreaterThan(10);
    // Map each emitted character back to the delta it came from and check its delay.
    let cursor = 0;
    const tokenEnds = words(100).map((w) => (cursor += w.length));
    let emitted = 0;
    for (const o of out) {
      emitted += (o.chunk as { delta: string }).delta.length;
      const lastToken = tokenEnds.findIndex((end) => end >= emitted);
      const firstToken = tokenEnds.findIndex((end) => end > emitted - (o.chunk as { delta: string }).delta.length);
      for (let t = firstToken; t <= lastToken; t++) expect(o.at - sentAt[t]).toBeLessThanOrEqual(50);
    }
  });

  it('flushes the trailing held text when the window ends with no further input', async () => {
    const stream = coalesceDeltas<UIMessageChunk>({ windowMs: 40 });
    const writer = stream.writable.getWriter();
    const reader = stream.readable.getReader();
    void writer.write(delta('a', 'one'));
    expect(await reader.read()).toEqual({ done: false, value: delta('a', 'one') });
    void writer.write(delta('a', ' two'));
    void writer.write(delta('a', ' three'));
    const next = reader.read();
    await jest.advanceTimersByTimeAsync(39);
    let settled = false;
    void next.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(await next).toEqual({ done: false, value: delta('a', ' two three') });
    // The window closes empty; a later delta goes out at once again.
    await jest.advanceTimersByTimeAsync(100);
    void writer.write(delta('a', ' four'));
    expect(await reader.read()).toEqual({ done: false, value: delta('a', ' four') });
    void writer.close();
    expect((await reader.read()).done).toBe(true);
  });

  it('never merges across text parts and keeps every other chunk in place', async () => {
    const steps: Step[] = [
      { gap: 0, chunk: delta('a', 'x') },
      { gap: 1, chunk: delta('a', 'y') },
      { gap: 1, chunk: delta('b', 'p') },
      { gap: 1, chunk: delta('b', 'q') },
      { gap: 1, chunk: { type: 'reasoning-delta', id: 'r', delta: 'hmm' } },
      { gap: 1, chunk: delta('b', 'r') },
      { gap: 1, chunk: delta('b', 's') },
    ];
    const { out } = await run(steps, 30);
    expect(out.map((o) => o.chunk)).toEqual([
      delta('a', 'x'),
      delta('a', 'y'),
      delta('b', 'p'),
      delta('b', 'q'),
      { type: 'reasoning-delta', id: 'r', delta: 'hmm' },
      delta('b', 'r'),
      delta('b', 's'),
    ]);
  });

  it('passes everything through unchanged when the window is 0', async () => {
    const steps: Step[] = words(20).map((w) => ({ gap: 0, chunk: delta('t', w) }));
    const { out } = await run(steps, 0);
    expect(out.map((o) => o.chunk)).toEqual(steps.map((s) => s.chunk));
  });

  it('keeps text, order and non-text chunks for any chunk sequence and timing', async () => {
    const chunkArb = fc.oneof(
      fc.record({ type: fc.constant('text-delta' as const), id: fc.constantFrom('a', 'b'), delta: fc.string({ maxLength: 4 }) }),
      fc.record({ type: fc.constant('text-end' as const), id: fc.constantFrom('a', 'b') }),
      fc.constant({ type: 'finish-step' as const }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ gap: fc.nat(60), chunk: chunkArb }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 50 }),
        async (steps, windowMs) => {
          const { out } = await run(steps as Step[], windowMs);
          const input = steps.map((s) => s.chunk as UIMessageChunk);
          const output = out.map((o) => o.chunk);
          // Non-delta chunks: identical, same order.
          expect(output.filter((c) => c.type !== 'text-delta')).toEqual(input.filter((c) => c.type !== 'text-delta'));
          // The text of each part is kept.
          for (const id of ['a', 'b']) expect(textOf(output, id)).toBe(textOf(input, id));
          // Interleaving of parts is preserved: the sequence of part ids (runs collapsed) matches.
          const runs = (chunks: UIMessageChunk[]) =>
            chunks.map((c) => (c.type === 'text-delta' ? `d${c.id}` : c.type)).filter((k, i, all) => !(k.startsWith('d') && all[i - 1] === k));
          const nonEmpty = (chunks: UIMessageChunk[]) => chunks.filter((c) => c.type !== 'text-delta' || c.delta !== '');
          expect(runs(nonEmpty(output))).toEqual(runs(nonEmpty(input)));
          expect(output.length).toBeLessThanOrEqual(input.length);
        },
      ),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------------------------------
// coalesceSseDeltas / coalescingFetch: the same merge on the upstream Azure SSE bytes.

const chatEvent = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [choice], ...extra })}\n\n`;
const chatDelta = (content: string) => chatEvent({ content_filter_results: {}, delta: { content }, finish_reason: null, index: 0, logprobs: null });
const chatReply = (tokens: string[]) => [
  `data: ${JSON.stringify({ choices: [], id: '', prompt_filter_results: [] })}\n\n`,
  chatEvent({ delta: { content: '', refusal: null, role: 'assistant' }, finish_reason: null, index: 0, logprobs: null }),
  ...tokens.map(chatDelta),
  chatEvent({ delta: {}, finish_reason: 'stop', index: 0, logprobs: null }),
  `data: ${JSON.stringify({ id: 'chatcmpl-1', choices: [], usage: { completion_tokens: tokens.length } })}\n\n`,
  'data: [DONE]\n\n',
];
const responsesDelta = (item: string, delta: string, seq: number) =>
  `event: response.output_text.delta\ndata: ${JSON.stringify({ type: 'response.output_text.delta', item_id: item, output_index: 0, content_index: 0, delta, sequence_number: seq })}\n\n`;

/** Parses SSE text into events; `text` is what the AI SDK would read as text from each. */
function parseSse(sse: string) {
  return sse
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const name = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
      let text: string | undefined;
      try {
        const json = JSON.parse(data);
        text = name ? (json.type === 'response.output_text.delta' ? json.delta : undefined) : json.choices?.[0]?.delta?.content;
      } catch {
        text = undefined;
      }
      return { block: `${block}\n\n`, text: text || undefined };
    });
}

/** coalesceSseDeltas with a writable end, as upstream bytes would arrive. */
function sseCoalescer(windowMs: number) {
  const upstream = new TransformStream<Uint8Array, Uint8Array>();
  return { writable: upstream.writable, readable: coalesceSseDeltas(upstream.readable, { windowMs }) };
}

/** Writes byte pieces (after `gap` ms each) through coalesceSseDeltas; returns the output text. */
async function runSse(pieces: { gap: number; bytes: string }[], windowMs: number) {
  const stream = sseCoalescer(windowMs);
  const decoder = new TextDecoder();
  let out = '';
  const reading = (async () => {
    const reader = stream.readable.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      out += decoder.decode(value, { stream: true });
    }
  })();
  const writer = stream.writable.getWriter();
  const encoder = new TextEncoder();
  for (const piece of pieces) {
    if (piece.gap > 0) await jest.advanceTimersByTimeAsync(piece.gap);
    await writer.write(encoder.encode(piece.bytes));
  }
  await writer.close();
  await reading;
  return out;
}

describe('coalesceSseDeltas', () => {
  it('merges a burst of Chat Completions content chunks and passes every other event verbatim', async () => {
    const tokens = words(200);
    const input = chatReply(tokens);
    const out = await runSse([{ gap: 0, bytes: input.join('') }], 30);
    const events = parseSse(out);
    expect(
      events
        .map((e) => e.text)
        .filter(Boolean)
        .join(''),
    ).toBe(tokens.join(''));
    expect(events.filter((e) => e.text).length).toBe(2); // the first token at once, the rest merged
    const others = (blocks: string[]) => blocks.filter((b) => !parseSse(b)[0].text);
    expect(others(events.map((e) => e.block))).toEqual(others(input));
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('merges Responses text deltas of one item, not across items', async () => {
    const input = [
      responsesDelta('a', 'x', 1),
      responsesDelta('a', 'y', 2),
      responsesDelta('a', 'z', 3),
      responsesDelta('b', 'p', 4),
      responsesDelta('b', 'q', 5),
      'event: response.completed\ndata: {"type":"response.completed"}\n\n',
    ];
    const events = parseSse(await runSse([{ gap: 0, bytes: input.join('') }], 30));
    expect(events.map((e) => e.text ?? e.block)).toEqual(['x', 'yz', 'p', 'q', input[5]]);
  });

  it('holds text no longer than the window', async () => {
    const tokens = words(50);
    const stream = sseCoalescer(40);
    const writer = stream.writable.getWriter();
    const reader = stream.readable.getReader();
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    void writer.write(encoder.encode(chatDelta(tokens[0])));
    expect(parseSse(decoder.decode((await reader.read()).value))[0].text).toBe('w1');
    void writer.write(encoder.encode(chatDelta(tokens[1]) + chatDelta(tokens[2])));
    const next = reader.read();
    await jest.advanceTimersByTimeAsync(40);
    expect(parseSse(decoder.decode((await next).value))[0].text).toBe(' w2 w3');
    void writer.close();
  });

  it('keeps text and all other events for any byte split and timing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.nat(400), { maxLength: 12 }),
        fc.array(fc.nat(50), { maxLength: 12 }),
        fc.integer({ min: 1, max: 60 }),
        async (n, cuts, gaps, windowMs) => {
          const input = chatReply(words(n)).join('');
          const points = [...new Set(cuts.map((c) => Math.min(c, input.length)))].sort((a, b) => a - b);
          const pieces: { gap: number; bytes: string }[] = [];
          let from = 0;
          points.forEach((p, i) => {
            pieces.push({ gap: gaps[i] ?? 0, bytes: input.slice(from, p) });
            from = p;
          });
          pieces.push({ gap: 0, bytes: input.slice(from) });
          const events = parseSse(await runSse(pieces, windowMs));
          const inputEvents = parseSse(input);
          expect(
            events
              .map((e) => e.text)
              .filter(Boolean)
              .join(''),
          ).toBe(words(n).join(''));
          expect(events.filter((e) => !e.text).map((e) => e.block)).toEqual(inputEvents.filter((e) => !e.text).map((e) => e.block));
          expect(events.length).toBeLessThanOrEqual(inputEvents.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sends held text before the error when the upstream connection drops', async () => {
    const stream = sseCoalescer(1000);
    const writer = stream.writable.getWriter();
    const reader = stream.readable.getReader();
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    void writer.write(encoder.encode(words(4).map(chatDelta).join('')));
    expect(parseSse(decoder.decode((await reader.read()).value))[0].text).toBe('w1');
    void writer.abort(new Error('socket hang up'));
    expect(parseSse(decoder.decode((await reader.read()).value))[0].text).toBe(' w2 w3 w4');
    await expect(reader.read()).rejects.toThrow('socket hang up');
  });

  it('asks a window function for each new window', async () => {
    let windowMs = 10;
    const upstream = new TransformStream<Uint8Array, Uint8Array>();
    const reader = coalesceSseDeltas(upstream.readable, { windowMs: () => windowMs }).getReader();
    const writer = upstream.writable.getWriter();
    const encoder = new TextEncoder();
    void writer.write(encoder.encode(chatDelta('a')));
    await reader.read(); // 'a' goes out at once and opens a 10 ms window
    windowMs = 100;
    void writer.write(encoder.encode(chatDelta('b')));
    const held = reader.read();
    await jest.advanceTimersByTimeAsync(10); // 'b' leaves when the 10 ms window closes…
    expect(parseSse(new TextDecoder().decode((await held).value))[0].text).toBe('b');
    void writer.write(encoder.encode(chatDelta('c'))); // …and the next window is 100 ms
    const next = reader.read();
    let sent = false;
    void next.then(() => (sent = true));
    await jest.advanceTimersByTimeAsync(60);
    expect(sent).toBe(false);
    await jest.advanceTimersByTimeAsync(40);
    expect(parseSse(new TextDecoder().decode((await next).value))[0].text).toBe('c');
    void writer.close();
  });

  it('is the identity with a window of 0', async () => {
    const input = chatReply(words(10)).join('');
    expect(await runSse([{ gap: 0, bytes: input }], 0)).toBe(input);
  });
});

describe('coalescingFetch', () => {
  it('coalesces event streams and leaves other responses alone', async () => {
    const sse = chatReply(words(20)).join('');
    const base = jest.fn(async (input: RequestInfo | URL) =>
      String(input).endsWith('/sse')
        ? new Response(sse, { headers: { 'content-type': 'text/event-stream; charset=utf-8' } })
        : new Response('{"ok":true}', { status: 201, headers: { 'content-type': 'application/json' } }),
    ) as unknown as typeof fetch;
    const wrapped = coalescingFetch({ windowMs: 30 }, base);
    const json = await wrapped('http://x/json');
    expect(json.status).toBe(201);
    expect(await json.text()).toBe('{"ok":true}');
    const streamed = await wrapped('http://x/sse');
    const events = parseSse(await streamed.text());
    expect(
      events
        .map((e) => e.text)
        .filter(Boolean)
        .join(''),
    ).toBe(words(20).join(''));
    expect(events.length).toBeLessThan(parseSse(sse).length);
    expect(coalescingFetch({ windowMs: 0 }, base)).toBe(base);
  });
});

describe('coalesceSseDeltas with other SSE framing', () => {
  it('reads CRLF-framed streams like LF ones: text merged, every other event kept', async () => {
    const lf = chatReply(words(10));
    const out = await runSse(
      lf.map((e) => ({ gap: 1, bytes: e.replace(/\n/g, '\r\n') })),
      30,
    );
    const events = parseSse(out);
    expect(
      events
        .map((e) => e.text)
        .filter(Boolean)
        .join(''),
    ).toBe(words(10).join(''));
    const others = (blocks: string[]) => blocks.filter((b) => !parseSse(b)[0].text);
    expect(others(events.map((e) => e.block))).toEqual(others(lf));
    expect(events.length).toBeLessThan(lf.length);
  });

  it('passes comments, ids and multi-line data on unmerged, in order, after the text held before them', async () => {
    const input = [
      chatDelta('a'),
      ': keep-alive\n\n',
      chatDelta('b'),
      chatDelta('c'),
      `id: 7\n${chatDelta('d')}`,
      'data: {"x":\ndata: 1}\n\n',
      'retry: 1000\n\n',
      chatDelta('e'),
    ].join('');
    expect(await runSse([{ gap: 0, bytes: input }], 30)).toBe(input);
  });
});
