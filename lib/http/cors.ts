import 'server-only';
import { getConfig, type AppConfig } from '@/lib/config';
import { CHAT_TOKEN_HEADER } from '@/lib/chat/chat-owner';
import { HttpError, errorResponse } from '@/lib/http/errors';

/**
 * CORS. Browsers on other sites may call the API only from `ALLOWED_ORIGINS` (with an API key:
 * credentials are not allowed cross-origin, so the session cookie only ever works same-site; the
 * chat token travels in a header instead).
 */

const CORS_METHODS = 'POST, GET, OPTIONS';
/** Besides the chat token: the OpenAI SDKs add their platform and retry headers to every request from browsers too. */
const CORS_REQUEST_HEADERS = [
  `Authorization, Content-Type, Accept, ${CHAT_TOKEN_HEADER}`,
  'X-Stainless-Arch, X-Stainless-Lang, X-Stainless-OS, X-Stainless-Package-Version, X-Stainless-Retry-Count',
  'X-Stainless-Runtime, X-Stainless-Runtime-Version, X-Stainless-Timeout, X-Stainless-Helper-Method',
  'OpenAI-Organization, OpenAI-Project',
].join(', ');
/** Beyond the CORS-safelisted ones: what a cross-origin client needs to back off and retry. */
const CORS_EXPOSED_HEADERS = `Retry-After, WWW-Authenticate, X-Vercel-AI-UI-Message-Stream, X-Request-Id, ${CHAT_TOKEN_HEADER}`;
/** Lets the browser skip repeat preflights for ten minutes. */
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/** `https://Example.com/` in the config still matches the browser's `https://example.com`. */
function normaliseOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}

/** No `Origin` (same-origin GET, curl, servers) or an `Origin` naming this very host. */
function isSameOrigin(request: Request): boolean {
  const origin = request.headers.get('origin');
  if (origin === null) return true;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return false; // e.g. "null" from sandboxed frames and file:// pages
  }
  // Behind a proxy, request.url may name the internal host; the Host headers name the public one.
  const hosts = [new URL(request.url).host, request.headers.get('host'), request.headers.get('x-forwarded-host')?.split(',')[0].trim()];
  return hosts.some((host) => host && host.toLowerCase() === originHost);
}

function isAllowedOrigin(origin: string, config: AppConfig): boolean {
  return config.allowedOrigins.some((allowed) => normaliseOrigin(allowed) === origin);
}

/** CORS response headers for an allowed cross-origin caller; none for anyone else. */
export function corsHeaders(request: Request, config: AppConfig = getConfig()): Record<string, string> {
  const origin = request.headers.get('origin');
  if (!origin || !isAllowedOrigin(origin, config)) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': CORS_METHODS,
    'Access-Control-Allow-Headers': CORS_REQUEST_HEADERS,
    'Access-Control-Expose-Headers': CORS_EXPOSED_HEADERS,
    Vary: 'Origin',
  };
}

/**
 * Throws `HttpError(403, 'forbidden_origin')` for a browser request from a site that is neither
 * this one nor in `ALLOWED_ORIGINS`. Rejecting before any work matters for requests a browser
 * sends without a preflight: CORS would hide the answer, but the model would still be paid for.
 */
export function assertAllowedOrigin(request: Request, config: AppConfig = getConfig()): void {
  const origin = request.headers.get('origin');
  if (origin === null || isSameOrigin(request) || isAllowedOrigin(origin, config)) return;
  throw new HttpError(
    403,
    'forbidden_origin',
    `Requests from ${origin.slice(0, 200)} are not allowed. Add the origin to ALLOWED_ORIGINS to permit it.`,
  );
}

/** The answer to `OPTIONS /api/chat`. */
export function preflightResponse(request: Request, config: AppConfig = getConfig()): Response {
  try {
    assertAllowedOrigin(request, config);
  } catch (error) {
    return errorResponse(error, { Vary: 'Origin' });
  }
  const headers = new Headers(corsHeaders(request, config));
  if (headers.has('Access-Control-Allow-Origin')) headers.set('Access-Control-Max-Age', PREFLIGHT_MAX_AGE_SECONDS);
  headers.set('Allow', CORS_METHODS);
  return new Response(null, { status: 204, headers });
}
