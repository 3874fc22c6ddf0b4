#!/usr/bin/env node
/**
 * Builds the app the way Vercel does (`vercel build`, offline, no Vercel account) and checks
 * that the Build Output it writes carries the function settings the code declares: each route's
 * `maxDuration` and Node runtime, response streaming, and vercel.json's `supportsCancellation`.
 * These settings only take effect on Vercel, so this is the one place they are verified.
 *
 *   node scripts/vercel-build-check.mjs            # needs `vercel` on PATH (.ci/vercel-cli.sh)
 *   VERCEL_CLI=/path/to/vercel node scripts/...    # another CLI binary
 *   node scripts/vercel-build-check.mjs --keep     # leave the scratch copy for inspection
 *   node scripts/vercel-build-check.mjs --checked-copy <dir>   # re-check a kept copy, no build
 *
 * The build runs in a scratch copy of the working tree (node_modules hard-linked, not copied)
 * so it neither touches this checkout's .next nor needs `vercel pull`: `.vercel/project.json`,
 * which `vercel pull` would fetch, is written here with the Next.js preset. Its empty install
 * command stops the builder from running `npm install` in the shared node_modules.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const checkedCopy = process.argv.includes('--checked-copy') ? process.argv[process.argv.indexOf('--checked-copy') + 1] : undefined;

/** `export const <name> = <value>` from each route handler, keyed by its path under app/. */
function declaredRouteSettings() {
  const routes = new Map();
  for (const file of readdirSync(path.join(root, 'app'), { recursive: true })) {
    if (!/(^|\/)route\.ts$/.test(file)) continue;
    const source = readFileSync(path.join(root, 'app', file), 'utf8');
    const maxDuration = source.match(/^export const maxDuration = (\d+);/m)?.[1];
    const runtime = source.match(/^export const runtime = '(\w+)';/m)?.[1];
    routes.set(path.dirname(file), { maxDuration: maxDuration && Number(maxDuration), runtime });
  }
  return routes;
}

/** Tracked and new (not ignored) files of the working tree, plus node_modules as hard links. */
function scratchCopy() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vercel-build-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  for (const file of files.split('\0').filter(Boolean)) {
    if (!existsSync(path.join(root, file))) continue; // deleted but not yet staged
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(root, file), path.join(dir, file));
  }
  execFileSync('cp', ['-al', path.join(root, 'node_modules'), path.join(dir, 'node_modules')]);
  mkdirSync(path.join(dir, '.vercel'));
  const settings = { framework: 'nextjs', installCommand: '', buildCommand: null, outputDirectory: null, rootDirectory: null };
  writeFileSync(path.join(dir, '.vercel', 'project.json'), JSON.stringify({ projectId: 'prj_local', orgId: 'team_local', settings }));
  return dir;
}

function vercelBuild(dir) {
  // No deployment secrets in a local build: Azure settings are runtime config, not build input.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AZURE_')));
  Object.assign(env, { VERCEL_TELEMETRY_DISABLED: '1', NEXT_TELEMETRY_DISABLED: '1' });
  const cli = process.env.VERCEL_CLI || 'vercel';
  const result = spawnSync(cli, ['build', '--yes'], { cwd: dir, env, stdio: 'inherit' });
  if (result.error || result.status !== 0) {
    throw new Error(`\`${cli} build\` failed (${result.error?.message ?? `exit ${result.status}`})`);
  }
}

/** The .vc-config.json of the function serving a route; Vercel links routes sharing settings. */
function functionConfig(dir, route) {
  const func = path.join(dir, '.vercel', 'output', 'functions', `${route}.func`);
  if (!existsSync(func)) throw new Error(`no function for /${route} in .vercel/output`);
  return JSON.parse(readFileSync(path.join(realpathSync(func), '.vc-config.json'), 'utf8'));
}

function check(dir) {
  const failures = [];
  const expect = (route, what, actual, wanted) => {
    const ok = actual === wanted;
    if (!ok) failures.push(`/${route}: ${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
    console.log(`${ok ? 'ok  ' : 'FAIL'} /${route} ${what}=${JSON.stringify(actual)}`);
  };
  const routes = declaredRouteSettings();
  if (![...routes.values()].some((route) => route.maxDuration)) failures.push('no route declares maxDuration');
  for (const [route, declared] of routes) {
    const config = functionConfig(dir, route);
    if (declared.runtime) expect(route, 'runtime', config.runtime?.replace(/\d+\.x$/, ''), declared.runtime);
    if (declared.maxDuration) {
      expect(route, 'maxDuration', config.maxDuration, declared.maxDuration);
      expect(route, 'supportsResponseStreaming', config.supportsResponseStreaming, true);
    }
  }
  const { functions = {} } = JSON.parse(readFileSync(path.join(root, 'vercel.json'), 'utf8'));
  for (const [file, settings] of Object.entries(functions)) {
    const route = path.dirname(path.relative('app', file));
    for (const [key, value] of Object.entries(settings)) expect(route, key, functionConfig(dir, route)[key], value);
  }
  return failures;
}

let failures;
if (checkedCopy) {
  failures = check(path.resolve(checkedCopy));
} else {
  const dir = scratchCopy();
  try {
    vercelBuild(dir);
    failures = check(dir);
  } finally {
    if (keep) console.log(`Scratch copy kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
if (failures.length > 0) {
  console.error(`\nVercel build output does not match the code:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('\nVercel build output carries every declared function setting.');
