import path from 'node:path';

export const projectRoot = path.resolve(__dirname, '../../..');
export const nextBin = path.join(projectRoot, 'node_modules/next/dist/bin/next');

/**
 * Where the end-to-end build lives: beside a developer's `.next`, so running the suite never
 * clobbers a dev server. CI that builds on its own runs `NEXT_DIST_DIR=<this> next build` (or
 * sets E2E_DIST_DIR to the folder it built into) and sets E2E_SKIP_BUILD=1.
 */
export const e2eDistDir = process.env.E2E_DIST_DIR || '.next-e2e';

/** The server the tests start: the assembled standalone folder's entry, as in the container. */
export const standaloneServer = path.join(projectRoot, e2eDistDir, 'standalone', 'server.js');

/** Set by the global setup when the build failed, so every end-to-end test reports why. */
export const E2E_BUILD_FAILURE = 'E2E_BUILD_FAILURE';
