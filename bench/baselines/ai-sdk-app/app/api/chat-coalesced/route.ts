// Cut experiment: the getting-started route plus the project's server-side delta coalescer
// (lib/chat/coalesce-deltas.ts) between the UI message stream and the SSE response.
// BENCH_COALESCE_MS sets the window (`npm run bench -- --sweep` tries several).
import { createAzure } from '@ai-sdk/azure';
import {
  streamText,
  type UIMessage,
  convertToModelMessages,
  createUIMessageStreamResponse,
  toUIMessageStream,
} from 'ai';
import { coalesceDeltas } from '@/lib/chat/coalesce-deltas';

const azure = createAzure({ baseURL: process.env.AZURE_BASE_URL, apiKey: process.env.AZURE_API_KEY });

export async function POST(req: Request) {
  const { messages }: { messages: UIMessage[] } = await req.json();

  const result = streamText({
    model: azure.chat(process.env.AZURE_DEPLOYMENTS?.split(',')[0] ?? 'gpt-bench'),
    messages: await convertToModelMessages(messages),
  });

  return createUIMessageStreamResponse({
    stream: toUIMessageStream({ stream: result.stream }).pipeThrough(
      coalesceDeltas({ windowMs: Number(process.env.BENCH_COALESCE_MS ?? 30) }),
    ),
  });
}
