/**
 * Real Azure streams recorded from the Apache-2.0 `vercel/ai` test fixtures (see recordings/NOTICE.md),
 * replayed verbatim or as the JSON a non-streaming request would have received.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { namedSse, sse, type Frame } from './sse-frames';
import type { Api, EmulatorScenario, Json, RecordingName } from './types';

export const RECORDING_API: Record<RecordingName, Exclude<Api, 'unknown'>> = {
  'responses-text': 'responses',
  'chat-completions-text': 'chat',
  'chat-completions-reasoning': 'chat',
  'responses-azure-tool-call': 'responses',
  'responses-azure-web-search-preview-tool': 'responses',
  'responses-openai-file-search-tool': 'responses',
  'responses-azure-code-interpreter-tool': 'responses',
};

const recordingCache = new Map<RecordingName, Json[]>();

/** Jest and tsx load this file as CommonJS, where __filename locates the recordings; loaded as ESM only the cwd is left to go by. */
function recordingsDir(): string {
  const fromCwd = path.resolve('tools', 'azure-emulator', 'recordings');
  if (typeof __filename !== 'string') return fromCwd;
  const fromModule = path.resolve(path.dirname(__filename), 'recordings');
  return existsSync(fromModule) ? fromModule : fromCwd;
}

function loadRecording(name: RecordingName): Json[] {
  let events = recordingCache.get(name);
  if (!events) {
    events = readFileSync(path.join(recordingsDir(), `${name}.chunks.jsonl`), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Json);
    recordingCache.set(name, events);
  }
  return events;
}

/** What the SDK turns into text: output_text deltas (Responses) or `delta.content` (Chat); reasoning is not text. */
function eventText(event: Json): string {
  if (event.type === 'response.output_text.delta') return typeof event.delta === 'string' ? event.delta : '';
  const delta = firstChoice(event)?.delta as Json | undefined;
  return typeof delta?.content === 'string' ? delta.content : '';
}

/** Content or reasoning deltas count as tokens for pacing and drops: both are what a model emits per step. */
function isTokenEvent(event: Json): boolean {
  if (eventText(event) !== '') return true;
  const delta = firstChoice(event)?.delta as Json | undefined;
  return typeof delta?.reasoning_content === 'string' && delta.reasoning_content !== '';
}

export function firstChoice(event: Json): Json | undefined {
  return Array.isArray(event.choices) ? (event.choices[0] as Json | undefined) : undefined;
}

export function recordedText(name: EmulatorScenario['replay']): string {
  if (!name) throw new Error('recordedText needs a recording name');
  return loadRecording(name).map(eventText).join('');
}

export function replayFrames(name: RecordingName): Frame[] {
  const events = loadRecording(name);
  if (RECORDING_API[name] === 'responses') return events.map((event) => namedSse(event, isTokenEvent(event)));
  return [...events.map((event) => sse(event, isTokenEvent(event))), sse('[DONE]')];
}

export function replayJson(name: RecordingName): Json {
  const events = loadRecording(name);
  if (RECORDING_API[name] === 'responses') {
    const finished = events.find((event) => event.type === 'response.completed');
    return finished?.response as Json;
  }
  const withId = events.find((event) => typeof event.id === 'string' && event.id !== '') ?? {};
  const finishChoice = events.map(firstChoice).find((choice) => choice?.finish_reason != null);
  const usage = [...events].reverse().find((event) => event.usage != null)?.usage ?? null;
  return {
    choices: [
      { finish_reason: finishChoice?.finish_reason ?? 'stop', index: 0, logprobs: null, message: { content: recordedText(name), role: 'assistant' } },
    ],
    created: withId.created,
    id: withId.id,
    model: withId.model,
    object: 'chat.completion',
    usage,
  };
}
