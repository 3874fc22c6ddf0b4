import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Compression buffers a response before sending it, which would turn a token-by-token
  // stream into one late burst; streaming routes must reach the client uncompressed.
  compress: false,
  poweredByHeader: false,
};

export default nextConfig;
