/**
 * `portcullis audit verify | head | query | export | tail | prune`: read and check the hash-chained
 * audit log in the configured store (SQLite in the data dir, or PostgreSQL).
 */
import { createWriteStream } from 'node:fs';
import { Option, type Command } from 'commander';
import { loadSigningKey, signingKeySource } from '../audit/index.js';
import { exportEvents, formatEvent, queryEvents, readExpectedHead, runHead, runPrune, runVerify, tailEvents, verificationKeys } from '../audit/ops.js';
import type { VerifyOptions } from '../audit/verify.js';
import { ms, type Config } from '../config/schema.js';
import { storeFlags, withStore, type StoreFlags } from './common.js';

const DECISIONS = ['allow', 'deny', 'modify', 'approve'];

/** The writer's checkpoint bounds from the config: verify flags longer gaps as deleted checkpoints. */
function boundsOf(config: Config): VerifyOptions {
  return { checkpointEvery: config.audit.checkpointEvery, checkpointIntervalMs: ms(config.audit.checkpointInterval, 60_000) };
}

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
      .description('recompute the hash chain, check every indexed column and the signed checkpoints (and a shipped head); exit 1 naming the first broken link')
      .option('--public-key <file>', 'Ed25519 public key PEM (repeatable; default: the configured signing key\'s, or the --expect-head key)', collect)
      .option('--expect-head <file|json>', 'a signed head printed earlier by `portcullis audit head`: the log must still reach it (catches truncation, wipes, rewrites)')
      .option('--json', 'machine-readable output'),
  ).action(async (opts: StoreFlags & { publicKey?: string[]; expectHead?: string; json?: boolean }) => {
    const code = await withStore(opts, async (store, config, dataDir) => {
      const source = signingKeySource(config, dataDir);
      const expected = opts.expectHead !== undefined ? readExpectedHead(opts.expectHead) : undefined;
      // With a shipped head, trust its key (and explicit ones), not a key file an attacker could swap.
      const keys = expected ? [expected.publicKey, ...(opts.publicKey ?? []).flatMap((f) => verificationKeys(source, [f]))] : verificationKeys(source, opts.publicKey);
      const notes: string[] = [];
      if (!expected) notes.push('no --expect-head given: a cut tail after the last checkpoint, a wiped log, or a rewrite re-signed with the key are only caught against a head shipped earlier (`portcullis audit head`, see docs/audit.md)');
      if (source.besideData && !opts.publicKey?.length && !expected) notes.push(`the signing key is in the data dir (${source.file}): whoever can write the database can likely re-sign it; set audit.signingKey outside the data dir for production`);
      const { result, text, exitCode } = await runVerify(store, keys, { ...boundsOf(config), ...(expected ? { expectHead: expected.head } : {}) }, notes);
      process.stdout.write(opts.json ? JSON.stringify(result, null, 2) + '\n' : text);
      return exitCode;
    });
    process.exitCode = code;
  });

  storeFlags(
    audit
      .command('head')
      .description('verify the log, then print its signed head (seq, hash, signature, key id, public key) as JSON to ship off this host; later `audit verify --expect-head <file>` checks the log still reaches it')
      .option('--out <file>', 'also write it to this file'),
  ).action(async (opts: StoreFlags & { out?: string }) => {
    const code = await withStore(opts, async (store, config, dataDir) => {
      const key = loadSigningKey(config, dataDir, { create: false });
      const { head, result } = await runHead(store, key, boundsOf(config));
      if (!head) {
        const b = result.firstBroken!;
        process.stderr.write(`portcullis audit head: refusing to sign the head of a broken log: BROKEN at seq ${b.seq} (${b.kind}): ${b.detail}\n`);
        return 1;
      }
      const json = JSON.stringify(head) + '\n';
      if (opts.out) {
        const out = createWriteStream(opts.out, { mode: 0o600 });
        await new Promise<void>((resolve, reject) => out.end(json, () => resolve()).on('error', reject));
      }
      process.stdout.write(json);
      return 0;
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
      .addOption(new Option('--decision <d>', 'only this decision').choices(DECISIONS))
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
      .addOption(new Option('--format <fmt>', 'output format (required)').choices(['jsonl', 'csv']).makeOptionMandatory())
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
      const key = loadSigningKey(config, dataDir, { create: false });
      const r = await runPrune(store, key, opts.olderThan);
      process.stdout.write(r.deleted ? `pruned ${r.deleted} events older than ${r.cutoff} (kept from seq ${r.keptFrom})\n` : `nothing older than ${r.cutoff} to prune\n`);
    });
  });
}
