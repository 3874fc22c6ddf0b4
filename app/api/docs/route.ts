import { ApiReference } from '@scalar/nextjs-api-reference';
import { docsContentSecurityPolicy } from '@/lib/openapi/docs-policy';
import { scalarBundleUrl } from '@/lib/openapi/scalar-bundle';

export const dynamic = 'force-dynamic';

/**
 * The API reference page: Scalar renders /api/openapi.json in the browser. Its two scripts (the
 * bundle, served by this site, and the call that starts it) carry this response's nonce, and the
 * page gets its own policy (the rest of /api answers with `default-src 'none'`, as nothing there
 * is a document).
 *
 * What Scalar would reach beyond this site, and how each is kept here or off:
 * - its bundle (jsDelivr by default): served by this site (`cdn`);
 * - its fonts (fonts.scalar.com): off, the page uses the system's;
 * - its AI agent (api.scalar.com, registry.scalar.com; on by default on localhost): disabled;
 * - its developer toolbar (can upload the document to Scalar's registry): never shown;
 * - "Open API Client" links to client.scalar.com, handing it the document's URL: hidden (the
 *   built-in client, "Test Request", stays);
 * - "Test Request" calls go straight to this site: no `proxyUrl`, so not via proxy.scalar.com;
 * - telemetry: off.
 * The policy's `connect-src 'self'` refuses anything else; the e2e test records every request.
 */
export function GET(): Response {
  const nonce = btoa(crypto.randomUUID());
  const page = ApiReference({
    url: '/api/openapi.json',
    pageTitle: 'Azure streaming chat API',
    nonce,
    cdn: scalarBundleUrl(),
    withDefaultFonts: false,
    agent: { disabled: true },
    showDeveloperTools: 'never',
    hideClientButton: true,
    telemetry: false,
  })();
  page.headers.set('Content-Security-Policy', docsContentSecurityPolicy(nonce));
  page.headers.set('Content-Type', 'text/html; charset=utf-8');
  page.headers.set('Cache-Control', 'no-store');
  return page;
}
