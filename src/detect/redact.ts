/**
 * Redaction: replace the spans of findings with `[REDACTED:<category>:<label>]`.
 *
 * - `redactText(text, findings)`: overlapping or touching spans are merged into one replacement
 *   (its category / label are those of the most severe finding in the group).
 * - `redactJson(value, detect)`: walks any JSON value (tool results: `content[].text`,
 *   `structuredContent`, nested objects and arrays), runs `detect` on every string, and returns a
 *   new value with every string redacted (object keys are kept as they are) plus the findings,
 *   each with `field` set to its JSON path (`content[0].text`, `structuredContent.user.email`).
 *   The input is never mutated.
 */
import { SEVERITY_RANK, type Finding } from './types.js';

export function redactionMarker(f: Pick<Finding, 'category' | 'label' | 'detector'>): string {
  const label = f.label ?? f.detector.split('.').slice(1).join('.') ?? f.category;
  return `[REDACTED:${f.category}:${label || f.category}]`;
}

interface Span {
  start: number;
  end: number;
  top: Finding;
}

export function redactText(text: string, findings: readonly Finding[]): string {
  const spans: Span[] = [];
  for (const f of findings) {
    if (f.start === undefined || f.end === undefined) continue;
    const start = Math.max(0, Math.min(text.length, f.start));
    const end = Math.max(start, Math.min(text.length, f.end));
    if (end > start) spans.push({ start, end, top: f });
  }
  if (spans.length === 0) return text;
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Span[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.start <= last.end) {
      if (s.end > last.end) last.end = s.end;
      if (SEVERITY_RANK[s.top.severity] > SEVERITY_RANK[last.top.severity]) last.top = s.top;
    } else merged.push({ ...s });
  }
  let out = '';
  let pos = 0;
  for (const s of merged) {
    out += text.slice(pos, s.start) + redactionMarker(s.top);
    pos = s.end;
  }
  return out + text.slice(pos);
}

const IDENT_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENT_RE.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

export interface RedactJsonResult<T = unknown> {
  value: T;
  findings: Finding[];
}

export function redactJson<T = unknown>(value: T, detect: (s: string) => Finding[]): RedactJsonResult<T> {
  const findings: Finding[] = [];
  const walk = (v: unknown, path: string, depth: number): unknown => {
    if (typeof v === 'string') {
      const fs = detect(v);
      if (fs.length === 0) return v;
      for (const f of fs) findings.push({ ...f, field: f.field ? `${path}${path ? '.' : ''}${f.field}` : path });
      return redactText(v, fs);
    }
    if (v === null || typeof v !== 'object') return v;
    if (depth > 200) return v; // pathological nesting: leave as is (callers cap message sizes)
    if (Array.isArray(v)) return v.map((x, i) => walk(x, childPath(path, i), depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = walk(x, childPath(path, k), depth + 1);
    return out;
  };
  return { value: walk(value, '', 0) as T, findings };
}
