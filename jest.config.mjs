import nextJest from 'next/jest.js';

const createJestConfig = nextJest({ dir: './' });

// The AI SDK and its dependencies ship ESM only while Jest runs CommonJS, so packages are
// compiled by the same SWC transform as our own code; only the big CommonJS ones are skipped.
const commonJsPackages = ['next', 'react', 'react-dom', 'scheduler', 'jsdom', '@testing-library', 'playwright-core', 'fast-check', 'redis', '@redis'];

/** @type {import('jest').Config} */
const config = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/__tests__/**/*.test.ts?(x)'],
  moduleNameMapper: { '^@/(.*)$': '<rootDir>/$1' },
  // Builds the app once for the browser tests in __tests__/e2e (skipped with E2E_SKIP_BUILD=1).
  globalSetup: '<rootDir>/__tests__/e2e/support/global-setup.ts',
};

export default async function jestConfig() {
  const resolved = await createJestConfig(config)();
  resolved.transformIgnorePatterns = [`/node_modules/(${commonJsPackages.join('|')})/`];
  return resolved;
}
