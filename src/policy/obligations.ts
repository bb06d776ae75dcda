/**
 * Obligations: what a permitting policy asks later interceptors to do with the call it allows.
 * They ride on the policy's annotation, `@obligation("approve")` or several at once
 * `@obligation("redact, audit-copy")`; in the YAML form, `obligations: [approve]`.
 *
 * | obligation        | meaning (handled by)                                                          |
 * |-------------------|-------------------------------------------------------------------------------|
 * | `approve`         | refuse with a ticket until a human approves; the retried call passes once     |
 * | `redact`          | redact detector findings in the result, whatever the inspect settings say     |
 * | `annotate`        | mark the result as untrusted content for the model                            |
 * | `audit-copy`      | store redacted copies of arguments and result in the audit event              |
 * | `rate:<n>/<unit>` | at most n such calls per principal per unit (`s`, `m`, `h`, `d`), e.g. `rate:10/m` |
 *
 * An unknown obligation is a load error: a typo must not silently drop a control.
 * Obligations only matter on `permit` policies that decide an allow; on a `forbid` they are
 * accepted and ignored.
 */
export const KNOWN_OBLIGATIONS = ['approve', 'redact', 'annotate', 'audit-copy'] as const;
const RATE = /^rate:([1-9]\d{0,8})\/(s|m|h|d)$/;

export function isKnownObligation(o: string): boolean {
  return (KNOWN_OBLIGATIONS as readonly string[]).includes(o) || RATE.test(o);
}

/** `rate:10/m` → { limit: 10, windowMs: 60000 }. */
export function parseRateObligation(o: string): { limit: number; windowMs: number } | undefined {
  const m = RATE.exec(o);
  if (!m) return undefined;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's'];
  return { limit: Number(m[1]), windowMs: unit };
}

/** Split an `@obligation` annotation value; throws with the offending name when one is unknown. */
export function parseObligations(value: string | undefined): string[] {
  if (value === undefined) return [];
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const o of list) {
    if (!isKnownObligation(o)) {
      throw new Error(
        `unknown obligation "${o}" (known: ${KNOWN_OBLIGATIONS.join(', ')}, rate:<n>/<s|m|h|d>)`,
      );
    }
  }
  return list;
}
