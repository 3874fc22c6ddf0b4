import 'server-only';
import { openAsBlob, readFileSync } from 'node:fs';
import path from 'node:path';
import { HttpError } from '@/lib/http/errors';

/**
 * Scalar's browser bundle, served by this site (app/api/docs/scalar/[file]) instead of a CDN: the
 * reference page runs no third-party script and works with no internet. The files come from the
 * installed `@scalar/api-reference`, found from the working directory (the project root under
 * `next start`, the standalone folder under its server.js); next.config.ts traces them into the
 * build output.
 *
 * Only the single-file UMD build is served: it needs no other file (the `chunks/` folder belongs
 * to the ESM build, whose `import()`s could not carry the page's CSP nonce).
 */
// Whole literal paths: the build traces exactly these two files, not the package's 49 MB folder.
const PACKAGE_JSON = path.join(process.cwd(), 'node_modules/@scalar/api-reference/package.json');
const UMD_BUNDLE = path.join(process.cwd(), 'node_modules/@scalar/api-reference/dist/browser/standalone.js');

const SCALAR_ASSETS_PATH = '/api/docs/scalar';

let allowList: ReadonlyMap<string, string> | undefined;

/**
 * Public name → file on disk: the only files the route serves, looked up by exact name, so
 * no request can name any other file. The version is in the name, so a cached copy may be kept
 * for good: an upgrade of Scalar changes the URL.
 */
function assets(): ReadonlyMap<string, string> {
  if (!allowList) {
    const { version } = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string };
    allowList = new Map([[`api-reference-${version}.js`, UMD_BUNDLE]]);
  }
  return allowList;
}

/** Where the reference page loads Scalar's bundle from (same origin). */
export function scalarBundleUrl(): string {
  const [name] = assets().keys();
  return `${SCALAR_ASSETS_PATH}/${name}`;
}

/** The allow-listed file `name`, streamed from disk; the JSON 404 for any other name. */
export async function scalarAssetResponse(name: string): Promise<Response> {
  const file = assets().get(name);
  if (!file) throw new HttpError(404, 'not_found', `No such file under ${SCALAR_ASSETS_PATH}.`);
  const blob = await openAsBlob(file);
  return new Response(blob.stream(), {
    headers: {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Content-Length': String(blob.size),
      'Cache-Control': 'public, max-age=31536000, immutable',
    },
  });
}
