/** Side-by-side line diff of two JSON values (pretty-printed), by longest common subsequence. */

export type Row = { left?: string; right?: string; kind: 'same' | 'del' | 'add' | 'change' };

export function pretty(v: unknown): string[] {
  return JSON.stringify(v ?? null, null, 2).split('\n');
}

export function sideBySide(a: string[], b: string[]): Row[] {
  // Definitions are small; past this, show both whole rather than spend time.
  if (a.length * b.length > 4_000_000) return [...a.map((left) => ({ left, kind: 'del' as const })), ...b.map((right) => ({ right, kind: 'add' as const }))];
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: Row[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ left: a[i], right: b[j], kind: 'same' });
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      ops.push({ right: b[j], kind: 'add' });
      j++;
    } else {
      ops.push({ left: a[i], kind: 'del' });
      i++;
    }
  }
  // Pair a run of deletions with the run of additions after it: a changed line shows side by side.
  const rows: Row[] = [];
  for (let k = 0; k < ops.length; ) {
    if (ops[k]!.kind !== 'del') {
      rows.push(ops[k++]!);
      continue;
    }
    const dels: string[] = [];
    while (k < ops.length && ops[k]!.kind === 'del') dels.push(ops[k++]!.left!);
    const adds: string[] = [];
    while (k < ops.length && ops[k]!.kind === 'add') adds.push(ops[k++]!.right!);
    for (let x = 0; x < Math.max(dels.length, adds.length); x++) {
      const left = dels[x];
      const right = adds[x];
      rows.push(left !== undefined && right !== undefined ? { left, right, kind: 'change' } : left !== undefined ? { left, kind: 'del' } : { right: right!, kind: 'add' });
    }
  }
  return rows;
}
