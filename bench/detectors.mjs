#!/usr/bin/env node
// Standalone throughput of the text detectors (needs `npm run build` first).
//
//   node bench/detectors.mjs [--mb 10] [--runs 5] [--only secrets,pii,paths,shell,ssrf,all]
//   node bench/detectors.mjs --snapshot FILE.json   # write every detector's findings per corpus item
//   node bench/detectors.mjs --dist OTHER/dist       # measure another build (e.g. of the previous commit)
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/detectors.mjs --only pii --runs 3
//
// The texts are the corpus items (shared corpus and test/corpus; tool definitions as JSON text),
// repeated until they total at least --mb MB. Each item is scanned on its own, as the gateway does.
// MB/s is the median over --runs passes (after a warm-up), measured in process CPU time (user + system),
// which is steadier than wall time on a shared machine (the detectors are synchronous and single-threaded).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, d) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : d;
};

const DIST = path.resolve(opt('dist', path.join(ROOT, 'dist')));
const dist = (p) => import(path.join(DIST, p));
const [{ detectSecrets }, { detectPii }, { detectSensitivePaths }, shell, ssrf, { detectText }] = await Promise.all([
  dist('detect/secrets.js'), dist('detect/pii.js'), dist('detect/paths.js'), dist('detect/shell.js'), dist('detect/ssrf.js'), dist('detect/index.js'),
]);
const pick = (mod) => Object.values(mod).find((v) => v && typeof v === 'object' && typeof v.detect === 'function')?.detect;
const DETECTORS = {
  secrets: detectSecrets,
  pii: detectPii,
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
      items.push({ key: `${dir}/${n}#${it.id}`, text: it.type === 'text' ? it.text ?? '' : JSON.stringify(it.tool) });
    }
  }
}

const snap = opt('snapshot');
if (snap) {
  const out = {};
  for (const [name, fn] of Object.entries(DETECTORS)) {
    if (!fn || name === 'all') continue;
    out[name] = items.map((it) => [it.key, fn(it.text)]);
  }
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
const only = (opt('only', 'secrets,pii,paths,shell,ssrf,all')).split(',');
console.log(`${texts.length} items, ${(bytes / 1e6).toFixed(1)} MB, median of ${runs} runs`);
for (const name of only) {
  const fn = DETECTORS[name];
  if (!fn) continue;
  const w0 = performance.now();
  while (performance.now() - w0 < 1500) for (const t of texts.slice(0, items.length)) fn(t); // warm-up: JIT, regex tier-up
  const rates = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    for (const t of texts) fn(t);
    const c = process.cpuUsage(c0);
    rates.push(bytes / 1e6 / ((c.user + c.system) / 1e6));
  }
  rates.sort((a, b) => a - b);
  const med = rates[Math.floor(rates.length / 2)];
  console.log(`${name.padEnd(8)} ${med.toFixed(1).padStart(7)} MB/s   (runs: ${rates.map((x) => x.toFixed(1)).join(' ')})`);
}
