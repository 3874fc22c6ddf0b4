import { stopActiveStream } from '@/lib/chat/active-streams';
import { readChatId } from '@/lib/chat/chat-id';
import { admit, preflightResponse } from '@/lib/http/access';
import { apiRoute } from '@/lib/http/api-route';
import { methodNotAllowed } from '@/lib/http/method-not-allowed';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Stop: cancels the chat's reply in progress and its upstream request, on whichever instance
 * generates it. The text generated so far stays with the client (and in the resumable stream).
 */
export const POST = apiRoute(async (request, { config, cors }, context: { params: Promise<{ id: string }> }) => {
  await admit(request, config);
  const stopped = await stopActiveStream(await readChatId(context.params), config);
  return Response.json({ stopped }, { headers: { ...cors, 'Cache-Control': 'no-store' } });
});

export function OPTIONS(request: Request): Response {
  return preflightResponse(request);
}

export const GET = methodNotAllowed(['POST', 'OPTIONS']);
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
