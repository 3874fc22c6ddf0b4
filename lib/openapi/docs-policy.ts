/** Where Scalar's standalone bundle comes from (its package default): the one script origin allowed. */
export const SCALAR_SCRIPT_ORIGIN = 'https://cdn.jsdelivr.net';

/**
 * The reference page's Content-Security-Policy, the site's page policy with one difference:
 * Scalar's bundle is a script from jsDelivr, admitted by its origin and this response's nonce.
 * Everything it fetches (the document, "try it" requests) stays on this site.
 */
export function docsContentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'nonce-${nonce}' ${SCALAR_SCRIPT_ORIGIN}`,
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
