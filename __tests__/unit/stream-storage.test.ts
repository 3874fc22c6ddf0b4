import { createResumableStreamContext } from 'resumable-stream/generic';
import type { ResumableStreamContext } from 'resumable-stream/generic';
import { loadConfig } from '@/lib/config';
import { createMemoryPubSub, createRedisPubSub, getResumableStreamContext } from '@/lib/storage/pubsub';
import { closeRedisClients, createRedisConnection, type RedisClient } from '@/lib/storage/redis';
import { startRedisServer, type RedisServer } from '../support/redis-server';

jest.setTimeout(20_000);

/** A model answer we can feed piece by piece, like tokens arriving from the upstream. */
function controllableStream() {
  let controller!: ReadableStreamDefaultController<string>;
  const stream = new ReadableStream<string>({
    start(c) {
      controller = c;
    },
  });
  return { stream, push: (text: string) => controller.enqueue(text), end: () => controller.close() };
}

async function readChunks(reader: ReadableStreamDefaultReader<string>, count: number): Promise<string> {
  let text = '';
  for (let i = 0; i < count; i++) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  return text;
}

async function readAll(stream: ReadableStream<string>): Promise<string> {
  const reader = stream.getReader();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += value;
  }
}

async function eventually<T>(probe: () => Promise<T>, expected: T): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await probe()) !== expected) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(expected)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let nextId = 0;
const streamId = () => `chat-${process.pid}-${++nextId}`;

/**
 * The behaviour the chat relies on: a browser that lost its connection mid-answer asks again
 * and receives the rest of the answer, then the stream is reported finished.
 */
async function expectResumable(producer: ResumableStreamContext, resumer: ResumableStreamContext) {
  const id = streamId();
  const answer = controllableStream();
  expect(await resumer.hasExistingStream(id)).toBeNull();
  expect(await resumer.resumeExistingStream(id)).toBeUndefined();

  const original = await producer.createNewResumableStream(id, () => answer.stream);
  expect(original).not.toBeNull();
  const firstReader = original!.getReader();
  answer.push('Hello');
  answer.push(', wor');
  const seen = await readChunks(firstReader, 2);
  expect(seen).toBe('Hello, wor');
  // The first browser goes away; the producer must keep going.
  firstReader.releaseLock();

  expect(await resumer.hasExistingStream(id)).toBe(true);
  const resumed = await resumer.resumeExistingStream(id, seen.length);
  expect(resumed).toBeTruthy();
  answer.push('ld!');
  answer.end();
  expect(await readAll(resumed!)).toBe('ld!');

  await eventually(() => resumer.hasExistingStream(id), 'DONE');
  // A finished stream cannot be resumed; the client must load the saved message instead.
  expect(await resumer.resumeExistingStream(id)).toBeNull();
}

describe('in-process stream storage (no REDIS_URL)', () => {
  test('a stream cut off mid-answer can be resumed from where the client stopped', async () => {
    const context = getResumableStreamContext(loadConfig({}));
    await expectResumable(context, context);
  });

  test('a resumer that asks from the start gets the whole answer so far plus the rest', async () => {
    const context = getResumableStreamContext(loadConfig({}));
    const id = streamId();
    const answer = controllableStream();
    const original = await context.createNewResumableStream(id, () => answer.stream);
    const reader = original!.getReader();
    answer.push('one ');
    await readChunks(reader, 1);
    const resumed = await context.resumeExistingStream(id);
    answer.push('two');
    answer.end();
    expect(await readAll(resumed!)).toBe('one two');
    expect(await readChunks(reader, 2)).toBe('two');
  });

  test('finished streams are forgotten after their expiry, like Redis EX', async () => {
    let now = 0;
    const { publisher } = createMemoryPubSub(() => now);
    await publisher.set('sentinel', '1', { EX: 60 });
    expect(await publisher.incr('sentinel')).toBe(2);
    now = 59_999;
    expect(await publisher.get('sentinel')).toBe('2'); // INCR kept the expiry
    now = 60_000;
    expect(await publisher.get('sentinel')).toBeNull();
    // A DONE marker is not a counter: the same error text Redis gives, which the library expects.
    await publisher.set('done', 'DONE');
    await expect(publisher.incr('done')).rejects.toThrow('ERR value is not an integer or out of range');
  });

  test('the same context is reused, so every request sees the same streams', () => {
    expect(getResumableStreamContext(loadConfig({}))).toBe(getResumableStreamContext(loadConfig({})));
  });
});

describe('Redis stream storage (real redis-server)', () => {
  let server: RedisServer;
  const extraClients: RedisClient[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
  });

  afterAll(async () => {
    await closeRedisClients();
    await Promise.all(extraClients.map((client) => client.close()));
    await server?.stop();
  });

  test('with REDIS_URL a stream is resumable through Redis', async () => {
    const context = getResumableStreamContext(loadConfig({ REDIS_URL: server.url }));
    await expectResumable(context, context);
    // The state really is in Redis, not in this process.
    const probe = createRedisConnection(server.url);
    extraClients.push(probe);
    await probe.connect();
    expect(await probe.keys('chat-stream:rs:sentinel:*')).not.toHaveLength(0);
  });

  test('a stream produced by one instance can be resumed by another sharing the same Redis', async () => {
    const instance = async () => {
      const commands = createRedisConnection(server.url);
      const subscriber = createRedisConnection(server.url, 'subscriber');
      extraClients.push(commands, subscriber);
      await Promise.all([commands.connect(), subscriber.connect()]);
      const pubsub = createRedisPubSub(
        async () => commands,
        async () => subscriber,
      );
      return createResumableStreamContext({ waitUntil: null, keyPrefix: 'chat-stream', ...pubsub });
    };
    const [first, second] = [await instance(), await instance()];
    await expectResumable(first, second);
  });
});
