/** Append audit events to a JSONL file. Used as an extra sink (`audit.jsonl`). */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { AuditEvent, AuditSink } from './event.js';

export class JsonlSink implements AuditSink {
  private readonly out: WriteStream;
  constructor(file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.out = createWriteStream(file, { flags: 'a', mode: 0o600 });
  }
  write(event: AuditEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.write(JSON.stringify(event) + '\n', (e) => (e ? reject(e) : resolve()));
    });
  }
  close(): Promise<void> {
    return new Promise((r) => this.out.end(() => r()));
  }
}

/** Fan out to several sinks; the first (the store) decides durability, the others are best effort. */
export class TeeSink implements AuditSink {
  constructor(
    private readonly primary: AuditSink,
    private readonly extra: AuditSink[],
  ) {}
  async write(event: AuditEvent): Promise<void> {
    for (const s of this.extra) void Promise.resolve(s.write(event)).catch(() => undefined);
    await this.primary.write(event);
  }
  async close(): Promise<void> {
    await this.primary.close?.();
    for (const s of this.extra) await s.close?.();
  }
}
