/**
 * The rule catalogue (src/pipeline/rules.ts) is the one list of denial rules and their error
 * codes: every rule id the source can produce is in it, every entry is documented in
 * docs/errors.md with its code, and every rule the docs list is in it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES, ruleCode, ruleInfo } from '../src/pipeline/rules.js';
import { ErrorCodes } from '../src/errors.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const doc = readFileSync(path.join(ROOT, 'docs', 'errors.md'), 'utf8');
const docRows = doc
  .slice(doc.indexOf('## Rules'))
  .split('\n')
  .map((l) => /^\| `([^`]+)` \| `(PCX_[A-Z_]+)` \|/.exec(l))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => ({ rule: m[1] as string, code: m[2] as string }));

function sources(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.testutil.ts')) out.push(p);
  }
  return out;
}

/** Rule ids in the source: `deny(reason, 'rule')`, `rule: 'x'`, `…_RULE = 'x'`, and template prefixes (`policy.${…}`). */
function ruleLiterals(): { exact: Set<string>; prefixes: Set<string> } {
  const exact = new Set<string>();
  const prefixes = new Set<string>();
  for (const f of sources(path.join(ROOT, 'src'))) {
    if (f.endsWith(path.join('pipeline', 'rules.ts'))) continue;
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/\bdeny\([^\n]*?,\s*(['`])([a-z][\w.-]*)(\$\{)?/g)) (m[3] ? prefixes : exact).add(m[2] as string);
    for (const m of text.matchAll(/[{,]\s*rule:\s*(['`])([a-z][\w.-]*)(\$\{)?/g)) (m[3] ? prefixes : exact).add(m[2] as string);
    for (const m of text.matchAll(/_RULE\s*=\s*'([a-z][\w.-]*)'/g)) exact.add(m[1] as string);
    for (const m of text.matchAll(/modify\([^\n]*?,\s*'([a-z][\w.-]*)'/g)) exact.add(m[1] as string);
  }
  return { exact, prefixes };
}

describe('the rule catalogue', () => {
  it('finds the rules of the source (sanity: the scan is not empty)', () => {
    const { exact, prefixes } = ruleLiterals();
    expect(exact).toContain('validate.uri');
    expect(exact).toContain('flow.trifecta');
    expect(exact).toContain('rate.principal');
    expect(prefixes).toContain('policy.');
  });

  it('every rule id the source produces is catalogued', () => {
    const { exact, prefixes } = ruleLiterals();
    const missing = [...exact].filter((r) => ruleInfo(r) === undefined);
    expect(missing, `rules not in src/pipeline/rules.ts: ${missing.join(', ')}`).toEqual([]);
    const keys = Object.keys(RULES);
    const missingPrefixes = [...prefixes].filter((p) => ruleInfo(`${p}x`) === undefined && !keys.some((k) => k.startsWith(p)));
    expect(missingPrefixes, `rule families not in the catalogue: ${missingPrefixes.join(', ')}`).toEqual([]);
  });

  it('every catalogue entry is documented in docs/errors.md with its code', () => {
    for (const [rule, info] of Object.entries(RULES)) {
      const row = docRows.find((r) => r.rule === rule);
      expect(row, `${rule} is not in the Rules table of docs/errors.md`).toBeDefined();
      expect(row?.code, rule).toBe(info.code);
    }
  });

  it('every rule the docs list is in the catalogue', () => {
    expect(docRows.length).toBeGreaterThan(10);
    for (const r of docRows) expect(Object.keys(RULES), `${r.rule} is documented but not catalogued`).toContain(r.rule);
  });

  it('every code the catalogue names exists', () => {
    for (const info of Object.values(RULES)) expect(Object.keys(ErrorCodes)).toContain(info.code);
  });

  const codes: Array<[string, string]> = [
    ['not-found', 'PCX_NOT_FOUND'],
    ['authn.revoked', 'PCX_SESSION_REVOKED'],
    ['authn.expired', 'PCX_SESSION_REVOKED'],
    ['rate.principal', 'PCX_RATE_LIMITED'],
    ['policy.my-rule', 'PCX_DENIED'],
    ['registry.server_quarantined', 'PCX_DENIED'],
    ['inspect.ssrf', 'PCX_DENIED'],
    ['approval.required', 'PCX_APPROVAL_REQUIRED'],
    ['approval.denied', 'PCX_DENIED'],
    ['limits.maxChildren', 'PCX_UPSTREAM_UNAVAILABLE'],
    ['something.uncatalogued', 'PCX_DENIED'],
  ];
  it.each(codes)('%s → %s', (rule, code) => expect(ruleCode(rule)).toBe(code));
});
