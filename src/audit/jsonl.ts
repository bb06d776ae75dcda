/**
 * JSONL file sink: one JSON object per line, appended. Attached to an AuditLog, each line is the
 * chained record `{ seq, prevHash, hash, event }`, so the file is an independent copy that
 * `verifyJsonl` can check on its own (and that survives someone truncating the store).
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { ChainedEvent } from '../store/types.js';
import { chainHash, ZERO_HASH } from './canonical.js';
import type { AuditEvent, AuditSink } from './event.js';

export class JsonlSink implements AuditSink {
  private readonly out: WriteStream;
  private failed: Error | undefined;

  constructor(readonly file: string) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.out = createWriteStream(file, { flags: 'a', mode: 0o600 });
    this.out.on('error', (e) => (this.failed = e));
  }

  private append(text: string): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => this.out.write(text, (e) => (e ? reject(e) : resolve())));
  }

  /** A bare event (when used without the chain). */
  write(event: AuditEvent): Promise<void> {
    return this.append(JSON.stringify(event) + '\n');
  }

  /** A committed batch from AuditLog.subscribe. */
  writeChained(batch: ChainedEvent[]): Promise<void> {
    let s = '';
    for (const c of batch) s += JSON.stringify({ seq: c.seq, prevHash: c.prevHash, hash: c.hash, event: c.event }) + '\n';
    return this.append(s);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(() => resolve()));
  }
}

/** Check the chain in JSONL text (lines of `{seq, prevHash, hash, event}`). The first line may start after a prune. */
export function verifyJsonl(text: string): { ok: boolean; checked: number; firstBroken?: { line: number; seq?: number; detail: string } } {
  let prev: { seq: number; hash: string } | undefined;
  let checked = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    let r: ChainedEvent;
    try {
      r = JSON.parse(line) as ChainedEvent;
    } catch {
      return { ok: false, checked, firstBroken: { line: i + 1, detail: 'not JSON' } };
    }
    if (typeof r.seq !== 'number' || typeof r.hash !== 'string') return { ok: false, checked, firstBroken: { line: i + 1, detail: 'not a chained record' } };
    if (chainHash(r.prevHash, r.event) !== r.hash) return { ok: false, checked, firstBroken: { line: i + 1, seq: r.seq, detail: 'content does not match its hash' } };
    if (prev && (r.seq !== prev.seq + 1 || r.prevHash !== prev.hash)) return { ok: false, checked, firstBroken: { line: i + 1, seq: r.seq, detail: `does not follow seq ${prev.seq}` } };
    if (!prev && r.seq === 1 && r.prevHash !== ZERO_HASH) return { ok: false, checked, firstBroken: { line: i + 1, seq: 1, detail: 'first event does not start the chain' } };
    prev = r;
    checked++;
  }
  return { ok: true, checked };
}
