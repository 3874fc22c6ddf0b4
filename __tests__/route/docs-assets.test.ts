import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as docs from '@/app/api/docs/route';
import * as assets from '@/app/api/docs/scalar/[file]/route';

/**
 * The reference page's script comes from this site: `/api/docs/scalar/{file}` serves Scalar's
 * installed bundle under its versioned name, and nothing else, whatever name a client sends.
 */

const packageDir = path.resolve(__dirname, '../../node_modules/@scalar/api-reference');
const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
const bundle = readFileSync(path.join(packageDir, 'dist/browser/standalone.js'));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const get = (file: string) =>
  assets.GET(new Request(`http://localhost/api/docs/scalar/${encodeURIComponent(file)}`), { params: Promise.resolve({ file }) });

/** The script the reference page loads, as its HTML names it. */
async function bundleUrl(): Promise<string> {
  const html = await docs.GET().text();
  const sources = [...html.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]);
  expect(sources).toHaveLength(1);
  return sources[0];
}

test('the reference page loads its script from this site, under a name that carries the version', async () => {
  const url = await bundleUrl();
  expect(url).toBe(`/api/docs/scalar/api-reference-${version}.js`);
  expect(docs.GET().headers.get('content-security-policy')).not.toMatch(/https?:|cdn/);
});

test('the bundle is the installed file, as JavaScript, cacheable for good', async () => {
  const name = (await bundleUrl()).split('/').pop()!;
  const response = await get(name);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect(response.headers.get('content-length')).toBe(String(bundle.length));
  const body = new Uint8Array(await response.arrayBuffer());
  expect(body.length).toBe(bundle.length);
  expect(sha256(body)).toBe(sha256(bundle));
});

// Names a client might try to reach another file with: other files of the package (by their own
// names too), traversal in every spelling Next could hand over, absolute paths, an older version,
// and names of the allow-list's own object machinery.
const refused = [
  'standalone.js',
  'dist/browser/standalone.js',
  'standalone.js.map',
  'package.json',
  '../package.json',
  '../../package.json',
  '../../../../package.json',
  '..%2F..%2Fpackage.json',
  '..\\..\\package.json',
  `api-reference-${version}.js/../../package.json`,
  `./api-reference-${version}.js`,
  `api-reference-${version}.js.map`,
  `API-REFERENCE-${version}.JS`,
  `api-reference-${version}.js\0`,
  '/etc/passwd',
  '../../../../../../etc/passwd',
  'api-reference-0.0.1.js',
  '__proto__',
  'constructor',
  '',
];

test.each(refused)('%j is the JSON 404, not a file', async (name) => {
  const response = await get(name);
  expect(response.status).toBe(404);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect((await response.json()).error.code).toBe('not_found');
});

test('only GET', async () => {
  const response = await assets.POST(new Request('http://localhost/api/docs/scalar/x.js', { method: 'POST' }));
  expect(response.status).toBe(405);
  expect(response.headers.get('allow')).toBe('GET');
});
