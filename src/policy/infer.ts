/**
 * Argument types for .cedar policies, inferred from how they use `context.arguments.X` /
 * `context.normalized.X`: `like` → String, `<` `<=` `>` `>=` `+` `-` `*` → Long, `==`/`!=` with a
 * literal → the literal's type, `.contains*` on it → Set, operand of `&&` `||` `!` → Bool.
 * Anything else (nested records, extension types) must be declared in `policy.arguments`;
 * an undeclared argument makes validation fail with a hint.
 */
import type { Expr } from '@cedar-policy/cedar-wasm/nodejs';
import type { ArgType } from './args.js';

type AnyExpr = Record<string, unknown>;

/** `context.arguments.X` or `context.normalized.X` → X. */
function argName(e: unknown): string | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const d = (e as AnyExpr)['.'] as { left?: AnyExpr; attr?: string } | undefined;
  if (!d || typeof d.attr !== 'string' || !d.left) return undefined;
  const inner = d.left['.'] as { left?: AnyExpr; attr?: string } | undefined;
  if (!inner || (inner.attr !== 'arguments' && inner.attr !== 'normalized')) return undefined;
  if (!inner.left || inner.left.Var !== 'context') return undefined;
  return d.attr;
}

function literalType(e: unknown): ArgType | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const o = e as AnyExpr;
  if ('Value' in o) {
    const v = o.Value;
    if (typeof v === 'string') return { kind: 'String' };
    if (typeof v === 'boolean') return { kind: 'Boolean' };
    if (typeof v === 'number') return { kind: 'Long' };
    if (Array.isArray(v)) {
      const first = v[0];
      const t = first === undefined ? { kind: 'String' as const } : literalType({ Value: first });
      return t ? { kind: 'Set', element: t } : undefined;
    }
    return undefined;
  }
  if ('Set' in o && Array.isArray(o.Set)) {
    const first = (o.Set as unknown[])[0];
    const t = first === undefined ? ({ kind: 'String' } as ArgType) : literalType(first);
    return t ? { kind: 'Set', element: t } : undefined;
  }
  return undefined;
}

export function inferArgumentTypes(conditions: Array<{ body: Expr }>, into: Map<string, ArgType>): void {
  const note = (e: unknown, t: ArgType | undefined) => {
    const n = argName(e);
    if (n !== undefined && t !== undefined && !into.has(n)) into.set(n, t);
  };
  const visit = (e: unknown): void => {
    if (!e || typeof e !== 'object') return;
    if (Array.isArray(e)) {
      for (const x of e) visit(x);
      return;
    }
    const o = e as AnyExpr;
    for (const [op, body] of Object.entries(o)) {
      if (op === 'Value') continue;
      const b = body as AnyExpr;
      switch (op) {
        case 'like':
          note(b.left, { kind: 'String' });
          break;
        case '<':
        case '<=':
        case '>':
        case '>=':
        case '+':
        case '-':
        case '*':
          note(b.left, { kind: 'Long' });
          note(b.right, { kind: 'Long' });
          break;
        case 'neg':
          note(b.arg, { kind: 'Long' });
          break;
        case '==':
        case '!=':
          note(b.left, literalType(b.right));
          note(b.right, literalType(b.left));
          break;
        case 'contains': {
          const el = literalType(b.right);
          note(b.left, { kind: 'Set', element: el && el.kind !== 'Set' ? el : { kind: 'String' } });
          const setT = literalType(b.left);
          if (setT?.kind === 'Set') note(b.right, setT.element);
          break;
        }
        case 'containsAll':
        case 'containsAny':
          note(b.left, literalType(b.right) ?? { kind: 'Set', element: { kind: 'String' } });
          note(b.right, literalType(b.left) ?? { kind: 'Set', element: { kind: 'String' } });
          break;
        case '&&':
        case '||':
          note(b.left, { kind: 'Boolean' });
          note(b.right, { kind: 'Boolean' });
          break;
        case '!':
          note(b.arg, { kind: 'Boolean' });
          break;
        case 'if-then-else':
          note(b.if, { kind: 'Boolean' });
          break;
        case 'isEmpty':
          note(b.arg, { kind: 'Set', element: { kind: 'String' } });
          break;
      }
      visit(body);
    }
  };
  for (const c of conditions) visit(c.body);
}

const CALL_DATA = new Set(['arguments', 'normalized', 'invalidArguments', 'findings']);

/**
 * Does a policy read per-call data (the things unknown when listing)? Conservative: any use of
 * `context` other than `context.<attr>` with a known-static attr counts.
 */
export function usesCallData(conditions: Array<{ body: Expr }>): boolean {
  let found = false;
  const visit = (e: unknown, parentIsDotOnContext: boolean): void => {
    if (found || !e || typeof e !== 'object') return;
    if (Array.isArray(e)) {
      for (const x of e) visit(x, false);
      return;
    }
    const o = e as AnyExpr;
    if (o.Var === 'context' && !parentIsDotOnContext) {
      found = true;
      return;
    }
    for (const [op, body] of Object.entries(o)) {
      if (op === 'Value') continue;
      if ((op === '.' || op === 'has') && body && typeof body === 'object') {
        const b = body as { left?: AnyExpr; attr?: unknown };
        if (b.left && b.left.Var === 'context') {
          const attrs = Array.isArray(b.attr) ? b.attr : [b.attr];
          if (attrs.some((a) => typeof a !== 'string' || CALL_DATA.has(a))) {
            found = true;
            return;
          }
          continue;
        }
      }
      visit(body, false);
    }
  };
  for (const c of conditions) visit(c.body, false);
  return found;
}

/**
 * The top-level context attributes a set of policies reads (`context.session`, `context.labels`...),
 * or `undefined` when a policy uses `context` as a whole (then every attribute must be sent).
 * The engine sends only these: an attribute no policy reads cannot change a decision, and
 * marshalling each attribute into Cedar costs a few microseconds.
 */
export function contextAttrsUsed(policies: Array<Array<{ body: Expr }>>): Set<string> | undefined {
  const used = new Set<string>();
  let whole = false;
  const visit = (e: unknown): void => {
    if (whole || !e || typeof e !== 'object') return;
    if (Array.isArray(e)) {
      for (const x of e) visit(x);
      return;
    }
    const o = e as AnyExpr;
    if (o.Var === 'context') {
      whole = true;
      return;
    }
    for (const [op, body] of Object.entries(o)) {
      if (op === 'Value') continue;
      if ((op === '.' || op === 'has') && body && typeof body === 'object') {
        const b = body as { left?: AnyExpr; attr?: unknown };
        if (b.left && b.left.Var === 'context') {
          const first = Array.isArray(b.attr) ? b.attr[0] : b.attr;
          if (typeof first !== 'string') whole = true;
          else used.add(first);
          continue;
        }
      }
      visit(body);
    }
  };
  for (const conds of policies) for (const c of conds) visit(c.body);
  return whole ? undefined : used;
}
