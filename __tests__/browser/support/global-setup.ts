import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { E2E_BUILD_FAILURE, e2eDistDir, nextBin, projectRoot } from './build';

interface JestGlobalConfig {
  testPathPatterns?: { patterns: string[] };
}

/** The end-to-end test files, to tell whether this run will execute any of them. */
function e2eTestFiles(): string[] {
  const directory = path.join(projectRoot, '__tests__/e2e');
  return readdirSync(directory)
    .filter((name) => /\.test\.tsx?$/.test(name))
    .map((name) => path.join(directory, name));
}

/**
 * Builds the app once per `jest` run for the browser tests (`next build` takes minutes on two
 * cores, so it is not repeated per test file). Skipped when E2E_SKIP_BUILD=1 (CI built it
 * already) and when the run was narrowed to paths that contain no end-to-end test.
 *
 * A failed build must not take the other suites down with it (a throw here aborts the whole
 * run): it is handed to the end-to-end tests, which fail with the build's reason.
 */
export default function globalSetup(globalConfig: JestGlobalConfig) {
  if (process.env.E2E_SKIP_BUILD === '1') return;
  const patterns = globalConfig.testPathPatterns?.patterns ?? [];
  const selected = patterns.length === 0 || e2eTestFiles().some((file) => patterns.some((p) => new RegExp(p, 'i').test(file)));
  if (!selected) return;

  console.log(`\n[e2e] next build → ${e2eDistDir}/standalone (set E2E_SKIP_BUILD=1 to reuse an existing build)`);
  // Built with a fake Azure key made up for this run, so __tests__/secrets.test.ts can search this
  // very build for it instead of running a second `next build`. The app reads its settings per
  // request, so the e2e tests still choose demo or Azure when they start the server.
  const secretScanKey = `sk-fake-SECRET-${randomBytes(16).toString('hex')}`;
  const fakeAzure = { AZURE_API_KEY: secretScanKey, AZURE_BASE_URL: 'http://127.0.0.1:9/openai/v1', AZURE_DEPLOYMENTS: 'gpt-main,gpt-alt', AZURE_API: 'responses' };
  try {
    const env = { ...process.env, ...fakeAzure, NEXT_DIST_DIR: e2eDistDir, NEXT_TELEMETRY_DISABLED: '1' };
    execFileSync(process.execPath, [nextBin, 'build'], { cwd: projectRoot, env, stdio: ['ignore', 'inherit', 'inherit'] });
    // The standalone folder completed as the container image has it: the tests run what ships.
    execFileSync(process.execPath, ['scripts/assemble-standalone.mjs'], { cwd: projectRoot, env, stdio: ['ignore', 'inherit', 'inherit'] });
    process.env.SECRET_SCAN_KEY = secretScanKey;
    process.env.SECRET_SCAN_DIST_DIR = e2eDistDir;
  } catch (error) {
    // Test workers start after this and inherit the environment.
    process.env[E2E_BUILD_FAILURE] = `next build failed (its output is above): ${(error as Error).message}`;
  }
}
