// Summarises V8 .cpuprofile files (from `node --cpu-prof`): self time by package/area and by
// function, so the benchmark can say where a route spends its CPU.
import { readFileSync } from 'node:fs';

function areaOf(url, functionName) {
  if (!url) {
    if (functionName === '(garbage collector)') return 'V8: garbage collector';
    if (functionName === '(program)' || functionName === '(idle)' || functionName === '(root)') return `V8: ${functionName}`;
    return 'V8/native builtins';
  }
  if (url.startsWith('node:')) {
    if (/webstreams|streams/.test(url)) return 'Node: web streams (node:internal/webstreams)';
    if (/undici|fetch/.test(url)) return 'Node: undici fetch';
    if (/_http|http/.test(url)) return 'Node: http';
    if (/net|stream_base|tcp|dns/.test(url)) return 'Node: net / sockets';
    if (/stream/.test(url)) return 'Node: node streams';
    if (/encoding|buffer|util/.test(url)) return 'Node: text encoding / buffers';
    return 'Node: other internals';
  }
  const chunk = /\.next[^/]*\/server\/chunks\/.*?([^/]+)$/.exec(url);
  const nm = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/g);
  if (nm) {
    const pkg = nm[nm.length - 1].replace('node_modules/', '');
    if (pkg === 'next') {
      if (/compiled\/undici|undici/.test(url)) return 'next (bundled undici)';
      if (/webstreams|stream-utils|node-web-streams|pipe-readable/.test(url)) return 'next: stream utils';
      return 'next (server runtime)';
    }
    return pkg;
  }
  if (chunk) return 'app route bundle (.next/server/chunks: ai, @ai-sdk, zod, app code)';
  if (/\.next/.test(url)) return 'app route bundle (.next/server)';
  return url
    .replace(/^file:\/\//, '')
    .split('/')
    .slice(-2)
    .join('/');
}

/** What a sample's self time is spent on, across packages (first match wins). */
const CAUSES = [
  [
    'AsyncLocalStorage promise hooks (Next.js request context × every promise)',
    (fn) =>
      /^(promiseInitHook|_propagate|promiseBeforeHook|promiseAfterHook|promiseResolveHook|lookupPublicResource|emitInitScript|executionAsyncResource|emitBeforeScript|emitAfterScript)$/.test(
        fn,
      ),
  ],
  [
    'Web streams machinery (enqueue/read/backpressure promises per chunk per layer)',
    (fn, area) => area.startsWith('Node: web streams') || /^(createDeferredPromise|makeTransferable|invokePromiseCallback)$/.test(fn),
  ],
  ['Microtask queue (promise reactions)', (fn) => fn === 'runMicrotasks' || fn === 'processTicksAndRejections'],
  ['Garbage collection', (fn) => fn === '(garbage collector)'],
  ['zod validation of each upstream chunk', (fn) => /_zod|zod/i.test(fn)],
  ['Socket writes', (fn) => /^(writev|writeUtf8String|writeLatin1String|writeBuffer|writeGeneric|writevGeneric)$/.test(fn)],
  ['JSON parse / stringify', (fn) => /^(parse|stringify|JSONParse|JsonParse)$/.test(fn)],
  ['AI SDK, provider and app code (route bundle)', (fn, area) => area.startsWith('app route bundle')],
  ['Next.js server runtime', (fn, area) => area.startsWith('next')],
  ['undici fetch (upstream request)', (fn, area) => /undici/.test(area)],
];

/** Self time per area and per function, in ms, for one or more .cpuprofile files. */
export function summariseProfiles(files) {
  const byArea = new Map();
  const byFn = new Map();
  const byCause = new Map();
  let total = 0;
  let idle = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8'));
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const self = new Map();
    for (let i = 0; i < profile.samples.length; i++) {
      const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
      self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
    }
    for (const [id, ms] of self) {
      const { functionName, url, lineNumber } = nodes.get(id).callFrame;
      if (functionName === '(idle)') {
        idle += ms;
        continue;
      }
      total += ms;
      const area = areaOf(url, functionName);
      byArea.set(area, (byArea.get(area) ?? 0) + ms);
      const cause = CAUSES.find(([, test]) => test(functionName, area))?.[0] ?? 'Other (Node internals, builtins)';
      byCause.set(cause, (byCause.get(cause) ?? 0) + ms);
      const fnKey = `${functionName || '(anonymous)'} — ${area}${url && !url.startsWith('node:') ? '' : url ? ` ${url.replace('node:internal/', '')}:${lineNumber + 1}` : ''}`;
      byFn.set(fnKey, (byFn.get(fnKey) ?? 0) + ms);
    }
  }
  const sorted = (map) => [...map.entries()].sort((a, b) => b[1] - a[1]).map(([name, ms]) => ({ name, ms, pct: total ? (ms / total) * 100 : 0 }));
  return { totalMs: total, idleMs: idle, causes: sorted(byCause), areas: sorted(byArea), functions: sorted(byFn) };
}

export function profileMarkdown(title, summary, { replies, top = 25 } = {}) {
  const lines = [`### ${title}`, ''];
  lines.push(
    `Busy (non-idle) samples: ${summary.totalMs.toFixed(0)} ms${replies ? ` for ${replies} replies (${(summary.totalMs / replies).toFixed(1)} ms/reply, incl. profiler overhead)` : ''}.`,
    '',
  );
  lines.push('| Cost (self time, grouped) | ms | share |', '|---|---:|---:|');
  for (const c of summary.causes) lines.push(`| ${c.name} | ${c.ms.toFixed(0)} | ${c.pct.toFixed(1)} % |`);
  lines.push('', '| Area (self time) | ms | share |', '|---|---:|---:|');
  for (const a of summary.areas.slice(0, 14)) lines.push(`| ${a.name} | ${a.ms.toFixed(0)} | ${a.pct.toFixed(1)} % |`);
  lines.push('', '| Function (self time) | ms | share |', '|---|---:|---:|');
  for (const f of summary.functions.slice(0, top)) lines.push(`| ${f.name.replace(/\|/g, '\\|')} | ${f.ms.toFixed(0)} | ${f.pct.toFixed(1)} % |`);
  lines.push('');
  return lines.join('\n');
}
