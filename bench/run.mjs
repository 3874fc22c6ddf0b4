#!/usr/bin/env node
// `npm run bench`: the one-run streaming benchmark.
//
// Builds and starts, on loopback only, the project's Azure emulator, the project (as deployed:
// `server.mjs` with `npm start`'s Node flags) and the baselines, then drives each server in turn with the same workloads
// from a separate load-generator process, reading the server's own CPU counters from /proc:
//   paced     200 concurrent replies of 100 tokens at 50 tokens/s
//   burst      50 concurrent replies of 200 tokens sent at once
//   scale500  500 concurrent paced replies      scale1000  1,000 concurrent paced replies
// then the in-process stage timings and heap numbers (bench/lib/inprocess.mts) and the browser
// benchmark (bench/lib/browser.mjs). Writes bench/results/latest.{md,json,svg}.
//
// Options: --skip-build (reuse .next-bench and bench/.work builds), --no-browser,
//          --servers=a,b (subset by key; cut experiments such as ai-sdk-upstream-33 run only
//          when named), --workloads=paced,burst, --cuts (the cut experiments, paced + burst,
//          written to bench/results/cuts.{md,json,svg}),
//          --profile (run the servers under `node --cpu-prof`; writes bench/results/profile.md
//          instead of latest.*), --out=name (write bench/.work/run-name.* instead of bench/results/latest.*),
//          --report-only (re-render bench/results/{cuts,latest}.{md,svg} from their .json),
//          --readme (also write latest's targets and summary tables into README.md's Performance section),
//          --no-inprocess / --inprocess-only (the stage timings and heap numbers, bench/lib/inprocess.mts)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBrowserBench } from './lib/browser.mjs';
import { firstJsonLine, freePort, listenOverflows, rssSampler, startProcess, stopProcess, treeCpuMs, treeRssMb, waitForPort } from './lib/proc.mjs';
import { profileMarkdown, summariseProfiles } from './lib/cpuprofile.mjs';
import { readmeTables, renderChart, renderMarkdown } from './lib/report.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORK = path.join(ROOT, 'bench/.work');
const RESULTS = path.join(ROOT, 'bench/results');
const NEXT_BIN = path.join(ROOT, 'node_modules/next/dist/bin/next');
const TSX_CLI = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const EMULATOR_CLI = path.join(ROOT, 'tools/azure-emulator/cli.ts');
const BASELINE_SRC = path.join(ROOT, 'bench/baselines/ai-sdk-app');
// Same depth as the source, so the app's tsconfig `@/*` path points at the repo root in both.
const BASELINE_APP = path.join(WORK, 'ai-sdk-app');
const API_KEY = 'test-key';
const DEPLOYMENT = 'gpt-bench';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

// 1,000 concurrent replies need ~2,000 descriptors in the server (client + upstream sockets)
// and as many in the emulator and the load generator: raise the soft limit to the hard one
// and re-run under it (Node cannot call setrlimit itself).
if (!process.env.BENCH_FD_RAISED) {
  const result = spawnSync(
    'sh',
    [
      '-c',
      'ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null; exec "$@"',
      'sh',
      process.execPath,
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      ...argv,
    ],
    { stdio: 'inherit', env: { ...process.env, BENCH_FD_RAISED: '1' } },
  );
  process.exit(result.status ?? 1);
}

const log = (...parts) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...parts);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();
const children = new Set();

async function cleanup() {
  await Promise.all([...children].map((c) => stopProcess(c)));
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanup().finally(() => process.exit(130));
  });
}

function run(command, args, { cwd = ROOT, env = process.env, label }) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('exit', (code) => {
      if (code === 0) {
        log(`${label}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        resolve(out);
      } else reject(new Error(`${label} failed (${code}):\n${out.slice(-4000)}`));
    });
  });
}

const baseEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' };

async function build() {
  const projectBuilt = existsSync(path.join(ROOT, '.next-bench/BUILD_ID'));
  const baselineBuilt = existsSync(path.join(BASELINE_APP, '.next/BUILD_ID'));
  if (flag('skip-build') && projectBuilt && baselineBuilt) {
    log('builds: reusing .next-bench and bench/.work/baselines (--skip-build)');
    return;
  }
  rmSync(BASELINE_APP, { recursive: true, force: true });
  mkdirSync(path.dirname(BASELINE_APP), { recursive: true });
  cpSync(BASELINE_SRC, BASELINE_APP, { recursive: true });
  // One build at a time: the machine has two shared cores.
  try {
    await run(process.execPath, [NEXT_BIN, 'build'], { env: { ...baseEnv, NEXT_DIST_DIR: '.next-bench' }, label: 'build project (.next-bench)' });
  } catch (error) {
    // The baselines still run; the project's rows then report the failure.
    log(`✗ ${String(error.message).slice(0, 3000)}`);
  }
  await run(process.execPath, [NEXT_BIN, 'build', BASELINE_APP], {
    env: { ...baseEnv, NEXT_DIST_DIR: '' },
    label: 'build AI SDK getting-started app',
  });
}

async function startEmulator() {
  const child = startProcess(process.execPath, [TSX_CLI, EMULATOR_CLI, '--port', '0', '--api-key', API_KEY], {
    cwd: ROOT,
    env: baseEnv,
    name: 'emulator',
  });
  children.add(child);
  const { url, port } = await firstJsonLine(child);
  log(`project emulator on ${url}`);
  return { child, url, port, control: `http://127.0.0.1:${port}/__emulator` };
}

async function setScenario(emulator, scenario) {
  await fetch(`${emulator.control}/reset`, { method: 'POST' });
  const res = await fetch(`${emulator.control}/scenario`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(scenario),
  });
  if (!res.ok) throw new Error(`emulator scenario: ${res.status} ${await res.text()}`);
}

function serverEnv(emulator, port, extra = {}) {
  return {
    ...baseEnv,
    PORT: String(port),
    AZURE_BASE_URL: emulator.url,
    AZURE_API_KEY: API_KEY,
    AZURE_DEPLOYMENTS: DEPLOYMENT,
    AZURE_API: 'chat',
    RATE_LIMIT_PER_MINUTE: '0',
    // Every simulated client shares the loopback address: the per-client cap must not be what
    // the load measures.
    MAX_REPLIES_IN_FLIGHT: '0',
    ...extra,
  };
}

/** The servers under test, in run order. `relay` is the reference every ratio is taken against. */
export function serverDefinitions() {
  const node = (file) => ({ command: process.execPath, args: () => [path.join(ROOT, 'bench/servers', file)], portFromStdout: true });
  const nextStart = (dir, extraEnv = {}) => ({
    command: process.execPath,
    args: (port) => [NEXT_BIN, 'start', ...(dir ? [dir] : []), '-p', String(port), '-H', '127.0.0.1'],
    extraEnv,
  });
  // The project runs as deployed: its production entry (server.mjs, what `npm start`, the
  // standalone folder and the container run) with the Node flags of `npm start`.
  const projectServer = (extraEnv = {}, flags = startNodeFlags()) => ({
    command: process.execPath,
    args: () => [...flags, path.join(ROOT, 'server.mjs')],
    extraEnv: { NEXT_DIST_DIR: '.next-bench', HOSTNAME: '127.0.0.1', ...extraEnv },
  });
  return [
    { key: 'pipe', label: 'Bare Node pipe', ...node('bare-pipe.mjs'), format: 'azure', path: '/api/chat' },
    { key: 'relay', label: 'Express relay (tutorial)', ...node('express-relay.mjs'), format: 'relay', path: '/api/chat' },
    { key: 'next-pipe', label: 'Next.js route, byte pipe', ...nextStart(BASELINE_APP), format: 'azure', path: '/api/pipe' },
    { key: 'ai-sdk', label: 'AI SDK getting-started route', ...nextStart(BASELINE_APP), format: 'ui', path: '/api/chat' },
    // Cut experiments (bench/baselines/ai-sdk-app/app/api/*): run only when named in --servers.
    // The project's own window (STREAM_COALESCE_MS drives both its upstream and UI coalescing):
    // fixed (the maximum pinned to it), or widening under load up to STREAM_COALESCE_MAX_MS.
    ...[0, 16, 33, 50, 150].map((ms) => ({
      key: `project-coalesce-${ms}`,
      label: `This project, fixed STREAM_COALESCE_MS=${ms}`,
      ...projectServer({ STREAM_COALESCE_MS: String(ms), STREAM_COALESCE_MAX_MS: String(ms) }),
      format: 'ui',
      path: '/api/chat',
      experiment: true,
    })),
    ...[100, 150, 250].map((ms) => ({
      key: `project-adaptive-${ms}`,
      label: `This project, window 33 ms widening to ${ms} ms under load`,
      ...projectServer({ STREAM_COALESCE_MS: '33', STREAM_COALESCE_MAX_MS: String(ms) }),
      format: 'ui',
      path: '/api/chat',
      experiment: true,
    })),
    // Node settings (young-generation size) and a second build (`.next-bench-b`, built by hand
    // from a variant of the code, and C) for interleaved A/B runs: --servers=project,project-b,project,…
    ...[0, 8, 16, 32, 64].map((mb) => ({
      key: `project-semi-${mb}`,
      label: mb ? `This project, --max-semi-space-size=${mb}` : 'This project, no Node flags',
      ...projectServer({}, mb ? [`--max-semi-space-size=${mb}`] : []),
      format: 'ui',
      path: '/api/chat',
      experiment: true,
    })),
    ...['b', 'c'].map((build) => ({
      key: `project-${build}`,
      label: `This project, build ${build.toUpperCase()} (.next-bench-${build})`,
      ...projectServer({ NEXT_DIST_DIR: `.next-bench-${build}` }),
      format: 'ui',
      path: '/api/chat',
      experiment: true,
    })),
    {
      key: 'ai-sdk-edge',
      label: 'getting-started route, edge runtime',
      ...nextStart(BASELINE_APP),
      format: 'ui',
      path: '/api/chat-edge',
      experiment: true,
    },
    ...[0, 16, 33, 50, 100].flatMap((ms) =>
      [
        { key: `ai-sdk-coalesce-${ms}`, label: `getting-started + coalesceDeltas ${ms} ms`, path: '/api/chat-coalesced' },
        { key: `ai-sdk-upstream-${ms}`, label: `getting-started + coalescingFetch ${ms} ms`, path: '/api/chat-upstream-coalesced' },
        { key: `lowmem-${ms}`, label: `streamTextLowMemory + coalescingFetch ${ms} ms`, path: '/api/chat-lowmem' },
        { key: `lean-${ms}`, label: `provider doStream in 1 layer, coalesce ${ms} ms`, path: '/api/lean' },
        { key: `relay-ui-${ms}`, label: `hand SSE relay (UI protocol), coalesce ${ms} ms`, path: '/api/relay-ui' },
      ].map((e) => ({ ...e, ...nextStart(BASELINE_APP, { BENCH_COALESCE_MS: String(ms) }), format: 'ui', experiment: true })),
    ),
    { key: 'project', label: 'This project (server.mjs)', ...projectServer(), format: 'ui', path: '/api/chat' },
  ];
}

/** The Node flags of `npm start` (`node <flags> server.mjs`), so the bench runs the project as deployed. */
export function startNodeFlags() {
  const start = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const match = /^node((?:\s+--\S+)*)\s+server\.mjs$/.exec(start.trim());
  if (!match) throw new Error(`package.json "start" is not \`node [--flags] server.mjs\`: ${start}`);
  return match[1].trim().split(/\s+/).filter(Boolean);
}

/** `--cuts`: the experiments behind the recommendations in the README, paced + burst only. */
const CUTS = [
  'relay',
  'next-pipe',
  'ai-sdk',
  'ai-sdk-edge',
  'ai-sdk-coalesce-33',
  'ai-sdk-upstream-16',
  'ai-sdk-upstream-33',
  'ai-sdk-upstream-50',
  'ai-sdk-upstream-100',
  'lean-0',
  'lean-33',
  'relay-ui-0',
  'relay-ui-33',
  'project',
  'project-coalesce-0',
  'project-coalesce-33',
  'project-coalesce-150',
  'project-adaptive-250',
];

export const WORKLOADS = {
  paced: { label: 'Paced: 200 × 100 tokens @ 50 tok/s', concurrency: 200, words: 100, tokensPerSecond: 50, rampMs: 200 },
  burst: { label: 'Burst: 50 × 200 tokens at once', concurrency: 50, words: 200, burst: true, rampMs: 0 },
  scale500: { label: 'Scale: 500 paced', concurrency: 500, words: 100, tokensPerSecond: 50, rampMs: 500 },
  scale1000: { label: 'Scale: 1,000 paced', concurrency: 1000, words: 100, tokensPerSecond: 50, rampMs: 1000 },
};

function runLoad(opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bench/lib/load.mjs'), JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('exit', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch {
        reject(new Error(`load generator exited ${code}: ${err.slice(-2000)}`));
      }
    });
  });
}

async function runWorkload(server, emulator, workload) {
  await setScenario(emulator, { words: workload.words, tokensPerSecond: workload.tokensPerSecond, burst: workload.burst ?? false });
  await sleep(300);
  const cpu0 = treeCpuMs(server.child.pid);
  const emulatorCpu0 = treeCpuMs(emulator.child.pid);
  const overflows0 = listenOverflows();
  const rssBeforeMb = treeRssMb(server.child.pid);
  const rss = rssSampler(server.child.pid);
  const load = await runLoad({
    url: `http://127.0.0.1:${server.port}${server.def.path}`,
    concurrency: workload.concurrency,
    format: server.def.format,
    words: workload.words,
    rampMs: workload.rampMs,
    timeoutMs: 120_000,
  });
  // Let the server finish closing sockets and settle its stream teardown before reading.
  await sleep(300);
  const cpuMs = treeCpuMs(server.child.pid) - cpu0;
  const peakRssMb = rss.stop();
  // For sanity only: the emulator must not be the bottleneck (it is the same for every server).
  const emulatorCpuMs = treeCpuMs(emulator.child.pid) - emulatorCpu0;
  // Connections the kernel dropped because a listener's accept queue was full (any listener
  // in this network namespace, in practice the server under test or the emulator).
  const acceptQueueOverflows = listenOverflows() - overflows0;
  return { ...load, cpuMs, cpuMsPerReply: cpuMs / workload.concurrency, rssBeforeMb, peakRssMb, emulatorCpuMs, acceptQueueOverflows };
}

const PROFILE_DIR = path.join(WORK, 'prof');

/** Stage timings and heap per reply, measured inside one process running the route's own modules. */
async function runInProcess(emulator) {
  const out = path.join(WORK, `inprocess-${process.pid}.json`);
  // react-server: the condition Next bundles route handlers under, so `server-only` imports load.
  const args = [
    '--expose-gc',
    '--conditions=react-server',
    ...startNodeFlags(),
    '--import',
    'tsx',
    path.join(ROOT, 'bench/lib/inprocess.mts'),
    JSON.stringify({ emulator: emulator.url, control: emulator.control, out }),
  ];
  await run(process.execPath, args, { env: baseEnv, label: 'in-process stages + heap' });
  const result = readJson(out);
  rmSync(out, { force: true });
  return result;
}

async function startServer(def, emulator) {
  const port = await freePort();
  const extra = { ...def.extraEnv };
  const profileArgs = [];
  if (flag('profile')) {
    const dir = path.join(PROFILE_DIR, def.key);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // Node 20 refuses --cpu-prof in NODE_OPTIONS: it goes on the command line of the server.
    profileArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  const child = startProcess(def.command, [...profileArgs, ...def.args(port)], { cwd: ROOT, env: serverEnv(emulator, port, extra), name: def.label });
  children.add(child);
  if (def.portFromStdout) await firstJsonLine(child, 30_000);
  await waitForPort(port, 60_000, child);
  return { def, child, port };
}

async function warmUp(server, emulator) {
  // JIT, route compilation and connection pools: a few fast replies, not measured.
  await setScenario(emulator, { words: 20, burst: false });
  for (let i = 0; i < 3; i++) {
    const r = await runLoad({
      url: `http://127.0.0.1:${server.port}${server.def.path}`,
      concurrency: 20,
      format: server.def.format,
      words: 20,
      rampMs: 0,
      timeoutMs: 30_000,
    });
    if (r.intact !== r.requests) throw new Error(`${server.def.label}: warm-up replies broken: ${JSON.stringify(r)}`);
  }
}

/** One server: started, warmed up, each workload measured, stopped. */
async function measureServer(def, emulator, workloadKeys) {
  log(`▶ ${def.label}`);
  const server = await startServer(def, emulator);
  const row = { key: def.key, label: def.label, workloads: {} };
  try {
    await warmUp(server, emulator);
    for (const key of workloadKeys) {
      const r = await runWorkload(server, emulator, WORKLOADS[key]);
      row.workloads[key] = r;
      log(
        `  ${key.padEnd(9)} cpu ${r.cpuMsPerReply.toFixed(1)} ms/reply · ttft p50 ${fmt(r.ttftP50)} p99 ${fmt(r.ttftP99)} · total p50 ${fmt(r.totalP50)} p99 ${fmt(r.totalP99)} · rss ${r.peakRssMb.toFixed(0)} MiB · fail ${r.failures} · intact ${r.intact}/${r.requests}${Object.keys(r.errors).length ? ` ${JSON.stringify(r.errors)}` : ''}`,
      );
    }
  } catch (error) {
    row.error = String(error?.message ?? error);
    log(`  ✗ ${row.error}\n${server.child.outputTail().slice(-2000)}`);
  } finally {
    await stopProcess(server.child);
    children.delete(server.child);
  }
  return row;
}

function profileOf(def, row, workloadKeys) {
  const dir = path.join(PROFILE_DIR, def.key);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f));
  const replies = Object.values(row.workloads).reduce((sum, r) => sum + r.requests, 0);
  const cpuMs = Object.values(row.workloads).reduce((sum, r) => sum + r.cpuMs, 0);
  if (files.length === 0) return `### ${def.label}\n\nNo profile written (${dir}).\n`;
  return profileMarkdown(
    `${def.label} — warm-up + ${workloadKeys.join(' + ')} (${(cpuMs / replies).toFixed(1)} ms CPU/reply in the workloads, under the profiler)`,
    summariseProfiles(files),
  );
}

function writeProfiles(profiles) {
  const md = `# CPU profiles (\`npm run bench -- --profile\`)\n\nRun ${new Date(started).toISOString().slice(0, 16).replace('T', ' ')} UTC. Self time per area and function from \`node --cpu-prof\` over the warm-up and the workloads; idle excluded. The profiler adds overhead, so compare shares, not absolute ms, with the main table.\n\n${profiles.join('\n')}`;
  writeFileSync(path.join(RESULTS, 'profile.md'), md);
  console.log(md);
}

/** The in-process stage timings and heap numbers, then the browser benchmark (each unless turned off). */
async function measureInProcessAndBrowser(results, emulator) {
  if (!flag('no-inprocess')) {
    log('▶ in-process: stage timings and heap per reply (bench/lib/inprocess.mts)');
    try {
      results.inprocess = await runInProcess(emulator);
    } catch (error) {
      results.inprocess = { error: String(error?.message ?? error) };
      log(`  ✗ in-process: ${results.inprocess.error}`);
    }
  }
  if (!flag('no-browser') && !flag('inprocess-only')) {
    log('▶ browser benchmark');
    try {
      results.browser = await runBrowserBench({
        emulator,
        setScenario,
        startServer,
        defs: serverDefinitions(),
        stopProcess,
        children,
        log,
        traceDir: WORK,
      });
    } catch (error) {
      results.browser = { error: String(error?.stack ?? error) };
      log(`  ✗ browser: ${results.browser.error}`);
    }
  }
}

async function main() {
  if (flag('report-only')) {
    for (const name of ['cuts', 'latest']) writeReport(readJson(path.join(RESULTS, `${name}.json`)), RESULTS, name);
    if (flag('readme')) updateReadme(readJson(path.join(RESULTS, 'latest.json')));
    return;
  }
  mkdirSync(RESULTS, { recursive: true });
  mkdirSync(WORK, { recursive: true });
  log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
  if (!flag('inprocess-only')) await build();
  const emulator = await startEmulator();

  const only = option('servers')?.split(',') ?? (flag('cuts') ? CUTS : undefined);
  // Named servers run in the order given, repeats included (interleaved A/B runs).
  const all = serverDefinitions();
  const defs = only ? only.map((key) => all.find((d) => d.key === key) ?? fail(`unknown server ${key}`)) : all.filter((d) => !d.experiment);
  const workloadKeys = option('workloads')?.split(',') ?? (flag('cuts') ? ['paced', 'burst'] : Object.keys(WORKLOADS));
  const results = {
    startedAt: new Date(started).toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    servers: [],
    browser: undefined,
  };

  const profiles = [];
  for (const def of flag('inprocess-only') ? [] : defs) {
    const row = await measureServer(def, emulator, workloadKeys);
    results.servers.push(row);
    if (flag('profile')) profiles.push(profileOf(def, row, workloadKeys));
  }
  if (flag('profile')) {
    writeProfiles(profiles);
    await stopProcess(emulator.child);
    children.delete(emulator.child);
    return;
  }
  if (!flag('cuts')) await measureInProcessAndBrowser(results, emulator);

  await stopProcess(emulator.child);
  children.delete(emulator.child);
  results.durationS = (Date.now() - started) / 1000;
  const suffix = option('out') ? `-${option('out')}` : '';
  const name = flag('cuts') ? 'cuts' : suffix ? `run${suffix}` : 'latest';
  // Ad-hoc runs (--out) stay out of the committed results.
  const dir = suffix && !flag('cuts') ? WORK : RESULTS;
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeReport(results, dir, name);
  if (flag('readme') && name === 'latest') updateReadme(results);
  log(`wrote ${path.relative(ROOT, dir)}/${name}.{md,json,svg} in ${results.durationS.toFixed(0)} s`);
}

/** `<name>.md` and `<name>.svg` from the results (also `--report-only`, after editing report.mjs). */
function writeReport(results, dir, name) {
  const md = renderMarkdown(results, WORKLOADS, {
    chart: `${name}.svg`,
    title: name === 'cuts' ? 'Streaming benchmark — cut experiments (`npm run bench -- --cuts`)' : undefined,
    cuts: name === 'cuts' ? undefined : readJson(path.join(RESULTS, 'cuts.json')),
  });
  writeFileSync(path.join(dir, `${name}.md`), md);
  writeFileSync(path.join(dir, `${name}.svg`), renderChart(results, WORKLOADS));
  console.log(`\n${md}`);
}

const README = path.join(ROOT, 'README.md');
const README_START = '<!-- bench:latest:start (npm run bench -- --report-only --readme) -->';
const README_END = '<!-- bench:latest:end -->';

/** Replaces the README's benchmark tables (between the markers) with this run's. */
function updateReadme(results) {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${README_START} … ${README_END} block`);
  const block = [README_START, ...readmeTables(results), README_END].join('\n');
  writeFileSync(README, `${text.slice(0, start)}${block}${text.slice(end + README_END.length)}`);
  // In the project's format (Prettier aligns the tables), so CI's format check stays green.
  const prettier = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/prettier/bin/prettier.cjs'), '--write', README], { stdio: 'ignore' });
  if (prettier.status !== 0) log('README.md: written, but Prettier could not format it (npm run format)');
  log('README.md: benchmark tables refreshed from bench/results/latest.json');
}

function fail(message) {
  throw new Error(message);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function fmt(ms) {
  return ms === null || ms === undefined ? '—' : `${ms.toFixed(0)}ms`;
}

main().then(
  () => cleanup(),
  async (error) => {
    console.error(error);
    await cleanup();
    process.exit(1);
  },
);
