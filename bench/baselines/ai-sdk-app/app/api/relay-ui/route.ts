// Cut experiment "the floor for a Next.js route speaking the AI SDK protocol": the Express
// relay's hand-written fetch + SSE parsing, in a Next.js route, re-emitting the UI message
// stream protocol, with text deltas merged within BENCH_COALESCE_MS (0 = one frame per token).
import { fetchAzureChatStream } from '../../../lib/azure-upstream';

const windowMs = Number(process.env.BENCH_COALESCE_MS ?? 0);

export async function POST(req: Request) {
  const upstream = await fetchAzureChatStream(req);
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const frame = (chunk: object) => `data: ${JSON.stringify(chunk)}\n\n`;
  let buffer = '';
  let held = '';
  let open = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ended = false;
  const body = upstream.body!.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(frame({ type: 'start' }) + frame({ type: 'start-step' }) + frame({ type: 'text-start', id: '0' })));
      },
      transform(bytes, controller) {
        buffer += decoder.decode(bytes, { stream: true });
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        let out = '';
        for (const line of lines) {
          if (!line.startsWith('data: ')) continue;
          const data = line.slice(6);
          if (data === '[DONE]') continue;
          const content = JSON.parse(data).choices?.[0]?.delta?.content;
          if (!content) continue;
          if (windowMs <= 0 || !open) {
            out += frame({ type: 'text-delta', id: '0', delta: content });
            if (windowMs > 0) {
              open = true;
              const tick = () => {
                timer = undefined;
                if (held && !ended) {
                  controller.enqueue(encoder.encode(frame({ type: 'text-delta', id: '0', delta: held })));
                  held = '';
                  timer = setTimeout(tick, windowMs);
                } else open = false;
              };
              timer = setTimeout(tick, windowMs);
            }
          } else held += content;
        }
        if (out) controller.enqueue(encoder.encode(out));
      },
      flush(controller) {
        ended = true;
        if (timer) clearTimeout(timer);
        let out = held ? frame({ type: 'text-delta', id: '0', delta: held }) : '';
        out += frame({ type: 'text-end', id: '0' }) + frame({ type: 'finish-step' }) + frame({ type: 'finish' }) + 'data: [DONE]\n\n';
        controller.enqueue(encoder.encode(out));
      },
    }),
  );
  return new Response(body, {
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-vercel-ai-ui-message-stream': 'v1' },
  });
}
