/**
 * One iterative walk over every string of a JSON value: values under every key (no key is
 * skipped), and object keys themselves. No recursion, so no depth at which strings stop being
 * seen: 100,000 levels of nesting cost a loop, not a stack overflow.
 */
export interface StringAt {
  /** JSON path (`a.b[2]`); a key is reported at `path` with `key: true`. */
  path: string;
  value: string;
  key?: boolean;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENT.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** Every string in `v` (values and keys), in document order. */
export function allStrings(v: unknown, root = '', withKeys = true): StringAt[] {
  const out: StringAt[] = [];
  const stack: Array<[unknown, string, boolean?]> = [[v, root]];
  while (stack.length > 0) {
    const [x, p, isKey] = stack.pop()!;
    if (isKey) out.push({ path: p, value: x as string, key: true });
    else if (typeof x === 'string') out.push({ path: p, value: x });
    else if (Array.isArray(x)) for (let i = x.length - 1; i >= 0; i--) stack.push([x[i], childPath(p, i)]);
    else if (x !== null && typeof x === 'object') {
      const entries = Object.entries(x as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, y] = entries[i]!;
        const cp = childPath(p, k);
        stack.push([y, cp]);
        if (withKeys && k.length > 0) stack.push([k, cp, true]);
      }
    }
  }
  return out;
}
