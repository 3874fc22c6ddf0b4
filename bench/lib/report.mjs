// Turns a benchmark run into bench/results/latest.md (tables, ratios to the Express relay,
// target checks) and latest.svg (a bar chart of server CPU per reply), without any network.

const REF = 'relay';

const n = (v, digits = 0) => (v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits));
const ratio = (v, ref) => (v === null || v === undefined || !ref ? '—' : `${(v / ref).toFixed(2)}×`);

function refOf(results, workload) {
  return results.servers.find((s) => s.key === REF)?.workloads?.[workload];
}

/** The targets, checked against this run: every one a ratio to the relay or a comparison with the plain page. */
export function checkTargets(results) {
  const project = results.servers.find((s) => s.key === 'project');
  const checks = [];
  const add = (name, value, limit, unit, met, note = '') => checks.push({ name, value, limit, unit, met, note });
  const p = project?.workloads ?? {};
  const paced = refOf(results, 'paced');
  const burst = refOf(results, 'burst');
  if (p.paced && paced) {
    const cpu = p.paced.cpuMsPerReply / paced.cpuMsPerReply;
    add('Paced: server CPU per reply vs relay', cpu, 2, '×', cpu <= 2);
    const ttft = p.paced.ttftP99 / paced.ttftP99;
    add('Paced: first-token p99 vs relay', ttft, 1.5, '×', ttft <= 1.5);
    const rss = p.paced.peakRssMb / paced.peakRssMb;
    add('Paced: peak RSS with 200 concurrent replies vs relay', rss, 2, '×', rss <= 2, `${n(p.paced.peakRssMb)} vs ${n(paced.peakRssMb)} MiB`);
  }
  if (p.burst && burst) {
    const cpu = p.burst.cpuMsPerReply / burst.cpuMsPerReply;
    add('Burst: server CPU per reply vs relay', cpu, 3, '×', cpu <= 3);
  }
  if (p.scale1000) {
    const s = p.scale1000;
    add(
      'Scale: failures at 1,000 concurrent',
      s.failures,
      0,
      '',
      s.failures === 0 && s.intact === s.requests,
      `${s.intact}/${s.requests} complete and intact`,
    );
  }
  const b = results.browser;
  if (b?.pages?.project && b?.pages?.plain) {
    const pr = b.pages.project;
    const pl = b.pages.plain;
    if (!pr.error && !pl.error) {
      add(
        'Browser: longest main-thread task vs the plain useChat page',
        pr.longestTaskMs,
        pl.longestTaskMs,
        'ms≤',
        pr.longestTaskMs <= pl.longestTaskMs,
      );
      add(
        'Browser: scripting share of the stream vs the plain useChat page',
        pr.scriptingPct,
        pl.scriptingPct,
        '%≤',
        pr.scriptingPct <= pl.scriptingPct,
      );
    }
  }
  return checks;
}

const formatValue = (c) =>
  c.unit === '×'
    ? `${n(c.value, 2)}×`
    : c.unit.startsWith('%')
      ? `${n(c.value, 1)} %`
      : c.unit.startsWith('ms')
        ? `${n(c.value)} ms`
        : `${n(c.value)}`;
const formatLimit = (c) =>
  c.unit === '×'
    ? `≤ ${c.limit}×`
    : c.unit === ''
      ? `${c.limit}`
      : c.unit === 'ms≤'
        ? `≤ ${n(c.limit)} ms`
        : c.unit === '%≤'
          ? `≤ ${n(c.limit, 1)} %`
          : `≤ ${c.limit} ${c.unit}`;

export function renderMarkdown(results, workloads, { chart = 'latest.svg', title = 'Streaming benchmark — latest run', cuts } = {}) {
  const checks = checkTargets(results);
  const lines = [
    `# ${title}`,
    '',
    ...introSection(results),
    ...targetsSection(checks),
    ...summarySection(results),
    ...['paced', 'burst'].flatMap((key) => workloadSection(results, key, workloads[key].label)),
    ...scaleSection(results),
    ...browserSection(results.browser),
    ...stagesSection(results.inprocess),
    ...heapSection(results.inprocess),
    `![Server CPU per reply](${chart})`,
    '',
  ];
  if (checks.some((c) => !c.met)) lines.push(...closingNote(results, checks, cuts), '');
  return `${lines.join('\n')}\n`;
}

function introSection(results) {
  const when = results.startedAt?.replace('T', ' ').slice(0, 16);
  const deployed = results.servers.some((s) => s.label.includes('server.mjs'))
    ? 'This project runs as deployed: `node server.mjs` with the Node flags of `npm start`. '
    : '';
  return [
    `Run ${when} UTC on ${results.machine.cpus} × ${results.machine.model}, Node ${results.machine.node}, in ${n(results.durationS)} s (\`npm run bench\`). ` +
      'Every server ran alone, one after another, against the same loopback Azure emulator (Chat Completions API, its own process); ' +
      `the load generator is a separate process. ${deployed}` +
      'CPU is the server process tree’s own user+system time from `/proc` during the workload, ' +
      'divided by the replies. Ratios are to the Express relay **in this same run** (the machine is shared, so absolute numbers drift between runs).',
    '',
  ];
}

function targetRows(checks) {
  return [
    '| Target | This project | Limit | Met |',
    '| --- | ---: | ---: | :---: |',
    ...checks.map((c) => `| ${c.name}${c.note ? ` (${c.note})` : ''} | ${formatValue(c)} | ${formatLimit(c)} | ${c.met ? '✅' : '❌'} |`),
  ];
}

function targetsSection(checks) {
  if (checks.length === 0) return [];
  return ['## Targets', '', ...targetRows(checks), ''];
}

/** The README's table: one row per server, paced and burst CPU, first-token p99, peak RSS, failures at 1,000. */
export function summaryTable(results) {
  const rp = refOf(results, 'paced');
  const rb = refOf(results, 'burst');
  const lines = [
    '| Server | Paced CPU ms/reply | Paced first-token p99 | Burst CPU ms/reply | Peak RSS, 200 paced | Failed of 1,000 concurrent |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of results.servers) {
    const p = s.workloads.paced;
    const b = s.workloads.burst;
    const k = s.workloads.scale1000;
    if (!p || !b) continue;
    lines.push(
      `| ${s.label} | ${n(p.cpuMsPerReply, 1)} (${ratio(p.cpuMsPerReply, rp?.cpuMsPerReply)}) | ${n(p.ttftP99)} ms (${ratio(p.ttftP99, rp?.ttftP99)}) | ${n(b.cpuMsPerReply, 1)} (${ratio(b.cpuMsPerReply, rb?.cpuMsPerReply)}) | ${n(p.peakRssMb)} MiB (${ratio(p.peakRssMb, rp?.peakRssMb)}) | ${k ? `${k.requests - k.intact}` : '—'} |`,
    );
  }
  return lines;
}

/** What the README shows of a run: when and where, the targets, the summary table. */
export function readmeTables(results) {
  const when = results.startedAt?.replace('T', ' ').slice(0, 16);
  return [
    '',
    `Run ${when} UTC, ${results.machine.cpus} × ${results.machine.model}, Node ${results.machine.node} (\`bench/results/latest.md\`); ratios to the Express relay of the same run.`,
    '',
    ...targetRows(checkTargets(results)),
    '',
    ...summaryTable(results),
    '',
  ];
}

function summarySection(results) {
  if (!results.servers.some((s) => s.workloads.paced && s.workloads.burst)) return [];
  return ['## Summary', '', ...summaryTable(results), ''];
}

function workloadSection(results, key, label) {
  if (!results.servers.some((s) => s.workloads[key])) return [];
  const ref = refOf(results, key);
  const lines = [
    `## ${label}`,
    '',
    '| Server | CPU ms/reply | vs relay | TTFT p50 | TTFT p99 | vs relay | Total p50 | Total p99 | Peak RSS MiB | Failures | Intact |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of results.servers) {
    const r = s.workloads[key];
    if (!r) {
      if (s.error) lines.push(`| ${s.label} | error: ${s.error.split('\n')[0].slice(0, 80)} |||||||||| `);
      continue;
    }
    lines.push(
      `| ${s.label} | ${n(r.cpuMsPerReply, 1)} | ${ratio(r.cpuMsPerReply, ref?.cpuMsPerReply)} | ${n(r.ttftP50)} ms | ${n(r.ttftP99)} ms | ${ratio(r.ttftP99, ref?.ttftP99)} | ${n(r.totalP50)} ms | ${n(r.totalP99)} ms | ${n(r.peakRssMb)} (${ratio(r.peakRssMb, ref?.peakRssMb)}) | ${r.failures} | ${r.intact}/${r.requests} |`,
    );
  }
  lines.push('');
  return lines;
}

function scaleSection(results) {
  if (!results.servers.some((s) => s.workloads.scale500 || s.workloads.scale1000)) return [];
  const lines = [
    '## Scale: 500 and 1,000 concurrent paced replies (100 tokens @ 50 tok/s)',
    '',
    '| Server | 500: failures | intact | TTFT p50 / p99 | CPU ms/reply | 1,000: failures | intact | TTFT p50 / p99 | vs relay p99 | CPU ms/reply | Peak RSS MiB | Accept-queue overflows |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const ref = refOf(results, 'scale1000');
  for (const s of results.servers) {
    const a = s.workloads.scale500;
    const b = s.workloads.scale1000;
    if (!a && !b) continue;
    lines.push(
      `| ${s.label} | ${a?.failures ?? '—'} | ${a ? `${a.intact}/${a.requests}` : '—'} | ${n(a?.ttftP50)} / ${n(a?.ttftP99)} ms | ${n(a?.cpuMsPerReply, 1)} | ${b?.failures ?? '—'} | ${b ? `${b.intact}/${b.requests}` : '—'} | ${n(b?.ttftP50)} / ${n(b?.ttftP99)} ms | ${ratio(b?.ttftP99, ref?.ttftP99)} | ${n(b?.cpuMsPerReply, 1)} | ${n(b?.peakRssMb)} | ${b?.acceptQueueOverflows ?? '—'} |`,
    );
  }
  lines.push('');
  return lines;
}

function browserSection(b) {
  if (b?.error) return ['## Browser', '', `Not measured: ${b.error.split('\n')[0]}`, ''];
  if (!b?.pages) return [];
  const pages = [
    ['project', 'This project’s chat page', 'project page'],
    ['plain', 'Plain `useChat` page (parts text, no throttle)', 'plain page'],
  ];
  const lines = [
    `## Browser: ${b.tokens}-token Markdown reply with code blocks at ${b.tokensPerSecond} tok/s (Chromium ${b.chromium ?? ''})`,
    '',
    '| Page | Longest main-thread task | … not counting script loading | Scripting (share of stream) | Frames dropped | Stream on screen | Long tasks ≥ 50 ms |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [key, label] of pages) {
    const p = b.pages[key];
    if (!p) continue;
    if (p.error) {
      lines.push(`| ${label} | error: ${p.error.split('\n')[0].slice(0, 100)} | | | | | |`);
      continue;
    }
    lines.push(
      `| ${label} | ${n(p.longestTaskMs)} ms | ${n(p.longestTaskWithoutLoadingMs)} ms | ${n(p.scriptingMs)} ms (${n(p.scriptingPct, 1)} %) | ${p.droppedFrames} of ${p.expectedFrames} | ${n(p.durationMs / 1000, 1)} s | ${p.longTasks} |`,
    );
  }
  lines.push('');
  for (const [key, , short] of pages) {
    const breakdown = b.pages[key]?.longestTaskBreakdown;
    if (breakdown?.length) lines.push(`- Longest task on the ${short}: ${breakdown.map((x) => `\`${x}\``).join(', ')}`);
  }
  lines.push('');
  return lines;
}

const ms = (v) => (v === null || v === undefined ? '—' : v < 10 ? v.toFixed(2) : v.toFixed(0));

function stageRows(alone, crowd) {
  return alone.map((a) => {
    const c = crowd.find((x) => x.stage === a.stage);
    return `| ${a.stage} | ${ms(a.wallP50)} | ${ms(a.cpuP50)} | ${ms(c?.wallP50)} | ${ms(c?.wallP99)} |`;
  });
}

/** Where a request's time goes before its first byte (bench/lib/inprocess.mts). */
export function stagesSection(inprocess) {
  if (!inprocess) return [];
  if (inprocess.error) return ['## Stage timings', '', `Not measured: ${inprocess.error.split('\n')[0]}`, ''];
  const { stages } = inprocess;
  if (!stages) return [];
  const head = [
    '| Stage | Alone: wall ms (p50) | Alone: CPU ms (p50) | ' + `${stages.concurrency} at once: wall p50 | p99 |`,
    '|---|---:|---:|---:|---:|',
  ];
  return [
    '## Stage timings: from a request’s arrival to its first byte',
    '',
    `Measured in one process running the route’s own modules (\`bench/lib/inprocess.mts\`, Node ${inprocess.node}, flags \`${inprocess.execArgv.filter((a) => a.startsWith('--max') || a.startsWith('--semi')).join(' ') || 'none'}\`) against the emulator process: ` +
      `alone (${stages.aloneRuns} requests one after another) and with ${stages.concurrency} arriving at once (one burst of 20 tokens each). ` +
      'CPU is the process’s own time between two marks, so it is given alone only; at once, a stage’s wall time includes waiting for the others. ' +
      'Rows in parentheses come from a timing `fetch` around the upstream request and overlap the steps.',
    '',
    '**The route’s steps** (app/api/chat/route.ts, in order):',
    '',
    ...head,
    ...stageRows(stages.route.alone, stages.route.crowd),
    '',
    '**Inside `startChatStream`**: the SDK calls, the upstream request, and the first text through `streamText`’s event processor (`onChunk`) and the UI message stream:',
    '',
    ...head,
    ...stageRows(stages.model.alone, stages.model.crowd),
    '',
  ];
}

/** Heap per open reply and what it is made of (bench/lib/inprocess.mts). */
export function heapSection(inprocess) {
  if (!inprocess?.heap) return [];
  const h = inprocess.heap;
  return [
    `## Heap with ${h.concurrency} replies open`,
    '',
    `Used heap after a full GC: ${n(h.idleHeapUsedMb, 1)} MiB idle, ${n(h.openHeapUsedMb, 1)} MiB with ${h.concurrency} replies streaming (100 tokens at 10 tok/s, each read as it arrives) — ` +
      `**${n(h.heapPerReplyKb, 1)} KiB of heap per reply** (+ ${n(h.externalPerReplyKb, 1)} KiB of buffers outside the heap). ` +
      `Process RSS ${n(h.rssIdleMb)} → ${n(h.rssOpenMb)} MiB. Heap snapshots at both moments, objects by constructor, difference per reply ` +
      `(${n(h.snapshotPerReplyKb, 1)} KiB per reply in all, counting what the GC had not yet collected):`,
    '',
    '| Constructor (snapshot node) | Count per reply | Self size per reply |',
    '|---|---:|---:|',
    ...h.top.map((t) => `| \`${t.name.replace(/\|/g, '\\|').slice(0, 80)}\` | ${n(t.countPerReply, 1)} | ${n(t.bytesPerReply / 1024, 2)} KiB |`),
    '',
  ];
}

/** Which targets are missed, by how much, and why — with the numbers of this run and of the last `--cuts` run. */
function closingNote(results, checks, cuts) {
  const over = (c) => {
    if (c.unit === '×') return `${n(c.value, 2)}× against ≤ ${c.limit}× (${n(c.value / c.limit, 1)}× over)`;
    if (c.unit === 'ms≤') return `${n(c.value)} ms against the plain page’s ${n(c.limit)} ms`;
    if (c.unit === '%≤') return `${n(c.value, 1)} % against the plain page’s ${n(c.limit, 1)} %`;
    return `${n(c.value)} against ${c.limit}`;
  };
  const missed = (pattern) => checks.some((c) => !c.met && pattern.test(c.name));
  return [
    '## Closing note: targets not met',
    '',
    ...checks.filter((x) => !x.met).map((c) => `- **${c.name}**: ${over(c)}.`),
    '',
    ...(missed(/CPU/) ? cpuNote(results, cuts) : []),
    ...(missed(/first-token/) ? firstTokenNote(results) : []),
    ...(missed(/RSS/) ? memoryNote(results) : []),
    ...(missed(/Scale/) ? scaleNote(results) : []),
    ...(missed(/Browser/) ? browserNote(results) : []),
  ];
}

const stage = (rows, name) => rows?.find((r) => r.stage === name);

function cpuNote(results, cuts) {
  const cut = (key, w = 'paced') => cuts?.servers?.find((s) => s.key === key)?.workloads?.[w];
  const cutRatio = (key, w) => {
    const r = cut(key, w);
    const ref = cut('relay', w);
    return r && ref ? `${n(r.cpuMsPerReply / ref.cpuMsPerReply, 1)}×` : '—';
  };
  const pipe = results.servers.find((s) => s.key === 'next-pipe')?.workloads;
  const ref = { paced: refOf(results, 'paced'), burst: refOf(results, 'burst') };
  const pipeRatio = (w) => (pipe?.[w] && ref[w] ? `${n(pipe[w].cpuMsPerReply / ref[w].cpuMsPerReply, 2)}×` : '—');
  const nextAlone = pipe?.paced
    ? `Next.js alone costs ${pipeRatio('paced')} / ${pipeRatio('burst')} the relay here (paced / burst, its byte-pipe route), and a`
    : 'A';
  return [
    `**Why the server CPU is high.** ${nextAlone} hand-written SSE relay speaking the UI message protocol inside a Next.js route reached ${cutRatio('relay-ui-0')} / ${cutRatio('relay-ui-0', 'burst')} (\`cuts.md\`): what is left for \`streamText\` and the protocol under 2× is about half a relay. ` +
      'Their per-token path is more than that: the provider’s SSE parser with per-chunk JSON and zod validation, the `streamText` engine’s event processor, the UI chunk encoding, the resumable copy of the SSE stream and Next.js’ response pipe, each a web-stream layer with a few promises per chunk. ' +
      'The project merges Azure’s token events before the SDK parses them (33 ms windows widening to 150 ms under load), reads `streamText` with one consumer (no replay copy) and encodes its parts to UI chunks in one layer instead of `toUIMessageStream`’s four (`cuts-node24.md`); the layers left are the SDK engine’s own, kept because the AI SDK protocol and `useChat` are the product. ' +
      `Only routes without \`streamText\` came near 2× (provider \`doStream\` in one layer ${cutRatio('lean-0')}, the hand relay ${cutRatio('relay-ui-0')}).`,
    '',
  ];
}

function firstTokenNote(results) {
  const s = results.inprocess?.stages;
  const route = s?.route;
  const own = ['config + request log', 'admit + client identity', 'body read', 'zod parse + format + owner'].map(
    (name) => stage(route?.alone, name)?.cpuP50 ?? 0,
  );
  const model = ['convertToModelMessages', 'model + provider resolution', 'streamText() call', 'UI message chunks call'].map(
    (name) => stage(s?.model?.alone, name)?.cpuP50 ?? 0,
  );
  const upstream = stage(route?.crowd, '(upstream) request → response headers');
  const total = stage(route?.crowd, 'arrival → first text-delta event');
  const stages = s
    ? ` The stage timings above put a request’s own steps before the model call at ${n(own.reduce((a, b) => a + b, 0) + model.reduce((a, b) => a + b, 0), 1)} ms of CPU alone; with ${s.concurrency} arriving at once, arrival to first text-delta took ${n(total?.wallP50)} ms at p50 (p99 ${n(total?.wallP99)} ms), of which the upstream request to its response headers ${n(upstream?.wallP50)} ms (p99 ${n(upstream?.wallP99)} ms): the first token waits for the event loop, which the other replies’ token streams keep busy, not for one slow step.`
    : '';
  const pipe = results.servers.find((server) => server.key === 'next-pipe')?.workloads?.paced;
  const relay = refOf(results, 'paced');
  const pipeRatio = pipe && relay ? pipe.ttftP99 / relay.ttftP99 : undefined;
  const floor =
    pipeRatio === undefined
      ? ''
      : ` Next.js’ own route that only pipes the upstream bytes had a first-token p99 of ${n(pipe.ttftP99)} ms in this run, ${n(pipeRatio, 2)}× the relay’s: Next.js’ per-request work alone sets a floor ${pipeRatio > 1.5 ? 'above' : 'near'} the 1.5× target on this machine.`;
  return [
    `**Why first tokens are late.** 200 replies start within 200 ms on two shared cores; each waits for the CPU the replies before it need, so a route dearer per reply than the relay queues its first tokens behind that work, in proportion to the CPU above.${floor}${stages}`,
    '',
  ];
}

function memoryNote(results) {
  const h = results.inprocess?.heap;
  const streams = h?.top?.find((t) => t.name === 'InternalReadableStream' || t.name === 'ReadableStream');
  const before = (key) => results.servers.find((s) => s.key === key)?.workloads?.paced?.rssBeforeMb;
  const idle =
    before('project') && before('relay') ? ` (before the paced load: ${n(before('project'))} MiB against the relay’s ${n(before('relay'))} MiB)` : '';
  return [
    `**Why memory is high.** The project’s process carries Next.js and the app’s bundles${idle}${h ? `, and each open reply holds ${n(h.heapPerReplyKb)} KiB of heap (in process, after a full GC), almost all of it stream machinery — ${streams ? `${n(streams.countPerReply)} readable streams per reply with ` : ''}their controllers, readers, queues and the closures of each pipe — not buffered text` : ''}. \`--max-semi-space-size\` (in \`npm start\`) keeps V8’s young generation from growing far beyond that live data.`,
    '',
  ];
}

function scaleNote(results) {
  const s = results.servers.find((x) => x.key === 'project')?.workloads?.scale1000;
  return [
    `**Why replies fail at 1,000.** The route saturates both cores (first-token p50 ${n(s?.ttftP50 / 1000, 0)} s); the failed ones are connection resets${s?.failedAfterMs ? ` about ${n(s.failedAfterMs.p50 / 1000, 0)} s after they were opened` : ''}, with no byte of reply — connections left in the kernel’s accept queue past the listen backlog while the event loop was busy${s?.acceptQueueOverflows ? ` (the kernel counted ${s.acceptQueueOverflows} accept-queue overflows during this workload)` : ''}.`,
    '',
  ];
}

function browserNote(results) {
  const pr = results.browser?.pages?.project;
  if (!pr) return [];
  return [
    `**Browser.** The project page’s longest task: ${(pr.longestTaskBreakdown ?? []).map((x) => `\`${x}\``).join(', ') || 'see bench/.work/trace-project.json'}. ` +
      'Code is highlighted in a Web Worker, so Shiki’s grammar load no longer touches the page. What remains per update is Markdown parsing and React rendering of the reply’s last block, 25 times a second (`useChat` throttle 40 ms), against the plain page’s bare text node 100 times a second; with an 80 ms throttle the project page’s scripting matched the plain page’s, but the text then visibly steps, so 40 ms stays.',
    '',
  ];
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A self-contained SVG: server CPU ms per reply, paced and burst, one bar pair per server. */
export function renderChart(results) {
  const rows = results.servers.filter((s) => s.workloads.paced || s.workloads.burst);
  const series = [
    { key: 'paced', label: 'paced (200 × 100 tok @ 50/s)', color: '#2563eb' },
    { key: 'burst', label: 'burst (50 × 200 tok at once)', color: '#f59e0b' },
  ];
  const max = Math.max(1, ...rows.flatMap((s) => series.map((x) => s.workloads[x.key]?.cpuMsPerReply ?? 0)));
  const labelW = 230;
  const barW = 440;
  const barH = 14;
  const rowH = series.length * (barH + 3) + 12;
  const top = 58;
  const height = top + rows.length * rowH + 20;
  const width = labelW + barW + 90;
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
  );
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<text x="12" y="22" font-size="15" font-weight="600">Server CPU per reply (ms, lower is better)</text>`);
  series.forEach((x, i) => {
    out.push(`<rect x="${12 + i * 250}" y="34" width="12" height="12" fill="${x.color}"/><text x="${30 + i * 250}" y="44">${esc(x.label)}</text>`);
  });
  rows.forEach((s, r) => {
    const y0 = top + r * rowH;
    out.push(
      `<text x="${labelW - 8}" y="${y0 + rowH / 2}" text-anchor="end" font-weight="${s.key === 'project' ? 700 : 400}">${esc(s.label)}</text>`,
    );
    series.forEach((x, i) => {
      const v = s.workloads[x.key]?.cpuMsPerReply;
      if (v === undefined) return;
      const y = y0 + i * (barH + 3);
      const w = Math.max(1, (v / max) * barW);
      out.push(`<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${x.color}" rx="2"/>`);
      out.push(`<text x="${labelW + w + 5}" y="${y + barH - 3}">${v.toFixed(1)}</text>`);
    });
  });
  out.push(`<line x1="${labelW}" y1="${top - 4}" x2="${labelW}" y2="${height - 16}" stroke="#999"/>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
