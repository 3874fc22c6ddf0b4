import { POST as stopRoute } from '@/app/api/chat/[id]/stop/route';
import { GET as resumeRoute } from '@/app/api/chat/[id]/stream/route';
import { GET as chatGet } from '@/app/api/chat/route';
import { GET as health } from '@/app/api/health/route';
import { toHttpError } from '@/lib/ai/upstream-errors';
import { getConfig } from '@/lib/config';
import { parseChatRequest } from '@/lib/chat/request';
import { startChatStream } from '@/lib/chat/stream';
import { apiRoute } from '@/lib/http/api-route';
import { RequestLog } from '@/lib/observability/request-log';
import { startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, postChat, readUiStream, useEnv } from '../support/chat-client';
import { captureLogs, type CapturedLogs, type LogLine } from '../support/log-capture';

/**
 * Operating the API: every answer carries a request id (X-Request-Id, and in error JSON) and
 * writes exactly one JSON log line saying who asked, what it used, what it cost and how the
 * reply ended, without what was said; server faults are 500 `internal_error`, logged once.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PROMPT = 'my-private-prompt-marker';
const REPLY_WORDS = [' reply-marker-alpha', ' reply-marker-beta', ' reply-marker-gamma'];
let emulator: AzureEmulator;
let logs: CapturedLogs;
let restore: () => void;

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: 'log-test-azure-key' });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  logs = captureLogs();
  restore = useEnv(emulatorEnv(emulator, { AZURE_API: 'responses', STREAM_COALESCE_MS: '0', LOG_LEVEL: undefined, TRUSTED_PROXY_HOPS: undefined }));
});
afterEach(() => {
  logs.restore();
  restore();
});

const linesOf = (requestId: string | null) => logs.lines().filter((line) => line.requestId === requestId);
const lineOf = (response: Response): Promise<LogLine> => logs.waitForLine((line) => line.requestId === response.headers.get('x-request-id'));
const params = (id: string) => ({ params: Promise.resolve({ id }) });

describe('request ids', () => {
  test('every answer carries a fresh X-Request-Id; error JSON carries the same id', async () => {
    const answers = [
      await postChat({ message: 'hi' }),
      await postChat({ message: 'hi', temperature: 9 }),
      await chatGet(new Request('http://localhost/api/chat')),
      await health(new Request('http://localhost/api/health')),
      await stopRoute(new Request('http://localhost/api/chat/chat-x/stop', { method: 'POST' }), params('chat-x')),
      await resumeRoute(new Request('http://localhost/api/chat/chat-x/stream'), params('chat-x')),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 400, 405, 200, 200, 204]);
    await answers[0].text();
    const ids = answers.map((answer) => answer.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
    for (const errorAnswer of [answers[1], answers[2]]) {
      const body = (await errorAnswer.json()) as { error: { requestId: string } };
      expect(body.error.requestId).toBe(errorAnswer.headers.get('x-request-id'));
    }
  });

  test("a client's own X-Request-Id is ignored unless a trusted proxy passed it on", async () => {
    const sent = { 'x-request-id': 'client-chosen-id-123' };
    // The body is not read: the JSON format answers once the reply is complete.
    const post = (headers: Record<string, string>) => postChat({ message: 'hi' }, { headers, query: '?format=json' });
    expect((await post(sent)).headers.get('x-request-id')).toMatch(UUID);

    restore = useEnv({ TRUSTED_PROXY_HOPS: '1' });
    expect((await post(sent)).headers.get('x-request-id')).toBe('client-chosen-id-123');
    // Malformed (spaces, quotes, too long): replaced, so nothing odd reaches the log.
    for (const bad of ['two words', 'x"}{"level":"fatal', 'a'.repeat(129)]) {
      expect((await post({ 'x-request-id': bad })).headers.get('x-request-id')).toMatch(UUID);
    }
    await logs.waitForLine((line) => line.requestId === 'client-chosen-id-123');
  });
});

describe('one log line per request', () => {
  test('a streamed reply: who, what, how long, how much and how it ended; not what was said', async () => {
    emulator.setScenario({ words: REPLY_WORDS, firstTokenDelayMs: 50 });
    const response = await postChat({ message: PROMPT }, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    const reply = await readUiStream(response);
    expect(reply.text).toBe(REPLY_WORDS.join(''));
    const line = await lineOf(response);
    expect(line).toMatchObject({
      level: 'info',
      route: '/api/chat',
      method: 'POST',
      status: 200,
      client: expect.stringMatching(/^ip:/),
      deployment: 'gpt-main',
      api: 'responses',
      inputTokens: expect.any(Number),
      outputTokens: 3,
      finishReason: 'stop',
      ended: 'finished',
    });
    expect(new Date(line.time as string).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(line.ttftMs).toBeGreaterThanOrEqual(40);
    expect(line.durationMs).toBeGreaterThanOrEqual(line.ttftMs as number);
    expect(linesOf(line.requestId!)).toHaveLength(1);
    expect(logs.text()).not.toContain(PROMPT);
    expect(logs.text()).not.toContain('reply-marker');
  });

  test('an API key is logged only as a hash', async () => {
    const key = 'client-key-that-must-not-be-logged';
    restore = useEnv({ CHAT_API_KEYS: key });
    const response = await postChat({ message: 'hi' }, { headers: { authorization: `Bearer ${key}` } });
    await readUiStream(response);
    expect((await lineOf(response)).client).toMatch(/^key:[0-9a-f]{32}$/);
    expect(logs.text()).not.toContain(key);
    expect(logs.text()).not.toContain('log-test-azure-key');
  });

  test('failures: the status and error code, at error level only for 5xx', async () => {
    const badRequest = await postChat({ message: 'hi', temperature: 9 });
    expect(await lineOf(badRequest)).toMatchObject({ level: 'info', status: 400, errorCode: 'invalid_request' });

    emulator.setScenario({ status: 401 });
    const refused = await postChat({ message: 'hi' });
    expect(await lineOf(refused)).toMatchObject({
      level: 'error',
      status: 502,
      errorCode: 'upstream_error',
      ended: 'failed',
      error: { statusCode: 401 },
    });

    emulator.setScenario({ words: 20, dropAfterTokens: 4 });
    const dropped = await postChat({ message: 'hi' });
    expect((await readUiStream(dropped)).errors).toHaveLength(1);
    expect(await lineOf(dropped)).toMatchObject({ level: 'error', status: 200, errorCode: 'upstream_error', ended: 'failed' });
  });

  test('a reply that does not start in time ended "timed_out"', async () => {
    restore = useEnv({ UPSTREAM_TIMEOUT_MS: '200' });
    emulator.setScenario({ headersDelayMs: 2_000 });
    const response = await postChat({ message: 'hi' });
    expect(response.status).toBe(504);
    expect(await lineOf(response)).toMatchObject({ status: 504, errorCode: 'upstream_timeout', ended: 'timed_out' });
  });

  test('a reply stopped with Stop ended "stopped"', async () => {
    emulator.setScenario({ words: 200, tokensPerSecond: 50 });
    const response = await postChat({ id: 'chat-to-stop', messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] });
    // The answer is there, so the reply has started (its first token arrived).
    const reading = readUiStream(response);
    // Only the chat's owner may stop it: this caller has neither key nor cookie, so its token.
    const owner = { 'x-chat-token': response.headers.get('x-chat-token') ?? '' };
    await stopRoute(new Request('http://localhost/api/chat/chat-to-stop/stop', { method: 'POST', headers: owner }), params('chat-to-stop'));
    await reading;
    expect(await lineOf(response)).toMatchObject({ level: 'info', status: 200, ended: 'stopped' });
  });

  test('a reply cut off by the server shutting down ended "shut_down"', async () => {
    emulator.setScenario({ words: 200, tokensPerSecond: 50 });
    const request = new Request('http://localhost/api/chat', { method: 'POST' });
    const config = getConfig();
    const log = new RequestLog(request, config, 'ip:test');
    const stream = await startChatStream(await parseChatRequest({ message: 'hi' }, config), config, log);
    log.respond(200);
    const shutdown = Object.assign(new Error('The server is shutting down.'), { name: 'ShutdownError' });
    stream.abort(shutdown);
    const reader = stream.chunks.getReader();
    while (!(await reader.read()).done);
    expect(await logs.waitForLine((line) => line.requestId === log.requestId)).toMatchObject({ ended: 'shut_down' });
  });

  test('LOG_LEVEL=warn keeps successful requests out of the log, not failures', async () => {
    restore = useEnv({ LOG_LEVEL: 'warn' });
    await readUiStream(await postChat({ message: 'hi' }));
    emulator.setScenario({ status: 404 });
    const failed = await postChat({ message: 'hi' });
    await lineOf(failed);
    expect(logs.lines().map((line) => line.level)).toEqual(['error']);
  });
});

describe('internal faults', () => {
  test('a fault of the server is a 500 internal_error with the request id, logged once with its cause', async () => {
    const faulty = apiRoute(async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'x')");
    });
    const response = await faulty(new Request('http://localhost/api/faulty'));
    expect(response.status).toBe(500);
    const text = await response.text();
    const requestId = response.headers.get('x-request-id');
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal_error', message: expect.any(String), requestId } });
    expect(text).not.toMatch(/TypeError|reading 'x'|\n\s+at /);
    const lines = linesOf(requestId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', status: 500, errorCode: 'internal_error', err: { type: 'TypeError' } });
    expect(logs.lines()).toHaveLength(1);
  });

  test('only failures of the model call are called upstream failures', () => {
    expect(toHttpError(new RangeError('Maximum call stack size exceeded')).code).toBe('internal_error');
    expect(toHttpError(new TypeError('x is not a function')).code).toBe('internal_error');
    expect(toHttpError(new TypeError('terminated')).code).toBe('upstream_error');
  });

  test.each(['input', 'output'])("a part's %s nested 100,000 deep is a 400, not a 500 or 502", async (field) => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const part = `{"type":"tool-weather","toolCallId":"t1","state":"output-available","input":${field === 'input' ? deep : '{}'},"output":${field === 'output' ? deep : '{}'}}`;
    const rawBody = `{"id":"c1","messages":[{"id":"m1","role":"user","parts":[{"type":"text","text":"hi"}]},{"id":"m2","role":"assistant","parts":[${part}]}]}`;
    const response = await postChat(undefined, { rawBody });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } });
    expect(emulator.counters.requests).toBe(0);
  });
});
