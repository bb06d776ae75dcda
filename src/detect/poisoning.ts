/**
 * Tool-poisoning detector (OWASP MCP03: tool poisoning; also shadowing and rug-pull payloads).
 *
 * Scans every string of a tool definition that the model reads — name, title, description, input and
 * output schema (parameter descriptions, titles, defaults, enum values, examples), annotations — and a
 * server's `instructions`. Each string is scored with the prompt-injection engine in `tool` mode:
 * text in a tool definition is addressed to the model by default, so what matters is WHAT it asks:
 * reading files / secrets / env vars and passing them in parameters, hiding things from the user,
 * changing how OTHER tools behave (shadowing), sending results to third parties, overriding
 * instructions or claiming authority. Hidden channels (invisible Unicode, ANSI escapes, HTML comments,
 * base64/hex payloads) add to the score and are reported on their own.
 *
 * A plainly stated capability — even a dangerous one ("Exfiltrate data over DNS", "Run a shell
 * command in the sandbox", "Read ~/.ssh/config") — is not poisoning: it does not try to steer the model.
 */
import type { Finding, Severity } from './types.js';
import { describeKinds, scoreText, severityFor, type Kind, type ScoredSpan } from './injection.js';
import { findAnsiEscapes, findInvisibleRuns } from './unicode.js';
import { hiddenHtmlRanges } from './injection.js';
import { getModel, learnedScorersOn, modelView, scoreView } from './model.js';
import { relationScore, toolRelations, type RelationContext, type RelationRule } from './toolrel.js';

export interface ToolDefinition {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: unknown;
  outputSchema?: unknown;
  annotations?: unknown;
}

export interface ScanOptions {
  /** Names of the other tools visible in the same session (for shadowing checks). */
  otherToolNames?: string[];
}

const REPORT_THRESHOLD = 0.6;
/** Descriptions longer than this are unusual and get a low-severity note. */
export const OVERSIZED_DESCRIPTION = 6000;
const MAX_STRINGS = 2000;
const MAX_DEPTH = 24;

function detectorFor(kinds: Set<Kind>, top: Kind, s: ScoredSpan): string {
  if (s.encoded) return kinds.has('invisible') ? 'poisoning.invisible-unicode' : 'poisoning.encoded';
  if (s.hidden) return 'poisoning.hidden-html';
  if (kinds.has('shadow')) return 'poisoning.shadowing';
  if (kinds.has('read_pass') || (kinds.has('secret') && kinds.has('param'))) return 'poisoning.secret-access';
  if (kinds.has('exfil') || kinds.has('redirect')) return 'poisoning.exfiltration';
  if (kinds.has('conceal')) return 'poisoning.concealment';
  if (top === 'tool_override' || top === 'override' || kinds.has('tool_override')) return 'poisoning.instruction-override';
  return 'poisoning.hidden-instructions';
}

/** Strings worth scoring: anything with a space or non-ASCII, or long. */
function isProse(s: string): boolean {
  if (s.length >= 64) return true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 10 || c > 0x7f || c === 0x1b) return true;
  }
  return false;
}

function escapeForRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Strong modals: an instruction, not a workflow hint ("use X first"). */
const MODAL = /\b(?:always|must|never|whenever|every\s+time|regardless|immer|stets|siempre|toujours|sempre|nunca|jamais|mai)\b/;
/** ...that changes what the other tool is called with or does. */
const STEER = /\b(?:with|set|sets|change|replace|add|include|bcc|cc|send|forward|copy|recipient|parameters?|arguments?|amount|value|mit|con|avec|ajoute|anade|fuge)\b/;

/** Score one string of a tool definition and return its findings (with `field`). */
export function scanToolString(text: string, field: string, opts: ScanOptions & { ownName?: string } = {}): Finding[] {
  const out: Finding[] = [];
  if (text.length === 0) return out;
  // hidden channels reported on their own
  const inv = findInvisibleRuns(text);
  const ansi = findAnsiEscapes(text);
  for (const f of inv) out.push({ ...f, field });
  for (const f of ansi) out.push({ ...f, field });

  const spans = isProse(text) ? scoreText(text, 'tool') : [];
  let best: ScoredSpan | undefined;
  for (const s of spans) if (best === undefined || s.score > best.score) best = s;
  let score = best?.score ?? 0;
  const kinds = best?.kinds ?? new Set<Kind>();

  // hidden channels raise the score of whatever they carry
  const invSerious = inv.some((f) => f.severity !== 'low' && f.severity !== 'info');
  const ansiSerious = ansi.some((f) => f.detector !== 'ansi.sgr');
  if (invSerious && score >= 0.3) score = Math.min(1, score + 0.2);
  if (ansiSerious && score >= 0.3) score = Math.min(1, score + 0.2);

  // shadowing by name: an instruction that mentions another tool of the session
  let shadowNamed: string | undefined;
  if (opts.otherToolNames && opts.otherToolNames.length > 0) {
    const lower = text.toLowerCase();
    for (const name of opts.otherToolNames) {
      if (name.length < 3 || name === opts.ownName) continue;
      const ln = name.toLowerCase();
      let at = lower.indexOf(ln);
      while (at >= 0) {
        const before = at > 0 ? lower.charCodeAt(at - 1) : 32;
        const after = at + ln.length < lower.length ? lower.charCodeAt(at + ln.length) : 32;
        const isWordEdge = (c: number): boolean => !((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45);
        if (isWordEdge(before) && isWordEdge(after)) {
          const sentStart = Math.max(0, lower.lastIndexOf('.', at) + 1, at - 200);
          const sentEndDot = lower.indexOf('.', at + ln.length);
          const sentEnd = Math.min(lower.length, sentEndDot < 0 ? lower.length : sentEndDot, at + ln.length + 200);
          const sentence = lower.slice(sentStart, sentEnd);
          if (MODAL.test(sentence) && STEER.test(sentence) && new RegExp(`\\b${escapeForRegex(ln)}\\b`).test(sentence)) {
            shadowNamed = name;
            break;
          }
        }
        at = lower.indexOf(ln, at + ln.length);
      }
      if (shadowNamed) break;
    }
    if (shadowNamed) {
      kinds.add('shadow');
      score = score >= 0.3 ? Math.min(1, score + 0.25) : Math.max(score, 0.6);
    }
  }

  if (score >= REPORT_THRESHOLD && best !== undefined) {
    out.push({
      category: 'tool_poisoning',
      detector: shadowNamed && !kinds.has('read_pass') ? 'poisoning.shadowing' : detectorFor(kinds, best.top, best),
      severity: severityFor(score),
      score: Math.round(score * 1000) / 1000,
      start: best.start,
      end: best.end,
      field,
      message: `Tool definition text tries to steer the model: ${describeKinds(kinds)}${shadowNamed ? `; refers to another tool (${shadowNamed})` : ''}`,
      label: 'tool-poisoning',
    });
  } else if (shadowNamed && score >= REPORT_THRESHOLD) {
    out.push({
      category: 'tool_poisoning',
      detector: 'poisoning.shadowing',
      severity: severityFor(score),
      score: Math.round(score * 1000) / 1000,
      field,
      message: `Tool definition gives instructions about another tool (${shadowNamed})`,
      label: 'tool-poisoning',
    });
  } else {
    // hidden channels alone: suspicious in a tool definition even without a recognised instruction
    const tagged = inv.find((f) => f.detector === 'unicode.tags' && f.severity === 'high');
    if (tagged) {
      out.push(poison('poisoning.invisible-unicode', 'high', 0.8, field, 'Tool definition hides text in Unicode tag characters', tagged.start, tagged.end));
    } else if (invSerious) {
      const f = inv.find((x) => x.severity !== 'low' && x.severity !== 'info')!;
      out.push(poison('poisoning.invisible-unicode', 'medium', 0.6, field, 'Tool definition contains invisible characters inside words or bidi controls', f.start, f.end));
    } else if (ansiSerious) {
      const f = ansi.find((x) => x.detector !== 'ansi.sgr')!;
      out.push(poison('poisoning.ansi-escape', 'high', 0.75, field, 'Tool definition contains terminal escape sequences that can hide text from the user', f.start, f.end));
    } else if (text.includes('<!--')) {
      const ranges = hiddenHtmlRanges(text);
      const r = ranges.find(([a, b]) => /[a-z]{3,}\s+[a-z]{3,}\s+[a-z]{3,}/i.test(text.slice(a + 4, b - 3)));
      if (r) out.push(poison('poisoning.html-comment', 'low', 0.4, field, 'Tool definition contains an HTML comment that the user may not see', r[0], r[1]));
    }
  }
  return out;
}

function poison(detector: string, severity: Severity, score: number, field: string, message: string, start?: number, end?: number): Finding {
  return {
    category: 'tool_poisoning',
    detector,
    severity,
    score,
    field,
    message,
    label: 'tool-poisoning',
    ...(start !== undefined ? { start } : {}),
    ...(end !== undefined ? { end } : {}),
  };
}

/** Walk a JSON value and call `fn` for each string with its JSON path. */
function walkStrings(value: unknown, path: string, fn: (s: string, path: string) => void, depth = 0, budget = { n: 0 }): void {
  if (budget.n >= MAX_STRINGS || depth > MAX_DEPTH) return;
  if (typeof value === 'string') {
    budget.n++;
    fn(value, path);
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && budget.n < MAX_STRINGS; i++) walkStrings(value[i], `${path}[${i}]`, fn, depth + 1, budget);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (budget.n >= MAX_STRINGS) return;
      const p = path ? `${path}.${k}` : k;
      // property names can hide text too
      if (k.length > 40 && isProse(k)) fn(k, `${p}#key`);
      walkStrings(v, p, fn, depth + 1, budget);
    }
  }
}

/** Scan a tool (or prompt / resource template) definition for poisoning. */
export function scanToolDefinition(tool: ToolDefinition, opts: ScanOptions = {}): Finding[] {
  const out: Finding[] = [];
  const o = { ...opts, ownName: tool.name };
  const params = schemaParams(tool.inputSchema);
  const visit = (s: string, field: string): void => {
    const found = scanToolString(s, field, o);
    for (const f of found) out.push(f);
    // relations (what the string asks the model to do with secrets, other tools, the user), unless the scorer already flagged it
    if (!isProse(s) || found.some((f) => f.category === 'tool_poisoning' && f.severity !== 'low' && f.severity !== 'info')) return;
    const r = relationFinding(s, field, { ownName: tool.name, params, otherToolNames: opts.otherToolNames, ...fieldRole(field) });
    if (r) out.push(r);
  };
  if (typeof tool.name === 'string') visit(tool.name, 'name');
  if (typeof tool.title === 'string') visit(tool.title, 'title');
  if (typeof tool.description === 'string') {
    visit(tool.description, 'description');
    if (tool.description.length > OVERSIZED_DESCRIPTION) {
      out.push(poison('poisoning.oversized', 'low', 0.3, 'description', `Description is unusually long (${tool.description.length} characters); long descriptions can bury instructions`));
    }
  }
  if (tool.inputSchema !== undefined) walkStrings(tool.inputSchema, 'inputSchema', visit);
  if (tool.outputSchema !== undefined) walkStrings(tool.outputSchema, 'outputSchema', visit);
  if (tool.annotations !== undefined) walkStrings(tool.annotations, 'annotations', visit);
  // `_meta` and any field the spec does not name yet: a client may show them to the model, and a scanner
  // that reads only the known fields is walked around by moving the text one key over.
  for (const [k, v] of extraFields(tool)) walkStrings(v, k, visit);
  // the learned scorer reads the whole definition as the model would (rules above catch what they know)
  if (learnedScorersOn() && !out.some((f) => f.category === 'tool_poisoning' && f.severity !== 'low' && f.severity !== 'info')) {
    const m = getModel('poisoning');
    const s = scoreView(m, modelView(toolModelText(tool)));
    if (s.p >= m.threshold) {
      out.push(poison('poisoning.model', s.p >= 0.9 ? 'high' : 'medium', Math.round(s.p * 1000) / 1000, 'definition', 'The learned scorer rates this tool definition as manipulating the model (instructions, secrets as parameters, tool hijack or concealment)'));
    }
  }
  return out;
}

const RELATION_DETECTOR: Record<RelationRule, string> = {
  'secret-to-param': 'poisoning.secret-access',
  shadowing: 'poisoning.shadowing',
  exclusive: 'poisoning.tool-hijack',
  conceal: 'poisoning.concealment',
  override: 'poisoning.instruction-override',
  sink: 'poisoning.exfiltration',
  'field-instruction': 'poisoning.hidden-instructions',
};
const RELATION_TEXT: Record<RelationRule, string> = {
  'secret-to-param': 'asks the model to put secrets, session data, the conversation or the system prompt into a parameter or call',
  shadowing: "changes how another tool is called",
  exclusive: 'tells the model to use only this tool or to skip the others',
  conceal: 'tells the model to hide something from the user',
  override: 'claims authority to lift rules, policies or the need for user consent',
  sink: 'sends data to a fixed third-party address',
  'field-instruction': 'carries an instruction to the model in a data field (enum, default, title, metadata)',
};

/** A finding from the relations of one string (see toolrel.ts), or undefined. */
export function relationFinding(text: string, field: string, ctx: RelationContext): Finding | undefined {
  if (!isProse(text)) return undefined;
  const hits = toolRelations(text, ctx);
  const score = relationScore(hits);
  if (score < REPORT_THRESHOLD) return undefined;
  const top = [...hits].sort((a, b) => b.score - a.score)[0]!;
  const what = hits.map((h) => RELATION_TEXT[h.rule]).join('; ');
  return poison(RELATION_DETECTOR[top.rule], severityFor(score), Math.round(score * 1000) / 1000, field, `Tool definition text ${what}: "${top.sentence}"`);
}

/** Names of the input schema's properties, at any depth (bounded). */
export function schemaParams(schema: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 8 || v === null || typeof v !== 'object' || out.length > 200) return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    const props = (v as Record<string, unknown>).properties;
    if (props !== null && typeof props === 'object' && !Array.isArray(props)) out.push(...Object.keys(props));
    for (const x of Object.values(v as Record<string, unknown>)) walk(x, depth + 1);
  };
  walk(schema, 0);
  return [...new Set(out)];
}

/** The parameter a field path documents, and whether the field is data (enum, default, example, title, metadata). */
function fieldRole(field: string): { paramOfField?: string; dataField: boolean } {
  const m = /\.properties\.([^.[\]]+)(?:\.[^.]*|\[\d+\])*$/.exec(field);
  const last = field.replace(/\[\d+\]/g, '').split('.').at(-1) ?? '';
  const dataField = /^(?:default|enum|examples|example|const|title)$/.test(last) || field === 'title' || field.startsWith('annotations') || (!/^(?:name|description|inputSchema|outputSchema)\b/.test(field));
  return { ...(m && field.startsWith('inputSchema') ? { paramOfField: m[1] } : {}), dataField };
}

/** A tool definition as one text for the learned scorer: name, title, description, then every schema string with its key. */
export function toolModelText(tool: ToolDefinition): string {
  const parts: string[] = [];
  if (typeof tool.name === 'string') parts.push(`tool ${tool.name.replace(/[_-]+/g, ' ')}`);
  if (typeof tool.title === 'string') parts.push(tool.title);
  if (typeof tool.description === 'string') parts.push(tool.description);
  const add = (s: string, path: string): void => {
    const key = path.replace(/\[\d+\]/g, '').split('.').slice(-2).join(' ');
    parts.push(`${key}: ${s}`);
  };
  if (tool.inputSchema !== undefined) walkStrings(tool.inputSchema, '', add);
  if (tool.outputSchema !== undefined) walkStrings(tool.outputSchema, '', add);
  if (tool.annotations !== undefined) walkStrings(tool.annotations, '', add);
  for (const [k, v] of extraFields(tool)) walkStrings(v, k, add);
  return parts.join('\n');
}

/** Fields read as-is above (and icons: image references, not text for the model). */
const KNOWN_FIELDS = new Set(['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations', 'icons']);

/** Every other field of a definition (`_meta`, vendor or future fields), with its value. */
function extraFields(tool: ToolDefinition): [string, unknown][] {
  return Object.entries(tool as unknown as Record<string, unknown>).filter(([k, v]) => !KNOWN_FIELDS.has(k) && v !== undefined);
}

/**
 * Cues that are the purpose of a server's `instructions` rather than a sign of poisoning: they are
 * written to the model (`addr`), about how to use the server's tools (`shadow`, `precond`,
 * `imperative`, `param`) and what to answer (`resp`). A tool description that does this steers the
 * model outside its own tool; instructions that do it are doing their job. What stays suspicious
 * in instructions is everything else: overriding the user or system, concealment, exfiltration,
 * secrets, fake turns and frames, harmful actions, hidden or encoded text.
 */
const EXPECTED_IN_INSTRUCTIONS: ReadonlySet<Kind> = new Set<Kind>(['addr', 'addr_weak', 'shadow', 'precond', 'imperative', 'param', 'resp', 'override_weak']);
const SCORER_DETECTORS = new Set(['poisoning.shadowing', 'poisoning.hidden-instructions', 'poisoning.instruction-override', 'poisoning.secret-access', 'poisoning.exfiltration', 'poisoning.concealment', 'poisoning.encoded', 'poisoning.hidden-html']);

/** The same checks on a server's `instructions` (sent at initialize; read by the model), judged as instructions. */
export function scanServerInstructions(text: string, opts: ScanOptions = {}): Finding[] {
  const findings = scanToolString(text, 'instructions', opts);
  if (!findings.some((f) => SCORER_DETECTORS.has(f.detector))) return findings;
  const spans = isProse(text) ? scoreText(text, 'tool') : [];
  const suspicious = spans.some((sp) => sp.score >= REPORT_THRESHOLD && (sp.encoded === true || sp.hidden === true || [...sp.kinds].some((k) => !EXPECTED_IN_INSTRUCTIONS.has(k))));
  // The scorer's finding only says the text tells the model how to use the server's tools: keep the hidden-channel findings alone.
  return suspicious ? findings : findings.filter((f) => !SCORER_DETECTORS.has(f.detector));
}
