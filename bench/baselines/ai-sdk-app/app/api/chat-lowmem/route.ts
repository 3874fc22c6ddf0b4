// Cut experiment: the getting-started route on `experimental_streamTextLowMemory` (same engine,
// no replay buffer), optionally with the provider's fetch merging upstream text events within
// BENCH_COALESCE_MS (coalescingFetch; 0 = off).
import { createAzure } from '@ai-sdk/azure';
import {
  experimental_streamTextLowMemory as streamTextLowMemory,
  type UIMessage,
  convertToModelMessages,
  createUIMessageStreamResponse,
  toUIMessageStream,
} from 'ai';
import { coalescingFetch } from '@/lib/chat/coalesce-deltas';

const azure = createAzure({
  baseURL: process.env.AZURE_BASE_URL,
  apiKey: process.env.AZURE_API_KEY,
  fetch: coalescingFetch({ windowMs: Number(process.env.BENCH_COALESCE_MS ?? 0) }),
});

export async function POST(req: Request) {
  const { messages }: { messages: UIMessage[] } = await req.json();

  const result = streamTextLowMemory({
    model: azure.chat(process.env.AZURE_DEPLOYMENTS?.split(',')[0] ?? 'gpt-bench'),
    messages: await convertToModelMessages(messages),
  });

  return createUIMessageStreamResponse({
    stream: toUIMessageStream({ stream: result.stream }),
  });
}
