import { describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '../observability/otlp-receiver.testutil.js';
import { ConfigSchema } from '../config/schema.js';
import { openAudit } from './index.js';
import { OtlpAuditSink, otlpUrl } from './otlp.js';
import { ev, tempSqlite } from './testing.js';

describe('OTLP logs sink', () => {
  it('builds signal URLs', () => {
    expect(otlpUrl('http://c:4318', 'logs')).toBe('http://c:4318/v1/logs');
    expect(otlpUrl('http://c:4318/', 'traces')).toBe('http://c:4318/v1/traces');
    expect(otlpUrl('http://c:4318/v1/traces', 'logs')).toBe('http://c:4318/v1/logs');
  });

  it('exports audit events as log records to a local collector', async () => {
    const rx = await startOtlpReceiver();
    try {
      const sink = new OtlpAuditSink({ endpoint: rx.url, headers: { authorization: 'Bearer x' }, scheduledDelayMillis: 20 });
      sink.write(ev(4, { rule: 'no-delete', target: 'gh__delete_repo' }));
      await sink.flush();
      const got = await rx.waitFor((r) => r.path === '/v1/logs');
      expect(got.headers.authorization).toBe('Bearer x');
      expect(got.body).toContain('portcullis.decision');
      expect(got.body).toContain('gh__delete_repo');
      expect(got.body).toContain('no-delete');
      await sink.close();
    } finally {
      await rx.close();
    }
  });

  it('openAudit feeds committed events (with seq and hash) to OTLP when observability.otlp is set', async () => {
    const rx = await startOtlpReceiver();
    const t = await tempSqlite();
    try {
      const config = ConfigSchema.parse({ observability: { otlp: { endpoint: rx.url } } });
      const audit = await openAudit(config, t.store, t.dir);
      const c = await audit.append(ev(7, { id: 'evt-otlp-7' }));
      await audit.close(); // shuts the provider down, flushing
      const got = await rx.waitFor((r) => r.path === '/v1/logs' && r.body.includes('evt-otlp-7'));
      expect(got.body).toContain('portcullis.audit.hash');
      expect(got.body).toContain(c!.hash);
    } finally {
      await t.cleanup();
      await rx.close();
    }
  });
});
