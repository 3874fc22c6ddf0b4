import { readFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import * as chat from '@/app/api/chat/route';
import * as completions from '@/app/api/v1/chat/completions/route';
import { numberedWords, startAzureEmulator, type AzureEmulator } from '@/tools/azure-emulator/azure-emulator';
import { emulatorEnv, useEnv } from '../support/chat-client';
import { startRouteServer, type RouteServer } from '../support/route-server';

/**
 * The README's Clients section runs as printed (its host swapped for a test server): the `fetch`
 * reader and the OpenAI JS SDK example print the reply streamed from the emulator.
 */

let emulator: AzureEmulator;
let server: RouteServer;
let restore: () => void;

beforeAll(async () => {
  emulator = await startAzureEmulator({ apiKey: 'emulator-key-0123456789abcdef' });
  server = await startRouteServer({ '/api/chat': chat, '/api/v1/chat/completions': completions });
  restore = useEnv(emulatorEnv(emulator, { AZURE_DEPLOYMENTS: 'gpt-4o-mini', CHAT_API_KEYS: undefined }));
});
afterAll(async () => {
  restore();
  await server.close();
  await emulator.close();
});

function clientsSnippets(language: string): string[] {
  const readme = readFileSync(path.resolve(__dirname, '../..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Clients'), readme.indexOf('## Architecture'));
  return [...section.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]);
}

/** Runs a snippet as an async function body with its imports and output channels supplied. */
async function runSnippet(code: string, globals: Record<string, unknown>): Promise<string> {
  let printed = '';
  const print = (text: unknown) => void (printed += String(text));
  const body = code.replace(/^import .*$/gm, '').replaceAll('http://localhost:3000', server.url);
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
  const names = ['console', 'process', ...Object.keys(globals)];
  await new AsyncFunction(...names, body)({ log: print }, { env: {}, stdout: { write: print } }, ...Object.values(globals));
  return printed;
}

test('the fetch example prints the streamed text', async () => {
  emulator.setScenario({ words: 9 });
  const [fetchExample] = clientsSnippets('js');
  expect(await runSnippet(fetchExample, { TextDecoderStream })).toBe(numberedWords(9));
});

test('the OpenAI JS SDK example prints the streamed reply', async () => {
  emulator.setScenario({ words: 7 });
  const openAiExample = clientsSnippets('ts').find((code) => code.includes("from 'openai'"))!;
  expect(await runSnippet(openAiExample, { OpenAI })).toBe(numberedWords(7));
});
