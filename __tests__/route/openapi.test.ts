import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
// The validator's own Ajv (draft 2020-12, the dialect of OpenAPI 3.1's schemas).
import Ajv2020 from '@seriousme/openapi-schema-validator/node_modules/ajv/dist/2020';
import * as docs from '@/app/api/docs/route';
import * as docsAssets from '@/app/api/docs/scalar/[file]/route';
import * as chat from '@/app/api/chat/route';
import * as resume from '@/app/api/chat/[id]/stream/route';
import * as stop from '@/app/api/chat/[id]/stop/route';
import * as tutorialStream from '@/app/api/chat/stream/route';
import * as health from '@/app/api/health/route';
import * as openapi from '@/app/api/openapi.json/route';
import * as completions from '@/app/api/v1/chat/completions/route';
import * as models from '@/app/api/v1/models/route';
import * as responses from '@/app/api/v1/responses/route';
import * as guideStream from '@/app/chat/stream/route';
import * as relay from '@/app/v1/chat/route';
import { scalarBundleUrl } from '@/lib/openapi/scalar-bundle';
import { startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, useEnv } from '../support/chat-client';

/**
 * `/api/openapi.json` is a valid OpenAPI 3.1 document that names every route, and real answers of
 * every route (success, each format, errors) match what it says: the status is documented, the
 * media type is listed for it, and the body (each event's data, for a stream) fits its schema.
 */

type Json = Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each route has its own context type
type Handler = (request: Request, context?: any) => Response | Promise<Response>;

let emulator: AzureEmulator;
let restore: () => void;
let document: Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: 'emulator-key-0123456789abcdef' });
  restore = useEnv(emulatorEnv(emulator, { AZURE_API: 'responses', MAX_MESSAGE_CHARS: '1000', CHAT_API_KEYS: undefined }));
  document = await (await openapi.GET()).json();
  ajv.addSchema({ $id: 'https://openapi.local/doc', components: document.components }, 'doc');
});
afterAll(async () => {
  restore();
  await emulator.close();
});
beforeEach(() => emulator.reset());

test('the document is valid OpenAPI 3.1', async () => {
  const result = await new Validator().validate(document);
  expect(result.errors).toBeUndefined();
  expect(result.valid).toBe(true);
  expect(document.openapi).toMatch(/^3\.1\./);
});

/** `app/api/chat/[id]/stop/route.ts` → `/api/chat/{id}/stop`. */
function routePaths(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return routePaths(full, `${prefix}/${name.replace(/^\[(\w+)\]$/, '{$1}')}`);
    return name === 'route.ts' ? [prefix] : [];
  });
}

test('every route is described, and nothing else (the /api catch-all 404 aside)', () => {
  const routes = routePaths(path.resolve(__dirname, '../..', 'app')).filter((route) => !route.includes('[...'));
  expect(Object.keys(document.paths as Json).sort()).toEqual(routes.sort());
});

/** Asserts `response` is what the document says `method path` answers; returns the body text. */
async function expectDocumented(method: string, route: string, response: Response): Promise<string> {
  const operation = ((document.paths as Json)[route] as Json)[method.toLowerCase()] as Json;
  const documented = (operation.responses as Json)[String(response.status)] as Json | undefined;
  if (!documented) throw new Error(`${method} ${route} answered ${response.status}, which the document does not list`);
  const text = await response.text();
  if (!documented.content) {
    expect(text).toBe('');
    return text;
  }
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0];
  const media = (documented.content as Json)[mediaType] as Json | undefined;
  if (!media) throw new Error(`${method} ${route} ${response.status} answered ${mediaType}, which the document does not list`);
  const check = (schema: unknown, value: unknown) => {
    if (!ajv.validate(schema as Json, value)) {
      throw new Error(`${method} ${route} ${response.status}: ${ajv.errorsText()} in ${JSON.stringify(value).slice(0, 300)}`);
    }
  };
  const withBase = (schema: unknown) => JSON.parse(JSON.stringify(schema).replaceAll('"#/components', '"https://openapi.local/doc#/components'));
  if (mediaType === 'application/json') check(withBase(media.schema), JSON.parse(text));
  else if (mediaType === 'text/event-stream') {
    const events = text.split('\n\n').filter((event) => event.includes('data: '));
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      const data = event.slice(event.indexOf('data: ') + 6);
      check(withBase(media['x-sse-data']), data === '[DONE]' ? data : JSON.parse(data));
    }
  } else check(withBase(media.schema), text);
  return text;
}

const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
  new Request(`http://localhost${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const get = (route: string) => new Request(`http://localhost${route}`);
const withId = (id: string) => ({ params: Promise.resolve({ id }) });
const user = [{ role: 'user', content: 'hi' }];
const withFile = (file: string) => ({ params: Promise.resolve({ file }) });

const cases: Array<[string, string, string, Handler, () => Request, unknown]> = [
  ['/api/chat UI stream', 'POST', '/api/chat', chat.POST, () => post('/api/chat', { message: 'hi' }), undefined],
  ['/api/chat text', 'POST', '/api/chat', chat.POST, () => post('/api/chat', { message: 'hi' }, { accept: 'text/plain' }), undefined],
  ['/api/chat JSON', 'POST', '/api/chat', chat.POST, () => post('/api/chat', { messages: user }, { accept: 'application/json' }), undefined],
  ['/api/chat 400', 'POST', '/api/chat', chat.POST, () => post('/api/chat', { messages: [{ role: 'system', content: 'x' }] }), undefined],
  ['/api/chat 400 JSON', 'POST', '/api/chat', chat.POST, () => post('/api/chat', '{nope'), undefined],
  ['/api/chat 404', 'POST', '/api/chat', chat.POST, () => post('/api/chat', { message: 'hi', model: 'other' }), undefined],
  ['/api/chat 413', 'POST', '/api/chat', chat.POST, () => post('/api/chat', { message: 'x'.repeat(2000) }), undefined],
  ['/api/chat 415', 'POST', '/api/chat', chat.POST, () => post('/api/chat', 'hi', { 'content-type': 'text/plain' }), undefined],
  ['/api/chat 405 (documented on its POST)', 'POST', '/api/chat', chat.GET, () => get('/api/chat'), undefined],
  ['resume 204', 'GET', '/api/chat/{id}/stream', resume.GET, () => get('/api/chat/idle/stream'), withId('idle')],
  ['stop: stopped false', 'POST', '/api/chat/{id}/stop', stop.POST, () => post('/api/chat/idle/stop', {}), withId('idle')],
  ['health', 'GET', '/api/health', health.GET, () => get('/api/health'), undefined],
  [
    'completions stream',
    'POST',
    '/api/v1/chat/completions',
    completions.POST,
    () => post('/x', { messages: user, stream: true, stream_options: { include_usage: true } }),
    undefined,
  ],
  ['completions', 'POST', '/api/v1/chat/completions', completions.POST, () => post('/x', { messages: user }), undefined],
  ['completions 400', 'POST', '/api/v1/chat/completions', completions.POST, () => post('/x', { messages: [] }), undefined],
  ['completions 404', 'POST', '/api/v1/chat/completions', completions.POST, () => post('/x', { model: 'gpt-4o', messages: user }), undefined],
  ['completions 405 (documented on its POST)', 'POST', '/api/v1/chat/completions', completions.GET, () => get('/x'), undefined],
  ['responses stream', 'POST', '/api/v1/responses', responses.POST, () => post('/x', { input: 'hi', stream: true }), undefined],
  ['responses', 'POST', '/api/v1/responses', responses.POST, () => post('/x', { input: user }), undefined],
  ['responses 400', 'POST', '/api/v1/responses', responses.POST, () => post('/x', { input: 7 }), undefined],
  ['models', 'GET', '/api/v1/models', models.GET, () => get('/api/v1/models'), undefined],
  ['tutorial text', 'POST', '/api/chat/stream', tutorialStream.POST, () => post('/x', { message: 'hi' }), undefined],
  ['tutorial events', 'POST', '/api/chat/stream', tutorialStream.POST, () => post('/x', { messages: user }), undefined],
  ['tutorial 400', 'POST', '/api/chat/stream', tutorialStream.POST, () => post('/x', { message: '' }), undefined],
  ['guide events', 'POST', '/chat/stream', guideStream.POST, () => post('/x', { messages: user }), undefined],
  ['guide 415', 'POST', '/chat/stream', guideStream.POST, () => post('/x', 'hi', { 'content-type': 'text/plain' }), undefined],
  ['relay events', 'POST', '/v1/chat', relay.POST, () => post('/x', { input: 'hi' }), undefined],
  ['relay 400', 'POST', '/v1/chat', relay.POST, () => post('/x', {}), undefined],
  ['the document', 'GET', '/api/openapi.json', openapi.GET as Handler, () => get('/api/openapi.json'), undefined],
  ['the reference page', 'GET', '/api/docs', docs.GET as Handler, () => get('/api/docs'), undefined],
  [
    "the reference page's script",
    'GET',
    '/api/docs/scalar/{file}',
    docsAssets.GET,
    () => get(scalarBundleUrl()),
    withFile(scalarBundleUrl().split('/').pop()!),
  ],
  [
    'a file the reference page does not use: 404',
    'GET',
    '/api/docs/scalar/{file}',
    docsAssets.GET,
    () => get('/api/docs/scalar/x'),
    withFile('../package.json'),
  ],
  ['script 405 (documented on its GET)', 'GET', '/api/docs/scalar/{file}', docsAssets.POST, () => post('/api/docs/scalar/x', {}), undefined],
];

test.each(cases)('%s matches the document', async (_name, method, route, handler, request, context) => {
  await expectDocumented(method, route, await handler(request(), context));
});

test('an undocumented status or media type is caught (the check can fail)', async () => {
  await expect(expectDocumented('GET', '/api/health', new Response('{}', { status: 418 }))).rejects.toThrow(/418/);
  const wrongType = new Response('x', { headers: { 'content-type': 'text/plain' } });
  await expect(expectDocumented('GET', '/api/health', wrongType)).rejects.toThrow(/text\/plain/);
  const wrongBody = Response.json({ status: 'fine' });
  await expect(expectDocumented('GET', '/api/health', wrongBody)).rejects.toThrow(/must/);
});
