/** Cedar policy: the engine, the YAML form, obligations, table cases. */
export { PolicyEngine, createPolicyEngine, isPolicyConfigured, loadPolicySet, SHIPPED_SCHEMA_PATH, type PolicyEngineOptions, type Explanation, type LoadOutcome } from './engine.js';
export { DEFAULT_DENY_ID, PolicyLoadError, POLICY_ACTIONS, type AuthzRequest, type AuthzResult, type LoadedPolicy, type PolicyAction } from './types.js';
export { KNOWN_OBLIGATIONS, isKnownObligation, parseObligations, parseRateObligation } from './obligations.js';
export { normalizePathLike } from './args.js';
export { caseToRequest, parseCases, runCases, type PolicyCase, type CaseResult } from './cases.js';
