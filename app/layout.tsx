import type { Metadata, Viewport } from 'next';
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

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
