import { afterAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.js';
import { initTracing, parseTraceparent, startSpan, traceIdOf, traceparentOf, tracingEnabled, withSpan } from './tracing.js';
import { startOtlpReceiver } from './otlp-receiver.testutil.js';

describe('tracing', () => {
  it('is a no-op without observability.otlp: one shared non-recording span', async () => {
    const t = await initTracing(ConfigSchema.parse({}));
    expect(t.enabled).toBe(false);
    const a = startSpan('x', { a: 1 });
    const b = startSpan('y');
    expect(a).toBe(b);
    expect(a.isRecording()).toBe(false);
    expect(traceparentOf(a)).toBeUndefined();
    expect(traceIdOf(a)).toBeUndefined();
    expect(withSpan(a, () => 42)).toBe(42);
  });

  it('parses W3C traceparent', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
      isRemote: true,
    });
    expect(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent('ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent('garbage')).toBeUndefined();
    expect(parseTraceparent(undefined)).toBeUndefined();
  });

  describe('with an OTLP endpoint', () => {
    let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
    let shutdown: (() => Promise<void>) | undefined;
    afterAll(async () => {
      await shutdown?.();
      await receiver?.close();
    });

    it('exports spans to the collector, with parent links and W3C propagation', async () => {
      receiver = await startOtlpReceiver();
      const config = ConfigSchema.parse({ observability: { otlp: { endpoint: receiver.url, headers: { 'x-tenant': 't1' } } } });
      const t = await initTracing(config, { instance: 'test-1', scheduledDelayMillis: 50 });
      shutdown = () => t.shutdown();
      expect(tracingEnabled()).toBe(true);
      const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const root = startSpan('mcp tools/call', { 'mcp.method': 'tools/call', 'portcullis.server': 'github' }, incoming);
      expect(traceIdOf(root)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      const child = withSpan(root, () => startSpan('pipeline.policy', { 'portcullis.decision': 'allow' }));
      const tp = traceparentOf(child)!;
      expect(tp).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
      expect(parseTraceparent(tp)!.spanId).toBe(child.spanContext().spanId);
      child.end();
      root.end();
      await t.forceFlush();
      const got = await receiver.waitFor((r) => r.path === '/v1/traces' && r.body.includes('pipeline.policy') && r.body.includes('mcp tools/call'));
      expect(got.headers['x-tenant']).toBe('t1');
      expect(got.body).toContain('portcullis');
      expect(got.body).toContain('test-1');
    });
  });
});
