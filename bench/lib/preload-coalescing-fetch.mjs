// Benchmark-only preload (`node --import`): wraps the server's global fetch with
// `coalescingFetch` from lib/chat/coalesce-deltas.ts, so the project can be measured as if its
// Azure provider were created with `fetch: coalescingFetch({ windowMs })` — without editing
// it. run.mjs compiles the TypeScript module to bench/.work/coalesce-deltas.mjs first.
// BENCH_COALESCE_MS sets the window.
const { coalescingFetch } = await import(new URL('../.work/coalesce-deltas.mjs', import.meta.url));

globalThis.fetch = coalescingFetch({ windowMs: Number(process.env.BENCH_COALESCE_MS ?? 33) }, globalThis.fetch);
