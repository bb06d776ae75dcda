/** Shared types of the policy engine. */
import type { PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Principal } from '../shared/principal.js';

export type PolicyAction = 'call_tool' | 'read_resource' | 'get_prompt' | 'list' | 'sample' | 'elicit' | 'call_method';
export const POLICY_ACTIONS: readonly PolicyAction[] = ['call_tool', 'read_resource', 'get_prompt', 'list', 'sample', 'elicit', 'call_method'];

/** One policy of the loaded set, with what we know about it that Cedar does not hand back. */
export interface LoadedPolicy {
  /** The `@id` annotation, or `<file>:<line>` when it has none. */
  id: string;
  effect: 'permit' | 'forbid';
  /** Cedar text (as written, or as printed from the compiled YAML rule). */
  text: string;
  /** Parsed form handed to Cedar (YAML rules) or the text itself (.cedar files). */
  policy: string | PolicyJson;
  annotations: Record<string, string>;
  obligations: string[];
  /** Where it came from: `policies/tools.cedar:12` or `config policy.allow[0]`. */
  source: string;
  /** Reads per-call data (arguments, normalized, invalidArguments, findings): set by the engine at load. */
  usesCallData?: boolean;
}

export interface AuthzResource {
  kind: 'tool' | 'prompt' | 'resource' | 'server';
  /** Upstream server name from the config. */
  server: string;
  /** Tool/prompt name at the upstream, or the resource URI. Ignored for `server`. */
  name?: string;
}

export interface AuthzRequest {
  principal: Principal;
  action: PolicyAction;
  resource: AuthzResource;
  /** For `call_method`: the JSON-RPC method (a method the gateway does not know, e.g. `x/admin_reset`). */
  method?: string;
  /** Tool / prompt arguments as JSON. */
  arguments?: unknown;
  labels?: Iterable<string>;
  /** MCP tool annotations (readOnlyHint, ...). */
  annotations?: Record<string, unknown>;
  /** Detector finding categories so far. */
  findings?: Iterable<string>;
  session?: {
    id?: string;
    transport?: string;
    client?: string;
    taint?: Iterable<string>;
  };
  now?: Date;
  /** A just-in-time grant covers this call (call_tool only): `context.grant`. */
  grant?: boolean;
}

export interface AuthzResult {
  decision: 'allow' | 'deny';
  /** Ids of the determining policies; `default-deny` when nothing permitted. */
  policyIds: string[];
  /** Obligations of the permitting policies (allow only). */
  obligations: string[];
  /** Evaluation or request errors (each one forces a deny unless it is on a permit that did not decide). */
  errors: string[];
  /** One line for a person: why. */
  reason: string;
}

export const DEFAULT_DENY_ID = 'default-deny';

/** A policy set that cannot be loaded: each entry names the file and line where it can. */
export class PolicyLoadError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid policy set:\n  ${problems.join('\n  ')}`);
    this.name = 'PolicyLoadError';
  }
}
