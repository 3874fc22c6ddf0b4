#!/usr/bin/env node
/**
 * `npm run build:static`: the chat page as static files in `out/`, for a static host (Azure
 * Static Web Apps) in front of the API running elsewhere (Container Apps, App Service):
 *
 *   NEXT_PUBLIC_CHAT_API_URL=https://chat-api.example.com npm run build:static
 *
 * The API's origin is built into the page; the API must list the page's origin in
 * ALLOWED_ORIGINS. Writes out/staticwebapp.config.json: the fallback route, the site's security
 * headers and a Content-Security-Policy for static hosting, where no per-request nonce exists:
 * the page's inline scripts are allowed by their SHA-256 hashes, computed here from the files
 * that were just built, and the page may connect to its own origin and the API's only.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'out');

const apiUrl = process.env.NEXT_PUBLIC_CHAT_API_URL ?? '';
let apiOrigin;
try {
  apiOrigin = new URL(apiUrl).origin;
  if (!/^https?:$/.test(new URL(apiUrl).protocol)) throw new Error('not http(s)');
} catch {
  console.error("Set NEXT_PUBLIC_CHAT_API_URL to the API server's URL (https://…): the static page calls the chat API there.");
  process.exit(1);
}

execFileSync(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'build'], {
  cwd: root,
  stdio: 'inherit',
  // With `output: 'export'` the build folder is the export (out/); the server build in .next
  // (or .next-e2e) stays as it is.
  env: { ...process.env, NEXT_STATIC_EXPORT: '1', NEXT_DIST_DIR: 'out', NEXT_PUBLIC_CHAT_API_URL: apiOrigin },
});

function htmlFiles(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(directory, entry.name);
    if (entry.isDirectory()) return htmlFiles(file);
    return entry.name.endsWith('.html') ? [file] : [];
  });
}

/** 'sha256-…' of every inline <script> in the export (Next's bootstrap and page data). */
function inlineScriptHashes() {
  const hashes = new Set();
  for (const file of htmlFiles(outDir)) {
    for (const [, attributes, body] of readFileSync(file, 'utf8').matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
      if (/\bsrc=/.test(attributes) || body === '') continue;
      hashes.add(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
    }
  }
  return [...hashes].sort();
}

const { contentSecurityPolicy } = await import(path.join(root, 'lib/http/content-security-policy.ts'));
const { SITE_HEADERS } = await import(path.join(root, 'next.config.ts'));

// https://learn.microsoft.com/azure/static-web-apps/configuration
const staticWebAppConfig = {
  // One page: any unknown path that is not a file shows the chat.
  navigationFallback: { rewrite: '/index.html', exclude: ['/_next/*', '/*.{css,js,json,map,png,svg,ico,txt,woff2}'] },
  globalHeaders: {
    ...Object.fromEntries(SITE_HEADERS.map(({ key, value }) => [key, value])),
    // The server's policy (the same module), with hashes where the server uses a nonce.
    'Content-Security-Policy': contentSecurityPolicy({ scripts: inlineScriptHashes(), connect: [apiOrigin] }),
  },
  routes: [{ route: '/_next/static/*', headers: { 'Cache-Control': 'public, max-age=31536000, immutable' } }],
  responseOverrides: { 404: { rewrite: '/404.html' } },
};
writeFileSync(path.join(outDir, 'staticwebapp.config.json'), `${JSON.stringify(staticWebAppConfig, null, 2)}\n`);
console.log(`Static site in out/ for the API at ${apiOrigin} (allow this site's origin in the API's ALLOWED_ORIGINS).`);
