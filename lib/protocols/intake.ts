import 'server-only';
import type { ChatRequest } from '@/lib/chat/request';
import { startChatStream, type ChatStream } from '@/lib/chat/stream';
import type { AppConfig } from '@/lib/config';
import { admit, preflightResponse } from '@/lib/http/access';
import { clientIdentity } from '@/lib/http/client-identity';
import type { ErrorDialect } from '@/lib/http/errors';
import { methodNotAllowed } from '@/lib/http/method-not-allowed';
import { readJsonBody } from '@/lib/http/read-json';
import { enforceRateLimit, limitRepliesInFlight } from '@/lib/http/rate-limit';
import type { RequestLog } from '@/lib/observability/request-log';
import { refuseWhileDraining } from '@/lib/server/lifecycle';

/**
 * The steps every chat endpoint takes before parsing, in `/api/chat`'s order: who may call
 * (origin, key) → the rate limit → the bounded JSON body. Strangers cost neither parsing nor tokens.
 */
export async function admitJsonBody(request: Request, config: AppConfig): Promise<unknown> {
  refuseWhileDraining();
  await admit(request, config);
  await enforceRateLimit(clientIdentity(request, config), config);
  return readJsonBody(request, config.limits.maxBodyBytes);
}

/** The other methods of a POST endpoint: CORS preflight, and a 405 in the endpoint's dialect. */
export function postOnly(dialect: ErrorDialect) {
  const notAllowed = methodNotAllowed(['POST', 'OPTIONS'], dialect);
  return {
    OPTIONS: (request: Request) => preflightResponse(request),
    GET: notAllowed,
    PUT: notAllowed,
    PATCH: notAllowed,
    DELETE: notAllowed,
  };
}

/** Starts the reply counted against the caller's replies in flight, as `/api/chat` does. */
export function startCountedChat(request: Request, chat: ChatRequest, config: AppConfig, log: RequestLog): Promise<ChatStream> {
  return limitRepliesInFlight(clientIdentity(request, config), config, () => startChatStream(chat, config, log));
}
