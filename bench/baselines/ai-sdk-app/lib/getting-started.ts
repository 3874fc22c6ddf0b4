// The AI SDK getting-started route (docs: Next.js App Router quickstart) with the Azure provider
// pointed at the benchmark's emulator, and the one knob each cut experiment turns. With no
// options it is the docs' route exactly; every variant differs from it in that knob alone.
import { createAzure } from '@ai-sdk/azure';
import {
  streamText,
  experimental_streamTextLowMemory as streamTextLowMemory,
  type UIMessage,
  convertToModelMessages,
  createUIMessageStreamResponse,
  toUIMessageStream,
} from 'ai';
import { coalescingFetch } from '@/lib/ai/coalescing-fetch';
import { coalesceDeltas } from '@/lib/chat/coalesce-deltas';

export interface Variant {
  /** Merge upstream Azure text events within this window before the provider parses them. */
  upstreamCoalesceMs?: number;
  /** Merge UI text-delta chunks within this window after the pipeline. */
  uiCoalesceMs?: number;
  /** `experimental_streamTextLowMemory` instead of `streamText`. */
  lowMemory?: boolean;
}

export function gettingStartedRoute({ upstreamCoalesceMs = 0, uiCoalesceMs = 0, lowMemory = false }: Variant = {}) {
  const azure = createAzure({
    baseURL: process.env.AZURE_BASE_URL,
    apiKey: process.env.AZURE_API_KEY,
    fetch: coalescingFetch({ windowMs: upstreamCoalesceMs }),
  });
  const generate = lowMemory ? streamTextLowMemory : streamText;

  return async function POST(req: Request) {
    const { messages }: { messages: UIMessage[] } = await req.json();

    const result = generate({
      model: azure.chat(process.env.AZURE_DEPLOYMENTS?.split(',')[0] ?? 'gpt-bench'),
      messages: await convertToModelMessages(messages),
    });

    const stream = toUIMessageStream({ stream: result.stream });
    return createUIMessageStreamResponse({
      // No extra stream layer unless the experiment asks for one: the baseline stays the docs' route.
      stream: uiCoalesceMs > 0 ? stream.pipeThrough(coalesceDeltas({ windowMs: uiCoalesceMs })) : stream,
    });
  };
}

/** The window an experiment was started with (`npm run bench -- --cuts` sweeps it). */
export const benchWindowMs = (fallback: number) => Number(process.env.BENCH_COALESCE_MS ?? fallback);
