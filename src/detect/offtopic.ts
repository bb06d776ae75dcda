/**
 * An inserted task: a general question or a generative task dropped into a document that has nothing to do
 * with it ("How have global migration patterns changed in the 21st century?" inside a bank notification,
 * "Provide a list of Nobel Prize winners" inside a receipt). Nobody writes that to the document's reader; it
 * is work for the assistant that reads the document on someone's behalf, so it steers the model away from the
 * user's task even though it names no addressee and says nothing hostile.
 *
 * A sentence counts when it is a question or a task request (the tables below), speaks of no one in the first
 * person (a writer asking the reader "could you send me your order number?" is correspondence), and shares no
 * content word with the rest of the document, which must be long enough to have a topic. Linear in the text:
 * candidates are found at `?` and at sentence openings, then one pass over the document's words counts only the
 * candidates' words (hashed, nothing allocated per word), and each candidate compares those counts with its own. Text about attacks (a quiz on prompt injection) is left to
 * the caller, which knows it.
 */

/** Function words and the words every letter and notice has: they say nothing about a topic. */
const STOP = new Set(
  (
    'this that with from have your they them their there what when where which while will would should could about into over also than then just only some ' +
    'more most such very been were being does did doing done each other same both here these those many much every make made like well back even after ' +
    'before again because between through during under above below until against among however within without whose whom shall might must upon onto ' +
    'ours yours hers theirs mine please thanks thank hello dear regards best kind sincerely team '
  )
    .trim()
    .split(' '),
);
/** A question: an interrogative or auxiliary opening, a question mark at the end. */
const QUESTION = /^(?:how|what|why|when|where|which|who|is|are|can|could|do|does|should|would|will|did)\b[^?\n]{12,200}\?$/i;
/** A task request: a verb that asks for generated or transformed content. */
/** Verbs that ask for generated or transformed content, at a sentence's opening. */
const TASK_OPENING = String.raw`(?:please\s+)?(?:write|compose|provide|explain|describe|list|summari[sz]e|translate|generate|create|give|name|calculate|suggest|recommend|replace|rewrite|convert|analy[sz]e|compare|outline|draft|classify|identify|determine|tell\s+me|discuss|evaluate|predict|imagine|design|brainstorm)\b`;
const TASK = new RegExp(String.raw`^${TASK_OPENING}[^.!?\n]{10,200}[.!?]?$`, 'i');
/** The writer speaking of themself: correspondence, not an inserted task. */
const FIRST_PERSON = /\b(?:i|me|my|mine|we|us|our|ours|i'm|i've|i'd|we're|we've)\b/i;
/** Rest of the document: at least this many content words, or there is no topic to stray from. */
const MIN_CONTEXT = 15;
/** The sentence: at least this many content words. */
const MIN_OWN = 3;

/**
 * Content words of lower[a, b) as numeric hashes (no strings allocated: the document may be a megabyte): a
 * word is a letter then 3+ letters, apostrophes or hyphens; stop words are skipped; the ending -ing / -ed /
 * -es / -s is dropped before hashing, so "charged" and "charge" are one word. A hash collision can only make
 * two words look shared, which suppresses a finding, never raises one.
 */
function eachWord(lower: string, a: number, b: number, fn: (h: number) => void): void {
  let i = a;
  // a word that starts before `a` is not a word of this range
  while (i < b && i > 0 && isWordChar(lower.charCodeAt(i - 1))) i++;
  while (i < b) {
    const c = lower.charCodeAt(i);
    if (c < 97 || c > 122) {
      i++;
      continue;
    }
    // one pass: the FNV hash of every prefix, keeping the last four (the stem drops at most three letters)
    let h = Math.imul(2166136261 ^ c, 16777619);
    let h1 = 2166136261, h2 = 0, h3 = 0;
    let j = i + 1;
    for (; j < b; j++) {
      const d = lower.charCodeAt(j);
      if (!isWordChar(d)) break;
      h3 = h2;
      h2 = h1;
      h1 = h;
      h = Math.imul(h ^ d, 16777619);
    }
    const len = j - i;
    if (len >= 4) {
      // h: the whole word; h1, h2, h3: without its last one, two, three letters
      const last = lower.charCodeAt(j - 1);
      const stem = endsWith(lower, i, j, 'ing') ? h3 : endsWith(lower, i, j, 'ed') || endsWith(lower, i, j, 'es') ? h2 : last === 115 ? h1 : h;
      if (!STOP_HASHES.has(h >>> 0) || !STOP.has(lower.slice(i, j))) fn(stem >>> 0);
    }
    i = j;
    while (i < b && isWordChar(lower.charCodeAt(i))) i++;
  }
}
const isWordChar = (c: number): boolean => (c >= 97 && c <= 122) || c === 39 || c === 45;
function endsWith(t: string, a: number, e: number, suf: string): boolean {
  if (e - a <= suf.length) return false;
  for (let k = 0; k < suf.length; k++) if (t.charCodeAt(e - suf.length + k) !== suf.charCodeAt(k)) return false;
  return true;
}
function hashRange(t: string, a: number, e: number): number {
  let h = 2166136261;
  for (let k = a; k < e; k++) h = Math.imul(h ^ t.charCodeAt(k), 16777619);
  return h >>> 0;
}
const STOP_HASHES: ReadonlySet<number> = new Set([...STOP].map((w) => hashRange(w, 0, w.length)));

export interface InsertedTask {
  start: number;
  end: number;
  sentence: string;
}

/** A task verb at a sentence opening (sticky: tried only where a sentence starts). */
const TASK_VERB = new RegExp(TASK_OPENING, 'y');

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

function isBound(t: string, i: number): boolean {
  const c = t.charCodeAt(i);
  return c === 10 || c === 124 || ((c === 46 || c === 33 || c === 63) && (i + 1 >= t.length || t.charCodeAt(i + 1) === 32 || t.charCodeAt(i + 1) === 10));
}

/** Candidate sentences: each `?` with its sentence (looked back at most 240 characters), and each task-verb opening. */
function candidates(lower: string): [number, number][] {
  const out: [number, number][] = [];
  for (let q = lower.indexOf('?'); q >= 0; q = lower.indexOf('?', q + 1)) {
    let a = q - 1;
    while (a >= 0 && q - a <= 240 && !isBound(lower, a)) a--;
    if (q - a > 240) continue;
    out.push([a + 1, q + 1]);
  }
  // sentence openings: the start, and after a sentence end, a line break or a `|`, past the whitespace (each
  // character is looked at a bounded number of times: the scan resumes after the whitespace it skipped)
  for (let i = 0; i < lower.length; ) {
    let a = i;
    if (i > 0) {
      const c = lower.charCodeAt(i - 1);
      if (!(c === 10 || c === 124 || ((c === 46 || c === 33 || c === 63) && isSpace(lower.charCodeAt(i))))) {
        i++;
        continue;
      }
    }
    while (a < lower.length && isSpace(lower.charCodeAt(a))) a++;
    i = a + 1;
    TASK_VERB.lastIndex = a;
    if (!TASK_VERB.test(lower)) continue;
    let b = a;
    while (b < lower.length && b - a <= 240 && !isBound(lower, b)) b++;
    if (b - a > 240) continue;
    out.push([a, b < lower.length && lower.charCodeAt(b) !== 10 && lower.charCodeAt(b) !== 124 ? b + 1 : b]);
  }
  return out;
}

/** The first inserted task of a text, or undefined. */
export function findInsertedTask(text: string): InsertedTask | undefined {
  if (text.length < 80) return undefined;
  const lower = text.toLowerCase();
  // candidates first: most documents have none, and then no word counts are built
  const cands: [number, number][] = [];
  for (const [a, b] of candidates(lower)) {
    const s = lower.slice(a, b).trim();
    if ((QUESTION.test(s) || TASK.test(s)) && !FIRST_PERSON.test(s)) cands.push([a, b]);
  }
  if (cands.length === 0) return undefined;
  // each candidate's own words (with counts), then one pass over the document counting only those words
  const own = cands.map(([a, b]) => {
    const mine = new Map<number, number>();
    eachWord(lower, a, b, (h) => mine.set(h, (mine.get(h) ?? 0) + 1));
    return mine;
  });
  const wanted = new Map<number, number>();
  for (const mine of own) if (mine.size >= MIN_OWN) for (const h of mine.keys()) wanted.set(h, 0);
  if (wanted.size === 0) return undefined;
  let total = 0;
  eachWord(lower, 0, lower.length, (h) => {
    total++;
    const n = wanted.get(h);
    if (n !== undefined) wanted.set(h, n + 1);
  });
  for (let k = 0; k < cands.length; k++) {
    const mine = own[k]!;
    if (mine.size < MIN_OWN) continue;
    // shared: a word of the sentence occurs in the rest of the document too
    let shared = false;
    let ownTotal = 0;
    for (const [h, n] of mine) {
      ownTotal += n;
      if (wanted.get(h)! - n > 0) shared = true;
    }
    if (!shared && total - ownTotal >= MIN_CONTEXT) {
      const [a, b] = cands[k]!;
      const raw = text.slice(a, b);
      const lead = raw.length - raw.trimStart().length;
      return { start: a + lead, end: a + raw.trimEnd().length, sentence: raw.trim() };
    }
  }
  return undefined;
}
