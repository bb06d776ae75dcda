// The markdown report: tables with ratios to direct stdio, the targets with met / missed.

const f = (x, d = 2) => (x === undefined || x === null || Number.isNaN(x) ? '—' : Number(x).toFixed(d));
const ratio = (x, base) => (x === undefined || base === undefined || !base ? '' : ` (×${(x / base).toFixed(2)})`);
const withRatio = (x, base, d = 2) => (x === undefined ? '—' : `${f(x, d)}${ratio(x, base)}`);
const mb = (kb) => (kb === undefined ? '—' : (kb / 1024).toFixed(1));

function sizeLabel(b) {
  const n = Number(b);
  return n >= 1048576 ? `${n / 1048576} MB` : `${n / 1024} KB`;
}

export function targets(res) {
  const P = res.paths;
  const d = P['direct-stdio']?.summary;
  const full = P['portcullis-full'];
  // A path that failed part-way still has the rounds it finished; the target says so.
  const g = full?.summary;
  const mp = P['mcp-proxy']?.summary;
  const sg = P['supergateway']?.summary;
  const partial = [full, P['mcp-proxy'], P['supergateway']].filter((r) => r?.error).map((r) => r.label.replace(/^\d+ /, ''));
  const T = [];
  const add = (target, value, ok, note = '') =>
    T.push({ target, value: partial.length && /full pipeline|setup/.test(target) && value !== '—' ? `${value} — partial: ${partial.join(', ')} failed part-way` : value, status: ok === undefined ? 'not measured' : ok ? 'met' : 'missed', note });
  const both = (a, b) => a !== undefined && b !== undefined;
  // The full pipeline runs on path 4 (HTTP) and on path 5 (the stdio wrap, default pipeline); the
  // stdio wrap is the like-for-like comparison with direct stdio (same client transport).
  const over = (row, label) => {
    const dp50 = both(row?.p50, d?.p50) ? row.p50 - d.p50 : undefined;
    add(`${label} adds ≤ 0.3 ms p50 over direct stdio`, dp50 === undefined ? '—' : `+${f(dp50, 3)} ms (${f(row.p50, 3)} vs ${f(d.p50, 3)})`, dp50 === undefined ? undefined : dp50 <= 0.3);
    const dp99 = both(row?.p99, d?.p99) ? row.p99 - d.p99 : undefined;
    add(`${label} adds ≤ 1 ms p99 over direct stdio`, dp99 === undefined ? '—' : `+${f(dp99, 3)} ms (${f(row.p99, 3)} vs ${f(d.p99, 3)})`, dp99 === undefined ? undefined : dp99 <= 1);
  };
  over(g, 'full pipeline (HTTP, path 4)');
  over(P['portcullis-stdio']?.summary, 'full pipeline (stdio wrap, path 5)');
  const relay = P['null-relay']?.summary;
  if (both(relay?.p50, d?.p50)) {
    T.push({ target: 'reference: a null relay process (path 8) over direct stdio', value: `+${f(relay.p50 - d.p50, 3)} ms p50, +${f(relay.p99 - d.p99, 3)} ms p99`, status: 'reference', note: 'what one more process between client and server costs on this machine, before any work' });
  }
  for (const [name, o] of [
    ['mcp-proxy', mp],
    ['supergateway', sg],
  ]) {
    const r = both(g?.cps, o?.cps) ? g.cps / o.cps : undefined;
    add(`full pipeline ≥ 2× the calls/s of ${name} (SDK client)`, r === undefined ? '—' : `×${f(r)} (${f(g.cps, 0)} vs ${f(o.cps, 0)} calls/s)`, r === undefined ? undefined : r >= 2);
    const rl = both(g?.rawCps, o?.rawCps) ? g.rawCps / o.rawCps : undefined;
    if (rl !== undefined) add(`full pipeline ≥ 2× the calls/s of ${name} (lean client)`, `×${f(rl)} (${f(g.rawCps, 0)} vs ${f(o.rawCps, 0)} calls/s)`, rl >= 2);
  }
  const cap = res.capacity;
  const ds = both(g?.setupMs, d?.setupMs) ? g.setupMs - d.setupMs : undefined;
  const dsh = both(cap?.sharedSetupMs, d?.setupMs) ? cap.sharedSetupMs - d.setupMs : undefined;
  const sgn = (x) => `${x >= 0 ? '+' : ''}${f(x, 1)} ms`;
  add(
    'session setup within 20 ms of direct stdio (pooled upstream where config allows)',
    [dsh === undefined ? undefined : `shared upstream ${sgn(dsh)} (${f(cap.sharedSetupMs, 1)} vs ${f(d.setupMs, 1)})`, ds === undefined ? undefined : `path 4, default isolation ${sgn(ds)} (${f(g.setupMs, 1)})`].filter(Boolean).join('; ') || '—',
    dsh !== undefined ? dsh <= 20 : ds === undefined ? undefined : ds <= 20,
  );
  add('≤ 100 KB gateway memory per idle session', cap?.status === 'ok' ? `${f(cap.kbPerSession, 1)} KB/session at ${cap.sessions} sessions` : cap?.status ?? '—', cap?.status === 'ok' ? cap.kbPerSession <= 100 : undefined);
  if (cap?.status === 'ok' && cap.sessions >= 10_000) {
    const worst = Math.max(cap.kbPerSession, cap.heapKbPerSession ?? 0);
    add(`≤ 20 KB per idle ${cap.protocolVersion ?? 'session-era'} session at 10,000 sessions (RSS and heap after GC)`, `${f(cap.kbPerSession, 1)} KB RSS, ${cap.heapKbPerSession === undefined ? '—' : f(cap.heapKbPerSession, 1)} KB heap per session at ${cap.sessions}`, worst <= 20);
  }
  const demo = res.demo;
  add('demo gateway (`npm start`, embedded defaults) idle RSS ≤ 80 MB', demo?.status === 'ok' ? `${mb(demo.idleKb)} MB idle after start; ${mb(demo.warmKb)} MB after ${demo.calls} calls` : demo?.status ?? '—', demo?.status === 'ok' ? demo.idleKb <= 80 * 1024 : undefined);
  const a = res.stages.audit?.sqlite;
  add('audit ≥ 20,000 events/s on SQLite', a?.status === 'ok' ? `${f(a.eventsPerSecond, 0)} events/s` : a?.status ?? '—', a?.status === 'ok' ? a.eventsPerSecond >= 20000 : undefined);
  const p = res.stages.policy;
  add('policy decision ≤ 50 µs', p?.status === 'ok' ? `${f(p.usPerDecision, 1)} µs` : p?.status ?? '—', p?.status === 'ok' ? p.usPerDecision <= 50 : undefined);
  const dt = res.stages.detectors;
  add('detectors ≥ 50 MB/s', dt?.status === 'ok' ? `${f(dt.mbPerSecond, 1)} MB/s` : dt?.status ?? '—', dt?.status === 'ok' ? dt.mbPerSecond >= 50 : undefined);
  return T;
}

export function render(res) {
  const P = Object.values(res.paths);
  const d = res.paths['direct-stdio']?.summary;
  const L = [];
  const m = res.machine;
  L.push(`# Portcullis benchmark — ${res.date.slice(0, 10)} (${res.mode})`);
  L.push('');
  L.push(`${m.cpus} × ${m.model ?? 'CPU'}, ${m.memGB} GB, Node ${m.node}, load average at the end ${m.loadavg.map((x) => x.toFixed(2)).join(' ')}. ` + `Run took ${res.seconds.toFixed(1)} s.`);
  const c = res.counts;
  L.push(
    `Medians of ${c.rounds} rounds (paths interleaved, order rotated each round). Per round: ${c.seq} sequential \`echo\` calls per path, ${c.big} \`get-tiny-image\`, ` +
      `${Object.entries(c.sizes).map(([b, n]) => `${n}×${sizeLabel(b)}`).join(', ')} results; concurrency ${c.conc.map((n) => `${n} sessions × ${c.concCalls[n]} calls`).join(', ')}. ` +
      'Ratios (×) are against direct stdio in the same run. Times in ms.',
  );
  if (res.stagesWired) L.push(`Pipeline stages this build wires in (path 4 runs all of them): ${res.stagesWired.join(', ') || 'none'}${res.apiKeys ? '; API keys on' : '; `keys create` not available, so path 4 runs with auth none'}.`);
  L.push('');
  L.push('## Per call');
  L.push('');
  const concCols = c.conc.map((n) => `${n} sessions calls/s`);
  L.push(`| path | setup ms | p50 | p90 | p99 | calls/s | ${concCols.join(' | ')} |`);
  L.push(`|---|---:|---:|---:|---:|---:|${concCols.map(() => '---:|').join('')}`);
  for (const r of P) {
    const s = r.summary;
    const name = r.error ? `${r.label} ⚠` : r.label;
    L.push(
      `| ${name} | ${withRatio(s.setupMs, d?.setupMs, 1)} | ${withRatio(s.p50, d?.p50, 3)} | ${withRatio(s.p90, d?.p90, 3)} | ${withRatio(s.p99, d?.p99, 3)} | ${withRatio(s.cps, d?.cps, 0)} | ` +
        c.conc.map((n) => withRatio(s.conc[n], d?.conc?.[n], 0)).join(' | ') +
        ' |',
    );
  }
  const rawRows = P.filter((r) => r.summary.rawP50 !== undefined);
  if (rawRows.length) {
    const dh = res.paths['direct-http']?.summary;
    L.push('');
    L.push(`HTTP paths with a lean client (raw \`node:http\`, keep-alive; ${c.rawSeq} sequential \`echo\` calls per round), which takes the SDK client's HTTP cost out; ratios against direct Streamable HTTP:`);
    L.push('');
    L.push('| path | p50 | p99 | calls/s |');
    L.push('|---|---:|---:|---:|');
    for (const r of rawRows) L.push(`| ${r.label} | ${withRatio(r.summary.rawP50, dh?.rawP50, 3)} | ${withRatio(r.summary.rawP99, dh?.rawP99, 3)} | ${withRatio(r.summary.rawCps, dh?.rawCps, 0)} |`);
  }
  L.push('');
  L.push('## Result size and resources');
  L.push('');
  const sizes = Object.keys(c.sizes);
  L.push(`| path | get-tiny-image p50 | ${sizes.map((b) => `${sizeLabel(b)} p50`).join(' | ')} | proxy RSS idle MB | proxy RSS under load MB | proxy CPU µs/call |`);
  L.push(`|---|---:|${sizes.map(() => '---:|').join('')}---:|---:|---:|`);
  for (const r of P) {
    const s = r.summary;
    L.push(
      `| ${r.label} | ${withRatio(s.bigP50, d?.bigP50, 3)} | ${sizes.map((b) => withRatio(s.sizes[b], d?.sizes?.[b], 2)).join(' | ')} | ${mb(r.rssIdleKb)} | ${mb(r.rssLoadKb)} | ${f(r.cpuUsPerCall, 0)} |`,
    );
  }
  L.push('');
  L.push('RSS and CPU are of the proxy process alone (VmRSS, utime+stime from /proc; upstream children excluded; none for the direct paths). ' + 'Stdio wrap: one wrap process per session, so its RSS is per session. CPU is the total over all sequential rounds / calls (10 ms clock ticks).');
  const notes = P.flatMap((r) => [...(r.notes ?? []).map((n) => `- ${r.label}: ${n}`), ...(r.error ? [`- ${r.label}: ⚠ ${r.error}`] : [])]);
  if (notes.length) {
    L.push('');
    L.push('Notes:');
    L.push(...notes);
  }
  L.push('');
  L.push('## Gateway capacity (idle sessions)');
  L.push('');
  const cap = res.capacity;
  if (!cap) L.push('not run');
  else if (cap.status !== 'ok') L.push(`⚠ ${cap.status}`);
  else {
    L.push(`Raw HTTP \`initialize\` + \`notifications/initialized\` per session, ${cap.config}; gateway RSS (median of 3 samples) after each step. ` + `Session setup (SDK client, initialize → tools/list) on this gateway with the upstream shared: ${f(cap.sharedSetupMs, 1)} ms.`);
    L.push('');
    L.push(`Sessions speak ${cap.protocolVersion ?? '2025-06-18'} (Mcp-Session-Id). Heap: the gateway's live heap after two full GCs (bench/lib/memprobe.mjs, SIGUSR2).`);
    L.push('');
    L.push('| sessions | gateway RSS MB | KB / session | heap after GC MB | heap KB / session |');
    L.push('|---:|---:|---:|---:|---:|');
    for (const p of cap.points) L.push(`| ${p.sessions} | ${mb(p.rssKb)} | ${f(p.kbPerSession, 1)} | ${p.heapKb === undefined ? '—' : mb(p.heapKb)} | ${f(p.heapKbPerSession, 1)} |`);
    L.push('');
    L.push(`The gateway's /healthz reported ${cap.gatewayReportedSessions ?? '—'} sessions at the end (the ramp's ${cap.sessions} + 1 warm-up). RSS grows in heap-sized steps and GC can shrink it between samples, so small steps are noisy; the last row is the figure.`);
  }
  L.push('');
  L.push('## Demo gateway (`npm start`)');
  L.push('');
  const demo = res.demo;
  if (!demo) L.push('not run');
  else if (demo.status !== 'ok') L.push(`⚠ ${demo.status}`);
  else
    L.push(
      `\`dist/cli/index.js start\` on the embedded defaults (examples/demo), ports and data directory only changed. Gateway RSS 2 s after ready: ${mb(demo.idleKb)} MB ` +
        `(${demo.childrenIdle} upstream children then); the first session's setup and first call took ${f(demo.firstMs, 0)} ms (spawning server-everything included); after that session's ${demo.calls} \`everything__echo\` calls and a \`memory__read_graph\`: ${mb(demo.warmKb)} MB, ` +
        `plus ${demo.children} upstream children holding ${mb(demo.childrenKb)} MB between them (separate processes).`,
    );
  L.push('');
  L.push('## Per-stage cost (built modules, in process)');
  L.push('');
  L.push('| stage | figure | detail |');
  L.push('|---|---:|---|');
  const st = res.stages;
  const row = (name, o, fig, detail) => L.push(`| ${name} | ${o?.status === 'ok' ? fig(o) : o?.status ?? '—'} | ${o?.status === 'ok' ? detail(o) : o?.module ?? ''} |`);
  row('policy decision (Cedar, prepared set)', st.policy, (o) => `${f(o.usPerDecision, 1)} µs`, (o) => `${o.n} decisions/round over 3 requests (expected allow/allow/deny, got ${o.decisions})`);
  row('detectors (detectText, all)', st.detectors, (o) => `${f(o.mbPerSecond, 1)} MB/s`, (o) =>
      `mixed text (${o.findingsPer64KB} findings / 64 KB), 64 KB chunks; clean prose (${o.cleanFindingsPer64KB} findings): ${f(o.cleanMbPerSecond, 1)} MB/s; ` +
      `each alone on mixed text: ${Object.entries(o.perDetector ?? {}).map(([k, v]) => `${k} ${f(v, 1)}`).join(', ')} MB/s`,
  );
  row('audit on SQLite', st.audit?.sqlite, (o) => `${f(o.eventsPerSecond, 0)} events/s`, (o) => `${o.n} events/round, group commit (mean batch ${f(o.meanBatch, 0)})`);
  const one = st.audit?.sqliteOneInFlight;
  if (one) L.push(`| audit on SQLite, one write in flight | ${f(one.NORMAL, 0)} events/s (${f(1000 / one.NORMAL, 3)} ms each) | synchronous=NORMAL (the default: survives a crash of the gateway); with synchronous=FULL (\`audit.fsync: true\`, survives power loss): ${f(one.FULL, 0)} events/s (${f(1000 / one.FULL, 3)} ms each) |`);
  row('audit on PostgreSQL', st.audit?.postgres, (o) => `${f(o.eventsPerSecond, 0)} events/s`, (o) => `${o.n} events/round, ${o.url}`);
  L.push('');
  L.push('## Targets');
  L.push('');
  L.push('| target | this run | |');
  L.push('|---|---|---|');
  for (const t of targets(res)) L.push(`| ${t.target} | ${t.value} | ${t.status === 'met' ? '✅ met' : t.status === 'missed' ? '❌ missed' : t.status} |`);
  L.push('');
  L.push(`Cleanup: ${res.cleanup.sweptProcesses} stray processes swept, ${res.cleanup.leftover} left.`);
  return L.join('\n');
}
