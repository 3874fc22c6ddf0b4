/**
 * Preloaded (`node --import`) into the processes that run the app's modules under tsx rather
 * than Next.js: there, as under jest (next/jest maps it too), the `server-only` marker the
 * server modules carry resolves to its empty module instead of the one that throws outside a
 * React server bundle.
 */
import { registerHooks } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const empty = pathToFileURL(path.resolve('node_modules/server-only/empty.js')).href;
registerHooks({
  resolve: (specifier, context, nextResolve) => (specifier === 'server-only' ? { url: empty, shortCircuit: true } : nextResolve(specifier, context)),
});
