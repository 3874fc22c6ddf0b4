// Cut experiment "fewer stream layers per token": keeps the AI SDK provider (request building,
// Azure SSE parsing and validation, error mapping) but skips streamText/toUIMessageStream:
// the provider's stream parts go through ONE TransformStream that writes the UI message
// stream protocol as SSE bytes. With BENCH_COALESCE_MS > 0 the provider's fetch merges
// upstream text events first (coalescingFetch), so the provider parses fewer, larger deltas.
import { createAzure } from '@ai-sdk/azure';
import { coalescingFetch } from '@/lib/ai/coalescing-fetch';

const windowMs = Number(process.env.BENCH_COALESCE_MS ?? 0);
const azure = createAzure({
  baseURL: process.env.AZURE_BASE_URL,
  apiKey: process.env.AZURE_API_KEY,
  fetch: coalescingFetch({ windowMs }),
});
const model = azure.chat(process.env.AZURE_DEPLOYMENTS?.split(',')[0] ?? 'gpt-bench');

type IncomingMessage = { role: 'user' | 'assistant'; content?: string; parts?: { type: string; text?: string }[] };
type Part = { type: string; id?: string; delta?: string };

export async function POST(req: Request) {
  const { messages }: { messages: IncomingMessage[] } = await req.json();
  const prompt = messages.map((m) => {
    const text = m.content ?? (m.parts ?? []).map((p) => p.text ?? '').join('');
    return m.role === 'user'
      ? { role: 'user' as const, content: [{ type: 'text' as const, text }] }
      : { role: 'assistant' as const, content: [{ type: 'text' as const, text }] };
  });
  const { stream } = await model.doStream({ prompt, abortSignal: req.signal });

  const encoder = new TextEncoder();
  const frame = (chunk: object) => `data: ${JSON.stringify(chunk)}\n\n`;
  const body = stream.pipeThrough(
    new TransformStream<Part, Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(frame({ type: 'start' }) + frame({ type: 'start-step' })));
      },
      transform(part, controller) {
        if (part.type === 'text-delta') {
          if (part.delta) controller.enqueue(encoder.encode(frame({ type: 'text-delta', id: part.id, delta: part.delta })));
        } else if (part.type === 'text-start' || part.type === 'text-end') {
          controller.enqueue(encoder.encode(frame({ type: part.type, id: part.id })));
        } else if (part.type === 'finish') {
          controller.enqueue(encoder.encode(frame({ type: 'finish-step' }) + frame({ type: 'finish' })));
        } else if (part.type === 'error') {
          controller.enqueue(encoder.encode(frame({ type: 'error', errorText: 'upstream error' })));
        }
      },
      flush(controller) {
        controller.enqueue(encoder.encode('data: [DONE]\n\n'));
      },
    }),
  );
  return new Response(body, {
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-vercel-ai-ui-message-stream': 'v1' },
  });
}
