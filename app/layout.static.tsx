import type { Metadata, Viewport } from 'next';
import { metadata as siteMetadata, viewport as siteViewport } from './layout';
import './globals.css';

export const metadata: Metadata = siteMetadata;
export const viewport: Viewport = siteViewport;

/**
 * The root layout of the static export (`npm run build:static`; next.config.ts routes only
 * `*.static.tsx` files then): app/layout.tsx without the per-request rendering, which a static
 * host cannot do. Its Content-Security-Policy comes from the host (staticwebapp.config.json).
 */
export default function StaticRootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
