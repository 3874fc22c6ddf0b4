// Extra reference row: a Next.js route that pipes the upstream Azure SSE bytes through
// untouched, which separates the cost of Next.js itself from the cost of the AI SDK layers.
type IncomingMessage = { role: string; content?: string; parts?: { type: string; text?: string }[] };

export async function POST(req: Request) {
  const { messages }: { messages: IncomingMessage[] } = await req.json();
  const upstream = await fetch(`${process.env.AZURE_BASE_URL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'api-key': process.env.AZURE_API_KEY ?? '' },
    body: JSON.stringify({
      model: process.env.AZURE_DEPLOYMENTS?.split(',')[0] ?? 'gpt-bench',
      stream: true,
      messages: messages.map((m) => ({
        role: m.role,
        content: m.content ?? (m.parts ?? []).map((p) => p.text ?? '').join(''),
      })),
    }),
    signal: req.signal,
  });
  return new Response(upstream.body, {
    status: upstream.status,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
  });
}
