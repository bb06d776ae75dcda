/**
 * Typo repair for the instruction vocabulary: "disrgard the prevous instrutcions, asisstant" →
 * "disregard the previous instructions, assistant". Misspelt instructions still read as instructions to
 * a model, but every exact-word cue and rule misses them. `repairSpelling` rewrites the words of a
 * normalised (lower-case) text that are a small edit away from a word of the trigger lexicon, so the
 * rules and the scorer see one more view with the canonical spelling (normalize.ts `deobfuscate`).
 *
 * Edit distance (optimal string alignment: insert, delete, substitute, swap adjacent letters) by length
 * of the lexicon word: 5 letters — one adjacent swap only (other one-letter edits of short words are too
 * often real words: model/modal/motel); 6–8 letters — 1; 9 or more — 2. A word is left alone when it is
 * in the lexicon, a lexicon word with an inflection (-s, -es, -ed, -d, -ing, -er, -ers, -r, -ly) or its stem, or one of
 * the common English words that sit one edit from a lexicon word (`REAL_WORDS`).
 *
 * Candidates come from a symmetric-delete index (each lexicon word with one or two letters deleted), so
 * a word costs a few hash lookups; answers are memoised (bounded), and a first/last-letter-pair gate
 * skips most words without any lookup. Linear in the text.
 */

const LEXICON = [
  // override and task
  'ignore', 'disregard', 'forget', 'override', 'bypass', 'previous', 'earlier', 'instructions', 'instruction',
  'directions', 'directives', 'guidance', 'guidelines', 'original', 'request', 'requested', 'instead', 'before',
  'actually', 'important', 'attention', 'immediately', 'urgent', 'priority',
  // addressee
  'assistant', 'assistants', 'chatbot', 'language', 'system', 'prompt', 'developer', 'administrator',
  // what is asked
  'respond', 'response', 'answer', 'reveal', 'output', 'forward', 'include', 'append', 'please', 'should',
  'silently', 'quietly', 'secretly', 'without', 'mention', 'inform', 'delete', 'approve', 'transfer', 'execute',
  'upload', 'disable', 'translate', 'encode', 'verbatim', 'everything', 'anything', 'summary', 'summarize',
  'summarise', 'recommend', 'confirm', 'hidden',
  // what is taken
  'password', 'passwords', 'credentials', 'secret', 'secrets', 'tokens', 'conversation', 'history', 'configuration',
  'contents', 'private', 'address', 'session', 'cookies', 'environment', 'variables', 'message', 'messages',
  // five letters: adjacent swaps only
  'model', 'agent', 'reply', 'prior', 'above', 'email', 'token', 'rules', 'users',
];
const LEX = new Set(LEXICON);

/** Real words one edit from a lexicon word (never rewritten). */
const REAL_WORDS = new Set([
  'forgot', 'pleased', 'pleases', 'plead', 'pleads', 'secrete', 'secretes', 'answers', 'outputs', 'prompts', 'prompted',
  'promptly', 'systems', 'systemic', 'respond', 'responds', 'responses', 'responder', 'response', 'insteed', 'bypassed',
  'directions', 'direction', 'directive', 'guideline', 'originals', 'requests', 'requester', 'addresses', 'addressed',
  'messaged', 'messages', 'sessions', 'cookie', 'confirms', 'confirmed', 'executes', 'executed', 'executor', 'uploads',
  'uploaded', 'disabled', 'disables', 'encoded', 'encoder', 'encodes', 'hiddenly', 'mentions', 'mentioned', 'informs',
  'informed', 'deleted', 'deletes', 'approved', 'approves', 'transfers', 'reveals', 'revealed', 'forwards', 'forwarded',
  'includes', 'included', 'appends', 'appended', 'summery', 'summaries', 'privates', 'privateer', 'contents', 'content',
  'contest', 'context', 'contexts', 'address', 'variable', 'urgency', 'priority', 'ignored', 'ignores', 'ignorer',
  'instructor', 'attentive', 'languages', 'developed', 'developers', 'translated', 'translates', 'recommends',
  'overrides', 'overrode', 'earliest', 'before', 'beforehand', 'history', 'historic', 'historian', 'environs',
  'password', 'inform', 'informal', 'conform', 'conforms', 'confirm', 'infirm', 'without', 'withouts',
  // found on the benign corpora or checked by hand: one or two edits from a lexicon word, and real
  'lease', 'leases', 'importing', 'imported', 'importance', 'assistance', 'resistant', 'develop', 'conversion',
  'conversions', 'conservation', 'passport', 'passports', 'retention', 'detention', 'intention', 'encore', 'encores',
  'ridden', 'bidden', 'midden', 'forge', 'forged', 'forges', 'forgery', 'cession', 'rookies', 'bookies', 'massage',
  'massages', 'construction', 'constructions', 'obstructions', 'instructor', 'instructors', 'immediate',
  'translator', 'translators',
]);

const SUFFIXES = ['s', 'es', 'ed', 'd', 'ing', 'er', 'ers', 'r', 'ly'];
function isInflection(w: string): boolean {
  for (const s of SUFFIXES) if (w.length > s.length && w.endsWith(s) && LEX.has(w.slice(0, -s.length))) return true;
  // "ignoring" (final e dropped), "ignor" is not an inflection
  if (w.endsWith('ing') && LEX.has(w.slice(0, -3) + 'e')) return true;
  // a stem of a lexicon word ("credential", "develop")
  for (const s of SUFFIXES) if (LEX.has(w + s)) return true;
  return false;
}

function maxDist(lexWord: string): number {
  return lexWord.length <= 5 ? 1 : lexWord.length <= 8 ? 1 : 2;
}

function deletes(w: string, depth: number, out: Set<string>): void {
  for (let i = 0; i < w.length; i++) {
    const d = w.slice(0, i) + w.slice(i + 1);
    if (out.has(d)) continue;
    out.add(d);
    if (depth > 1) deletes(d, depth - 1, out);
  }
}

/** delete-variant → lexicon words it can come from */
const INDEX = new Map<string, string[]>();
for (const w of LEXICON) {
  const vs = new Set<string>([w]);
  deletes(w, maxDist(w), vs);
  for (const v of vs) {
    const l = INDEX.get(v);
    if (l === undefined) INDEX.set(v, [w]);
    else if (!l.includes(w)) l.push(w);
  }
}

/** Gate: a typo of a lexicon word keeps its first letter or its last two letters. */
const FIRST = new Uint8Array(128);
const LAST2 = new Uint8Array(27 * 27);
const li = (c: number): number => (c >= 97 && c <= 122 ? c - 96 : 0);
for (const w of LEXICON) {
  FIRST[w.charCodeAt(0)] = 1;
  LAST2[li(w.charCodeAt(w.length - 2)) * 27 + li(w.charCodeAt(w.length - 1))] = 1;
}

/** Optimal-string-alignment distance, or limit + 1 when above `limit`. */
export function osaDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const n = a.length, m = b.length;
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    let rowMin = cur[0]!;
    for (let j = 1; j <= m; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m]!;
}

/** Is `w` one adjacent swap away from `lex`? */
function isSwap(w: string, lex: string): boolean {
  if (w.length !== lex.length) return false;
  let i = 0;
  while (i < w.length && w.charCodeAt(i) === lex.charCodeAt(i)) i++;
  return i + 1 < w.length && w[i] === lex[i + 1] && w[i + 1] === lex[i] && w.slice(i + 2) === lex.slice(i + 2);
}

const MEMO = new Map<string, string>();
const MEMO_MAX = 1 << 14;

/** The lexicon word `w` is a misspelling of, if any (w: lower-case a-z). */
export function correctWord(w: string): string | undefined {
  if (w.length < 5 || w.length > 16 || LEX.has(w)) return undefined;
  if (FIRST[w.charCodeAt(0)] === 0 && LAST2[li(w.charCodeAt(w.length - 2)) * 27 + li(w.charCodeAt(w.length - 1))] === 0) return undefined;
  const known = MEMO.get(w);
  if (known !== undefined) return known === '' ? undefined : known;
  const r = lookup(w);
  if (MEMO.size >= MEMO_MAX) MEMO.clear();
  MEMO.set(w, r ?? '');
  return r;
}

function lookup(w: string): string | undefined {
  if (REAL_WORDS.has(w) || isInflection(w)) return undefined;
  const vs = new Set<string>([w]);
  deletes(w, w.length >= 8 ? 2 : 1, vs);
  let best: string | undefined;
  let bestD = 3;
  for (const v of vs) {
    const cands = INDEX.get(v);
    if (cands === undefined) continue;
    for (const c of cands) {
      if (c.length <= 5) {
        if (isSwap(w, c) && bestD > 1) (best = c), (bestD = 1);
        continue;
      }
      const lim = maxDist(c);
      const d = osaDistance(w, c, lim);
      if (d <= lim && d < bestD) (best = c), (bestD = d);
    }
  }
  return best;
}

/** `t` with misspelt lexicon words rewritten, or undefined when nothing changed. */
export function repairSpelling(t: string): string | undefined {
  let out: string[] | undefined;
  let last = 0;
  const n = t.length;
  let i = 0;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (c < 97 || c > 122) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && t.charCodeAt(j) >= 97 && t.charCodeAt(j) <= 122) j++;
    // whole words only: a letter run glued to digits or other letters (identifiers, hashes) is left alone
    const before = i > 0 ? t.charCodeAt(i - 1) : 32;
    const after = j < n ? t.charCodeAt(j) : 32;
    if (j - i >= 5 && j - i <= 16 && !isIdent(before) && !isIdent(after)) {
      const fix = correctWord(t.slice(i, j));
      if (fix !== undefined) {
        (out ??= []).push(t.slice(last, i), fix);
        last = j;
      }
    }
    i = j;
  }
  if (out === undefined) return undefined;
  out.push(t.slice(last));
  return out.join('');
}

function isIdent(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 95 || c >= 0x80 || (c >= 65 && c <= 90);
}
