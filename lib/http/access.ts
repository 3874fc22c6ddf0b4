import 'server-only';
import { getConfig, type AppConfig } from '@/lib/config';
import { HttpError } from '@/lib/http/errors';
import { bearerToken, isConfiguredKey, keyPrincipal } from './api-keys';
import { assertAllowedOrigin } from './cors';
import { readSession, sessionCookieValue } from './session-cookie';

export { corsHeaders, preflightResponse } from './cors';

/**
 * Who may call the API, and as whom. `admit` is the one entry every API route runs first:
 * a browser on a foreign site is refused (403, lib/http/cors.ts), then the caller must be
 * authorized (401) — both before any body is read or token is spent.
 *
 * With `CHAT_API_KEYS` empty the API is open. Otherwise a request needs either
 * - `Authorization: Bearer <key>` (scripts, other services; lib/http/api-keys.ts), or
 * - the signed session cookie the chat page's browser got (lib/http/session-cookie.ts).
 */

export interface Access {
  /**
   * Who the caller is, when it can be told: `key:<hash>` for an API key, `session:<id>` for a
   * browser session (in open mode too, when the page's cookie is present). Chats belong to it.
   */
  principal?: string;
}

async function sessionPrincipal(request: Request, config: AppConfig): Promise<string | undefined> {
  const id = await readSession(request, config);
  return id ? `session:${id}` : undefined;
}

/** Throws `HttpError(401)` with `WWW-Authenticate: Bearer` and a message saying what to fix. */
export async function authorize(request: Request, config: AppConfig = getConfig()): Promise<Access> {
  if (config.chatApiKeys.length === 0) {
    // Open: the session only names an owner, so a session store that is down (already logged)
    // makes this a cookie-less caller, which is handed a chat token, rather than an error.
    const principal = sessionCookieValue(request) ? await sessionPrincipal(request, config).catch(() => undefined) : undefined;
    return principal ? { principal } : {};
  }

  if (request.headers.get('authorization') !== null) {
    const token = bearerToken(request);
    if (!token) {
      throw new HttpError(401, 'unauthorized', 'The Authorization header must be "Bearer <API key>".', {
        'WWW-Authenticate': 'Bearer realm="chat", error="invalid_request"',
      });
    }
    // A wrong key fails even if a session cookie is also present: a client that sends a key
    // wants to know that key is wrong rather than silently ride on a cookie.
    if (!(await isConfiguredKey(token, config.chatApiKeys))) {
      throw new HttpError(401, 'unauthorized', 'The API key is not valid.', {
        'WWW-Authenticate': 'Bearer realm="chat", error="invalid_token"',
      });
    }
    return { principal: keyPrincipal(token) };
  }

  const principal = await sessionPrincipal(request, config);
  if (principal) return { principal };
  const message = sessionCookieValue(request)
    ? 'Your session has expired. Reload the page to continue.'
    : 'This API needs an API key: send "Authorization: Bearer <API key>". In the browser, open the chat page first.';
  throw new HttpError(401, 'unauthorized', message, { 'WWW-Authenticate': 'Bearer realm="chat"' });
}

export async function admit(request: Request, config: AppConfig = getConfig()): Promise<Access> {
  assertAllowedOrigin(request, config);
  return authorize(request, config);
}
