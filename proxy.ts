import { NextResponse, type NextRequest } from 'next/server';
import { getConfig } from '@/lib/config';
import { contentSecurityPolicy } from '@/lib/http/content-security-policy';
import { createSessionCookie, readSession } from '@/lib/http/session-cookie';

/**
 * Runs before every page request (not the API, not static files; see `config.matcher`):
 *
 * 1. Content-Security-Policy with a fresh nonce. Next's App Router inlines its bootstrap and
 *    RSC payload as <script> tags; Next reads the nonce from the request's CSP header and puts
 *    it on all of its scripts, so no inline script without it can run, not even one smuggled
 *    into rendered markdown. This needs the page to render per request (app/page.tsx awaits
 *    `connection()`); a statically prerendered page would carry no nonce and not hydrate.
 * 2. The session cookie for a browser navigating to the chat page, so the page may call
 *    `/api/chat` when `CHAT_API_KEYS` locks the API and its chats are its own (see
 *    lib/http/session-cookie.ts). Only for top-level navigations to the page (the Fetch
 *    Metadata headers every current browser sends): not for fetches, prefetches, frames or 404s.
 *    Any client can send those headers, so this is friction, not a control: it keeps a plain
 *    `curl` of any URL from yielding a session.
 *
 * The other security headers are static and live in next.config.ts.
 */

/** The pages that call the API, and so the only ones a session is issued for. */
const CHAT_PAGES = new Set(['/']);

function isNavigationToChatPage(request: NextRequest): boolean {
  return (
    request.method === 'GET' &&
    CHAT_PAGES.has(request.nextUrl.pathname) &&
    request.headers.get('sec-fetch-mode') === 'navigate' &&
    request.headers.get('sec-fetch-dest') === 'document' &&
    !request.headers.has('next-router-prefetch') &&
    request.headers.get('purpose') !== 'prefetch'
  );
}

export async function proxy(request: NextRequest) {
  const nonce = btoa(crypto.randomUUID());
  // Only scripts Next tagged with this request's nonce, and what they load ('strict-dynamic'
  // covers Next's lazily loaded chunks).
  const policy = contentSecurityPolicy({
    scripts: [`'nonce-${nonce}'`, "'strict-dynamic'"],
    dev: process.env.NODE_ENV === 'development',
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('Content-Security-Policy', policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('Content-Security-Policy', policy);

  const config = getConfig();
  if (!isNavigationToChatPage(request)) return response;
  try {
    if (!(await readSession(request, config))) {
      response.headers.append('Set-Cookie', await createSessionCookie(config, { requestUrl: request.url }));
    }
  } catch {
    // The session store is down (already logged): the page still loads; its API calls say why.
  }
  return response;
}

export const config = {
  matcher: [
    {
      // Pages only: not the API (nor the tutorials' endpoints outside /api: /chat/stream,
      // /v1/…), not Next's assets, not files with an extension (public/). Prefetches included:
      // a prefetched page is shown as it was fetched, so it needs its CSP.
      source: '/((?!api(?:/|$)|chat/stream$|v1/|_next/|.*\\.[^/]*$).*)',
    },
  ],
};
