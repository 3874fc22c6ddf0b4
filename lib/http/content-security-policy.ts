/**
 * The chat page's Content-Security-Policy, in one place for both ways the page is served: by
 * the server (proxy.ts: Next's scripts carry a fresh nonce per request) and by a static host
 * (scripts/build-static.mjs: the export's inline scripts allowed by their hashes, and the API
 * on its own origin). No imports: the static build loads this file with Node's type stripping.
 *
 * - scripts: only the ones allowed by `scripts` (a nonce or hashes), and what they load.
 *   Dev only: React's debugging uses eval.
 * - styles: inline allowed, because the markdown renderer (Shiki) colours code with style
 *   attributes; CSS cannot run script.
 * - images and fonts only from this site: a prompt-injected reply cannot leak the conversation
 *   through an off-site <img> URL.
 * - connect-src: the page talks only to its own site and `connect` (the API's origin when it
 *   lives elsewhere).
 * - worker-src 'self': the code highlighter's worker, a script of this site. Workers carry no
 *   nonce, so they are allowed by origin rather than left to how a browser applies
 *   'strict-dynamic' to them through the script-src fallback.
 */
export function contentSecurityPolicy({ scripts, connect = [], dev = false }: { scripts: string[]; connect?: string[]; dev?: boolean }): string {
  return [
    "default-src 'self'",
    ["script-src 'self'", ...scripts, ...(dev ? ["'unsafe-eval'"] : [])].join(' '),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    ["connect-src 'self'", ...connect].join(' '),
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
