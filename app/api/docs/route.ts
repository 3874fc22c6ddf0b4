import { ApiReference } from '@scalar/nextjs-api-reference';
import { docsContentSecurityPolicy } from '@/lib/openapi/docs-policy';
import { scalarBundleUrl } from '@/lib/openapi/scalar-bundle';

export const dynamic = 'force-dynamic';

/**
 * The API reference page: Scalar renders /api/openapi.json in the browser. Its two scripts (the
 * bundle, served by this site, and the call that starts it) carry this response's nonce, and the
 * page gets its own policy (the rest of /api answers with `default-src 'none'`, as nothing there
 * is a document).
 */
export function GET(): Response {
  const nonce = btoa(crypto.randomUUID());
  const page = ApiReference({
    url: '/api/openapi.json',
    pageTitle: 'Azure streaming chat API',
    nonce,
    cdn: scalarBundleUrl(),
    // Scalar's default fonts come from its own CDN; the page uses the system's.
    withDefaultFonts: false,
  })();
  page.headers.set('Content-Security-Policy', docsContentSecurityPolicy(nonce));
  page.headers.set('Content-Type', 'text/html; charset=utf-8');
  page.headers.set('Cache-Control', 'no-store');
  return page;
}
