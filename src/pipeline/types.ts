/**
 * The pipeline's contract. Read `chain.ts` for the order of interceptors and why.
 *
 * Decisions are values, never exceptions: an interceptor returns a Verdict. If it throws or
 * times out the chain turns that into a deny (fail closed).
 */
import type { JsonRpcObject } from '../shared/jsonrpc.js';
import type { Principal, Transport } from '../shared/principal.js';
import type { ListKind } from '../shared/lists.js';
import type { Finding } from '../detect/types.js';

export type Hook = 'connect' | 'list' | 'request' | 'response' | 'serverRequest';

export type Decision =
  | { kind: 'allow' }
  | { kind: 'deny'; reason: string; rule: string }
  /** Replace the message in flight (a redacted result, a filtered list, rewritten arguments). */
  | { kind: 'modify'; message: JsonRpcObject; rule?: string }
  /** Hold the message until a human approves the ticket. */
  | { kind: 'approve'; ticket: string; reason: string; rule: string };

export interface Verdict {
  decision: Decision;
  findings?: Finding[];
}

export const ALLOW: Verdict = Object.freeze({ decision: Object.freeze({ kind: 'allow' as const }) });

export function allow(findings?: Finding[]): Verdict {
  return findings && findings.length > 0 ? { decision: { kind: 'allow' }, findings } : ALLOW;
}
export function deny(reason: string, rule: string, findings?: Finding[]): Verdict {
  return findings && findings.length > 0
    ? { decision: { kind: 'deny', reason, rule }, findings }
    : { decision: { kind: 'deny', reason, rule } };
}
export function modify(message: JsonRpcObject, rule?: string, findings?: Finding[]): Verdict {
  const decision: Decision = rule === undefined ? { kind: 'modify', message } : { kind: 'modify', message, rule };
  return findings && findings.length > 0 ? { decision, findings } : { decision };
}

// Shared vocabulary (src/shared/), re-exported so interceptors import one place.
export type { JsonRpcObject } from '../shared/jsonrpc.js';
export type { Principal, Transport } from '../shared/principal.js';
export type { ListKind } from '../shared/lists.js';

/** The session state interceptors may read and (for taint) extend. */
export interface SessionView {
  id: string;
  principal: Principal;
  transport: Transport;
  clientInfo?: { name: string; version: string };
  protocolVersion?: string;
  /** Taint flags set by interceptors, e.g. `private_data`, `untrusted_content`. */
  taint: Set<string>;
  /** Free-form per-session state for interceptors (rate counters, flow history), keyed by interceptor name. */
  state: Map<string, unknown>;
  /**
   * Ask the person at the client (MCP elicitation, on the stream of request `relatedTo`). Undefined
   * when the client did not declare the capability, or did not answer within `timeoutMs`.
   */
  askUser?(message: string, requestedSchema: Record<string, unknown>, relatedTo: string | number | undefined, timeoutMs: number): Promise<UserAnswer | undefined>;
}

export interface UserAnswer {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, unknown>;
}

/** What the call is about, resolved by the router before the pipeline runs. */
export interface Target {
  /** `method`: a method the router does not know by name (authz: `call_method`, default deny). */
  kind: 'tool' | 'resource' | 'prompt' | 'completion' | 'method' | 'other';
  /** Upstream server name from the config. */
  server?: string;
  /** The name the client sees (`memory__create_entities`) or the resource URI. */
  name?: string;
  /** The upstream's own name for it. */
  upstreamName?: string;
  /** The definition as the upstream last listed it (tools: name, description, inputSchema, annotations). */
  definition?: Record<string, unknown>;
  /** Labels from config or annotations: `untrusted_source`, `private_data`, `egress`, `command`... */
  labels?: string[];
  /** Resources: names of the server's resource templates the URI matches (the registry refuses a quarantined one's resources). */
  templates?: string[];
}

export interface PipelineContext {
  hook: Hook;
  session: SessionView;
  /** JSON-RPC method of the message the hook is about (`tools/call`, `tools/list`, `sampling/createMessage`). */
  method: string;
  /** The message in flight. For `response`, the upstream's response; `request` keeps the request. */
  message: JsonRpcObject;
  /** For `response`: the request it answers (after any modification). */
  request?: JsonRpcObject;
  target: Target;
  /** Obligations handed down by earlier interceptors (e.g. policy `@obligation("redact")`). */
  obligations: Set<string>;
  /** Findings collected so far in this pass and, on the response hook, those of the request. */
  findings: Finding[];
  /** Ids of the policies that decided, for the audit event. */
  policyIds: string[];
  /** OpenTelemetry trace id of the request span, when tracing is on. */
  traceId?: string;
  /** Who approved this call, when the approval stage let it through on a ticket. */
  approver?: string;
  /**
   * For the `list` hook, which runs once per upstream server's list: `message.result` holds that
   * server's items in its own names; `exposedName` gives the name the client will see.
   * An interceptor hides items by returning `modify` with a message that lacks them.
   */
  list?: {
    kind: ListKind;
    server: string;
    exposedName(upstreamName: string): string;
    /** Labels of an item (config `labels` / `toolLabels`), so policy on labels also decides what is listed. */
    labels?(upstreamName: string): string[] | undefined;
  };
}


type HookFn = (ctx: PipelineContext) => Verdict | Promise<Verdict>;

export interface Interceptor {
  /** Stable name; used as the `rule` prefix and in the audit event. */
  name: string;
  /** Its own time limit, for a stage that waits for a person (default `limits.interceptorTimeout`). */
  timeoutMs?: number;
  connect?: HookFn;
  list?: HookFn;
  request?: HookFn;
  response?: HookFn;
  serverRequest?: HookFn;
  /** Release timers, watchers. */
  close?(): void | Promise<void>;
}
