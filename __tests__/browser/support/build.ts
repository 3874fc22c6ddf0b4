import { execFileSync, type StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const projectRoot = path.resolve(__dirname, '../../..');
export const nextBin = path.join(projectRoot, 'node_modules/next/dist/bin/next');

/**
 * Where the end-to-end build lives: beside a developer's `.next`, so running the suite never
 * clobbers a dev server. The one build folder of the tests: tsconfig.json already lists its
 * types, so `next build` leaves that file alone. CI that builds on its
 * own runs `NEXT_DIST_DIR=<this> next build` (or sets E2E_DIST_DIR to the folder it built into)
 * and sets E2E_SKIP_BUILD=1.
 */
export const e2eDistDir = process.env.E2E_DIST_DIR || '.next-e2e';

/** The server the tests start: the assembled standalone folder's entry, as in the container. */
export const standaloneServer = path.join(projectRoot, e2eDistDir, 'standalone', 'server.js');

/** Set by the global setup when the build failed, so every end-to-end test reports why. */
export const E2E_BUILD_FAILURE = 'E2E_BUILD_FAILURE';

/** Beside the build, never in what it serves: the fake Azure key the build was made with. */
const secretScanKeyFile = () => path.join(projectRoot, e2eDistDir, 'secret-scan-key');

export function readSecretScanKey(): string | undefined {
  return existsSync(secretScanKeyFile()) ? readFileSync(secretScanKeyFile(), 'utf8').trim() : undefined;
}

/**
 * `next build` into the e2e folder, then the standalone folder completed as the container image
 * has it (the tests run what ships). Built with a fake Azure key made up for this build, so the
 * secrets test can search the build for it; the app reads its settings per request, so the tests
 * still choose demo or Azure when they start the server. Returns what the build printed (piped).
 */
export function buildForBrowserTests(secretScanKey: string, stdio: StdioOptions, env: NodeJS.ProcessEnv = process.env): string {
  const fakeAzure = {
    AZURE_API_KEY: secretScanKey,
    AZURE_BASE_URL: 'http://127.0.0.1:9/openai/v1',
    AZURE_DEPLOYMENTS: 'gpt-main,gpt-alt',
    AZURE_API: 'responses',
  };
  const buildEnv = { ...env, ...fakeAzure, NEXT_DIST_DIR: e2eDistDir, NEXT_TELEMETRY_DISABLED: '1' };
  const options = { cwd: projectRoot, env: buildEnv, stdio, encoding: 'utf8' as const, maxBuffer: 64 * 1024 * 1024 };
  const output = [
    execFileSync(process.execPath, [nextBin, 'build'], options),
    execFileSync(process.execPath, ['scripts/assemble-standalone.mjs'], options),
  ];
  writeFileSync(secretScanKeyFile(), secretScanKey);
  return output.map((text) => text ?? '').join('');
}

/** A fake Azure key made up for one build; the prefix names the generator, never a real key. */
export function newSecretScanKey(): string {
  return `sk-fake-SECRET-${randomBytes(16).toString('hex')}`;
}
