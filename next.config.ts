import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
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
  // Static security headers for every response; the Content-Security-Policy for pages needs a
  // per-request nonce and is set in proxy.ts. Plain headers only: nothing here transforms or
  // buffers a body, so the /api/chat stream is unaffected.
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
          // frame-ancestors 'none' in the CSP, for browsers that predate it.
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
          { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()' },
          // Browsers ignore it over plain http (local use). No includeSubDomains/preload: those
          // commit every subdomain of a custom domain, a choice for the domain's owner.
          { key: 'Strict-Transport-Security', value: 'max-age=31536000' },
        ],
      },
      {
        // API answers (JSON, event streams) are never documents: if one is opened directly, it
        // may not run or load anything. The one page under /api, the reference at /api/docs,
        // sets its own policy.
        source: '/api/:path((?!docs$).*)',
        headers: [{ key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'" }],
      },
    ];
  },
};

export default nextConfig;
