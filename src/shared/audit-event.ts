/**
 * The audit event: one per decision the gateway makes (allow included).
 * The pipeline builds it; sinks (store with hash chain, JSONL, OTLP) persist it.
 */
import type { Principal } from './principal.js';
import type { Severity } from './severity.js';

export type DecisionKind = 'allow' | 'deny' | 'modify' | 'approve';
export type Outcome = 'ok' | 'error' | 'timeout' | 'cancelled' | 'denied' | 'pending';

export interface AuditFinding {
  category: string;
  detector: string;
  severity: Severity;
  /** Where it was found: `request`, `response`, `definition`... plus field path. Never the matched value. */
  where?: string;
}

export interface AuditEvent {
  /** Unique id, returned to clients in `error.data.eventId`. */
  id: string;
  /** ISO time of the decision. */
  time: string;
  /** Gateway instance that made it. */
  instance: string;
  session?: string;
  principal: { id: string; kind: string; groups: string[]; agent?: string };
  client?: { name: string; version: string };
  transport?: string;
  hook: string;
  server?: string;
  method: string;
  /** Tool / resource URI / prompt name as the client saw it. */
  target?: string;
  decision: DecisionKind;
  reason?: string;
  rule?: string;
  policyIds?: string[];
  findings: AuditFinding[];
  /** sha256 hex of the canonical JSON of the request arguments / result. */
  argsDigest?: string;
  resultDigest?: string;
  /** Redacted copies, only when `audit.redactedCopies` is configured. */
  argsRedacted?: unknown;
  resultRedacted?: unknown;
  /** Total latency and per-stage latency in milliseconds. */
  latencyMs?: number;
  stages?: Record<string, number>;
  outcome?: Outcome;
  error?: string;
  approver?: string;
  traceId?: string;
}

/** Where events go. `write` resolves once the event is durable (for the store sink: committed). */
export interface AuditSink {
  write(event: AuditEvent): Promise<void> | void;
  close?(): Promise<void> | void;
}

/** A principal as an audit event records it (who, of what kind, in which groups, for which agent). */
export function auditPrincipal(p: Principal): AuditEvent['principal'] {
  return { id: p.id, kind: p.kind, groups: p.groups, ...(p.agent ? { agent: p.agent } : {}) };
}
