#!/usr/bin/env node
// Standalone throughput of the text detectors (needs `npm run build` first).
//
//   node bench/detectors.mjs [--mb 10] [--runs 5] [--only injection,secrets,pii,unicode,paths,shell,ssrf,all,big]
//   node bench/detectors.mjs --snapshot FILE.json   # write every detector's findings per corpus item
//   node bench/detectors.mjs --dist OTHER/dist       # measure another build (e.g. of the previous commit)
//   node bench/detectors.mjs --write-big FILE        # also write the big text to FILE
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/detectors.mjs --only pii --runs 3
//
// The texts are the corpus items (shared corpus and test/corpus; tool definitions as JSON text),
// repeated until they total at least --mb MB. Each item is scanned on its own, as the gateway does.
// `big` is `detectText` on one ~1 MB text (corpus items without findings interleaved with ordinary prose, JSON,
// code and log lines), as when the gateway scans a large tool result.
// MB/s is the median over --runs passes (after a warm-up), measured in process CPU time (user + system),
// which is steadier than wall time on a shared machine (the detectors are synchronous and single-threaded).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, opt } from './lib/args.mjs';


const DIST = path.resolve(opt('dist', path.join(ROOT, 'dist')));
const dist = (p) => import(path.join(DIST, p));
const [injection, unicode, { detectSecrets }, { detectPii }, { detectSensitivePaths }, shell, ssrf, { detectText, detectTool }] = await Promise.all([
  dist('detect/injection.js'), dist('detect/unicode.js'), dist('detect/secrets.js'), dist('detect/pii.js'), dist('detect/paths.js'),
  dist('detect/shell.js'), dist('detect/ssrf.js'), dist('detect/index.js'),
]);
const pick = (mod) => Object.values(mod).find((v) => v && typeof v === 'object' && typeof v.detect === 'function')?.detect;
const DETECTORS = {
  injection: pick(injection),
  secrets: detectSecrets,
  pii: detectPii,
  unicode: pick(unicode),
  paths: detectSensitivePaths,
  shell: pick(shell),
  ssrf: pick(ssrf),
  all: (t) => detectText(t),
};

const dirs = [opt('corpus', '/work/shared/corpus'), path.join(ROOT, 'test/corpus')];
const items = [];
for (const dir of dirs) {
  let names = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort();
  } catch {
    continue;
  }
  for (const n of names) {
    for (const line of readFileSync(path.join(dir, n), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const it = JSON.parse(line);
      items.push({ key: `${dir}/${n}#${it.id}`, text: it.type === 'text' ? it.text ?? '' : JSON.stringify(it.tool), tool: it.type === 'text' ? undefined : it.tool });
    }
  }
}

// One large benign text: corpus items on which no detector fires, interleaved with everyday prose, JSON, code
// and log lines, up to ~1 MB.
const FILLER = [
  'The quarterly report shows steady growth across all regions, with the northern office leading the way this year.\n',
  '{"id": 4182, "name": "build-cache", "enabled": true, "tags": ["ci", "linux"], "updated": "2026-03-14T09:12:44Z"}\n',
  'function merge(a, b) {\n  const out = { ...a };\n  for (const [k, v] of Object.entries(b)) out[k] = v ?? out[k];\n  return out;\n}\n',
  '2026-03-14 09:12:44.518 INFO  [worker-3] request GET /api/v2/projects?page=2 completed in 38 ms (status 200)\n',
  'Meeting notes: we agreed to ship the release on Thursday once the final review passes; Ana will update the changelog.\n',
  'Die Ergebnisse wurden überprüft und im Bericht zusammengefasst; nächste Woche folgt die Präsentation für das Team.\n',
  'SELECT id, name, created_at FROM projects WHERE archived = false ORDER BY name LIMIT 50;\n',
];
function bigText(target = 1e6) {
  const clean = items.filter((it) => detectText(it.text).length === 0).map((it) => it.text);
  const parts = [];
  let len = 0;
  for (let i = 0; len < target; i++) {
    const p = i % 3 === 2 ? clean[i % clean.length] + '\n' : FILLER[i % FILLER.length];
    parts.push(p);
    len += p.length;
  }
  return parts.join('');
}
const big = bigText();
if (opt('write-big')) writeFileSync(opt('write-big'), big); // e.g. to profile the big case on its own

const snap = opt('snapshot');
if (snap) {
  const out = {};
  for (const [name, fn] of Object.entries(DETECTORS)) {
    if (!fn) continue;
    out[name] = items.map((it) => [it.key, fn(it.text)]);
  }
  out.poisoning = items.filter((it) => it.tool).map((it) => [it.key, detectTool(it.tool)]);
  out.big = detectText(big);
  writeFileSync(snap, JSON.stringify(out, null, 0));
  console.log(`snapshot of ${items.length} items written to ${snap}`);
  process.exit(0);
}

const targetBytes = Number(opt('mb', 10)) * 1e6;
const texts = [];
let bytes = 0;
while (bytes < targetBytes) {
  for (const it of items) {
    texts.push(it.text);
    bytes += Buffer.byteLength(it.text, 'utf8');
  }
}
const runs = Number(opt('runs', 5));
const only = (opt('only', 'injection,secrets,pii,unicode,paths,shell,ssrf,all,big')).split(',');
console.log(`${texts.length} items, ${(bytes / 1e6).toFixed(1)} MB, median of ${runs} runs; big: one text of ${(Buffer.byteLength(big, 'utf8') / 1e6).toFixed(2)} MB`);
for (const name of only) {
  const isBig = name === 'big';
  const fn = isBig ? detectText : DETECTORS[name];
  if (!fn) continue;
  // the big case scans the one text repeatedly, to about the same volume
  const work = isBig ? Array.from({ length: Math.max(1, Math.round(bytes / Buffer.byteLength(big, 'utf8'))) }, () => big) : texts;
  const workBytes = isBig ? work.length * Buffer.byteLength(big, 'utf8') : bytes;
  const w0 = performance.now();
  while (performance.now() - w0 < 1500) for (const t of isBig ? [big] : texts.slice(0, items.length)) fn(t); // warm-up: JIT, regex tier-up
  const rates = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    for (const t of work) fn(t);
    const c = process.cpuUsage(c0);
    rates.push(workBytes / 1e6 / ((c.user + c.system) / 1e6));
  }
  rates.sort((a, b) => a - b);
  const med = rates[Math.floor(rates.length / 2)];
  console.log(`${name.padEnd(8)} ${med.toFixed(1).padStart(7)} MB/s   (runs: ${rates.map((x) => x.toFixed(1)).join(' ')})`);
}
