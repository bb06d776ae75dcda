/**
 * Rule ids the router treats specially. Other rules are free-form strings (`policy.<id>`,
 * `registry.quarantined`, `inspect.secrets`...) documented with their interceptor.
 */

/** A deny with this rule answers exactly like a missing tool/prompt/resource (hidden by policy). */
export const NOT_FOUND_RULE = 'not-found';

/** The principal's credentials expired during the session (authz checks `expiresAt` on each call). */
export const EXPIRED_RULE = 'authn.expired';
