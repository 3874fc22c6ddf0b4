import { readFileSync } from 'node:fs';
import nextJest from 'next/jest.js';

const createJestConfig = nextJest({ dir: './' });

// The AI SDK and its dependencies ship ESM only while Jest runs CommonJS, so packages are
// compiled by the same SWC transform as our own code; only the big CommonJS ones are skipped.
const commonJsPackages = ['next', 'react', 'react-dom', 'scheduler', 'jsdom', '@testing-library', 'playwright-core', 'fast-check', 'redis', '@redis'];

// Streamdown, its Shiki plugin and a few of their dependencies publish only an "import" export,
// which Jest's CommonJS resolver cannot see: point each name at its real ESM entry file.
const importOnlyPackages = ['streamdown', '@streamdown/code', 'remend', 'oniguruma-parser', 'regex-utilities', 'regex-recursion'];
const importOnlyEntries = Object.fromEntries(
  importOnlyPackages.map((name) => {
    const { exports } = JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8'));
    return [`^${name}$`, `<rootDir>/node_modules/${name}/${exports['.'].import}`];
  }),
);

// The server's per-request JSON log lines would bury jest's report; tests that check the log
// turn it on for themselves (__tests__/support/log-capture.ts). Servers the tests spawn get
// their own environment.
process.env.LOG_LEVEL ??= 'silent';

// Shared by every layer: next/jest's SWC transform, the module mappings and what is not a module.
/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  // Builds (.next*, with the standalone folder's copy of package.json and node_modules) and the
  // static export are outputs, not modules of this project.
  modulePathIgnorePatterns: ['<rootDir>/\\.next', '<rootDir>/out/'],
  moduleNameMapper: { '^@/(.*)$': '<rootDir>/$1', ...importOnlyEntries },
};

/**
 * The test layers, each runnable alone (`npm test -- --selectProjects unit`):
 *   unit       one module at a time (and the tools in tools/, beside their code)
 *   route      the real route handlers, in process, over the Azure emulator on loopback
 *   component  React components in jsdom
 *   browser    real processes: the production build, Chromium, reverse proxies, signals
 * Only the browser layer needs `next build`; Jest runs a project's globalSetup only when a test
 * of that project runs, so the other layers never build.
 */
const layers = {
  unit: { testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts?(x)', '<rootDir>/tools/**/*.test.ts'] },
  route: { testMatch: ['<rootDir>/__tests__/route/**/*.test.ts?(x)'] },
  component: { testMatch: ['<rootDir>/__tests__/component/**/*.test.ts?(x)'] },
  // Builds the app once per run for these tests (skipped with E2E_SKIP_BUILD=1).
  browser: { testMatch: ['<rootDir>/__tests__/browser/**/*.test.ts?(x)'], globalSetup: '<rootDir>/__tests__/browser/support/global-setup.ts' },
};

export default async function jestConfig() {
  const resolved = await createJestConfig(shared)();
  resolved.transformIgnorePatterns = [`/node_modules/(${commonJsPackages.join('|')})/`];
  return {
    projects: Object.entries(layers).map(([displayName, layer]) => ({ ...resolved, ...layer, displayName })),
    // The route tests load several copies of the app in one process (two "instances" on one
    // redis-server); a handle one of them keeps (a store subscription) must not keep CI waiting
    // after every test has finished.
    forceExit: true,
  };
}
