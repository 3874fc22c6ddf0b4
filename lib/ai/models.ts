import 'server-only';
import { createAzure } from '@ai-sdk/azure';
import type { LanguageModel } from 'ai';
import { type AppConfig, getConfig } from '@/lib/config';
import { coalesceDeltas } from '@/lib/chat/coalesce-deltas';
import { coalesceWindow } from '@/lib/chat/coalesce-window';
import type { ChatChunk } from '@/lib/chat/metadata';
import { HttpError } from '@/lib/http/errors';
import { perConfig } from '@/lib/util/per-key';
import { entraTokenProvider } from './azure-identity';
import { coalescingFetch } from './coalescing-fetch';
import { createDemoModel } from './demo-model';

/**
 * Picks the language model for a request: the offline demo when Azure is not configured,
 * otherwise an Azure deployment from the allow-list. Providers are built once per config
 * (not per request) so the streaming hot path does no setup work.
 */

const azureProvider = perConfig((config) => {
  const { resourceName, baseURL, auth, apiVersion } = config.azure!;
  return createAzure({
    resourceName,
    baseURL,
    ...(auth.mode === 'key' ? { apiKey: auth.apiKey } : { tokenProvider: entraTokenProvider(auth) }),
    apiVersion,
    // Merging Azure's token events before the SDK parses them removes most of the per-token
    // work of the whole pipeline (its parsing, validation and stream layers run once per merged
    // event), and more under load, when the window widens.
    fetch: coalescingFetch({ windowMs: coalesceWindow(config) }),
  });
});

const demoModel = perConfig((config): LanguageModel => createDemoModel(config.demoTokensPerSecond));

/** A step the reply's UI chunks go through before delivery. */
export type ChunkStep = () => TransformStream<ChatChunk, ChatChunk>;

export interface ResolvedModel {
  model: LanguageModel;
  /** The deployment (or demo) name, as reported back to clients. */
  modelId: string;
  /**
   * What merges the reply's text deltas on their way to the client, if anything must here: the
   * demo model's tokens, when coalescing is on. Azure's are merged before the SDK parses them
   * (`coalescingFetch`), so a second window would only make them wait longer.
   */
  mergeDeltas?: ChunkStep;
}

export function resolveModel(requested: string | undefined, config: AppConfig = getConfig()): ResolvedModel {
  if (config.mode === 'misconfigured') {
    throw new HttpError(503, 'misconfigured', `The server is misconfigured: ${config.problems.join(' ')}`);
  }
  const modelId = requested ?? config.deployments[0];
  if (!config.deployments.includes(modelId)) {
    throw new HttpError(404, 'unknown_model', `Unknown model "${modelId}". Available: ${config.deployments.join(', ')}.`);
  }
  if (config.mode === 'demo') return { model: demoModel(config), modelId, mergeDeltas: demoDeltaMerger(config) };
  const azure = azureProvider(config);
  return { model: config.api === 'chat' ? azure.chat(modelId) : azure.responses(modelId), modelId };
}

function demoDeltaMerger(config: AppConfig): ChunkStep | undefined {
  if (config.streamCoalesceMs <= 0) return undefined;
  return () => coalesceDeltas<ChatChunk>({ windowMs: coalesceWindow(config) });
}
