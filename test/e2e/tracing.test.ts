/**
 * OpenTelemetry through the gateway (OWASP MCP08): a span per call with child spans per
 * pipeline stage, exported over OTLP/HTTP; W3C traceparent propagated to HTTP upstreams as a
 * header and to every upstream in `_meta`; the trace id recorded in the audit event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { httpClient, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startOtlpReceiver } from '../../src/observability/otlp-receiver.testutil.js';
import { startHttpFixture, type HttpFixture } from '../fixtures/harness.mjs';

describe('MCP08: traces', () => {
  let gw: TestGateway;
  let c: Client;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let hdr: HttpFixture;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    hdr = await startHttpFixture('headers.mjs');
    gw = await startTestGateway(`
auth: none
mcpServers:
  hdr: { url: "${hdr.url}", type: http }
observability: { otlp: { endpoint: "${receiver.url}" } }
pipeline: { disable: [inspect] }
`);
    c = await httpClient(gw.url);
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await gw?.close(); // shuts the tracer down, flushing spans
    await hdr?.close();
    await receiver?.close();
  });

  it('exports a span per call with a child span per stage, propagates traceparent, and records the trace id', async () => {
    await c.callTool({ name: 'hdr__whoami', arguments: {} });
    const who = await c.callTool({ name: 'hdr__whoami', arguments: {} });
    const headers = (who.structuredContent as { headers: Record<string, string> }).headers;
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const traceId = headers.traceparent!.split('-')[1]!;
    const ev = (await gw.rt.store.queryAudit({ limit: 1000 })).map((x) => x.event).filter((e) => e.target === 'hdr__whoami').at(-1)!;
    expect(ev.traceId).toBe(traceId);
    const got = await receiver.waitFor((r) => r.path === '/v1/traces' && r.body.includes('mcp tools/call hdr__whoami') && r.body.includes('stage validate') && r.body.includes('upstream call'), 20_000);
    expect(got.body).toContain('stage registry');
  }, 40_000);
});
