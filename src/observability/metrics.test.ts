import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { register as globalRegistry } from 'prom-client';
import { Metrics, metricsText } from './metrics.js';

describe('metrics', () => {
  it('records every gateway metric into its own registry', async () => {
    const m = new Metrics({ processMetrics: false });
    m.setKnownTools('github', ['create_issue']);
    m.recordCall({ server: 'github', method: 'tools/call', decision: 'allow', tool: 'create_issue', seconds: 0.004 });
    m.recordCall({ server: 'github', method: 'tools/call', decision: 'deny' });
    m.recordDecision('deny', 'no-delete');
    m.recordFinding({ detector: 'secrets.aws', category: 'secret', severity: 'high' });
    m.observeStage('policy', 0.00002);
    m.setUpstreamUp('github', true);
    m.incUpstreamRestarts('github');
    m.sessionOpened('http');
    m.sessionOpened('http');
    m.sessionClosed('http');
    const hook = m.auditHook();
    hook.observeWrite(0.001, 10);
    hook.setBacklog(3);
    hook.incDropped(2);
    const text = await m.metricsText();
    expect(text).toContain('portcullis_calls_total{server="github",method="tools/call",decision="allow"} 1');
    expect(text).toContain('portcullis_calls_total{server="github",method="tools/call",decision="deny"} 1');
    expect(text).toContain('portcullis_decisions_total{decision="deny",rule="no-delete"} 1');
    expect(text).toContain('portcullis_findings_total{detector="secrets.aws",category="secret",severity="high"} 1');
    expect(text).toContain('portcullis_stage_duration_seconds_count{stage="policy"} 1');
    expect(text).toContain('portcullis_call_duration_seconds_count{server="github",tool="create_issue"} 1');
    expect(text).toContain('portcullis_upstream_up{server="github"} 1');
    expect(text).toContain('portcullis_upstream_restarts_total{server="github"} 1');
    expect(text).toContain('portcullis_sessions_active{transport="http"} 1');
    expect(text).toContain('portcullis_audit_write_seconds_count 1');
    expect(text).toContain('portcullis_audit_backlog 3');
    expect(text).toContain('portcullis_audit_dropped_total 2');
    expect(await globalRegistry.metrics()).not.toContain('portcullis_');
  });

  it('bounds label cardinality: unknown tools and excess values become "other"', async () => {
    const m = new Metrics({ processMetrics: false, maxValues: 5 });
    m.setKnownTools('fs', ['read']);
    for (let i = 0; i < 50; i++) m.observeCall('fs', `evil_${i}`, 0.001);
    for (let i = 0; i < 50; i++) m.recordDecision('deny', `rule-${i}`);
    m.recordCall({ server: 'fs', method: 'tools/call', decision: 'bogus' });
    const text = await m.metricsText();
    expect(text).toContain('portcullis_call_duration_seconds_count{server="fs",tool="other"} 50');
    expect(text.match(/portcullis_decisions_total\{/g)!.length).toBe(6);
    expect(text).toContain('portcullis_decisions_total{decision="deny",rule="other"} 45');
    expect(text).toContain('decision="other"');
  });

  it('recording a call costs microseconds', () => {
    const m = new Metrics({ processMetrics: false });
    m.setKnownTools('github', ['create_issue']);
    const rec = () => {
      m.recordCall({ server: 'github', method: 'tools/call', decision: 'allow', tool: 'create_issue', seconds: 0.002 });
      m.recordDecision('allow', 'allow-dev');
      m.observeStage('policy', 0.00001);
    };
    for (let i = 0; i < 10_000; i++) rec();
    const n = 100_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) rec();
    const us = ((performance.now() - t0) * 1000) / n;
    console.log(`[metrics] ${us.toFixed(3)} µs per recorded call (3 metrics)`);
    expect(us).toBeLessThan(100);
  });

  it('metricsText serves the shared instance with process metrics', async () => {
    const text = await metricsText();
    expect(text).toContain('portcullis_calls_total');
    expect(text).toContain('process_cpu_user_seconds_total');
  });
});

describe('metrics labels a client controls stay bounded (issue 14: 1 MB method names grew /metrics to 21 MB)', () => {
  const big = 'x'.repeat(1 << 20);
  // [what the client sent, the label that must appear]
  const METHODS: Array<[method: string, label: string]> = [
    ['tools/call', 'tools/call'],
    ['notifications/progress', 'notifications/progress'],
    [big, 'other'],
    ['x/admin_reset', 'other'],
    ['tools/call ', 'other'],
    ['TOOLS/CALL', 'other'],
    ['tools/call\n# HELP fake', 'other'],
    ['__proto__', 'other'],
    ['', 'other'],
  ];
  it.each(METHODS.map(([m, l]) => [m.length > 40 ? `${m.slice(0, 10)}…(${m.length})` : JSON.stringify(m), m, l]))('method %s → %s', async (_shown, method, label) => {
    const m = new Metrics({ processMetrics: false });
    m.recordCall({ server: 'fs', method, decision: 'allow' });
    expect(await m.metricsText()).toContain(`portcullis_calls_total{server="fs",method="${label}",decision="allow"} 1`);
  });

  it('thousands of distinct huge values in every client-reachable label keep /metrics small', async () => {
    const m = new Metrics({ processMetrics: false });
    const baseline = (await m.metricsText()).length;
    m.setKnownTools('fs', ['read', big]);
    for (let i = 0; i < 2000; i++) {
      const v = `${i}${big}`;
      m.recordCall({ server: v, method: v, decision: v, tool: v, seconds: 0.001 });
      m.recordCall({ server: 'fs', method: `m${i}`, decision: 'deny', tool: i % 2 ? big : `t${i}`, seconds: 0.001 });
      m.recordDecision('deny', v);
      m.recordFinding({ detector: v, category: v, severity: v });
      m.observeStage(v, 0.001);
      m.setUpstreamUp(v, true);
      m.sessionOpened(v);
    }
    const text = await m.metricsText();
    expect(text.length - baseline).toBeLessThan(64 * 1024);
    expect(text).not.toContain('xxxxxxxxxx');
    expect(text).toContain('portcullis_calls_total{server="other",method="other",decision="other"} 2000');
    expect(text).toContain('portcullis_call_duration_seconds_count{server="fs",tool="other"} 2000');
  });
});
