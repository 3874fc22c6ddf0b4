// The browser half of `npm run bench`: Chromium (playwright-core, the system's
// /usr/bin/chromium, never a download) opens a chat page, sends "hi" with the textarea + Enter,
// and the emulator streams a 2,000-token Markdown reply with code blocks at 100 tokens/s.
// Measured while the reply streams, until its last token is on screen:
//  - longest main-thread task: the longest `RunTask` on the renderer main thread (Chrome trace);
//  - scripting: the page's ScriptDuration (CDP Performance.getMetrics), and its share of the
//    stream's duration;
//  - frames dropped: requestAnimationFrame gaps over 1.5 frames, counted in 60 Hz frames.
// Pages: this project's chat page and the plain `useChat` page of the getting-started app.
// The Chrome traces are kept in bench/.work/trace-*.json (open them in chrome://tracing or
// the DevTools Performance panel).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { markdownTokens, SENTINEL } from './markdown-reply.mjs';

const TOKENS = 2000;
const TOKENS_PER_SECOND = 100;
const FRAME_MS = 1000 / 60;
// The browser tests' launch flags (quiet, sandbox-free headless Chromium), shared as data.
const CHROMIUM_ARGS = JSON.parse(readFileSync(new URL('../../__tests__/browser/support/chromium-args.json', import.meta.url), 'utf8'));

function chromiumPath() {
  for (const candidate of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean)) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('no Chromium found (set CHROMIUM_PATH); the benchmark never downloads a browser');
}

/** Longest top-level task on the renderer main thread, and how many were ≥ 50 ms. */
function tasksFromTrace(buffer) {
  const trace = JSON.parse(buffer.toString('utf8'));
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const mainThreads = new Set(
    events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`),
  );
  let longest = 0;
  let longestEvent;
  let longTasks = 0;
  for (const e of events) {
    if (e.ph !== 'X' || !mainThreads.has(`${e.pid}:${e.tid}`)) continue;
    if (e.name !== 'RunTask' && e.name !== 'ThreadControllerImpl::RunTask') continue;
    const ms = (e.dur ?? 0) / 1000;
    if (ms > longest) {
      longest = ms;
      longestEvent = e;
    }
    if (ms >= 50) longTasks++;
  }
  // What the longest task did: its biggest timeline events (script by URL, layout, paint…).
  const inside = longestEvent
    ? events.filter(
        (e) =>
          e !== longestEvent &&
          e.ph === 'X' &&
          e.pid === longestEvent.pid &&
          e.tid === longestEvent.tid &&
          e.ts >= longestEvent.ts &&
          e.ts + (e.dur ?? 0) <= longestEvent.ts + longestEvent.dur &&
          (e.dur ?? 0) >= 2000 &&
          !/RunTask/.test(e.name),
      )
    : [];
  const describe = (e) => {
    const d = e.args?.data ?? {};
    const where = d.url
      ? `${d.functionName ? `${d.functionName} ` : ''}${String(d.url).replace(/^https?:\/\/[^/]+/, '')}${d.lineNumber ? `:${d.lineNumber}` : ''}`
      : (d.type ?? '');
    return `${e.name}${where ? ` ${where}` : ''} ${(e.dur / 1000).toFixed(0)} ms`;
  };
  const longestTaskBreakdown = inside
    .sort((a, b) => b.dur - a.dur)
    .slice(0, 4)
    .map(describe);
  // The same, leaving out tasks that mostly evaluate a newly loaded script chunk (one-off
  // code loading rather than the per-update rendering work).
  const evaluations = events.filter((e) => e.ph === 'X' && e.name === 'EvaluateScript' && mainThreads.has(`${e.pid}:${e.tid}`));
  let longestWithoutLoading = 0;
  for (const e of events) {
    if (e.ph !== 'X' || !mainThreads.has(`${e.pid}:${e.tid}`) || !/RunTask/.test(e.name)) continue;
    const loading = evaluations.filter((x) => x.ts >= e.ts && x.ts + (x.dur ?? 0) <= e.ts + e.dur).reduce((sum, x) => sum + (x.dur ?? 0), 0);
    if (loading < 0.5 * e.dur) longestWithoutLoading = Math.max(longestWithoutLoading, e.dur / 1000);
  }
  return { longestTaskMs: longest, longTasks, longestTaskBreakdown, longestTaskWithoutLoadingMs: longestWithoutLoading };
}

async function measurePage(browser, url, inputSelector, log, traceFile) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  try {
    await page.goto(url, { waitUntil: 'networkidle', timeout: 60_000 });
    const input = page.locator(inputSelector).first();
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    // Hydration: the input must be wired to React before Enter means "send".
    await page.waitForTimeout(1000);
    await page.evaluate(() => {
      const state = { frames: 0, dropped: 0, last: 0, running: true };
      window.__benchFrames = state;
      const loop = (t) => {
        if (!state.running) return;
        if (state.last) {
          const gap = t - state.last;
          if (gap > 1.5 * (1000 / 60)) state.dropped += Math.round(gap / (1000 / 60)) - 1;
        }
        state.frames++;
        state.last = t;
        requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metric = async (name) => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)?.value ?? 0;
    await input.fill('hi');
    await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline'] });
    if (process.env.BENCH_CPU_PROFILE) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    const script0 = await metric('ScriptDuration');
    const t0 = Date.now();
    await input.press('Enter');
    // textContent (not innerText) so the check itself forces no layout.
    await page.waitForFunction((s) => document.body.textContent.includes(s), SENTINEL, { polling: 250, timeout: 120_000 });
    const durationMs = Date.now() - t0;
    const script1 = await metric('ScriptDuration');
    const frames = await page.evaluate(() => {
      window.__benchFrames.running = false;
      return { frames: window.__benchFrames.frames, dropped: window.__benchFrames.dropped };
    });
    if (process.env.BENCH_CPU_PROFILE && traceFile) {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(traceFile.replace(/trace-(.*)\.json$/, 'profile-$1.cpuprofile'), JSON.stringify(profile));
    }
    const trace = await browser.stopTracing();
    if (traceFile) writeFileSync(traceFile, trace);
    const tasks = tasksFromTrace(trace);
    const scriptingMs = (script1 - script0) * 1000;
    const result = {
      durationMs,
      scriptingMs,
      scriptingPct: (scriptingMs / durationMs) * 100,
      ...tasks,
      droppedFrames: frames.dropped,
      expectedFrames: Math.round(durationMs / FRAME_MS),
    };
    if (result.longestTaskBreakdown.length > 0) log(`  longest task: ${result.longestTaskBreakdown.join(' · ')}`);
    log(
      `  ${url}: longest task ${result.longestTaskMs.toFixed(0)} ms · scripting ${scriptingMs.toFixed(0)} ms (${result.scriptingPct.toFixed(1)} %) · dropped ${frames.dropped}/${result.expectedFrames} frames · ${(durationMs / 1000).toFixed(1)} s`,
    );
    return result;
  } finally {
    await context.close();
  }
}

export async function runBrowserBench({ emulator, setScenario, startServer, defs, stopProcess, children, log, traceDir }) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
  const tokens = markdownTokens(TOKENS);
  const pages = {};
  const targets = [
    { key: 'plain', def: defs.find((d) => d.key === 'ai-sdk'), selector: 'input' },
    { key: 'project', def: defs.find((d) => d.key === 'project'), selector: 'textarea[aria-label="Message"], textarea' },
  ];
  try {
    for (const target of targets) {
      let server;
      try {
        server = await startServer(target.def, emulator);
        await setScenario(emulator, { words: tokens, tokensPerSecond: TOKENS_PER_SECOND });
        const traceFile = traceDir ? path.join(traceDir, `trace-${target.key}.json`) : undefined;
        pages[target.key] = await measurePage(browser, `http://127.0.0.1:${server.port}/`, target.selector, log, traceFile);
      } catch (error) {
        pages[target.key] = { error: String(error?.message ?? error) };
        log(`  ✗ ${target.key}: ${pages[target.key].error}`);
      } finally {
        if (server) {
          await stopProcess(server.child);
          children.delete(server.child);
        }
      }
    }
    return { tokens: TOKENS, tokensPerSecond: TOKENS_PER_SECOND, chromium: browser.version(), pages };
  } finally {
    await browser.close();
  }
}
