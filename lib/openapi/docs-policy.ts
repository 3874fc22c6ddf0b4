import 'server-only';
/**
 * The reference page's Content-Security-Policy, the site's page policy with one difference:
 * scripts need this response's nonce (Scalar's bundle, served by this site, and the inline call
 * that starts it). No other origin is admitted: everything the page loads or fetches (the
 * bundle, the document, "try it" requests) stays on this site.
 */
export function docsContentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
