import type { NextConfig } from 'next';

// `npm run build:static` (scripts/build-static.mjs): the chat page alone as static files for a
// static host, talking to an API on another origin. Only `*.static.tsx` files are routes then
// (app/page.static.tsx, app/layout.static.tsx): the API's route handlers and proxy.ts are left
// out, and the page renders at build time without the per-request nonce and config.
const staticExport = process.env.NEXT_STATIC_EXPORT === '1';

const nextConfig: NextConfig = {
  // The server build is self-contained (`.next/standalone`: server, traced node_modules), the
  // folder scripts/assemble-standalone.mjs completes and the Dockerfile ships.
  output: staticExport ? 'export' : 'standalone',
  ...(staticExport ? { pageExtensions: ['static.tsx'] } : {}),
  // Compression buffers a response before sending it, which would turn a token-by-token
  // stream into one late burst; streaming routes must reach the client uncompressed.
  compress: false,
  // Lets the benchmark and e2e builds live beside a dev build without clobbering it.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  poweredByHeader: false,
  // Scalar's bundle is read from disk (lib/openapi/scalar-bundle.ts), not imported, so the build
  // output must be told to carry it for the reference page and the route that serves it.
  outputFileTracingIncludes: {
    '/api/docs/**': ['./node_modules/@scalar/api-reference/package.json', './node_modules/@scalar/api-reference/dist/browser/standalone.js'],
  },
  // A static host sets its own headers (staticwebapp.config.json, written by the static build).
  headers: staticExport ? undefined : securityHeaders,
};

/**
 * Security headers for every response, also applied by the static host to the static export
 * (scripts/build-static.mjs writes them into staticwebapp.config.json).
 */
export const SITE_HEADERS = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  // frame-ancestors 'none' in the CSP, for browsers that predate it.
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()' },
  // Browsers ignore it over plain http (local use). No includeSubDomains/preload: those
  // commit every subdomain of a custom domain, a choice for the domain's owner.
  { key: 'Strict-Transport-Security', value: 'max-age=31536000' },
];

/**
 * Static security headers for every response; the Content-Security-Policy for pages needs a
 * per-request nonce and is set in proxy.ts. Plain headers only: nothing here transforms or
 * buffers a body, so the /api/chat stream is unaffected.
 */
async function securityHeaders() {
  return [
    { source: '/:path*', headers: SITE_HEADERS },
    {
      // API answers (JSON, event streams) are never documents: if one is opened directly, it
      // may not run or load anything. The one page under /api, the reference at /api/docs,
      // sets its own policy.
      source: '/api/:path((?!docs$).*)',
      headers: [{ key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'" }],
    },
  ];
}

export default nextConfig;
