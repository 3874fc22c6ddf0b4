import { NextResponse, type NextRequest } from 'next/server';
import { getConfig } from '@/lib/config';
import { createSessionCookie, hasValidSession } from '@/lib/http/access';
import { contentSecurityPolicy } from '@/lib/http/content-security-policy';

/**
 * Runs before every page request (not the API, not static files; see `config.matcher`):
 *
 * 1. Content-Security-Policy with a fresh nonce. Next's App Router inlines its bootstrap and
 *    RSC payload as <script> tags; Next reads the nonce from the request's CSP header and puts
 *    it on all of its scripts, so no inline script without it can run, not even one smuggled
 *    into rendered markdown. This needs the page to render per request (app/page.tsx awaits
 *    `connection()`); a statically prerendered page would carry no nonce and not hydrate.
 * 2. The session cookie for browsers loading a page, so the site's own chat UI may call
 *    `/api/chat` when `CHAT_API_KEYS` locks the API (see lib/http/access.ts).
 *
 * The other security headers are static and live in next.config.ts.
 */

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
  if (
    config.chatApiKeys.length > 0 &&
    request.method === 'GET' &&
    request.headers.get('accept')?.includes('text/html') &&
    !(await hasValidSession(request, config))
  ) {
    response.headers.append('Set-Cookie', await createSessionCookie(config, { requestUrl: request.url }));
  }
  return response;
}

export const config = {
  matcher: [
    {
      // Pages only: not the API (nor the tutorials' endpoints outside /api: /chat/stream,
      // /v1/…), not Next's assets, not files with an extension (public/).
      source: '/((?!api(?:/|$)|chat/stream$|v1/|_next/|.*\\.[^/]*$).*)',
      // Link prefetches are not navigations; the real navigation gets its own nonce and cookie.
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};
