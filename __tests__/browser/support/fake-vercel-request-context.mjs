/**
 * Preloaded into the server (`node --import`) to stand in for Vercel's runtime: Vercel gives
 * Next.js each request's `waitUntil` through this global, and keeps a function alive until the
 * promises handed to it settle. Each one is reported on stdout, so a test can see that a reply
 * outliving its connection is kept alive until it ends.
 */
const started = Date.now();
let handed = 0;
globalThis[Symbol.for('@next/request-context')] = {
  get: () => ({
    waitUntil(promise) {
      const id = ++handed;
      const since = Date.now();
      console.log(`[waitUntil] #${id} handed at ${since - started} ms`);
      Promise.resolve(promise).finally(() => console.log(`[waitUntil] #${id} settled after ${Date.now() - since} ms`));
    },
  }),
};
