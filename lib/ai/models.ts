import { createAzure, type AzureOpenAIProvider } from '@ai-sdk/azure';
import type { LanguageModel } from 'ai';
import { type AppConfig, getConfig } from '@/lib/config';
import { coalescingFetch } from '@/lib/chat/coalesce-deltas';
import { coalesceWindow } from '@/lib/chat/coalesce-window';
import { HttpError } from '@/lib/http/errors';
import { entraTokenProvider } from './azure-identity';
import { createDemoModel } from './demo-model';

/**
 * Picks the language model for a request: the offline demo when Azure is not configured,
 * otherwise an Azure deployment from the allow-list. Providers are built once per config
 * (not per request) so the streaming hot path does no setup work.
 */

const providers = new WeakMap<AppConfig, AzureOpenAIProvider>();
const demoModels = new WeakMap<AppConfig, LanguageModel>();

function azureProvider(config: AppConfig): AzureOpenAIProvider {
  let provider = providers.get(config);
  if (!provider) {
    const { resourceName, baseURL, auth, apiVersion } = config.azure!;
    provider = createAzure({
      resourceName,
      baseURL,
      ...(auth.mode === 'key' ? { apiKey: auth.apiKey } : { tokenProvider: entraTokenProvider(auth) }),
      apiVersion,
      // Merging Azure's token events before the SDK parses them removes most of the per-token
      // work of the whole pipeline (bench/results/cuts.md: burst CPU -68 %; more under load,
      // when the window widens).
      fetch: coalescingFetch({ windowMs: coalesceWindow(config) }),
    });
    providers.set(config, provider);
  }
  return provider;
}

function demoModel(config: AppConfig): LanguageModel {
  let model = demoModels.get(config);
  if (!model) {
    model = createDemoModel(config.demoTokensPerSecond);
    demoModels.set(config, model);
  }
  return model;
}

export interface ResolvedModel {
  model: LanguageModel;
  /** The deployment (or demo) name, as reported back to clients. */
  modelId: string;
  /** Its text deltas arrive already merged (Azure's events are coalesced before the SDK parses them). */
  coalescedUpstream: boolean;
}

export function resolveModel(requested: string | undefined, config: AppConfig = getConfig()): ResolvedModel {
  if (config.mode === 'misconfigured') {
    throw new HttpError(503, 'misconfigured', `The server is misconfigured: ${config.problems.join(' ')}`);
  }
  const modelId = requested ?? config.deployments[0];
  if (!config.deployments.includes(modelId)) {
    throw new HttpError(404, 'unknown_model', `Unknown model "${modelId}". Available: ${config.deployments.join(', ')}.`);
  }
  if (config.mode === 'demo') return { model: demoModel(config), modelId, coalescedUpstream: false };
  const azure = azureProvider(config);
  return {
    model: config.api === 'chat' ? azure.chat(modelId) : azure.responses(modelId),
    modelId,
    coalescedUpstream: config.streamCoalesceMs > 0,
  };
}
