/**
 * Prometheus metrics, on a Registry of our own (never prom-client's global one), served on the admin
 * port at /metrics. All names carry the `portcullis_` prefix.
 *
 * Cost: recording is a Map lookup of a cached child plus an add (sub-microsecond); label values are
 * bounded so a hostile client cannot blow up cardinality or the size of /metrics:
 * - `method` is one of the MCP methods (`KNOWN_METHODS`), else `other`: a client picks method names,
 * - `tool` is recorded only for tools registered with `setKnownTools` (else `other`),
 * - `decision` and `severity` come from fixed sets (else `other`),
 * - every other label keeps at most `maxValues` distinct values of at most 128 printable ASCII
 *   characters (else `other`).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditMetricsHook } from '../audit/chain.js';

export const OTHER = 'other';

const DECISIONS = new Set(['allow', 'deny', 'modify', 'approve', 'error']);
const SEVERITIES = new Set(['info', 'low', 'medium', 'high', 'critical']);

/** Every method of the MCP specification (2025-11-25 and the task extension); others are `other`. */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'resources/subscribe',
  'resources/unsubscribe',
  'completion/complete',
  'logging/setLevel',
  'sampling/createMessage',
  'elicitation/create',
  'roots/list',
  'tasks/get',
  'tasks/result',
  'tasks/list',
  'tasks/cancel',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/message',
  'notifications/roots/list_changed',
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/resources/list_changed',
  'notifications/resources/updated',
  'notifications/elicitation/complete',
  'notifications/tasks/status',
]);

const MAX_LABEL_LENGTH = 128;
const PRINTABLE = /^[\x20-\x7e]+$/;

/** Keeps at most `max` distinct short printable values; anything else maps to `other`. */
class LabelCap {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}
  get(v: string | undefined): string {
    if (v === undefined || v === '') return 'none';
    if (v.length > MAX_LABEL_LENGTH) return OTHER;
    if (this.seen.has(v)) return v;
    if (this.seen.size >= this.max || !PRINTABLE.test(v)) return OTHER;
    this.seen.add(v);
    return v;
  }
}

export interface MetricsOptions {
  /** Also collect Node process metrics (event loop lag, heap, GC). Default true. */
  processMetrics?: boolean;
  /** Most distinct values per free-form label. Default 200. */
  maxValues?: number;
}

export interface CallRecord {
  server?: string;
  method: string;
  decision: string;
  /** The upstream tool name, for call_duration_seconds (only known tools are labelled). */
  tool?: string;
  /** Total call duration. */
  seconds?: number;
}

const STAGE_BUCKETS = [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1];
const CALL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const AUDIT_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

type Inc = { inc(v?: number): void };
type Obs = { observe(v: number): void };
type Set_ = { set(v: number): void; inc(v?: number): void; dec(v?: number): void };

export class Metrics {
  readonly registry = new Registry();
  readonly calls: Counter<'server' | 'method' | 'decision'>;
  readonly decisions: Counter<'decision' | 'rule'>;
  readonly findings: Counter<'detector' | 'category' | 'severity'>;
  readonly stageDuration: Histogram<'stage'>;
  readonly callDuration: Histogram<'server' | 'tool'>;
  readonly upstreamUp: Gauge<'server'>;
  readonly upstreamRestarts: Counter<'server'>;
  readonly sessionsActive: Gauge<'transport'>;
  readonly auditWrite: Histogram<string>;
  readonly auditBacklog: Gauge<string>;
  readonly auditDropped: Counter<string>;

  private readonly servers: LabelCap;
  private readonly rules: LabelCap;
  private readonly detectors: LabelCap;
  private readonly categories: LabelCap;
  private readonly stages: LabelCap;
  private readonly transports: LabelCap;
  private readonly knownTools = new Map<string, Set<string>>();
  private readonly cache = new Map<string, Inc | Obs | Set_>();

  constructor(opts: MetricsOptions = {}) {
    const max = opts.maxValues ?? 200;
    this.servers = new LabelCap(max);
    this.rules = new LabelCap(max);
    this.detectors = new LabelCap(max);
    this.categories = new LabelCap(64);
    this.stages = new LabelCap(64);
    this.transports = new LabelCap(16);
    const registers = [this.registry];
    this.calls = new Counter({ name: 'portcullis_calls_total', help: 'MCP messages handled, by server, method and decision', labelNames: ['server', 'method', 'decision'], registers });
    this.decisions = new Counter({ name: 'portcullis_decisions_total', help: 'Pipeline decisions by the rule that made them', labelNames: ['decision', 'rule'], registers });
    this.findings = new Counter({ name: 'portcullis_findings_total', help: 'Detector findings', labelNames: ['detector', 'category', 'severity'], registers });
    this.stageDuration = new Histogram({ name: 'portcullis_stage_duration_seconds', help: 'Time spent in each pipeline stage', labelNames: ['stage'], buckets: STAGE_BUCKETS, registers });
    this.callDuration = new Histogram({ name: 'portcullis_call_duration_seconds', help: 'End-to-end tool call duration through the gateway', labelNames: ['server', 'tool'], buckets: CALL_BUCKETS, registers });
    this.upstreamUp = new Gauge({ name: 'portcullis_upstream_up', help: '1 when the upstream server is connected', labelNames: ['server'], registers });
    this.upstreamRestarts = new Counter({ name: 'portcullis_upstream_restarts_total', help: 'Restarts of upstream stdio servers', labelNames: ['server'], registers });
    this.sessionsActive = new Gauge({ name: 'portcullis_sessions_active', help: 'Open downstream sessions', labelNames: ['transport'], registers });
    this.auditWrite = new Histogram({ name: 'portcullis_audit_write_seconds', help: 'Audit store commit time per batch', buckets: AUDIT_BUCKETS, registers });
    this.auditBacklog = new Gauge({ name: 'portcullis_audit_backlog', help: 'Audit events waiting to be committed', registers });
    this.auditDropped = new Counter({ name: 'portcullis_audit_dropped_total', help: 'Audit events dropped (audit.failClosed off and the store failed)', registers });
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  private child<T>(key: string, make: () => T): T {
    let c = this.cache.get(key) as T | undefined;
    if (c === undefined) {
      c = make();
      this.cache.set(key, c as Inc);
    }
    return c;
  }

  /** Tools of a server that may appear as the `tool` label (replaces the previous list). */
  setKnownTools(server: string, tools: Iterable<string>): void {
    this.knownTools.set(server, new Set(tools));
  }

  private toolLabel(server: string, tool: string | undefined): string {
    if (tool === undefined) return 'none';
    return tool.length <= MAX_LABEL_LENGTH && PRINTABLE.test(tool) && this.knownTools.get(server)?.has(tool) ? tool : OTHER;
  }

  recordCall(r: CallRecord): void {
    const server = this.servers.get(r.server);
    const method = KNOWN_METHODS.has(r.method) ? r.method : OTHER;
    const decision = DECISIONS.has(r.decision) ? r.decision : OTHER;
    this.child<Inc>(`c\0${server}\0${method}\0${decision}`, () => this.calls.labels(server, method, decision)).inc();
    if (r.seconds !== undefined && r.tool !== undefined) this.observeCall(r.server, r.tool, r.seconds);
  }

  observeCall(serverName: string | undefined, toolName: string | undefined, seconds: number): void {
    const server = this.servers.get(serverName);
    const tool = this.toolLabel(server, toolName);
    this.child<Obs>(`d\0${server}\0${tool}`, () => this.callDuration.labels(server, tool)).observe(seconds);
  }

  recordDecision(decisionName: string, ruleName: string | undefined): void {
    const decision = DECISIONS.has(decisionName) ? decisionName : OTHER;
    const rule = this.rules.get(ruleName);
    this.child<Inc>(`r\0${decision}\0${rule}`, () => this.decisions.labels(decision, rule)).inc();
  }

  recordFinding(f: { detector: string; category: string; severity: string }): void {
    const detector = this.detectors.get(f.detector);
    const category = this.categories.get(f.category);
    const severity = SEVERITIES.has(f.severity) ? f.severity : OTHER;
    this.child<Inc>(`f\0${detector}\0${category}\0${severity}`, () => this.findings.labels(detector, category, severity)).inc();
  }

  observeStage(stageName: string, seconds: number): void {
    const stage = this.stages.get(stageName);
    this.child<Obs>(`s\0${stage}`, () => this.stageDuration.labels(stage)).observe(seconds);
  }

  setUpstreamUp(serverName: string, up: boolean): void {
    const server = this.servers.get(serverName);
    this.child<Set_>(`u\0${server}`, () => this.upstreamUp.labels(server)).set(up ? 1 : 0);
  }

  incUpstreamRestarts(serverName: string): void {
    const server = this.servers.get(serverName);
    this.child<Inc>(`R\0${server}`, () => this.upstreamRestarts.labels(server)).inc();
  }

  sessionOpened(transportName: string): void {
    const t = this.transports.get(transportName);
    this.child<Set_>(`S\0${t}`, () => this.sessionsActive.labels(t)).inc();
  }

  sessionClosed(transportName: string): void {
    const t = this.transports.get(transportName);
    this.child<Set_>(`S\0${t}`, () => this.sessionsActive.labels(t)).dec();
  }

  setSessionsActive(transportName: string, n: number): void {
    const t = this.transports.get(transportName);
    this.child<Set_>(`S\0${t}`, () => this.sessionsActive.labels(t)).set(n);
  }

  /** The hook AuditLog reports to. */
  auditHook(): AuditMetricsHook {
    return {
      observeWrite: (seconds) => this.auditWrite.observe(seconds),
      setBacklog: (n) => this.auditBacklog.set(n),
      incDropped: (n) => this.auditDropped.inc(n),
    };
  }

  /** Prometheus text exposition format. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

let shared: Metrics | undefined;

/** The process-wide metrics instance (created on first use). */
export function metrics(): Metrics {
  shared ??= new Metrics();
  return shared;
}

export function metricsText(): Promise<string> {
  return metrics().metricsText();
}
