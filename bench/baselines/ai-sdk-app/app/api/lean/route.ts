// Cut experiment "fewer stream layers per token": keeps the AI SDK provider (request building,
// Azure SSE parsing, error mapping) but skips streamText/toUIMessageStream. The provider's
// stream parts go through ONE TransformStream that writes the UI message stream protocol as
// SSE bytes, merging text deltas within BENCH_COALESCE_MS (0 = one frame per token).
import { createAzure } from '@ai-sdk/azure';

const azure = createAzure({ baseURL: process.env.AZURE_BASE_URL, apiKey: process.env.AZURE_API_KEY });
const model = azure.chat(process.env.AZURE_DEPLOYMENTS?.split(',')[0] ?? 'gpt-bench');
const windowMs = Number(process.env.BENCH_COALESCE_MS ?? 0);

type IncomingMessage = { role: 'user' | 'assistant'; content?: string; parts?: { type: string; text?: string }[] };
type Part = { type: string; id?: string; delta?: string; finishReason?: unknown };

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
  const frame = (chunk: object) => encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`);
  let held = '';
  let heldId = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let open = false;
  let out: TransformStreamDefaultController<Uint8Array>;
  const tick = () => {
    timer = undefined;
    if (held) {
      out.enqueue(frame({ type: 'text-delta', id: heldId, delta: held }));
      held = '';
      timer = setTimeout(tick, windowMs);
    } else open = false;
  };
  const body = stream.pipeThrough(
    new TransformStream<Part, Uint8Array>({
      start(controller) {
        out = controller;
        controller.enqueue(frame({ type: 'start' }));
        controller.enqueue(frame({ type: 'start-step' }));
      },
      transform(part, controller) {
        if (part.type === 'text-delta' && part.delta) {
          if (windowMs <= 0) return controller.enqueue(frame({ type: 'text-delta', id: part.id, delta: part.delta }));
          if (!open) {
            open = true;
            controller.enqueue(frame({ type: 'text-delta', id: part.id, delta: part.delta }));
            timer = setTimeout(tick, windowMs);
          } else {
            heldId = part.id!;
            held += part.delta;
          }
          return;
        }
        if (held) {
          controller.enqueue(frame({ type: 'text-delta', id: heldId, delta: held }));
          held = '';
        }
        if (timer) clearTimeout(timer);
        timer = undefined;
        open = false;
        if (part.type === 'text-start' || part.type === 'text-end') controller.enqueue(frame({ type: part.type, id: part.id }));
        else if (part.type === 'finish') {
          controller.enqueue(frame({ type: 'finish-step' }));
          controller.enqueue(frame({ type: 'finish' }));
        } else if (part.type === 'error') controller.enqueue(frame({ type: 'error', errorText: 'upstream error' }));
      },
      flush(controller) {
        if (held) controller.enqueue(frame({ type: 'text-delta', id: heldId, delta: held }));
        if (timer) clearTimeout(timer);
        controller.enqueue(encoder.encode('data: [DONE]\n\n'));
      },
    }),
  );
  return new Response(body, {
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-vercel-ai-ui-message-stream': 'v1' },
  });
}
