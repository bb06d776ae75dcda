/**
 * The rule catalogue: every rule id a denial (or a modification) can carry, with the PCX error
 * code the client gets for it. docs/errors.md lists the same rules (a test checks both ways), and
 * `ruleCode` is the one place that turns a rule into an error code.
 *
 * An id ending in `.*` is a family: `policy.*` covers `policy.<policy id>`, `inspect.*` every
 * detector's rule (`inspect.ssrf`, `inspect.secrets`…), `registry.server_*` every server status.
 */
import type { ErrorCodeName } from '../errors.js';

export interface RuleInfo {
  /** What the client gets when this rule denies. `modify`-only rules never reach a client as errors. */
  code: ErrorCodeName;
  /** The stage (or part of the gateway) that decides it. */
  stage: string;
  /** One line for docs/errors.md. */
  doc: string;
}

export const RULES = {
  'not-found': { code: 'PCX_NOT_FOUND', stage: 'authz', doc: 'Hidden by policy: answered exactly like a missing tool, prompt or resource.' },
  'authn.expired': { code: 'PCX_SESSION_REVOKED', stage: 'authn', doc: 'The credentials the session was opened with expired.' },
  'authn.revoked': { code: 'PCX_SESSION_REVOKED', stage: 'authn', doc: 'The session, its principal or its credential was revoked (`portcullis revoke`, admin API).' },
  'authn.credential-mismatch': { code: 'PCX_DENIED', stage: 'listener', doc: 'A request on a session presented another credential than the one that opened it (HTTP 403).' },
  'router.unknown-method': { code: 'PCX_DENIED', stage: 'router', doc: 'A method the gateway does not know, with no policy stage to allow it by name.' },
  'validate.params': { code: 'PCX_DENIED', stage: 'validate', doc: '`params` is not an object.' },
  'validate.tool-name': { code: 'PCX_DENIED', stage: 'validate', doc: '`tools/call` without a tool name.' },
  'validate.prompt-name': { code: 'PCX_DENIED', stage: 'validate', doc: '`prompts/get` without a prompt name.' },
  'validate.arguments': { code: 'PCX_DENIED', stage: 'validate', doc: '`arguments` is not an object.' },
  'validate.uri': { code: 'PCX_DENIED', stage: 'validate', doc: 'A resource method without a string `uri`.' },
  'validate.completion': { code: 'PCX_DENIED', stage: 'validate', doc: '`completion/complete` without `ref` and `argument` objects.' },
  'validate.depth': { code: 'PCX_DENIED', stage: 'validate', doc: 'A message nested deeper than `limits.maxDepth` (default 64).' },
  'validate.result': { code: 'PCX_DENIED', stage: 'validate', doc: 'An upstream answer without a result object.' },
  'validate.result-content': { code: 'PCX_DENIED', stage: 'validate', doc: 'An upstream tool result whose `content` is not an array.' },
  'registry.quarantined': { code: 'PCX_DENIED', stage: 'registry', doc: 'A quarantined tool, prompt or resource template (and the resources it serves).' },
  'registry.pending': { code: 'PCX_DENIED', stage: 'registry', doc: 'An item waiting for approval (`registry.mode: enforce`).' },
  'registry.retired': { code: 'PCX_DENIED', stage: 'registry', doc: 'A retired item.' },
  'registry.unknown': { code: 'PCX_DENIED', stage: 'registry', doc: 'An item never listed (`registry.mode: enforce`).' },
  'registry.server_*': { code: 'PCX_DENIED', stage: 'registry', doc: 'A server that is unknown, pending, quarantined or retired.' },
  'registry.hidden': { code: 'PCX_DENIED', stage: 'registry', doc: 'Items removed from a list (modification, never an error).' },
  'inspect.*': { code: 'PCX_DENIED', stage: 'inspect', doc: 'A detector blocked the message (`inspect.secrets`, `inspect.ssrf`, `inspect.paths`…).' },
  'policy.*': { code: 'PCX_DENIED', stage: 'authz', doc: 'A policy denied (`policy.<id>`, `policy.default-deny` when nothing permits).' },
  'flow.*': { code: 'PCX_DENIED', stage: 'flow', doc: 'A session flow rule (`flow.trifecta`).' },
  'rate.principal': { code: 'PCX_RATE_LIMITED', stage: 'rate', doc: '`limits.callsPerMinute` reached.' },
  'rate.policy': { code: 'PCX_RATE_LIMITED', stage: 'rate', doc: 'A `rate:<n>/<period>` policy obligation reached.' },
  'rate.in-flight': { code: 'PCX_RATE_LIMITED', stage: 'rate', doc: '`limits.maxCallsInFlightPerPrincipal` reached: the principal already has that many calls waiting on upstreams (checked after the pipeline allowed the call, before it is sent).' },
  'approval.required': { code: 'PCX_APPROVAL_REQUIRED', stage: 'approval', doc: 'A policy obligation asks a person to approve the call; it is held on a ticket.' },
  'approval.*': { code: 'PCX_DENIED', stage: 'approval', doc: 'Approval refused (`approval.denied`) or otherwise not given.' },
  'pipeline.interceptor-failed': { code: 'PCX_DENIED', stage: 'pipeline', doc: 'A stage threw or timed out: denied because the pipeline fails closed.' },
  'era.header-mismatch': { code: 'PCX_DENIED', stage: 'listener', doc: '2026-07-28 requests: `Mcp-Method` / `Mcp-Name` / `Mcp-Param-*` headers disagree with the body (HTTP 400, `data.code` HeaderMismatch as the spec asks), before any policy runs; audited.' },
  'era.request-state': { code: 'PCX_DENIED', stage: 'listener', doc: '2026-07-28 requests: a `requestState` that is forged, expired, bound to another caller, or lacks its input responses.' },
  'admin.*': { code: 'PCX_DENIED', stage: 'admin port', doc: 'The admin port refused the HTTP request (`admin.host`, `admin.origin`, `admin.auth`, `admin.role`, `admin.content_type`, `admin.input`…): an HTTP 4xx whose body names the rule.' },
  'grant.*': { code: 'PCX_DENIED', stage: 'admin', doc: 'Not a denial: the audit record of a standing grant added, revoked or expired (`grant.add`, `grant.revoke`, `grant.expire`).' },
  'credentials.no-credential': { code: 'PCX_DENIED', stage: 'upstream', doc: 'The server takes per-principal credentials (`servers.<name>.credentials.byPrincipal`) and none covers this principal (no entry, no group, no `default`): nothing is sent with another\'s credential or none.' },
  'credentials.authorization-required': { code: 'PCX_DENIED', stage: 'upstream', doc: 'The server needs the user\'s own OAuth authorization (`credentials.oauth`) and the gateway holds no usable token for them: `data.authorizationUrl` is the link for the user; retry the call after signing in.' },
  'credentials.unavailable': { code: 'PCX_DENIED', stage: 'upstream', doc: 'The principal\'s credential could not be obtained now: its secret is missing from the vault, the authorization server refused a refresh or a token exchange, or discovery failed. The message says which.' },
  'limits.*': { code: 'PCX_UPSTREAM_UNAVAILABLE', stage: 'capacity', doc: 'A capacity cap (`limits.maxSessions`, `maxSessionsPerPrincipal`, `maxChildren`, `maxChildrenPerPrincipal`) left no room.' },
  'servers.maxInstances': { code: 'PCX_UPSTREAM_UNAVAILABLE', stage: 'capacity', doc: 'The server runs as many children as `servers.<name>.maxInstances` allows (pooled: each with `pool.callsPerInstance` calls in flight, and none came free within `pool.queueTimeout`).' },
} as const satisfies Record<string, RuleInfo>;

export type RuleId = keyof typeof RULES;

const FAMILIES = (Object.keys(RULES) as RuleId[]).filter((k) => k.endsWith('*')).map((k) => [k.slice(0, -1), RULES[k]] as const);

/** The catalogue entry of a rule id (exact, else the longest family), or undefined when it is not catalogued. */
export function ruleInfo(rule: string): RuleInfo | undefined {
  const exact = (RULES as Record<string, RuleInfo>)[rule];
  if (exact) return exact;
  let best: RuleInfo | undefined;
  let len = -1;
  for (const [prefix, info] of FAMILIES) if (rule.startsWith(prefix) && prefix.length > len) [best, len] = [info, prefix.length];
  return best;
}

/** The error code a denial with this rule answers with (PCX_DENIED for a rule not in the catalogue). */
export function ruleCode(rule: string): ErrorCodeName {
  return ruleInfo(rule)?.code ?? 'PCX_DENIED';
}

/** A deny with this rule answers exactly like a missing tool/prompt/resource (hidden by policy). */
export const NOT_FOUND_RULE = 'not-found' satisfies RuleId;

/** The principal's credentials expired during the session. */
export const EXPIRED_RULE = 'authn.expired' satisfies RuleId;

/** The session, its principal or its credential was revoked (admin API / `portcullis revoke`). */
export const REVOKED_RULE = 'authn.revoked' satisfies RuleId;

/** A request on a session presented another credential than the one that opened it. */
export const CREDENTIAL_MISMATCH_RULE = 'authn.credential-mismatch' satisfies RuleId;

/** A method the gateway does not know, which no policy rule allows by name. */
export const UNKNOWN_METHOD_RULE = 'router.unknown-method' satisfies RuleId;

/** A message nested deeper than `limits.maxDepth`. */
export const DEPTH_RULE = 'validate.depth' satisfies RuleId;
