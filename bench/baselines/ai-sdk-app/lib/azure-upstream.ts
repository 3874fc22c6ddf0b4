// The upstream call of the hand-written baselines: Azure Chat Completions, streamed, for the
// messages of a useChat body (`parts`) or a simple one (`content`), as the tutorials' relay
// sends them.
type IncomingMessage = { role: string; content?: string; parts?: { type: string; text?: string }[] };

export async function fetchAzureChatStream(req: Request): Promise<Response> {
  const { messages }: { messages: IncomingMessage[] } = await req.json();
  return fetch(`${process.env.AZURE_BASE_URL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'api-key': process.env.AZURE_API_KEY ?? '' },
    body: JSON.stringify({
      model: process.env.AZURE_DEPLOYMENTS?.split(',')[0] ?? 'gpt-bench',
      stream: true,
      messages: messages.map((m) => ({ role: m.role, content: m.content ?? (m.parts ?? []).map((p) => p.text ?? '').join('') })),
    }),
    signal: req.signal,
  });
}
