// Cut experiment: the getting-started route, unchanged, with the provider's fetch merging
// upstream text events within BENCH_COALESCE_MS (lib/chat/coalesce-deltas.ts:
// coalescingFetch), so every AI SDK layer after it handles fewer, larger deltas.
import { createAzure } from '@ai-sdk/azure';
import {
  streamText,
  type UIMessage,
  convertToModelMessages,
  createUIMessageStreamResponse,
  toUIMessageStream,
} from 'ai';
import { coalescingFetch } from '@/lib/chat/coalesce-deltas';

const azure = createAzure({
  baseURL: process.env.AZURE_BASE_URL,
  apiKey: process.env.AZURE_API_KEY,
  fetch: coalescingFetch({ windowMs: Number(process.env.BENCH_COALESCE_MS ?? 30) }),
});

export async function POST(req: Request) {
  const { messages }: { messages: UIMessage[] } = await req.json();

  const result = streamText({
    model: azure.chat(process.env.AZURE_DEPLOYMENTS?.split(',')[0] ?? 'gpt-bench'),
    messages: await convertToModelMessages(messages),
  });

  return createUIMessageStreamResponse({
    stream: toUIMessageStream({ stream: result.stream }),
  });
}
