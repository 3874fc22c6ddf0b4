import { NextResponse, type NextRequest } from 'next/server';
import { getConfig } from '@/lib/config';
import { createSessionCookie, hasValidSession } from '@/lib/http/access';

/**
 * Hands the session cookie to browsers loading a page, so the site's own chat UI may call
 * `/api/chat` when `CHAT_API_KEYS` locks the API (see lib/http/access.ts). Runs before every
 * page request, so it returns at once when there is nothing to do: API keys not configured,
 * not an HTML page load, or the browser already holds a valid session.
 */
export async function proxy(request: NextRequest) {
  const config = getConfig();
  if (
    config.chatApiKeys.length === 0 ||
    request.method !== 'GET' ||
    !request.headers.get('accept')?.includes('text/html') ||
    (await hasValidSession(request, config))
  ) {
    return NextResponse.next();
  }
  const response = NextResponse.next();
  response.headers.append('Set-Cookie', await createSessionCookie(config, { requestUrl: request.url }));
  return response;
}

export const config = {
  matcher: [
    {
      // Pages only: not the API, not Next's assets, not files with an extension (public/).
      source: '/((?!api(?:/|$)|_next/|.*\\.[^/]*$).*)',
      // Link prefetches are not navigations; the real navigation will get the cookie.
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};
