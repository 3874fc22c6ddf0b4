// Extra reference row: a Next.js route that pipes the upstream Azure SSE bytes through
// untouched, which separates the cost of Next.js itself from the cost of the AI SDK layers.
import { fetchAzureChatStream } from '../../../lib/azure-upstream';

export async function POST(req: Request) {
  const upstream = await fetchAzureChatStream(req);
  return new Response(upstream.body, {
    status: upstream.status,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
  });
}
