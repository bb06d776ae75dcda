/**
 * The folder layering of src/ (see docs/architecture.md): no import cycle between folders, and the
 * shared vocabulary (src/shared/) imports nothing back. Imports are read with a regex over the .ts
 * sources (static `import … from`, `export … from`, `import type`, and dynamic `import('…')`);
 * test files are left out (a test may reach across folders).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '..', 'src');

type Graph = Map<string, Map<string, string[]>>;

/** Folder → folder → the files that make the edge. Files directly in src/ belong to the folder `.`. */
export function importGraph(root: string): Graph {
  const g: Graph = new Map();
  const folderOf = (file: string) => {
    const rel = path.relative(root, file).split(path.sep);
    return rel.length > 1 ? (rel[0] as string) : '.';
  };
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) visit(p);
      else if (/\.m?ts$/.test(name) && !/\.test\.ts$|\.testutil\.ts$/.test(name)) {
        const text = readFileSync(p, 'utf8');
        const from = folderOf(p);
        if (!g.has(from)) g.set(from, new Map());
        for (const m of text.matchAll(/\b(?:import|export)\s[^;'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|\bimport\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
          const spec = (m[1] ?? m[2] ?? m[3]) as string;
          const to = folderOf(path.resolve(path.dirname(p), spec));
          if (to === from || to.startsWith('..')) continue;
          const edges = g.get(from)!;
          edges.set(to, [...(edges.get(to) ?? []), path.relative(root, p)]);
        }
      }
    }
  };
  visit(root);
  return g;
}

/** One cycle of the graph as a closed path (`a → b → a`), or undefined when there is none. */
export function findCycle(g: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[] | undefined {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const dfs = (n: string): string[] | undefined => {
    state.set(n, 'active');
    stack.push(n);
    for (const next of g.get(n)?.keys() ?? []) {
      if (state.get(next) === 'active') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const c = dfs(next);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of g.keys()) {
    if (state.has(n)) continue;
    const c = dfs(n);
    if (c) return c;
  }
  return undefined;
}

const graphOf = (edges: Record<string, string[]>) => new Map(Object.entries(edges).map(([k, v]) => [k, new Map(v.map((t) => [t, []]))]));

describe('the cycle finder itself', () => {
  const cases: Array<{ name: string; edges: Record<string, string[]>; cycle: boolean }> = [
    { name: 'a chain', edges: { a: ['b'], b: ['c'], c: [] }, cycle: false },
    { name: 'a diamond', edges: { a: ['b', 'c'], b: ['d'], c: ['d'], d: [] }, cycle: false },
    { name: 'two folders importing each other', edges: { a: ['b'], b: ['a'] }, cycle: true },
    { name: 'a three-folder loop behind a DAG part', edges: { x: ['a'], a: ['b'], b: ['c'], c: ['a'] }, cycle: true },
    { name: 'a loop reached only from the last node', edges: { a: [], b: [], c: ['d'], d: ['c'] }, cycle: true },
  ];
  it.each(cases)('$name → cycle: $cycle', ({ edges, cycle }) => {
    const c = findCycle(graphOf(edges));
    expect(c !== undefined).toBe(cycle);
    if (c) {
      expect(c[0]).toBe(c.at(-1));
      for (let i = 0; i + 1 < c.length; i++) expect(edges[c[i]!]).toContain(c[i + 1]);
    }
  });

  it('reads imports of every form', () => {
    const g = importGraph(SRC);
    // Known edges of each form: static value import, type import, re-export, dynamic import.
    expect(g.get('gateway')?.has('pipeline')).toBe(true);
    expect(g.get('audit')?.has('shared')).toBe(true); // export * from '../shared/…'
    expect(g.get('gateway')?.has('admin')).toBe(true); // import('../admin/…')
  });
});

describe('src/ folder layering', () => {
  const g = importGraph(SRC);

  it('no import cycle between folders', () => {
    const c = findCycle(g);
    const why = c
      ?.slice(0, -1)
      .map((f, i) => `${f} → ${c[i + 1]} (${(g.get(f)?.get(c[i + 1]!) ?? []).join(', ')})`)
      .join('\n');
    expect(c, `import cycle between folders:\n${why}`).toBeUndefined();
  });

  it('src/shared imports nothing from the other folders', () => {
    expect([...(g.get('shared')?.keys() ?? [])]).toEqual([]);
  });
});
