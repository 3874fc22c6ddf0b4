/**
 * The one setting the browser bundle is built with, apart from lib/config/index.ts (which is
 * server-side and read per request): where the chat API lives. Empty for the site's own page
 * (same origin); for the static export (`npm run build:static`) the API's origin, inlined by
 * Next at build time from NEXT_PUBLIC_CHAT_API_URL. A module of its own so the page's bundle
 * does not carry the server's config schema.
 */
export const chatApiOrigin = (process.env.NEXT_PUBLIC_CHAT_API_URL ?? '').replace(/\/+$/, '');
