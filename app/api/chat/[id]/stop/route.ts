import { stopActiveStream } from '@/lib/chat/active-streams';
import { readChatId } from '@/lib/chat/chat-id';
import { ownedChat } from '@/lib/chat/chat-owner';
import { admit, preflightResponse } from '@/lib/http/access';
import { apiRoute } from '@/lib/http/api-route';
import { clientIdentity } from '@/lib/http/client-identity';
import { methodNotAllowed } from '@/lib/http/method-not-allowed';
import { enforceResumeRateLimit } from '@/lib/http/rate-limit';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * Stop: cancels the chat's reply in progress and its upstream request, on whichever instance
 * generates it. The text generated so far stays with the client (and in the resumable stream).
 * Another owner's chat is answered as one with nothing running: `{ "stopped": false }`.
 */
export const POST = apiRoute(async (request, { config, cors }, context: { params: Promise<{ id: string }> }) => {
  const access = await admit(request, config);
  await enforceResumeRateLimit(clientIdentity(request, config), config);
  const chat = ownedChat(request, access, await readChatId(context.params));
  const stopped = await stopActiveStream(chat.key, config);
  return Response.json({ stopped }, { headers: { ...cors, 'Cache-Control': 'no-store' } });
});

export function OPTIONS(request: Request): Response {
  return preflightResponse(request);
}

export const GET = methodNotAllowed(['POST', 'OPTIONS']);
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
