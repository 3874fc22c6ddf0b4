import { resumeReply } from '@/lib/chat/active-streams';
import { readChatId } from '@/lib/chat/chat-id';
import { ownedChat } from '@/lib/chat/chat-owner';
import { sseHeaders } from '@/lib/protocols/delivery';
import { admit, preflightResponse } from '@/lib/http/access';
import { apiRoute } from '@/lib/http/api-route';
import { clientIdentity } from '@/lib/http/client-identity';
import { methodNotAllowed } from '@/lib/http/method-not-allowed';
import { enforceResumeRateLimit } from '@/lib/http/rate-limit';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
// A resumed reply streams as long as the reply itself (see app/api/chat/route.ts).
export const maxDuration = 300;

/**
 * Resumes the chat's reply (`useChat` calls this on load): while it is generated, the whole
 * reply so far and then the rest as it comes; for a while after it ended, the finished reply.
 * 204 when there is neither, or when the chat is not the caller's.
 */
export const GET = apiRoute(async (request, { config, cors }, context: { params: Promise<{ id: string }> }) => {
  const access = await admit(request, config);
  await enforceResumeRateLimit(clientIdentity(request, config), config);
  const chat = ownedChat(request, access, await readChatId(context.params));
  const reply = await resumeReply(chat.key, config);
  if (!reply) return new Response(null, { status: 204, headers: cors });
  return new Response(reply, { headers: sseHeaders(cors) });
});

export function OPTIONS(request: Request): Response {
  return preflightResponse(request);
}

export const POST = methodNotAllowed(['GET', 'OPTIONS']);
export const PUT = POST;
export const PATCH = POST;
export const DELETE = POST;
