/**
 * `portcullis audit verify | query | export | tail | prune`: read and check the hash-chained audit log
 * in the configured store (SQLite in the data dir, or PostgreSQL).
 */
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { signingKeyPath } from '../audit/index.js';
import { exportEvents, formatEvent, loadSigningKeyFile, queryEvents, runPrune, runVerify, tailEvents, verificationKeys } from '../audit/ops.js';
import { storeFlags, withStore, type StoreFlags } from './common.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a count: ${v}`);
  return n;
}

export function register(program: Command): void {
  const audit = program.command('audit').description('verify, query, export and prune the tamper-evident audit log');

  storeFlags(
    audit
      .command('verify')
      .description('recompute the hash chain and check the signed checkpoints; exit 1 naming the first broken link')
      .option('--public-key <file>', 'Ed25519 public key PEM (repeatable; default <data-dir>/audit-signing-key.pub.pem)', collect)
      .option('--json', 'machine-readable output'),
  ).action(async (opts: StoreFlags & { publicKey?: string[]; json?: boolean }) => {
    const code = await withStore(opts, async (store, config, dataDir) => {
      const keys = verificationKeys(signingKeyPath(config, dataDir), opts.publicKey);
      const { result, text, exitCode } = await runVerify(store, keys);
      process.stdout.write(opts.json ? JSON.stringify(result, null, 2) + '\n' : text);
      return exitCode;
    });
    process.exitCode = code;
  });

  storeFlags(
    audit
      .command('query')
      .description('the newest matching events, oldest first')
      .option('--principal <id>', 'who made the call')
      .option('--tool <name>', 'tool / resource / prompt as the client saw it')
      .option('--server <name>', 'upstream server')
      .option('--decision <d>', 'allow | deny | modify | approve')
      .option('--session <id>', 'downstream session id')
      .option('--since <time>', 'ISO time or duration ago (2h, 7d)')
      .option('--until <time>', 'ISO time or duration ago')
      .option('--limit <n>', 'most events (default 100)', positiveInt, 100)
      .option('--json', 'machine-readable output'),
  ).action(async (opts: StoreFlags & { principal?: string; tool?: string; server?: string; decision?: string; session?: string; since?: string; until?: string; limit: number; json?: boolean }) => {
    await withStore(opts, async (store) => {
      const rows = await queryEvents(store, opts);
      if (opts.json) process.stdout.write(JSON.stringify(rows.map((c) => ({ seq: c.seq, hash: c.hash, event: c.event })), null, 2) + '\n');
      else process.stdout.write(rows.map((c) => formatEvent(c) + '\n').join('') || 'no matching events\n');
    });
  });

  storeFlags(
    audit
      .command('export')
      .description('write events as JSONL (chained records, verifiable on their own) or CSV')
      .requiredOption('--format <fmt>', 'jsonl | csv')
      .option('--since <time>', 'ISO time or duration ago (2h, 7d)')
      .option('--until <time>', 'ISO time or duration ago')
      .option('--out <file>', 'write to a file instead of stdout'),
  ).action(async (opts: StoreFlags & { format: 'jsonl' | 'csv'; since?: string; until?: string; out?: string }) => {
    await withStore(opts, async (store) => {
      const out = opts.out ? createWriteStream(opts.out, { mode: 0o600 }) : process.stdout;
      const write = (s: string) => new Promise<void>((resolve, reject) => out.write(s, (e) => (e ? reject(e) : resolve())));
      const n = await exportEvents(store, opts, write);
      if (opts.out) {
        await new Promise<void>((r) => (out as ReturnType<typeof createWriteStream>).end(() => r()));
        process.stderr.write(`exported ${n} events to ${opts.out}\n`);
      }
    });
  });

  storeFlags(
    audit
      .command('tail')
      .description('the last events; with -f, keep printing new ones')
      .option('-f, --follow', 'keep printing new events')
      .option('-n, --lines <n>', 'how many to show first (default 20)', positiveInt, 20)
      .option('--json', 'one JSON object per line'),
  ).action(async (opts: StoreFlags & { follow?: boolean; lines: number; json?: boolean }) => {
    await withStore(opts, async (store) => {
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await tailEvents(store, { n: opts.lines, follow: opts.follow ?? false, json: opts.json ?? false }, (l) => process.stdout.write(l), ac.signal);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
  });

  storeFlags(
    audit
      .command('prune')
      .description('delete events older than a duration, after recording a signed prune point (verify still passes)')
      .requiredOption('--older-than <duration>', 'e.g. 30d, 12h, 4w'),
  ).action(async (opts: StoreFlags & { olderThan: string }) => {
    await withStore(opts, async (store, config, dataDir) => {
      const key = loadSigningKeyFile(signingKeyPath(config, dataDir));
      const r = await runPrune(store, key, opts.olderThan);
      process.stdout.write(r.deleted ? `pruned ${r.deleted} events older than ${r.cutoff} (kept from seq ${r.keptFrom})\n` : `nothing older than ${r.cutoff} to prune\n`);
    });
  });
}
