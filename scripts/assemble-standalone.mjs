#!/usr/bin/env node
/**
 * Completes the standalone folder `next build` writes (`<distDir>/standalone`) into the whole
 * server, the folder the container image ships and CI starts: `node server.js` in it runs the
 * project's server (server.mjs) with the browser assets beside it.
 *
 *   node scripts/assemble-standalone.mjs            # after `next build`, for .next
 *   NEXT_DIST_DIR=.next-e2e node scripts/...        # another build folder
 *
 * Next leaves out of the standalone folder what a CDN could serve (`<distDir>/static`,
 * `public/`); this server serves them itself, so they are copied in.
 */
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const distDir = process.env.NEXT_DIST_DIR || '.next';
const standalone = path.join(root, distDir, 'standalone');

if (!existsSync(path.join(standalone, distDir, 'required-server-files.json'))) {
  console.error(`No standalone build in ${path.relative(root, standalone)}: run \`next build\` (output: 'standalone') first.`);
  process.exit(1);
}

cpSync(path.join(root, distDir, 'static'), path.join(standalone, distDir, 'static'), { recursive: true });
if (existsSync(path.join(root, 'public'))) cpSync(path.join(root, 'public'), path.join(standalone, 'public'), { recursive: true });
cpSync(path.join(root, 'server.mjs'), path.join(standalone, 'server.mjs'));
// Replaces Next's generated server.js (which would run `next start`'s server, without the
// forwarded-for and shutdown handling), remembering which build folder this is.
writeFileSync(
  path.join(standalone, 'server.js'),
  `// Written by scripts/assemble-standalone.mjs: the project's server (server.mjs) for this build.\n` +
    `process.env.NEXT_DIST_DIR ||= ${JSON.stringify(distDir)};\n` +
    `import('./server.mjs');\n`,
);
console.log(`Standalone server ready: cd ${path.relative(root, standalone) || '.'} && node server.js`);
