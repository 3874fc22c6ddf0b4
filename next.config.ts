import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Compression buffers a response before sending it, which would turn a token-by-token
  // stream into one late burst; streaming routes must reach the client uncompressed.
  compress: false,
  // Lets the benchmark and e2e builds live beside a dev build without clobbering it.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  poweredByHeader: false,
};

export default nextConfig;
