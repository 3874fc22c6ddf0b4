import 'server-only';
import type { AppConfig } from '@/lib/config';

/** OpenAI's model list: what `model` may name here (the first answers when it is omitted). */
export function modelList(config: AppConfig) {
  return {
    object: 'list' as const,
    data: config.deployments.map((id) => ({
      id,
      object: 'model' as const,
      created: 0,
      owned_by: config.mode === 'azure' ? 'azure-openai' : 'offline-demo',
    })),
  };
}
