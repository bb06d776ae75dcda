/**
 * Audit throughput: `n` concurrent writes through an AuditLog (group commit) on the given store.
 * Used by the benchmark suite and the audit tests.
 */
import { generateKeyPairSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Store } from '../store/types.js';
import { AuditLog } from './chain.js';
import type { AuditEvent } from './event.js';
import { keyIdOf, type SigningKey } from './keys.js';

export interface AuditBenchResult {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  batches: number;
  meanBatch: number;
}

export function benchEvent(i: number): AuditEvent {
  return {
    id: `bench-${i}`,
    time: new Date().toISOString(),
    instance: 'bench',
    session: `s-${i % 64}`,
    principal: { id: `user-${i % 16}`, kind: 'user', groups: ['dev'] },
    client: { name: 'bench', version: '1.0.0' },
    transport: 'http',
    hook: 'request',
    server: 'github',
    method: 'tools/call',
    target: 'github__create_issue',
    decision: i % 10 === 0 ? 'deny' : 'allow',
    rule: i % 10 === 0 ? 'deny-writes' : 'allow-dev',
    findings: i % 10 === 0 ? [{ category: 'secret', detector: 'secrets.github-token', severity: 'high', where: 'request.arguments.body' }] : [],
    argsDigest: 'a'.repeat(64),
    resultDigest: 'b'.repeat(64),
    latencyMs: 1.25,
    stages: { authn: 0.01, policy: 0.05, inspect: 0.2 },
    outcome: 'ok',
  };
}

function ephemeralKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** Write `n` events as fast as the log accepts them (all in flight at once, in chunks of `concurrency`). */
export async function benchAudit(store: Store, n: number, opts: { concurrency?: number; key?: SigningKey } = {}): Promise<AuditBenchResult> {
  const log = await AuditLog.open({ store, key: opts.key ?? ephemeralKey(), checkpointEvery: 1000 });
  const concurrency = opts.concurrency ?? 5000;
  const t0 = performance.now();
  for (let i = 0; i < n; i += concurrency) {
    const ps: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(n, i + concurrency); j++) ps.push(log.write(benchEvent(j)));
    await Promise.all(ps);
  }
  const seconds = (performance.now() - t0) / 1000;
  const st = log.stats();
  await log.close();
  return { events: n, seconds, eventsPerSecond: n / seconds, batches: st.batches, meanBatch: st.batches ? st.written / st.batches : 0 };
}
