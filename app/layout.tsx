import type { Metadata, Viewport } from 'next';
import { connection } from 'next/server';
import './globals.css';

export const metadata: Metadata = {
  title: 'Streaming Chat',
  description: 'Chat with Azure OpenAI, streamed token by token.',
};

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
  // Lets the browser draw its own UI (scrollbars, form controls) in the matching theme.
  colorScheme: 'light dark',
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#ffffff' },
    { media: '(prefers-color-scheme: dark)', color: '#17181c' },
  ],
};

/**
 * Rendered per request, every page included (the 404 too): the Content-Security-Policy nonce
 * set in proxy.ts exists only per request, and a page prerendered at build time would carry
 * scripts without it, which the browser then refuses to run.
 */
export default async function RootLayout({ children }: { children: React.ReactNode }) {
  await connection();
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
