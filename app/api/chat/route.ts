import { parseChatRequest } from '@/lib/chat/request';
import { negotiateFormat, respond } from '@/lib/chat/respond';
import { startChatStream } from '@/lib/chat/stream';
import { admit, preflightResponse } from '@/lib/http/access';
import { apiRoute } from '@/lib/http/api-route';
import { clientIdentity } from '@/lib/http/client-identity';
import { methodNotAllowed } from '@/lib/http/method-not-allowed';
import { readJsonBody } from '@/lib/http/read-json';
import { enforceRateLimit } from '@/lib/http/rate-limit';
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
 * → limit → parse → stream → respond.
 */
export const POST = apiRoute(async (request, { config, cors, log }) => {
  refuseWhileDraining();
  await admit(request, config);
  await enforceRateLimit(clientIdentity(request, config), config);
  const chat = await parseChatRequest(await readJsonBody(request, config.limits.maxBodyBytes), config);
  const format = negotiateFormat(request, chat);
  const stream = await startChatStream(chat, config, log);
  return respond(stream, { format, request, chatId: chat.chatId, headers: cors, config });
});

export function OPTIONS(request: Request): Response {
  return preflightResponse(request);
}

export const GET = methodNotAllowed(['POST', 'OPTIONS']);
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
