#!/usr/bin/env node
// `npm run train`: fit the learned scorers (prompt injection, tool poisoning) on the development corpus
// (../shared/corpus) and the repository's authored sets (test/corpus), and write models/detectors.json.
//   node scripts/train.mjs [--corpus DIR ...] [--out FILE]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const dirsArg = args.flatMap((a, i) => (a === '--corpus' ? [args[i + 1]] : []));
const outIdx = args.indexOf('--out');
const out = outIdx >= 0 ? args[outIdx + 1] : path.join(ROOT, 'models', 'detectors.json');
const { defaultCorpusDirs } = await import(path.join(ROOT, 'dist/cli/eval.js'));
const { corpusFiles, loadCorpusFile } = await import(path.join(ROOT, 'dist/detect/eval.js'));
const { trainModel, EVAL_ONLY_SOURCES } = await import(path.join(ROOT, 'dist/detect/train.js'));
const { encodeModel, DIM_BITS } = await import(path.join(ROOT, 'dist/detect/model.js'));
const dirs = dirsArg.length ? dirsArg.map((d) => path.resolve(d)) : defaultCorpusDirs();
const files = corpusFiles(dirs);
const items = files.flatMap((f) => loadCorpusFile(f).items);
const t0 = performance.now();
const models = {};
for (const name of ['injection', 'poisoning']) {
  const m = trainModel(items, name);
  models[name] = encodeModel(m);
  process.stderr.write(`${name}: threshold ${m.threshold}\n`);
}
const sources = [...new Set(items.map((i) => i.source ?? 'unknown'))].filter((s) => !EVAL_ONLY_SOURCES.has(s)).sort();
const json = JSON.stringify({ version: 1, dimBits: DIM_BITS, trainedOn: sources, models });
writeFileSync(out, json + '\n');
process.stderr.write(`trained on ${items.length} items from ${files.length} files (${sources.length} sources) in ${((performance.now() - t0) / 1000).toFixed(1)} s; wrote ${out} (${(json.length / 1024).toFixed(0)} KiB)\n`);
