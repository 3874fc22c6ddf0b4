// Cut experiment "Node vs edge runtime under next start": the getting-started route, with
// `runtime = 'edge'` (Next runs it in its edge sandbox inside the same Node process).
import { createAzure } from '@ai-sdk/azure';
import {
  streamText,
  type UIMessage,
  convertToModelMessages,
  createUIMessageStreamResponse,
  toUIMessageStream,
} from 'ai';

const azure = createAzure({ baseURL: process.env.AZURE_BASE_URL, apiKey: process.env.AZURE_API_KEY });

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

export const runtime = 'edge';
