/**
 * Wiring of the audit subsystem from the config: the chained store log (system of record, fails
 * closed), plus the optional JSONL and OTLP copies fed with every committed batch (best effort:
 * their failures are reported through onError, never turned into denied calls).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ms, type Config } from '../config/schema.js';
import type { ChainedEvent, Store } from '../store/types.js';
import { AuditLog, type AuditMetricsHook } from './chain.js';
import type { AuditEvent, AuditSink } from './event.js';
import { JsonlSink } from './jsonl.js';
import { loadOrCreateSigningKey, signingKeyFromPem, SIGNING_KEY_FILE, type SigningKey } from './keys.js';

export { AuditLog, AuditUnavailableError, pruneAudit, sanitizeFindings, type AuditStats, type AuditMetricsHook } from './chain.js';
export { verifyAudit, type VerifyResult, type BrokenLink } from './verify.js';
export { canonical, digest, sha256Hex } from './canonical.js';
export { loadOrCreateSigningKey, loadPublicKey, makeSignedHead, parseSignedHead, type SignedHead, type SigningKey } from './keys.js';

export interface Audit extends AuditSink {
  log: AuditLog;
  key: SigningKey;
  write(event: AuditEvent): Promise<void>;
  /** Like write, resolving with the event's chain link (seq, hash). */
  append(event: AuditEvent): Promise<ChainedEvent | undefined>;
  close(): Promise<void>;
}

/**
 * Where the signing key comes from: `audit.signingKey` as a PEM (typically `${env:VAR}`), as a file
 * path (relative to the config file), or by default `<dataDir>/audit-signing-key.pem`.
 * `besideData` is true when the key lives inside the data dir (fine for trying it, not for production).
 */
export type SigningKeySource = { kind: 'pem'; pem: string; besideData: false } | { kind: 'file'; file: string; besideData: boolean };

export function signingKeySource(config: Config, dataDir: string): SigningKeySource {
  const v = config.audit.signingKey;
  if (v && v.includes('-----BEGIN')) return { kind: 'pem', pem: v, besideData: false };
  const base = (config as { baseDir?: string }).baseDir ?? process.cwd();
  const file = v ? path.resolve(base, v) : path.join(dataDir, SIGNING_KEY_FILE);
  const rel = path.relative(path.resolve(dataDir), file);
  return { kind: 'file', file, besideData: !rel.startsWith('..') && !path.isAbsolute(rel) };
}

/** The key file path (undefined when the key is given inline as a PEM). */
export function signingKeyPath(config: Config, dataDir: string): string | undefined {
  const s = signingKeySource(config, dataDir);
  return s.kind === 'file' ? s.file : undefined;
}

/** Load the configured key; the default file is created on first use. */
export function loadSigningKey(config: Config, dataDir: string, opts: { create?: boolean } = {}): SigningKey {
  const s = signingKeySource(config, dataDir);
  if (s.kind === 'pem') return signingKeyFromPem(s.pem);
  if (opts.create === false && !existsSync(s.file)) throw new Error(`no audit signing key at ${s.file} (set audit.signingKey, or --data-dir)`);
  return loadOrCreateSigningKey(s.file);
}

export async function openAudit(
  config: Config,
  store: Store,
  dataDir: string,
  opts: { metrics?: AuditMetricsHook; onError?: (err: unknown, what: string) => void; instance?: string } = {},
): Promise<Audit> {
  const onError = opts.onError ?? (() => {});
  const key = loadSigningKey(config, dataDir);
  const log = await AuditLog.open({
    store,
    key,
    checkpointEvery: config.audit.checkpointEvery,
    checkpointIntervalMs: ms(config.audit.checkpointInterval, 60_000),
    failClosed: config.audit.failClosed,
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    onError,
  });
  const closers: (() => Promise<void>)[] = [];
  if (config.audit.jsonl) {
    const base = (config as { baseDir?: string }).baseDir ?? process.cwd();
    const jsonl = new JsonlSink(path.resolve(base, config.audit.jsonl));
    log.subscribe((batch) => void jsonl.writeChained(batch).catch((e) => onError(e, `audit: JSONL write to ${jsonl.file} failed`)));
    closers.push(() => jsonl.close());
  }
  if (config.observability.otlp) {
    // The OpenTelemetry SDK is heavy to load: only when an endpoint is configured.
    const { OtlpAuditSink } = await import('./otlp.js');
    const otlp = new OtlpAuditSink({
      endpoint: config.observability.otlp.endpoint,
      headers: config.observability.otlp.headers,
      ...(opts.instance ? { resource: { 'service.instance.id': opts.instance } } : {}),
    });
    log.subscribe((batch) => {
      try {
        otlp.writeChained(batch);
      } catch (e) {
        onError(e, 'audit: OTLP export failed');
      }
    });
    closers.push(() => otlp.close());
  }
  return {
    log,
    key,
    write: (event) => log.write(event),
    append: (event) => log.append(event),
    close: async () => {
      await log.close();
      for (const c of closers) await c().catch((e) => onError(e, 'audit: closing a sink failed'));
    },
  };
}

/**
 * `audit.retention`: prune events older than the retention period now and then every `everyMs`
 * (default hourly). Returns a stop function; a no-op when no retention is configured.
 */
export function startRetention(config: Config, audit: Audit, opts: { everyMs?: number; onError?: (err: unknown, what: string) => void } = {}): () => void {
  const keep = ms(config.audit.retention, 0);
  if (keep <= 0) return () => {};
  const run = () =>
    audit.log.prune(new Date(Date.now() - keep)).catch((e: unknown) => opts.onError?.(e, 'audit: retention prune failed'));
  void run();
  const timer = setInterval(run, opts.everyMs ?? 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}
