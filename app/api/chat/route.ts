import { ownedChat } from '@/lib/chat/chat-owner';
import { parseChatRequest } from '@/lib/chat/request';
import { negotiateFormat, respond } from '@/lib/chat/respond';
import { startChatStream } from '@/lib/chat/stream';
import { admit, preflightResponse } from '@/lib/http/access';
import { apiRoute } from '@/lib/http/api-route';
import { clientIdentity } from '@/lib/http/client-identity';
import { methodNotAllowed } from '@/lib/http/method-not-allowed';
import { readJsonBody } from '@/lib/http/read-json';
import { enforceRateLimit, limitRepliesInFlight } from '@/lib/http/rate-limit';
import { refuseWhileDraining } from '@/lib/server/lifecycle';

// Node, not edge: resumable streams and shared rate limits keep state in-process or in Redis
// over TCP, which the edge runtime cannot do.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
// Seconds a serverless host (Vercel) lets this function run: a long reasoning reply, or one that
// keeps generating after its caller left so a reload can resume it. 300 is what every Vercel
// plan allows with Fluid compute; on a server of one's own it has no effect.
export const maxDuration = 300;

/**
 * Who may call is checked before the body is read, so strangers cost neither parsing nor
 * tokens; a server shutting down takes no new chat: drain check → admit (origin, authorization)
 * → limit → parse → stream → respond. A conversation (`id`) is kept under its owner
 * (lib/chat/chat-owner.ts).
 */
export const POST = apiRoute(async (request, { config, cors, log }) => {
  refuseWhileDraining();
  const access = await admit(request, config);
  const client = clientIdentity(request, config);
  await enforceRateLimit(client, config);
  const chat = await parseChatRequest(await readJsonBody(request, config.limits.maxBodyBytes), config);
  const format = negotiateFormat(request, chat);
  const owned = chat.chatId ? ownedChat(request, access, chat.chatId) : undefined;
  const stream = await limitRepliesInFlight(client, config, () => startChatStream(chat, config, log));
  return respond(stream, { format, request, chatId: owned?.key, headers: { ...cors, ...owned?.headers }, config });
});

export function OPTIONS(request: Request): Response {
  return preflightResponse(request);
}

export const GET = methodNotAllowed(['POST', 'OPTIONS']);
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
