import type { NextConfig } from 'next';

// The AI SDK getting-started app as generated, plus two benchmark-only settings:
// compression off (it would buffer the SSE stream, as in the project) and the type check
// skipped at build time (the root `tsc` already checks these files).
const nextConfig: NextConfig = {
  compress: false,
  typescript: { ignoreBuildErrors: true },
  distDir: process.env.NEXT_DIST_DIR || '.next',
};

export default nextConfig;
