import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import type { Access } from '@/lib/http/access';
import { HttpError } from '@/lib/http/errors';

/**
 * Whose a conversation is. Every stored record of a chat (its live reply, its finished reply,
 * its Stop channel) is kept under the owner's scope, so a chat id alone reaches nothing: another
 * owner's resume and stop find nothing there (answered exactly as for an id nobody used), and
 * reusing an id writes only into the reuser's own scope.
 *
 * The owner is, first match wins:
 * 1. the chat token the client sends back in `X-Chat-Token`;
 * 2. the caller's principal: its API key, or its browser session (the page's cookie);
 * 3. otherwise a fresh random chat token, handed to the client in `X-Chat-Token` with the reply
 *    (a page on another origin, where browsers block the cookie, or curl). The client keeps it
 *    and sends it back on resume, stop and the next turn.
 * A token is 128+ random bits the server never stores (only its hash scopes the keys), so it
 * cannot be guessed, and a client choosing its own token only picks a scope of its own.
 */

export const CHAT_TOKEN_HEADER = 'X-Chat-Token';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{22,200}$/;

interface ChatOwner {
  /** Hash naming the owner's scope in the stores: no key, session id or token in clear. */
  scope: string;
  /** A token minted for this request, to be sent to the client. */
  issuedToken?: string;
}

const scopeOf = (principal: string) => createHash('sha256').update(`chat-owner\n${principal}`).digest('hex').slice(0, 32);

function chatOwner(request: Request, access: Access): ChatOwner {
  const sent = request.headers.get(CHAT_TOKEN_HEADER);
  if (sent !== null) {
    if (!TOKEN_PATTERN.test(sent)) {
      throw new HttpError(400, 'invalid_request', `${CHAT_TOKEN_HEADER} must be the 22–200 character token the server sent.`);
    }
    return { scope: scopeOf(`token:${sent}`) };
  }
  if (access.principal) return { scope: scopeOf(access.principal) };
  const issuedToken = randomBytes(24).toString('base64url');
  return { scope: scopeOf(`token:${issuedToken}`), issuedToken };
}

export interface OwnedChat {
  /** The chat's key in the stores: its id inside its owner's scope. */
  key: string;
  /** For the response: hands a minted token to the client (empty otherwise). */
  headers: Record<string, string>;
}

export function ownedChat(request: Request, access: Access, chatId: string): OwnedChat {
  const owner = chatOwner(request, access);
  return {
    key: `${owner.scope}:${chatId}`,
    headers: owner.issuedToken ? { [CHAT_TOKEN_HEADER]: owner.issuedToken } : {},
  };
}
