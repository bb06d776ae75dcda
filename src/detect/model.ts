/**
 * The learned scorer: a logistic-regression model over hashed features, one for prompt injection in
 * text (tool results, arguments) and one for tool poisoning (tool definitions flattened to text).
 *
 * Features are built to survive rewording: hashed word unigrams and bigrams, hashed character
 * trigrams inside words (a misspelt word shares most of its trigrams with the right one), trigger
 * words matched within edit distance 1 (so "iunstructions" and "ignroe" count as the trigger),
 * and engineered cues: who is addressed (assistant / AI / model), imperative mood at sentence
 * start, exfiltration sinks (markdown images and links carrying data, "send/post ... to <url or
 * address>"), fake turn and end-of-data markers, output-format hijacks, claimed authority,
 * sequencing against the user's task (before / after / instead), concealment, sensitive objects,
 * tool-selection hijacks, and text that talks ABOUT attacks (a negative cue).
 *
 * The text is first put through the shared normalisation (NFKC, confusables, invisible characters,
 * diacritics; then spelled-out letters and leetspeak collapsed), so the model sees the same view as
 * the rules. Long texts are scored in overlapping windows (the maximum wins), so an attack buried in
 * a large result is not diluted. Everything is linear in the text length.
 *
 * The weights (`models/detectors.json`) are trained by `npm run train` (src/detect/train.ts) from the
 * development corpus and the repository's authored sets (not the eval-only challenge sets, train.ts
 * EVAL_ONLY_SOURCES), and shipped in the package. Cues added for issue 17's later families live in
 * model-cues.ts and are appended to the lists below.
 *
 * Two implementations of the same scores: `featuresOf` / `scoreViewReference` build each window's
 * sparse vector (training uses them), `scoreView` (the detectors) featurises each word once per text
 * and sums windows from prefix sums, finding the cues in one keyed pass (`cueHits`). The tests hold
 * the two to the same scores on the repository corpus.
 */
import { readFileSync } from 'node:fs';
import { PreparedText } from './prepared.js';
import { KEY_END, KEY_SYMBOLS, keySymbol, prefixKeys } from './prefilter.js';
import { EXTRA_CUES, EXTRA_CUE_GATES, EXTRA_PAIRS, EXTRA_TRIGGERS } from './model-cues.js';

export const DIM_BITS = 17;
export const DIM = 1 << DIM_BITS;
const MASK = DIM - 1;

/** Window length and step (chars of normalised text) for long texts. */
export const WINDOW = 1200;
export const STEP = 600;

export interface SparseVec {
  idx: Int32Array;
  val: Float32Array;
}

// ------------------------------------------------------------------------------------------------
// hashing

function hashStr(seed: number, s: string, from = 0, to = s.length): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = from; i < to; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

const SEED_WORD = 1, SEED_BI = 2, SEED_TRI = 3, SEED_FEAT = 4, SEED_TRIG = 5;

// ------------------------------------------------------------------------------------------------
// typo-tolerant triggers (symmetric delete, distance 1)

const TRIGGERS = [
  'ignore', 'disregard', 'forget', 'override', 'bypass', 'previous', 'prior', 'above', 'earlier', 'instructions',
  'instruction', 'directions', 'directives', 'guidelines', 'rules', 'prompt', 'system', 'assistant', 'model',
  'chatbot', 'agent', 'language', 'secret', 'secrets', 'password', 'passwords', 'credentials', 'token', 'tokens',
  'confidential', 'reveal', 'exfiltrate', 'forward', 'instead', 'before', 'answer', 'respond', 'response', 'reply',
  'summary', 'summarize', 'summarise', 'conversation', 'history', 'silently', 'quietly', 'secretly', 'mention',
  'inform', 'without', 'authorise', 'authorize', 'administrator', 'developer', 'unrestricted', 'policy',
  'restrictions', 'encode', 'base64', 'translate', 'environment', 'variables', 'private', 'session', 'cookies',
  'document', 'important', 'attention', 'immediately', 'execute', 'upload', 'transfer', 'approve', 'confirm',
  'helping', 'stop', 'explain', 'disable', 'firewall', 'should', 'user', 'users',
  ...EXTRA_TRIGGERS,
];
const TRIGGER_SET = new Set(TRIGGERS);
const DELETES = new Map<string, string>();
for (const w of TRIGGERS) {
  for (let i = 0; i < w.length; i++) {
    const d = w.slice(0, i) + w.slice(i + 1);
    if (!DELETES.has(d) && !TRIGGER_SET.has(d)) DELETES.set(d, w);
  }
}

/** Cheap gate: a one-edit misspelling keeps a trigger's first two or last two letters (a-z pairs). */
const PRE2 = new Uint8Array(27 * 27);
const SUF2 = new Uint8Array(27 * 27);
const pairIdx = (a: number, b: number): number => (a >= 97 && a <= 122 ? a - 96 : 0) * 27 + (b >= 97 && b <= 122 ? b - 96 : 0);
for (const w of TRIGGERS) {
  PRE2[pairIdx(w.charCodeAt(0), w.charCodeAt(1))] = 1;
  SUF2[pairIdx(w.charCodeAt(w.length - 2), w.charCodeAt(w.length - 1))] = 1;
}

/** The trigger a word is a misspelling of (edit distance 1, incl. one transposition), if any. */
export function typoTrigger(w: string): string | undefined {
  if (w.length < 5 || w.length > 16) return undefined;
  if (PRE2[pairIdx(w.charCodeAt(0), w.charCodeAt(1))] === 0 && SUF2[pairIdx(w.charCodeAt(w.length - 2), w.charCodeAt(w.length - 1))] === 0) return undefined;
  if (TRIGGER_SET.has(w)) return undefined; // exact words are already unigram features
  // Words repeat: remember each answer (a pure function of the word). Bounded: a flood of distinct
  // words only clears the memo, so the cost stays linear in the text.
  const known = TYPO_MEMO.get(w);
  if (known !== undefined) return known === '' ? undefined : known;
  const r = typoScan(w);
  if (TYPO_MEMO.size >= TYPO_MEMO_MAX) TYPO_MEMO.clear();
  TYPO_MEMO.set(w, r ?? '');
  return r;
}

const TYPO_MEMO = new Map<string, string>();
const TYPO_MEMO_MAX = 1 << 16;

function typoScan(w: string): string | undefined {
  const direct = DELETES.get(w); // one letter inserted
  if (direct !== undefined) return direct;
  for (let i = 0; i < w.length; i++) {
    const d = w.slice(0, i) + w.slice(i + 1);
    if (TRIGGER_SET.has(d)) return d; // one letter missing
    const s = DELETES.get(d); // substitution or transposition
    if (s !== undefined && s.length === w.length) return s;
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------------
// engineered cues (on the normalised, lower-cased text)
// Separators are followed by [ \t]*, not \s*: a run of newlines would otherwise be rescanned from
// each of its newlines (quadratic); runs of = - * # match only from their first character.

const AI = String.raw`(?:ai|a\.i\.|llm|assistant|model|language\s+model|chatbot|bot|agent|copilot|claude|gpt|chatgpt|gemini|ki|asistente|assistent|modelo|summari[sz]ers?|crawlers?|readers?\s+(?:bot|ai))`;
export const CUES: [string, RegExp][] = [
  ['addr', new RegExp(String.raw`(?:^|[\n.!?:>*\-\[(][ \t]*|\b(?:dear|hey|hi|hello|attention|note\s+(?:to|for)|message\s+(?:to|for)|instructions?\s+for|for)\s+(?:the\s+|any\s+|all\s+|an?\s+|whichever\s+|every\s+)?)${AI}s?\b\s*[,:;\-—]?`, 'g')],
  ['addr_any', new RegExp(String.raw`\b${AI}s?\b`, 'g')],
  ['you', /\byou(?:r|rs|rself)?\b/g],
  ['user_ref', /\b(?:the\s+)?(?:user|human|person|customer|reader)(?:'s)?\b/g],
  ['imp', /(?:^|[\n.!?:;>][ \t]*|\b(?:please|kindly|also|then|now|just|and)\s+)(?:ignore|disregard|forget|send|forward|email|post|upload|print|reveal|output|include|append|render|encode|respond|reply|answer|say|state|tell|call|run|execute|delete|remove|open|list|grant|approve|accept|transfer|refund|disable|visit|copy|collect|concatenate|use|skip|keep|write|recommend|rate|describe|add|push|close|stop|pretend|act|summari[sz]e|translate|confirm|comply|instead|rather|do\s+not|don't|never|always|make\s+sure|be\s+sure|remember|you\s+(?:must|should|will|are\s+now))\b/g],
  ['modal_you', /\byou\s+(?:must|should|need\s+to|have\s+to|are\s+(?:required|to|now)|will\s+now|may\s+now|can\s+now)\b|\b(?:must|should)\s+(?:also\s+)?(?:be\s+)?(?:include|send|forward|call|pass|read|reveal|output|respond|reply|begin|start|ignore|use|add|append)\w*/g],
  ['seq', /\b(?:before|after|once|when)\s+(?:you\s+)?(?:answer|respond|repl|summari[sz]|translat|finish|complet|process|read|list)\w*|\b(?:rather\s+than|instead\s+of|instead|in\s+place\s+of)\b|\bwhatever\s+the\s+user\b|\bno\s+matter\s+(?:what|which)\b|\bfrom\s+now\s+on\b/g],
  ['conceal', /\b(?:silently|quietly|secretly|covertly|discreetly|without\s+(?:telling|informing|notifying|asking|mentioning|showing)|(?:do\s+not|don't|never|need\s+not|must\s+not)\s+(?:tell|mention|inform|notify|show|reveal|alert|ask|explain|disclose)\w*|keep\s+(?:this|it)\s+(?:secret|hidden|between)|sin\s+avisar|ohne\s+(?:zu\s+)?(?:informieren|fragen))\b/g],
  ['sens', /\b(?:passwords?|passwd|api[\s_-]?keys?|tokens?|credentials?|secrets?|private\s+keys?|ssh|id_rsa|\.env\b|environment\s+variables?|env\s+vars?|session\s+(?:tokens?|cookies?|ids?)|cookies|system\s+prompt|hidden\s+(?:configuration|instructions|prompt)|conversation|chat\s+history|message\s+history|previous\s+messages|user\s+messages|credit\s+card|card\s+number|cvv|ssn|home\s+address|\/etc\/passwd|\.aws|credentials?\s+file|keychain|historial|systemprompt)\b/g],
  ['sink_mdimg', /!\[[^\]\n]{0,80}\]\(\s*(?:https?:)?\/\/[^)\s?&#=]{1,300}[?&#=][^)\s]{0,300}\)/g],
  ['sink_mdlink', /\]\(\s*(?:https?:)?\/\/[^)\s?]{1,300}\?[^)\s=]{1,40}=[^)\s]{0,300}\)/g],
  ['url', /\b(?:https?:\/\/|hxxps?:\/\/|www\.)[^\s)]{2,}|\b[a-z0-9-]{2,40}\.(?:com|net|org|io|xyz|ru|top|win|biz|sh|info|me|co|app|dev|site|online|ly)\b/g],
  ['email', /\b[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*\.[a-z]{2,12}\b/g],
  ['send_to', /\b(?:send|sends|sending|forward|email|e-mail|post|posts|upload|transmit|submit|report|deliver|dm|leak|exfiltrate|concatenate|copy|cc|bcc|envia|envía|sende|schicke|push)\b[^.\n]{0,120}?\b(?:to|at|an|a|al|à)\s+(?:<?[a-z0-9._%+-]+@|https?:\/\/|www\.|\d{1,3}\.\d{1,3}\.|@[a-z]|[a-z0-9-]+\.(?:com|net|org|io|xyz|ru|top|win|biz|sh|info|me|co|app|dev|site|online))/g],
  ['param_fill', /\b(?:in|into|via|through|using)\s+(?:the\s+)?[`'"]?[a-z_]{1,30}[`'"]?\s+(?:field|parameter|param|argument|arg|property)\b|\b(?:fill|set|pass|put|include|append|paste|provide|supply|add)\w*\b[^.\n]{0,80}\b(?:field|parameter|param|argument|url|query)\b/g],
  ['marker', /<\/?\s*(?:tool_result|tool_output|function_results?|result|output|document|context|data|untrusted[\w-]*|external[\w-]*|user|assistant|system|human|im_start|im_end|instructions?|important|admin|system_prompt)\s*>|<\|[a-z_]{2,20}\|>|\[\/?(?:inst|sys|system|user|assistant)\]|(?:^|\n)[ \t]*(?:#{1,4}\s*)?(?:system|assistant|user|human|ai)\s*:|(?:(?<!=)===+|(?<!-)---+|(?<!\*)\*\*\*+|(?<!#)###)[ \t]*(?:end|begin|start|new)\b|\bend\s+of\s+(?:document|data|file|context|input|results?|email|message|transcript|text)\b/g],
  ['format', /\b(?:encode|encrypt|convert|write|answer|respond|reply|output|print)\w*\b[^.\n]{0,60}\b(?:in|as|using|with|to)\s+(?:base64|hex(?:adecimal)?|rot13|binary|morse|pig\s+latin|leetspeak|reverse|russian|chinese|french|german|spanish|japanese|korean|arabic|pirate|emoji)\b|\b(?:respond|reply|answer)\w*\s+(?:only|solely|exclusively)\b|\b(?:only|just)\s+(?:with\s+)?(?:the\s+word|say|reply|respond|output)\b|\b(?:reply|answer|response)\s+must\s+(?:begin|start|end|contain|include)\b|\bnothing\s+else\b/g],
  ['auth', /\b(?:as\s+(?:the|your|its)\s+(?:developer|author|owner|creator|administrator|admin|operator|maintainer)|i\s+(?:hereby\s+)?(?:authori[sz]e|instruct|permit|order)|(?:pre-?|already\s+)(?:approved|authori[sz]ed)|on\s+behalf\s+of\s+(?:the\s+)?(?:admin|developer|user|owner|security)|(?:system|security|admin|maintenance|policy|compliance)\s+(?:update|notice|override|directive|message|alert|requirement|mode)|priority\s*(?:1|one|high)|developer\s+mode|debug\s*mode|god\s+mode|unrestricted|no\s+(?:content\s+)?(?:policy|restrictions|filter)|(?:safety|content)\s+(?:policy|filter|rules)\s+(?:has|have|is|are)\s+(?:been\s+)?(?:suspended|disabled|lifted|removed|overridden)|no\s+longer\s+appl(?:y|ies)|temporarily\s+(?:overridden|disabled|suspended)|message\s+from\s+the\s+(?:user|admin|developer|system))\b/g],
  ['override', /\b(?:ignore|disregard|forget|override|bypass|skip|drop|abandon)\w*\s+(?:all\s+|any\s+|the\s+|your\s+|my\s+|of\s+)?(?:previous|prior|above|earlier|preceding|original|initial|other|existing|user'?s?|current|system|safety)?\s*(?:instructions?|directions?|directives?|prompts?|rules?|guidelines?|tasks?|requests?|questions?|context|programming|constraints?|confirmation|summary)\b|\bignore\s+the\s+above\b|\bvergiss\b|\bolvida\b|\bignora\b|\bignoriere\b/g],
  ['tool_hijack', /\b(?:only|sole|preferred|exclusive)\s+(?:\w+\s+)?tool\b|\b(?:do\s+not|don't|never)\s+(?:call|use|invoke)\s+(?:any\s+)?(?:other|another|the\s+\w+)\b|\binstead\s+of\s+(?:calling|using|the)\b|\b(?:replaces?|supersedes?|overrides?)\s+(?:the\s+)?[a-z_.]{3,40}\b|\bwhen(?:ever)?\s+(?:any\s+)?(?:other\s+)?(?:the\s+)?[a-z_.]{3,40}\s+(?:tool\s+)?(?:is|are)\s+(?:called|used|invoked)|\bskip\s+(?:every|all|any)\s+other\b|\ben\s+lugar\s+de\b|\bstatt\b/g],
  ['action_tool', /\b(?:call|use|invoke|run)\s+(?:the\s+)?[a-z]+_[a-z_]+\b|\b[a-z]+_[a-z]+\s+tool\b/g],
  ['meta', /\b(?:prompt[\s-]injections?|injection\s+attacks?|attackers?|researchers?|payloads?|red[\s-]team\w*|jailbreaks?|for\s+example|such\s+as|e\.g\.|examples?\s+(?:of|like)|phrases?\s+like|this\s+(?:article|post|tutorial|guide|paper)|we\s+(?:explain|show)|defenders?|detect\w*|blocked|advisory|test\w*|expect\(|assert\w*|describe\(|it\(')\b/g],
  ['code', /[{};]\s*$|\bfunction\b|\bconst\b|\breturn\b|\bimport\b|\bdef\b|=>/gm],
  ['quote', /["“”'‘’`]/g],
  ['hidden_html', /<!--|display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|color\s*:\s*(?:white|#fff)/g],
  ['decode', /\b(?:decode|base64|rot13|deobfuscate)\b[^.\n]{0,40}\b(?:follow|execute|do|obey|run)\b|\b(?:follow|execute|do|obey)\b[^.\n]{0,20}\b(?:decoded|what\s+it\s+says)\b/g],
  ['money', /\b(?:transfer|refund|pay|wire|send)\w*\b[^.\n]{0,40}(?:\$|€|£|\beur\b|\busd\b|\bbalance\b|\baccount\b|\bcard\b)/g],
  ['persona', /\byou\s+are\s+(?:now|no\s+longer)\b|\bact\s+as\b|\bpretend\s+(?:to\s+be|you)\b|\bfrom\s+now\s+on\s+you\b|\bnew\s+(?:role|persona|task|instructions?)\b/g],
  ...EXTRA_CUES, // model-cues.ts
];
if (CUES.length > 32) throw new Error('model.ts: at most 32 cues (one bit each in the anchor mask)');
const CUE_SEEDS = CUES.map(([n]) => hashStr(SEED_FEAT, n));
const CUE_INDEX = new Map(CUES.map(([n], i) => [n, i]));

/**
 * Necessary conditions of the cue expressions: a cue's regex runs only when one of its anchor words
 * (whole words, matched by hash in one word pass) or anchor substrings occurs in the text. Cues
 * without a gate always run. The gates only skip work: a cue whose anchors are absent cannot match.
 */
const AI_WORDS = 'ai i assistant assistants model models language chatbot chatbots bot bots agent agents copilot claude gpt chatgpt gemini ki asistente asistentes assistent modelo modelos summarizer summarizers summariser summarisers crawler crawlers reader readers llm llms';
const CUE_GATES: Record<string, { words?: string; subs?: string[] }> = {
  addr: { words: AI_WORDS },
  addr_any: { words: AI_WORDS },
  you: { words: 'you your yours yourself' },
  user_ref: { words: 'user users human humans person persons customer customers reader readers' },
  seq: { words: 'before after once when rather instead place whatever no from' },
  conceal: { words: 'silently quietly secretly covertly discreetly without not don never need must keep sin ohne' },
  sens: { words: 'password passwords passwd api apikey apikeys token tokens credential credentials secret secrets private ssh id_rsa env environment session cookies system conversation chat message previous user credit card cvv ssn home etc aws keychain historial systemprompt hidden' },
  sink_mdimg: { subs: ['!['] },
  sink_mdlink: { subs: ['](', '] ('] },
  url: { words: 'http https hxxp hxxps www com net org io xyz ru top win biz sh info me co app dev site online ly' },
  imp: { words: 'ignore disregard forget send forward email post upload print reveal output include append render encode respond reply answer say state tell call run execute delete remove open list grant approve accept transfer refund disable visit copy collect concatenate use skip keep write recommend rate describe add push close stop pretend act summarize summarise translate confirm comply instead rather do don make be remember you never always' },
  modal_you: { words: 'must should need have are will may can' },
  code: { subs: ['{', '}', ';', '=>', 'function', 'const', 'return', 'import', 'def'] },
  money: { words: 'transfer transfers transferred transferring refund refunds refunded pay pays paid payment payments wire wired send sends sending sent' },
  email: { subs: ['@'] },
  send_to: { words: 'send sends sending forward email e mail post posts upload transmit submit report deliver dm leak exfiltrate concatenate copy cc bcc envia envía sende schicke push' },
  param_fill: { words: 'field parameter param argument arg property url query' },
  format: { words: 'encode encrypt convert write answer respond reply output print encodes encoded encoding encrypted converted writes written answers responds replies outputs printed only just must nothing response' },
  auth: { words: 'as i pre already on system security admin maintenance policy compliance priority developer debug god unrestricted no safety content message temporarily approved authorized authorised preapproved preauthorized preauthorised' },
  override: { words: 'ignore ignores ignored ignoring disregard disregards disregarding forget forgets forgetting override overrides overriding bypass bypasses skip skips skipping drop drops abandon vergiss olvida ignora ignoriere' },
  tool_hijack: { words: 'only sole preferred exclusive not don never instead replace replaces supersede supersedes override overrides when whenever skip en statt' },
  action_tool: { words: 'call use invoke run tool' },
  hidden_html: { subs: ['<!--', 'display', 'visibility', 'font-size', 'color'] },
  decode: { words: 'decode base64 rot13 deobfuscate' },
  persona: { words: 'you act pretend new from' },
  ...EXTRA_CUE_GATES,
};
const ANCHOR = new Map<number, number>();
const SUBS: { mask: number; s: string }[] = [];
let UNGATED = 0;
CUES.forEach(([n], i) => {
  const g = CUE_GATES[n];
  if (!g) {
    UNGATED |= 1 << i;
    return;
  }
  for (const w of (g.words ?? '').split(' ').filter(Boolean)) {
    const h = hashStr(SEED_WORD, w);
    ANCHOR.set(h, (ANCHOR.get(h) ?? 0) | (1 << i));
  }
  for (const sub of g.subs ?? []) SUBS.push({ mask: 1 << i, s: sub });
});

const TYPO_FEATURE = hashStr(SEED_TRIG, 'typo') & MASK;
/** The weight slot of a character trigram (a word's edges are spaces): one definition for the reference featuriser and the fast word pass. */
function trigramSlot(a: number, b: number, cc: number): number {
  let h = Math.imul(SEED_TRI ^ (a * 65599 + b * 257 + cc), 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h & MASK;
}
const LEN_FEATURES = [0, 1, 2, 3, 4, 5, 6].map((i) => hashStr(SEED_FEAT, 'len' + i) & MASK);
const PAIRS: [string, string][] = [
  ['addr', 'imp'], ['addr', 'sens'], ['addr', 'seq'], ['imp', 'sens'], ['send_to', 'sens'], ['imp', 'conceal'],
  ['marker', 'imp'], ['auth', 'imp'], ['addr', 'format'], ['sens', 'param_fill'], ['seq', 'imp'], ['addr_any', 'modal_you'],
  ['meta', 'override'], ['addr_any', 'imp'], ['user_ref', 'conceal'], ['tool_hijack', 'conceal'],
  ...EXTRA_PAIRS,
];

// A dense scratch accumulator (one per process; featuresOf is synchronous): faster than a Map.
const ACC = new Float32Array(DIM);
let TOUCHED = new Int32Array(4096);
let nTouched = 0;
function touch(i: number): void {
  if (nTouched === TOUCHED.length) {
    const t = new Int32Array(TOUCHED.length * 2);
    t.set(TOUCHED);
    TOUCHED = t;
  }
  TOUCHED[nTouched++] = i;
}
function accAdd(i: number, v: number): void {
  if (ACC[i] === 0) touch(i);
  ACC[i] = ACC[i]! + v;
}
/** Set (not add): a cue counts once, whatever else hashed to the same slot. */
function accSet(i: number, v: number): void {
  if (ACC[i] === 0) touch(i);
  ACC[i] = Math.max(ACC[i]!, v);
}
function accTake(): SparseVec {
  const idx = new Int32Array(nTouched);
  const val = new Float32Array(nTouched);
  for (let k = 0; k < nTouched; k++) {
    const i = TOUCHED[k]!;
    idx[k] = i;
    val[k] = ACC[i]!;
    ACC[i] = 0;
  }
  nTouched = 0;
  return { idx, val };
}

function bucket(n: number): number {
  return n === 0 ? 0 : n === 1 ? 1 : n <= 3 ? 2 : 3;
}

// ------------------------------------------------------------------------------------------------
// feature extraction

/** The model's view of a text: normalised, lower-cased, and with spacing / leetspeak collapsed when used. */
export function modelView(text: string): string {
  return modelViewWithMap(text).text;
}

/** `modelView` plus the map from a view index back to the original text (indices past `normLength` are in the de-obfuscated copy). */
export function modelViewWithMap(text: string): { text: string; map: (i: number) => number; normLength: number } {
  return new PreparedText(text).modelView;
}

function isWord(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && c < 0x2000);
}

/**
 * Features of one (normalised) window `t[from, to)`. Hashed n-grams share a total weight of 1
 * (1/sqrt(n) each); engineered cues are 1 each (count-bucketed), so a long text does not drown them.
 */
export function featuresOf(t: string, from = 0, to = t.length, cues?: ReadonlyArray<ArrayLike<number>>): SparseVec {
  const grams: number[] = [];
  let words = 0;
  let prevWord = -1;
  let typo = false;
  let prevStart = 0, prevEnd = 0;
  let i = from;
  while (i < to) {
    const c = t.charCodeAt(i);
    if (!isWord(c)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < to && isWord(t.charCodeAt(j))) j++;
    const len = j - i;
    if (len <= 40) {
      const wh = hashStr(SEED_WORD, t, i, j);
      grams.push(wh & MASK);
      if (prevWord >= 0) {
        let h = hashStr(SEED_BI, t, prevStart, prevEnd);
        h = Math.imul(h ^ wh, 0x9e3779b1) >>> 0;
        grams.push((h ^ (h >>> 16)) & MASK);
      }
      prevWord = wh;
      prevStart = i;
      prevEnd = j;
      if (len >= 3 && len <= 20) {
        // character trigrams with word boundaries
        for (let k = i - 1; k <= j - 2; k++) {
          const a = k < i ? 32 : t.charCodeAt(k);
          const b = t.charCodeAt(k + 1);
          const cc = k + 2 >= j ? 32 : t.charCodeAt(k + 2);
          grams.push(trigramSlot(a, b, cc));
        }
      }
      if (len >= 5 && len <= 16) {
        const w = t.slice(i, j);
        const trig = typoTrigger(w);
        if (trig !== undefined) {
          grams.push(hashStr(SEED_WORD, trig) & MASK);
          typo = true;
        }
      }
    }
    i = j;
  }
  const gw = grams.length === 0 ? 0 : 1 / Math.sqrt(grams.length);
  for (const g of grams) accAdd(g, gw);
  if (typo) accSet(TYPO_FEATURE, 1);
  void words;
  // engineered cues
  const hits = cues ?? cueHits(t.slice(from, to));
  const off = cues ? 0 : from;
  const L = to - from || 1;
  const present = new Uint8Array(CUES.length);
  for (let k = 0; k < CUES.length; k++) {
    const pos = hits[k]!;
    // matches inside [from, to): positions are sorted
    let lo = 0, hi = pos.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pos[mid]! + off < from) lo = mid + 1;
      else hi = mid;
    }
    let n = 0;
    let first = -1, last = -1;
    for (let q = lo; q < pos.length && pos[q]! + off < to && n < 8; q++) {
      if (first < 0) first = pos[q]! + off - from;
      last = pos[q]! + off - from;
      n++;
    }
    if (n === 0) continue;
    const s = CUE_SEEDS[k]!;
    present[k] = 1;
    accSet((s ^ 0x1234) & MASK, 1);
    accSet(Math.imul(s ^ bucket(n), 0x9e3779b1) >>> 0 & MASK, 1);
    // position: in the first or last fifth, or in the middle of the window
    const where = first < L * 0.2 ? 1 : last > L * 0.8 ? 2 : 3;
    accSet(Math.imul(s ^ (where << 4), 0x7feb352d) >>> 0 & MASK, 0.5);
  }
  // pairs of the strongest cues (conjunctions a linear model cannot form on its own)
  const has = (name: string) => present[CUE_INDEX.get(name)!] === 1;
  for (const [a, b] of PAIRS) if (has(a) && has(b)) accSet(hashStr(SEED_FEAT, a + '&' + b) & MASK, 1);
  accSet(LEN_FEATURES[Math.min(6, Math.floor(Math.log2(L + 1) / 2))]!, 0.5);
  return accTake();
}

const EMPTY = new Int32Array(0);

/** Which cues can match in `t`: one word pass (anchor words by hash) and a few substring searches. */
export function anchorMask(t: string): number {
  let mask = UNGATED;
  for (const { mask: m, s } of SUBS) if ((mask & m) === 0 && t.includes(s)) mask |= m;
  let i = 0;
  const n = t.length;
  while (i < n) {
    if (!isWord(t.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && isWord(t.charCodeAt(j))) j++;
    if (j - i <= 16) {
      const m = ANCHOR.get(hashStr(SEED_WORD, t, i, j));
      if (m !== undefined) mask |= m;
    }
    i = j;
  }
  return mask;
}

/** Start positions of every cue's matches in `t`, one regex scan per cue over the whole text: the reference for `cueHits`. */
export function cueHitsReference(t: string, mask = anchorMask(t)): Int32Array[] {
  const out: Int32Array[] = [];
  for (let k = 0; k < CUES.length; k++) {
    if ((mask & (1 << k)) === 0) {
      out.push(EMPTY);
      continue;
    }
    const re = CUES[k]![1];
    re.lastIndex = 0;
    const pos: number[] = [];
    for (let m = re.exec(t); m !== null; m = re.exec(t)) {
      if (m[0].length === 0) re.lastIndex++;
      pos.push(m.index);
    }
    out.push(Int32Array.from(pos));
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// cue scan: one pass for every cue with a three-character key set
//
// Instead of one regex scan of the whole text per cue, one pass reads the three-character key at
// each position (prefilter.ts: the keys a cue's matches can begin with, computed from the regex)
// and runs, as a sticky regex, only the cues whose key set holds it. Same matches as the global
// scans: the leftmost match at or after the end of the previous one (a position outside the key
// set cannot start a match). Cues without a key set (matches shorter than three characters, or too
// many keys) keep their own scan. The cost grows with the text, not with the number of cues.

interface CueScan {
  /** cues scanned by key: bit k */
  keyed: number;
  /**
   * Pairs of key classes → bits of the keyed cues with a key that begins (head) or ends (tail) with
   * the pair: a key (a, b, c) can only start a cue in head[a, b] & tail[b, c] (a superset of the
   * cue's key set in two small tables; the sticky regex decides).
   */
  head: Int32Array;
  tail: Int32Array;
  /**
   * The same at position 0, the only place a `^` of these (non-multiline) expressions can match:
   * head/tail hold the keys of matches that begin later, so `(?:^|[.!?]\s*)verb` does not make
   * every verb anywhere in the text a candidate. `atZero`: cues with too many keys at position 0,
   * tried there whatever the key.
   */
  head0: Int32Array;
  tail0: Int32Array;
  atZero: number;
  sticky: (RegExp | undefined)[];
  /** cues that are one character class of literal characters (quotes): their characters */
  chars: (ReadonlySet<number> | undefined)[];
  /**
   * Keyed cues gated by anchor substrings alone (`![`, `](`, `<!--`, `display`…): the keyed pass is
   * their gate (a text without the substring has no key of theirs either), so the word pass turns them
   * on without searching the text once per substring; `subs` / `subsAny`: the substrings of the others.
   */
  keyedBySubs: number;
  subs: { mask: number; s: string }[];
  subsAny: RegExp | undefined;
}
let CUE_SCAN: CueScan | undefined;

function buildCueScan(): CueScan {
  const S = KEY_SYMBOLS;
  const head = new Int32Array(S * S);
  const tail = new Int32Array(S * S);
  const head0 = new Int32Array(S * S);
  const tail0 = new Int32Array(S * S);
  let atZero = 0;
  let keyed = 0;
  const sticky: (RegExp | undefined)[] = [];
  const chars: (ReadonlySet<number> | undefined)[] = [];
  CUES.forEach(([, re], k) => {
    // [abc] of literal characters (no escape, range or negation): a match is one of them, anywhere
    const lit = /^\[([^\]\\^-]+)\]$/.exec(re.source);
    chars.push(lit ? new Set([...lit[1]!].map((c) => c.charCodeAt(0))) : undefined);
    if (lit && [...lit[1]!].some((c) => c.length !== 1 || c.charCodeAt(0) > 0xffff)) chars[k] = undefined;
    const keys = re.flags.includes('m') ? undefined : prefixKeys(re.source, 1024, { pastStart: true });
    if (keys === undefined) {
      sticky.push(undefined);
      return;
    }
    keyed |= 1 << k;
    sticky.push(new RegExp(re.source, re.flags.replace('g', '') + 'y'));
    for (const key of keys) {
      head[Math.floor(key / S)]! |= 1 << k;
      tail[key % (S * S)]! |= 1 << k;
    }
    const keys0 = prefixKeys(re.source);
    if (keys0 === undefined) atZero |= 1 << k;
    else {
      for (const key of keys0) {
        head0[Math.floor(key / S)]! |= 1 << k;
        tail0[key % (S * S)]! |= 1 << k;
      }
    }
  });
  let keyedBySubs = 0;
  CUES.forEach(([n], k) => {
    const g = CUE_GATES[n];
    if (g && !g.words && g.subs && (keyed & (1 << k)) !== 0) keyedBySubs |= 1 << k;
  });
  const subs = SUBS.filter(({ mask }) => (mask & keyedBySubs) === 0);
  const subsAny = subs.length > 0 ? new RegExp(subs.map(({ s }) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')) : undefined;
  return { keyed, head, tail, head0, tail0, atZero, sticky, chars, keyedBySubs, subs, subsAny };
}

const cueFrom = new Int32Array(32);
/** keySymbol of every UTF-16 code unit, as a table: the cue scan reads one per character (a call per character cost 3× the scan). */
const KEY_OF = Uint8Array.from({ length: 65536 }, (_, c) => keySymbol(c));

/** Start positions of every cue's matches in `t` (`mask`: the cues that can match, see anchorMask): the same as cueHitsReference. */
export function cueHits(t: string, mask = anchorMask(t)): number[][] {
  CUE_SCAN ??= buildCueScan();
  const { keyed, head, tail, head0, tail0, atZero, sticky, chars } = CUE_SCAN;
  const S = KEY_SYMBOLS;
  const out: number[][] = new Array<number[]>(CUES.length);
  const lists: (number[] | undefined)[] = new Array<number[] | undefined>(CUES.length);
  for (let k = 0; k < CUES.length; k++) {
    if ((mask & (1 << k)) === 0) out[k] = NONE;
    else if ((keyed & (1 << k)) !== 0) {
      lists[k] = [];
      cueFrom[k] = 0;
    } else out[k] = chars[k] !== undefined ? scanChars(chars[k]!, t) : k === URL_CUE ? urlHits(t) : scanCue(CUES[k]![1], t);
  }
  const want = mask & keyed;
  if (want !== 0) {
    const n = t.length;
    if (n >= 1) {
      const sym = KEY_OF;
      let a = sym[t.charCodeAt(0)]!;
      let b = n >= 2 ? sym[t.charCodeAt(1)]! : KEY_END;
      for (let p = 0; p < n; p++) {
        const c = p + 2 < n ? sym[t.charCodeAt(p + 2)]! : KEY_END;
        let bits: number;
        if (p === 0) bits = ((head0[a * S + b]! & tail0[b * S + c]!) | atZero) & want;
        else {
          bits = head[a * S + b]! & want;
          if (bits === 0) {
            a = b;
            b = c;
            continue;
          }
          bits &= tail[b * S + c]!;
        }
        while (bits !== 0) {
          const k = 31 - Math.clz32(bits);
          bits &= ~(1 << k);
          if (p < cueFrom[k]!) continue;
          const re = sticky[k]!;
          re.lastIndex = p;
          if (re.test(t)) {
            lists[k]!.push(p);
            cueFrom[k] = re.lastIndex;
          }
        }
        a = b;
        b = c;
      }
    }
    for (let k = 0; k < CUES.length; k++) if (lists[k] !== undefined) out[k] = lists[k]!;
  }
  return out;
}

/** No match (shared; never written to). */
const NONE: number[] = [];

/**
 * The `url` cue has too many possible starts for a key set ([a-z0-9-] then a TLD up to 41 characters
 * later), and a scan of its regex tried the 40-character run at every word. Its matches can only
 * begin at `http` / `hxxp` / `www.`, or inside the [a-z0-9-] run that ends 2 to 40 characters before
 * a `.tld` (a dot, one of its TLDs, a word boundary): only those positions are tried, in order, as a
 * sticky regex, skipping what the previous match covered, which is what the global scan finds.
 * Used only while the cue's source is this one (anything else keeps the plain scan).
 */
const URL_SOURCE = String.raw`\b(?:https?:\/\/|hxxps?:\/\/|www\.)[^\s)]{2,}|\b[a-z0-9-]{2,40}\.(?:com|net|org|io|xyz|ru|top|win|biz|sh|info|me|co|app|dev|site|online|ly)\b`;
const URL_CUE = CUES.findIndex(([n, re]) => n === 'url' && re.source === URL_SOURCE && re.flags === 'g');
const URL_STICKY = new RegExp(URL_SOURCE, 'y');
const URL_TLD_DOT = /\.(?:com|net|org|io|xyz|ru|top|win|biz|sh|info|me|co|app|dev|site|online|ly)\b/g;
const isUrlRunChar = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45;

function urlHits(t: string): number[] {
  // candidate ranges [from, to] of match starts, from both anchors
  const ranges: number[] = [];
  for (const lit of ['http', 'hxxp', 'www.']) for (let q = t.indexOf(lit); q >= 0; q = t.indexOf(lit, q + 1)) ranges.push(q, q);
  URL_TLD_DOT.lastIndex = 0;
  for (let m = URL_TLD_DOT.exec(t); m !== null; m = URL_TLD_DOT.exec(t)) {
    const d = m.index;
    let s = d;
    while (s > 0 && d - s < 40 && isUrlRunChar(t.charCodeAt(s - 1))) s--;
    if (d - s >= 2) ranges.push(s, d - 2);
  }
  if (ranges.length === 0) return NONE;
  const order = Array.from({ length: ranges.length / 2 }, (_, i) => i).sort((x, y) => ranges[2 * x]! - ranges[2 * y]!);
  const pos: number[] = [];
  let next = 0; // the first position not yet tried nor covered by a match
  for (const r of order) {
    const end = ranges[2 * r + 1]!;
    for (let p = Math.max(ranges[2 * r]!, next); p <= end; p = Math.max(p + 1, next)) {
      URL_STICKY.lastIndex = p;
      if (URL_STICKY.test(t)) {
        pos.push(p);
        next = URL_STICKY.lastIndex;
      } else next = p + 1;
    }
  }
  return pos.length === 0 ? NONE : pos;
}

/**
 * Positions of the characters of `set` in `t`, in order: one native search (indexOf) per character
 * of the set, merged; most texts hold few of them, and a search skips the rest far faster than a
 * loop reading every character. A text dense in them (JSON: a quote every few characters) is read
 * character by character instead, where one table look-up per character is cheaper than a search
 * and a merge per hit.
 */
function scanChars(set: ReadonlySet<number>, t: string): number[] {
  const lists: number[][] = [];
  const dense = (t.length >> 5) + 16;
  let found = 0;
  for (const c of set) {
    const ch = String.fromCharCode(c);
    let l: number[] | undefined;
    for (let q = t.indexOf(ch); q >= 0; q = t.indexOf(ch, q + 1)) {
      (l ??= []).push(q);
      if (++found > dense) return scanCharsByTable(set, t);
    }
    if (l !== undefined) lists.push(l);
  }
  if (lists.length === 0) return NONE;
  if (lists.length === 1) return lists[0]!;
  // k-way merge (k ≤ the size of the set; positions of different characters never coincide)
  const at = new Int32Array(lists.length);
  let total = 0;
  for (const l of lists) total += l.length;
  const pos = new Array<number>(total);
  for (let o = 0; o < total; o++) {
    let best = -1;
    let bv = Infinity;
    for (let k = 0; k < lists.length; k++) {
      const v = at[k]! < lists[k]!.length ? lists[k]![at[k]!]! : Infinity;
      if (v < bv) {
        bv = v;
        best = k;
      }
    }
    pos[o] = bv;
    at[best]!++;
  }
  return pos;
}

const charTables = new WeakMap<ReadonlySet<number>, Uint8Array>();
function scanCharsByTable(set: ReadonlySet<number>, t: string): number[] {
  let ascii = charTables.get(set);
  if (ascii === undefined) {
    ascii = new Uint8Array(128);
    for (const c of set) if (c < 128) ascii[c] = 1;
    charTables.set(set, ascii);
  }
  let pos: number[] | undefined;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 128 ? ascii[c] === 1 : set.has(c)) (pos ??= []).push(i);
  }
  return pos ?? NONE;
}

function scanCue(re: RegExp, t: string): number[] {
  re.lastIndex = 0;
  const pos: number[] = [];
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    if (m[0].length === 0) re.lastIndex++;
    pos.push(m.index);
  }
  return pos.length === 0 ? NONE : pos;
}

/** Window bounds of a normalised text: one window when short, else overlapping ones. */
export function windows(len: number): [number, number][] {
  if (len <= WINDOW + STEP / 2) return [[0, len]];
  const out: [number, number][] = [];
  for (let s = 0; s < len; s += STEP) {
    const e = Math.min(len, s + WINDOW);
    out.push([s, e]);
    if (e === len) break;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// model

export interface LinearModel {
  bias: number;
  w: Float32Array;
  /**
   * The int8 weights `w` was decoded from (w[i] = q[i] · scale), when the model came from a weights
   * file: the fast scorer sums these (a 128 KiB table stays in cache better than the 512 KiB `w`).
   */
  q?: Int8Array;
  scale?: number;
  /** Decision threshold on the probability (chosen by cross-validation in training). */
  threshold: number;
}

export function dot(m: LinearModel, x: SparseVec): number {
  let z = m.bias;
  for (let k = 0; k < x.idx.length; k++) z += m.w[x.idx[k]!]! * x.val[k]!;
  return z;
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export interface WindowScore {
  p: number;
  /** Span of the best window in the model view (normalised text; approximate in the original). */
  start: number;
  end: number;
}

/**
 * Best window of a text (already in model view): the straightforward implementation, one
 * `featuresOf` per window. Kept as the reference the fast scorer (`scoreView`) is tested against.
 */
export function scoreViewReference(m: LinearModel, t: string): WindowScore {
  let best: WindowScore = { p: 0, start: 0, end: t.length };
  const ws = windows(t.length);
  const cues = ws.length > 1 ? cueHits(t) : undefined;
  for (const [s, e] of ws) {
    const p = sigmoid(dot(m, featuresOf(t, s, e, cues)));
    if (p > best.p) best = { p, start: s, end: e };
  }
  return best;
}

// ------------------------------------------------------------------------------------------------
// the fast scorer
//
// The model is linear, so a window's score is the bias plus the weighted sum of its features. The
// hashed n-grams of a window are the n-grams of its words; each word is featurised ONCE per text
// (word, character trigrams, typo trigger, and the bigram with the word before it), its weights
// summed straight from the weight table, and kept as prefix sums over the words: a window's n-gram
// sum is two subtractions, whatever its overlap with its neighbours. Only the words a window cuts
// at its edges are featurised again, as the reference does (a cut word is a different word there).
// The engineered cues are found once per text (cueHits, gated by the anchor words the word pass
// collects on the way) and counted per window as before.
//
// One subtlety keeps the scores identical: cue features are SET (max) into their slot, n-grams are
// ADDED. An n-gram that hashes onto a slot a cue can use is recorded, so a window where both meet
// gets max(n-gram sum, cue value) there, exactly as `featuresOf` builds it. No string is allocated
// per window or per word (except the memoised typo lookup, gated on two-letter pairs first).

/** Slots the engineered features write with `accSet` (max, not add). */
const RESERVED = new Uint8Array(DIM);
const PAIR_SLOTS = Int32Array.from(PAIRS, ([a, b]) => hashStr(SEED_FEAT, a + '&' + b) & MASK);
const PAIR_A = Int32Array.from(PAIRS, ([a]) => CUE_INDEX.get(a)!);
const PAIR_B = Int32Array.from(PAIRS, ([, b]) => CUE_INDEX.get(b)!);
const CUE_PRESENT_SLOT = Int32Array.from(CUE_SEEDS, (s) => (s ^ 0x1234) & MASK);
const CUE_BUCKET_SLOT = Int32Array.from({ length: CUE_SEEDS.length * 4 }, (_, i) => (Math.imul(CUE_SEEDS[i >> 2]! ^ (i & 3), 0x9e3779b1) >>> 0) & MASK);
const CUE_WHERE_SLOT = Int32Array.from({ length: CUE_SEEDS.length * 4 }, (_, i) => (Math.imul(CUE_SEEDS[i >> 2]! ^ ((i & 3) << 4), 0x7feb352d) >>> 0) & MASK);
for (const arr of [PAIR_SLOTS, CUE_PRESENT_SLOT, CUE_BUCKET_SLOT, CUE_WHERE_SLOT, Int32Array.from(LEN_FEATURES), Int32Array.of(TYPO_FEATURE)]) for (const i of arr) RESERVED[i] = 1;
const TRIGGER_SLOT = new Map(TRIGGERS.map((w) => [w, hashStr(SEED_WORD, w) & MASK]));

/** Per text: words (≤ 40 chars) with prefix sums of their n-gram weights. Buffers grow and are reused. */
let cap = 0;
let tokS = new Int32Array(0), tokE = new Int32Array(0), tokH = new Int32Array(0), tokB = new Int32Array(0);
let preSum = new Float64Array(1), preBi = new Float64Array(1);
let preCnt = new Int32Array(1), preTypo = new Int32Array(1);
function ensure(m: number): void {
  if (m < cap) return;
  const c = Math.max(256, cap * 2, m + 1);
  const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T, extra: number): T => {
    const b = make(c + extra);
    b.set(a);
    return b;
  };
  tokS = grow(tokS, (n) => new Int32Array(n), 0);
  tokE = grow(tokE, (n) => new Int32Array(n), 0);
  tokH = grow(tokH, (n) => new Int32Array(n), 0);
  tokB = grow(tokB, (n) => new Int32Array(n), 0);
  preSum = grow(preSum, (n) => new Float64Array(n), 1);
  preBi = grow(preBi, (n) => new Float64Array(n), 1);
  preCnt = grow(preCnt, (n) => new Int32Array(n), 1);
  preTypo = grow(preTypo, (n) => new Int32Array(n), 1);
  cap = c;
}
function release(): void {
  cap = 0;
  tokS = new Int32Array(0);
  tokE = new Int32Array(0);
  tokH = new Int32Array(0);
  tokB = new Int32Array(0);
  preSum = new Float64Array(1);
  preBi = new Float64Array(1);
  preCnt = new Int32Array(1);
  preTypo = new Int32Array(1);
  if (colTok.length > 4096) {
    colTok = new Int32Array(64);
    colSlot = new Int32Array(64);
    colBi = new Uint8Array(64);
  }
}
/** n-grams of the text's words that hash onto a reserved slot: word index, slot, 1 when the bigram. */
let colTok = new Int32Array(64), colSlot = new Int32Array(64), colBi = new Uint8Array(64);
let nCol = 0;
/** Per window: n-gram counts on reserved slots, and the cue values set there. */
const WCNT = new Int32Array(DIM);
const CVAL = new Float32Array(DIM);
let wTouched = new Int32Array(256);
let nW = 0;
const cTouched = new Int32Array(CUE_SEEDS.length * 3 + PAIRS.length + 2);
let nC = 0;

/** 0: record into the text's collision list (word `recTok`); 1: count into WCNT (a cut word of one window). */
let recMode = 0;
let recTok = 0;
function reserve(slot: number, bigram: number): void {
  if (recMode === 0) {
    if (nCol === colTok.length) {
      const n = nCol * 2;
      const a = new Int32Array(n), b = new Int32Array(n), c = new Uint8Array(n);
      a.set(colTok);
      b.set(colSlot);
      c.set(colBi);
      colTok = a;
      colSlot = b;
      colBi = c;
    }
    colTok[nCol] = recTok;
    colSlot[nCol] = slot;
    colBi[nCol] = bigram;
    nCol++;
  } else countSlot(slot);
}
function countSlot(slot: number): void {
  if (WCNT[slot] === 0) {
    if (nW === wTouched.length) {
      const t = new Int32Array(nW * 2);
      t.set(wTouched);
      wTouched = t;
    }
    wTouched[nW++] = slot;
  }
  WCNT[slot]!++;
}

// outputs of soloGrams
let oSum = 0, oCnt = 0, oTypo = 0;

/** Sum and count of a word's own n-grams (word, character trigrams, typo trigger), as featuresOf pushes them. */
function soloGrams(t: string, i: number, j: number, wh: number, w: Float32Array | Int8Array): void {
  const len = j - i;
  let g = wh & MASK;
  let sum = w[g]!;
  let cnt = 1;
  if (RESERVED[g] === 1) reserve(g, 0);
  if (len >= 3 && len <= 20) {
    for (let k = i - 1; k <= j - 2; k++) {
      const a = k < i ? 32 : t.charCodeAt(k);
      const b = t.charCodeAt(k + 1);
      const cc = k + 2 >= j ? 32 : t.charCodeAt(k + 2);
      g = trigramSlot(a, b, cc);
      sum += w[g]!;
      cnt++;
      if (RESERVED[g] === 1) reserve(g, 0);
    }
  }
  let typo = 0;
  if (len >= 5 && len <= 16 && (PRE2[pairIdx(t.charCodeAt(i), t.charCodeAt(i + 1))] === 1 || SUF2[pairIdx(t.charCodeAt(j - 2), t.charCodeAt(j - 1))] === 1)) {
    g = typoSlotOf(t, i, j, wh);
    if (g >= 0) {
      sum += w[g]!;
      cnt++;
      typo = 1;
      if (RESERVED[g] === 1) reserve(g, 0);
    }
  }
  oSum = sum;
  oCnt = cnt;
  oTypo = typo;
}

/**
 * The weight slot of the trigger t[i, j) misspells (typoTrigger), or -1: remembered per word hash in
 * a small table whose entries keep the word itself, so a hit is verified (no string is built for a
 * word seen before, and a hash collision only costs a recomputation).
 */
const TYPO_CACHE = 4096;
const typoWords: (string | undefined)[] = new Array<string | undefined>(TYPO_CACHE);
const typoSlots = new Int32Array(TYPO_CACHE);
function typoSlotOf(t: string, i: number, j: number, wh: number): number {
  const k = (wh ^ (wh >>> 13)) & (TYPO_CACHE - 1);
  const known = typoWords[k];
  if (known !== undefined && known.length === j - i && t.startsWith(known, i)) return typoSlots[k]!;
  const word = t.slice(i, j);
  const trig = typoTrigger(word);
  const slot = trig === undefined ? -1 : TRIGGER_SLOT.get(trig)!;
  typoWords[k] = word;
  typoSlots[k] = slot;
  return slot;
}

/** ANCHOR as an open-addressing table (word hash → cue bits): no Map lookup per word. */
const ANCHOR_SIZE = 1 << 11;
const anchorKeys = new Int32Array(ANCHOR_SIZE);
const anchorBits = new Int32Array(ANCHOR_SIZE); // 0 = empty (every anchor has at least one bit)
for (const [h, bits] of ANCHOR) {
  let k = (h ^ (h >>> 11)) & (ANCHOR_SIZE - 1);
  while (anchorBits[k] !== 0) k = (k + 1) & (ANCHOR_SIZE - 1);
  anchorKeys[k] = h | 0;
  anchorBits[k] = bits;
}
if (ANCHOR.size * 2 > ANCHOR_SIZE) throw new Error('anchor table too small');
function anchorOf(h: number): number {
  const key = h | 0;
  for (let k = (h ^ (h >>> 11)) & (ANCHOR_SIZE - 1); anchorBits[k] !== 0; k = (k + 1) & (ANCHOR_SIZE - 1)) if (anchorKeys[k] === key) return anchorBits[k]!;
  return 0;
}

function bigramSlot(t: string, ps: number, pe: number, wh: number): number {
  let h = hashStr(SEED_BI, t, ps, pe);
  h = Math.imul(h ^ wh, 0x9e3779b1) >>> 0;
  return (h ^ (h >>> 16)) & MASK;
}

/**
 * A word's own n-gram sums, remembered per word (text repeats its words: most of them are seen
 * before). Direct-mapped on the word hash; an entry keeps the word's characters, so a hit is the
 * same word (a hash collision only costs a recomputation). Only for a shipped int8 table (fixed
 * for the life of the process, and its sums are integers: the memoised value is exactly what
 * soloGrams computes), only for words of at most MEMO_LEN characters, and only for words with no
 * n-gram on a reserved slot (those record their collisions per text).
 */
const MEMO_SIZE = 1 << 13;
const MEMO_LEN = 20;
const memoLen = new Uint8Array(MEMO_SIZE); // 0 = empty
const memoChars = new Uint16Array(MEMO_SIZE * MEMO_LEN);
const memoSum = new Float64Array(MEMO_SIZE);
const memoCnt = new Int32Array(MEMO_SIZE);
const memoTypo = new Uint8Array(MEMO_SIZE);
let memoTable: Int8Array | undefined;

function memoGrams(t: string, i: number, j: number, wh: number, w: Int8Array): void {
  if (w !== memoTable) {
    memoLen.fill(0);
    memoTable = w;
  }
  const len = j - i;
  const k = (wh ^ (wh >>> 13)) & (MEMO_SIZE - 1);
  if (memoLen[k] === len) {
    let o = k * MEMO_LEN;
    let q = i;
    while (q < j && memoChars[o] === t.charCodeAt(q)) {
      o++;
      q++;
    }
    if (q === j) {
      oSum = memoSum[k]!;
      oCnt = memoCnt[k]!;
      oTypo = memoTypo[k]!;
      return;
    }
  }
  const before = nCol;
  soloGrams(t, i, j, wh, w);
  if (nCol !== before) return;
  memoLen[k] = len;
  for (let q = i, o = k * MEMO_LEN; q < j; q++, o++) memoChars[o] = t.charCodeAt(q);
  memoSum[k] = oSum;
  memoCnt[k] = oCnt;
  memoTypo[k] = oTypo;
}

/** One pass over the words of `t`: prefix sums (weights of `w`), collisions, and the cue anchor mask. Returns the word count. */
function wordPass(t: string, w: Float32Array | Int8Array): { m: number; mask: number } {
  const memo = w instanceof Int8Array ? w : undefined;
  const n = t.length;
  const scan = (CUE_SCAN ??= buildCueScan());
  let mask = UNGATED | scan.keyedBySubs;
  if (scan.subsAny?.test(t)) for (const { mask: mm, s } of scan.subs) if ((mask & mm) === 0 && t.includes(s)) mask |= mm;
  let m = 0;
  nCol = 0;
  recMode = 0;
  ensure(16);
  preSum[0] = 0;
  preBi[0] = 0;
  preCnt[0] = 0;
  preTypo[0] = 0;
  let i = 0;
  while (i < n) {
    if (!isWord(t.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && isWord(t.charCodeAt(j))) j++;
    const len = j - i;
    if (len <= 40) {
      // the word's hash and its hash as the first word of a bigram, in one pass (= hashStr with SEED_WORD, SEED_BI)
      let h1 = (SEED_WORD ^ 0x811c9dc5) >>> 0;
      let h2 = (SEED_BI ^ 0x811c9dc5) >>> 0;
      for (let k = i; k < j; k++) {
        const c = t.charCodeAt(k);
        h1 = Math.imul(h1 ^ c, 0x01000193);
        h2 = Math.imul(h2 ^ c, 0x01000193);
      }
      h1 ^= h1 >>> 15;
      h1 = Math.imul(h1, 0x2c1b3c6d);
      h1 ^= h1 >>> 12;
      h2 ^= h2 >>> 15;
      h2 = Math.imul(h2, 0x2c1b3c6d);
      h2 ^= h2 >>> 12;
      const wh = h1 >>> 0;
      if (len <= 16) mask |= anchorOf(wh);
      ensure(m + 1);
      recTok = m;
      if (memo !== undefined && len <= MEMO_LEN) memoGrams(t, i, j, wh, memo);
      else soloGrams(t, i, j, wh, w);
      tokS[m] = i;
      tokE[m] = j;
      tokH[m] = wh;
      tokB[m] = h2;
      preSum[m + 1] = preSum[m]! + oSum;
      preCnt[m + 1] = preCnt[m]! + oCnt;
      preTypo[m + 1] = preTypo[m]! + oTypo;
      if (m > 0) {
        const h = Math.imul((tokB[m - 1]! >>> 0) ^ wh, 0x9e3779b1) >>> 0;
        const g = (h ^ (h >>> 16)) & MASK;
        preBi[m + 1] = preBi[m]! + w[g]!;
        if (RESERVED[g] === 1) reserve(g, 1);
      } else preBi[m + 1] = preBi[m]!;
      m++;
    }
    i = j;
  }
  return { m, mask };
}

/** First index in [0, m) with a[k] >= x (m when none). */
function lowerBound(a: ArrayLike<number>, m: number, x: number): number {
  let lo = 0, hi = m;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function setCue(slot: number, v: number): void {
  if (CVAL[slot] === 0) cTouched[nC++] = slot;
  if (CVAL[slot]! < v) CVAL[slot] = v;
}

const presentBuf = new Uint8Array(CUES.length);

/** Raw score (before the sigmoid) of the window [s, e) of `t`; needs wordPass and the cue hits of this text. */
function windowLogit(m: LinearModel, t: string, s: number, e: number, words: number, hits: number[][]): number {
  const w = m.q ?? m.w;
  const n = t.length;
  let sum = 0, cnt = 0, typo = 0;
  recMode = 1;
  nW = 0;
  let prevS = -1, prevE = -1;
  // a word cut by the window's start
  if (s > 0 && s < e && isWord(t.charCodeAt(s - 1)) && isWord(t.charCodeAt(s))) {
    let j = s + 1;
    while (j < e && isWord(t.charCodeAt(j))) j++;
    if (j - s <= 40) {
      soloGrams(t, s, j, hashStr(SEED_WORD, t, s, j), w);
      sum += oSum;
      cnt += oCnt;
      typo |= oTypo;
      prevS = s;
      prevE = j;
    }
    if (j === e) {
      // the window is inside one word
      return finishWindow(m, s, e, sum, cnt, typo, hits);
    }
  }
  // whole words
  const a = lowerBound(tokS, words, s);
  const b = lowerBound(tokE, words, e + 1) - 1;
  if (b >= a) {
    sum += preSum[b + 1]! - preSum[a]! + preBi[b + 1]! - preBi[a + 1]!;
    cnt += preCnt[b + 1]! - preCnt[a]! + (b - a);
    if (preTypo[b + 1]! - preTypo[a]! > 0) typo = 1;
    if (prevS >= 0) {
      const g = bigramSlot(t, prevS, prevE, tokH[a]!);
      sum += w[g]!;
      cnt++;
      if (RESERVED[g] === 1) countSlot(g);
    }
    for (let k = lowerBound(colTok, nCol, a); k < nCol && colTok[k]! <= b; k++) {
      if (colBi[k] === 1 && colTok[k] === a) continue;
      countSlot(colSlot[k]!);
    }
    prevS = tokS[b]!;
    prevE = tokE[b]!;
  }
  // a word cut by the window's end
  if (e < n && isWord(t.charCodeAt(e - 1)) && isWord(t.charCodeAt(e))) {
    let k = e - 1;
    while (k > s && isWord(t.charCodeAt(k - 1))) k--;
    if (e - k <= 40) {
      const wh = hashStr(SEED_WORD, t, k, e);
      soloGrams(t, k, e, wh, w);
      sum += oSum;
      cnt += oCnt;
      typo |= oTypo;
      if (prevS >= 0) {
        const g = bigramSlot(t, prevS, prevE, wh);
        sum += w[g]!;
        cnt++;
        if (RESERVED[g] === 1) countSlot(g);
      }
    }
  }
  return finishWindow(m, s, e, sum, cnt, typo, hits);
}

/** The cue features of [s, e) (as featuresOf sets them) and the logit. */
function finishWindow(m: LinearModel, s: number, e: number, sum: number, cnt: number, typo: number, hits: number[][]): number {
  const w = m.w;
  const gw = cnt === 0 ? 0 : 1 / Math.sqrt(cnt);
  // n-gram sums are in units of the table wordPass read (int8 × scale, or w itself)
  let z = m.bias + gw * sum * (m.q !== undefined ? m.scale! : 1);
  nC = 0;
  if (typo) setCue(TYPO_FEATURE, 1);
  const L = e - s || 1;
  const present = presentBuf;
  present.fill(0);
  for (let k = 0; k < CUES.length; k++) {
    const pos = hits[k]!;
    if (pos.length === 0) continue;
    let q = lowerBound(pos, pos.length, s);
    let c = 0;
    let first = -1, last = -1;
    for (; q < pos.length && pos[q]! < e && c < 8; q++) {
      if (first < 0) first = pos[q]! - s;
      last = pos[q]! - s;
      c++;
    }
    if (c === 0) continue;
    present[k] = 1;
    setCue(CUE_PRESENT_SLOT[k]!, 1);
    setCue(CUE_BUCKET_SLOT[4 * k + bucket(c)]!, 1);
    const where = first < L * 0.2 ? 1 : last > L * 0.8 ? 2 : 3;
    setCue(CUE_WHERE_SLOT[4 * k + where]!, 0.5);
  }
  for (let p = 0; p < PAIR_SLOTS.length; p++) if (present[PAIR_A[p]!] === 1 && present[PAIR_B[p]!] === 1) setCue(PAIR_SLOTS[p]!, 1);
  setCue(LEN_FEATURES[Math.min(6, Math.floor(Math.log2(L + 1) / 2))]!, 0.5);
  for (let k = 0; k < nC; k++) {
    const slot = cTouched[k]!;
    const c = CVAL[slot]!;
    const g = gw * WCNT[slot]!;
    z += w[slot]! * ((c > g ? c : g) - g);
    CVAL[slot] = 0;
  }
  // n-grams on reserved slots where no cue was set: already in the sum
  for (let k = 0; k < nW; k++) WCNT[wTouched[k]!] = 0;
  nW = 0;
  return z;
}

/**
 * Best window of a text (already in model view): the same scores as `scoreViewReference` (within
 * float rounding), in time linear in the text and independent of the window overlap.
 */
export function scoreView(m: LinearModel, t: string): WindowScore {
  const { m: words, mask } = wordPass(t, m.q ?? m.w);
  const hits = cueHits(t, mask);
  let best: WindowScore = { p: 0, start: 0, end: t.length };
  for (const [s, e] of windows(t.length)) {
    const p = sigmoid(windowLogit(m, t, s, e, words, hits));
    if (p > best.p) best = { p, start: s, end: e };
  }
  if (cap > 1 << 16) release(); // do not keep the buffers of a huge text alive
  return best;
}

// ------------------------------------------------------------------------------------------------
// weights file

export interface WeightsFile {
  version: 1;
  dimBits: number;
  trainedOn: string[];
  models: Record<string, { bias: number; threshold: number; scale: number; q: string }>;
}

/** Quantise to int8 with one scale per model, base64 (the file stays small: 2^17 bytes per model before base64). */
export function encodeModel(m: LinearModel): WeightsFile['models'][string] {
  let max = 0;
  for (const v of m.w) max = Math.max(max, Math.abs(v));
  const scale = max === 0 ? 1 : max / 127;
  const q = new Int8Array(m.w.length);
  for (let i = 0; i < m.w.length; i++) q[i] = Math.round(m.w[i]! / scale);
  return { bias: m.bias, threshold: m.threshold, scale, q: Buffer.from(q.buffer).toString('base64') };
}

export function decodeModel(e: WeightsFile['models'][string]): LinearModel {
  const buf = Buffer.from(e.q, 'base64');
  const q = new Int8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const w = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) w[i] = q[i]! * e.scale;
  return { bias: e.bias, threshold: e.threshold, w, q, scale: e.scale };
}

export const WEIGHTS_URL = new URL('../../models/detectors.json', import.meta.url);

let loaded: Record<string, LinearModel> | undefined;
let override: Record<string, LinearModel> | undefined;

/** The shipped model for `injection` or `poisoning`. Throws when the weights file is missing (fail closed: a broken install is visible). */
export function getModel(name: 'injection' | 'poisoning'): LinearModel {
  const o = override?.[name];
  if (o) return o;
  if (!loaded) {
    const f = JSON.parse(readFileSync(WEIGHTS_URL, 'utf8')) as WeightsFile;
    if (f.version !== 1 || f.dimBits !== DIM_BITS) throw new Error(`detector weights ${WEIGHTS_URL.pathname}: incompatible (dimBits ${f.dimBits}, expected ${DIM_BITS}); run npm run train`);
    loaded = Object.fromEntries(Object.entries(f.models).map(([k, v]) => [k, decodeModel(v)]));
  }
  const m = loaded[name];
  if (!m) throw new Error(`detector weights: no model '${name}'; run npm run train`);
  return m;
}

let scorersOn = true;
/** Turn the learned scorers on or off for this process (config `inspect.learnedScorer`); the rules run either way. */
export function setLearnedScorers(on: boolean): void {
  scorersOn = on;
}
/** Whether the detectors should run the learned scorers after their rules. */
export function learnedScorersOn(): boolean {
  return scorersOn;
}

/** Use these models instead of the shipped ones (leave-one-source-out evaluation); `undefined` restores them. */
export function setModelOverride(models: Record<string, LinearModel> | undefined): void {
  override = models;
}
