import { buildForBrowserTests, E2E_BUILD_FAILURE, e2eDistDir, newSecretScanKey, readSecretScanKey } from './build';

/**
 * Builds the app once per `jest` run for the browser tests (`next build` takes minutes on two
 * cores, so it is not repeated per test file). Jest runs it only when a browser test runs (it is
 * the browser project's globalSetup). Skipped when E2E_SKIP_BUILD=1: the last build is reused.
 *
 * A failed build must not take the other suites down with it (a throw here aborts the whole
 * run): it is handed to the end-to-end tests, which fail with the build's reason.
 */
export default function globalSetup() {
  if (process.env.E2E_SKIP_BUILD !== '1') {
    console.log(`\n[e2e] next build → ${e2eDistDir}/standalone (set E2E_SKIP_BUILD=1 to reuse an existing build)`);
    try {
      buildForBrowserTests(newSecretScanKey(), ['ignore', 'inherit', 'inherit']);
    } catch (error) {
      // Test workers start after this and inherit the environment.
      process.env[E2E_BUILD_FAILURE] = `next build failed (its output is above): ${(error as Error).message}`;
      return;
    }
  }
  // The build's fake Azure key, so __tests__/browser/secrets.test.ts searches this very build for it.
  const key = readSecretScanKey();
  if (key) {
    process.env.SECRET_SCAN_KEY = key;
    process.env.SECRET_SCAN_DIST_DIR = e2eDistDir;
  }
}
