/**
 * Relations over a tool definition (tool poisoning, issue 17): what a definition ASKS the model to do,
 * judged from the shape of the request rather than from known attack phrases.
 *
 * Each string of a definition (description, parameter descriptions, defaults, enum values, titles,
 * `_meta`, annotations) is normalised once (NFKC, confusables, diacritics, invisible characters, letter
 * spacing and leetspeak; then words within one edit of a cue word are read as that word, so
 * "pasword" and "instrucitons" count) and split into sentences. A sentence is poisoning when it
 * relates things that a plain description of a capability never relates:
 *
 *  - `secret-to-param`: a directive (include / put / pass / paste / fill / "should contain" / "requires
 *    … in") + a sensitive object the MODEL holds (credentials, session data, the conversation, the
 *    system prompt, the user's personal data) + a destination (a parameter of this tool, a field /
 *    argument / call, or the parameter whose description this is). A parameter named for a credential
 *    (`api_key`, `password`) may ask for one; it is flagged only when the value is to be harvested
 *    (from the environment, a file, the conversation, "yours", "any / all").
 *  - `shadowing`: a trigger on ANOTHER tool's use ("when calling send_email", "any call to X",
 *    "X is broken") followed by a change to that call (always / add / bcc / set / instead / first call this tool).
 *  - `exclusive`: use only this tool, never any other, ignore the others, call it on every turn.
 *  - `conceal`: hide something from the user (don't tell / mention / reveal, silently, keep it secret).
 *  - `override`: an authority or policy claim that lifts rules or consent (guidelines suspended,
 *    exempt from approval, pre-approved, instructions superseded, developer mode).
 *  - `sink`: results or data to be sent / copied / bcc'd to a literal address (email, URL, account).
 *  - `field-instruction`: an instruction addressed to the model inside a field that is data, not
 *    documentation (enum values, defaults, examples, titles, `_meta`, annotations).
 *
 * Linear in the text: a fixed set of regular expressions without nested quantifiers, per sentence.
 * The cue lexicons cover English and the common European languages, Russian and Chinese.
 */
import { normalizeForMatching, deobfuscate } from './normalize.js';

export type RelationRule = 'secret-to-param' | 'shadowing' | 'exclusive' | 'conceal' | 'override' | 'sink' | 'field-instruction';

export interface RelationHit {
  rule: RelationRule;
  score: number;
  /** The normalised sentence the relation was found in (for the message). */
  sentence: string;
}

export interface RelationContext {
  /** Name of the tool the string belongs to. */
  ownName?: string;
  /** Parameter names of the tool (input schema property names, any depth). */
  params?: readonly string[];
  /** The parameter this string documents (its description / default / enum), when it is one. */
  paramOfField?: string;
  /** The string is data (enum value, default, example, title, `_meta`, annotation), not documentation. */
  dataField?: boolean;
  /** Other tools of the catalogue, when known. */
  otherToolNames?: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Typo tolerance: words within one edit (or one adjacent swap) of a cue word are read as the cue word
// ---------------------------------------------------------------------------------------------

const CUE_WORDS = [
  'password', 'passwords', 'passphrase', 'credential', 'credentials', 'secret', 'secrets', 'token', 'tokens', 'session',
  'cookie', 'cookies', 'private', 'access', 'bearer', 'environment', 'variable', 'variables', 'conversation', 'history',
  'transcript', 'messages', 'system', 'prompt', 'instructions', 'previous', 'earlier', 'include', 'including', 'attach',
  'append', 'provide', 'populate', 'supply', 'paste', 'forward', 'field', 'parameter', 'argument', 'always', 'never',
  'mention', 'reveal', 'disclose', 'inform', 'silently', 'quietly', 'secretly', 'ignore', 'disregard', 'other', 'tools',
  'their', 'contents', 'assistant', 'model', 'confirmation', 'approval', 'permission', 'consent', 'without', 'override',
  'suspended', 'disabled', 'policy', 'guidelines', 'restrictions', 'instead', 'whenever', 'calling', 'should', 'contain',
  'should', 'should', 'before', 'address', 'number', 'credit', 'passport', 'account', 'keys', 'user', 'users', 'tell',
];
/** Real words one edit away from a cue word: never "corrected". */
const KEEP = new Set(['ever', 'mode', 'uses', 'past', 'taken', 'there', 'these', 'where', 'yield', 'yields', 'fields', 'others', 'pasted', 'pastes', 'paster', 'mentor', 'reveal', 'rather', 'either', 'neither', 'session', 'models', 'modal', 'modes', 'modem', 'prompts', 'tokens', 'accent', 'accept', 'access', 'excess', 'before', 'beyond', 'system', 'systems', 'never', 'fever', 'lever', 'sever', 'seven', 'always', 'number', 'numbers', 'inform', 'informs', 'include', 'includes', 'private', 'pirate', 'supply', 'supple', 'polity', 'police', 'secret', 'secrets', 'secrete', 'cookie', 'rookie', 'policy', 'history', 'address', 'addresses', 'account', 'accounts', 'contents', 'content', 'context', 'contest', 'contain', 'contains', 'instead', 'without', 'user', 'users', 'used', 'uses', 'user\'s', 'tell', 'tall', 'tells', 'toll', 'keys', 'kept', 'keep', 'field', 'their', 'other', 'tools', 'model', 'attach', 'append', 'credit', 'should', 'would', 'could']);
const CUE = new Set(CUE_WORDS);
/** Cue words with one letter removed (a letter missing from the text), and keyed by position (a letter wrong). */
const DELETES = new Map<string, string>();
const SUBS = new Map<string, string>();
for (const w of CUE) {
  for (let i = 0; i < w.length; i++) {
    const d = w.slice(0, i) + w.slice(i + 1);
    if (!DELETES.has(d) && !CUE.has(d)) DELETES.set(d, w);
    if (!SUBS.has(`${i}|${d}`)) SUBS.set(`${i}|${d}`, w);
  }
}

/** Inflections of each other (plural, past, agent): not a typo. */
function sameStem(a: string, b: string): boolean {
  const [x, y] = a.length <= b.length ? [a, b] : [b, a];
  return y.startsWith(x) && /^(?:s|es|d|ed|r|er|ing)$/.test(y.slice(x.length));
}

/** The cue word `w` is a typo of (one insertion, deletion, substitution or adjacent swap), if any. */
export function cueCorrection(w: string): string | undefined {
  if (w.length < 4 || CUE.has(w) || KEEP.has(w)) return undefined;
  const ok = (c: string | undefined): string | undefined => (c !== undefined && !sameStem(c, w) ? c : undefined);
  const ins = ok(DELETES.get(w)); // a letter missing
  if (ins !== undefined) return ins;
  if (w.length < 5) return undefined;
  for (let i = 0; i < w.length; i++) {
    const d = w.slice(0, i) + w.slice(i + 1);
    const extra = CUE.has(d) ? ok(d) : undefined; // one letter too many
    if (extra !== undefined) return extra;
    const sub = ok(SUBS.get(`${i}|${d}`)); // one letter wrong
    if (sub !== undefined) return sub;
  }
  for (let i = 0; i + 1 < w.length; i++) {
    const sw = w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2);
    if (CUE.has(sw)) return sw;
  }
  return undefined;
}

/** Bounded memo: corrections, and regular expressions compiled per parameter / tool name (definitions repeat words and names). */
function memo<V>(map: Map<string, V>, key: string, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    if (map.size >= 4096) map.clear();
    v = make();
    map.set(key, v);
  }
  return v;
}
const CORRECTED = new Map<string, string>();

function fixTypos(t: string): string {
  return t.replace(/[a-z]{4,16}/g, (w) => memo(CORRECTED, w, () => cueCorrection(w) ?? w));
}

/** Text in a non-Latin script as written (NFKC, lower case, no diacritics): the homoglyph folding of the main view turns Cyrillic words into Latin look-alikes. */
function plainView(text: string): string | undefined {
  if (!/[\u0400-\u04ff\u3040-\u30ff\u4e00-\u9fff]/.test(text)) return undefined;
  return fixTypos(text.normalize('NFKC').toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[’‘`´]/g, "'"));
}

/** The normalised text the relations read (lower case, folded, de-obfuscated, typo-corrected). */
export function relationText(text: string): string {
  const n = normalizeForMatching(text).text;
  const d = deobfuscate(n) ?? n;
  return fixTypos(d.replace(/[’‘`´]/g, "'"));
}

// ---------------------------------------------------------------------------------------------
// Lexicons (normalised: lower case, diacritics folded)
// ---------------------------------------------------------------------------------------------

const SECRET_N =
  String.raw`(?<![a-z0-9_])(?:api[ _-]?keys?|apikeys?|(?:access|auth(?:entication)?|bearer|refresh|session|oauth|id|github|slack|aws|openai)[ _-]?tokens?|bearer|tokens?|session (?:cookies?|ids?|keys?|data|state)|cookies?|passwords?|passwd|passphrases?|passcodes?|credentials?|creds|secrets?|private (?:ssh )?keys?|ssh keys?|signing keys?|id_(?:rsa|ed25519|ecdsa|dsa)|\.env\b|\.netrc|\.npmrc|\.pypirc|\.git-credentials|\.aws|\.ssh|\.kube|\.docker|~/\.[a-z][\w./-]*|hosts\.yml|/etc/(?:passwd|shadow)|connection strings?|env(?:ironment)?(?: var(?:iable)?s?)?|(?:[a-z0-9]+_)+(?:token|api_key|key|secret|password|pat)|mcp\.json|keychain|printenv|env dump|environment dump|session identifiers?|auth(?:orization)? headers?|login details|seed phrases?|mnemonic|one-time (?:codes?|passwords?)|2fa codes?|otp codes?|` +
  String.raw`passwort\w*|kennwort\w*|zugangsdaten|schlussel\w*|contrasenas?|credenciales|claves?(?: de)? api|mots? de passe|identifiants|cles? api|jetons?|credenziali|chiavi? api|senhas?|credenciais|chaves?(?: de)? api|пароль[а-яё]*|токен[а-яё]*|ключ[а-яё]*|учетн[а-яё]+ данн[а-яё]+|密码|口令|密钥|令牌|凭据|凭证)(?![a-z0-9_])`;
const CONTEXT_N =
  String.raw`(?<![a-z0-9_])(?:(?:full |entire |whole |complete |current )?(?:conversation|chat|dialog(?:ue)?)(?: (?:history|transcript|log|logs|so far|context))?|transcripts?|(?:previous|prior|earlier|recent|past|all|last \w+|the last \w+) (?:\w+ )?messages|messages exchanged|(?:the user'?s |their )?(?:full |entire |whole |complete )?message texts?|(?:every|each) user message|context window|system (?:prompt|message|instructions?)|(?:your|the operator'?s?|the developer'?s?|hidden|internal|initial) (?:instructions|rules|guidelines|prompt|configuration)|(?:instructions|prompt) (?:from|of) the (?:operator|developer|system)|what the user (?:said|typed|wrote) (?:earlier|before)|(?:everything|anything|all|whatever) (?:that )?(?:the user|they|you) (?:has |have |had )?(?:said|typed|wrote|written|asked|shared|told you|entered)|(?:previous|prior|earlier|past|other) (?:conversation |chat )?turns|` +
  String.raw`gesprachsverlauf|chatverlauf|verlauf|systemprompt|historial(?: de la conversacion| del chat)?|historique(?: de la conversation)?|prompt (?:del|de|do) sistema|prompt systeme|cronologia(?: della chat)?|historico da conversa|истори[а-яё]+ (?:переписки|чата|разговора)|переписк[а-яё]*|对话(?:历史|记录)?|聊天记录|系统提示(?:词)?)(?![a-z0-9_])`;
const PII_N = String.raw`(?<![a-z0-9_])(?:credit card(?: numbers?| details)?|card numbers?|cvv|cvc|expiry dates?|passport(?: numbers?)?|social security(?: numbers?)?|ssn|dates? of birth|home address(?:es)?|bank account(?: numbers?)?|iban|routing numbers?|browsing history|location history|contacts? list|tarjeta de credito|numero de tarjeta|kreditkart\w*|carte bancaire)(?![a-z0-9_])`;
/**
 * The model is to harvest the value from somewhere it can reach: the environment, a file, the conversation,
 * other tools, "any / all" of them. Enough on its own, also for a parameter named for a credential.
 */
const HARVEST_STRONG = new RegExp(
  String.raw`\b(?:any|all|every|each)\b|\bthe (?:contents?|value|values|text|output) of\b|you (?:can )?(?:see|have|know|hold|received|got|were given)\b|available to you|(?:in|from|of) (?:this|the|our|your|current) (?:conversation|chat|context|session|environment|system|workspace|project|repo)|environment|\benv\b|~/|/etc/|\.env\b|\bfiles?\b|config(?:uration)? file|other tools?|earlier|previous|prior|\bstored\b|\bsaved\b|printenv|id_(?:rsa|ed25519|ecdsa)|\.netrc|\.npmrc|\.pypirc|\.git-credentials|keychain|browser|password manager|mentioned|shared with you|\bconnection\b|\bconfig(?:uration)?\b|konfiguration|configuracion|configurazione|configuracao|\baus der\b|` +
    String.raw`\bdel usuario\b|\bdu nutzer|\bdes nutzers\b|\bde l'utilisateur\b|\bdell'utente\b|\bdo usuario\b|пользовател[а-яё]+|用户的`,
);
/** The value belongs to the user or the model: enough for a parameter that is not named for a credential. */
const HARVEST_OWNER = /\b(?:the user'?s|users'|their|your|his|her)\b|\bof the (?:current |signed-in |logged-in |active )?user\b|\bthe current user'?s?\b/;
const DIRECTIVE = new RegExp(
  String.raw`\b(?:hand(?:s|ing)? over|giv(?:e|es|ing)|shar(?:e|es|ing)|appended|added|included|attached|copied|pasted|inserted|embedded|needs?|includ(?:e|es|ing)|put(?:ting)?|pass(?:es|ing)?|provid(?:e|es|ing)|suppl(?:y|ies|ying)|fill(?:s|ing)?|populat(?:e|es|ing)|past(?:e|es|ing)|cop(?:y|ies|ying)|attach(?:es|ing)?|append(?:s|ing)?|add(?:s|ing)?|insert(?:s|ing)?|send(?:s|ing)?|forward(?:s|ing)?|embed(?:s|ding)?|plac(?:e|es|ing)|enter|specify|submit|upload|transmit|relay|echo|quote|dump|leak|stor(?:e|es|ing)|sav(?:e|es|ing)|record(?:s|ing)?|stash(?:es|ing)?|(?:call|invoke)(?:s|ing)? (?:this|it|me)|set (?:this|it|the \w+) to|set to|filled (?:\w+ ){0,5}with|should (?:contain|carry|hold|be)|must (?:contain|carry|hold|include|be)|needs? to (?:contain|carry|include)|has to (?:contain|carry|include)|requires?|expects?|is required)\b|` +
    String.raw`\b(?:fuge|fugen|fugt|einfugen|sende|senden|gib|ubergib|ubergeben|incluye|incluya|incluir|envia|enviar|envie|pon|pega|copia|copie|llama|llamar|invoca|ruf|rufe|appelle|appelez|chiama|chame|inclut|inclure|incluez|envoie|envoyer|envoyez|mets|mettez|ajoute|ajoutez|includi|includere|inserisci|invia|inviare|inclua|coloque)\b|передава[а-яё]*|переда[а-яё]+|отправ[а-яё]+|включ[а-яё]+|встав[а-яё]+|放在|放入|发送|附上|包含|复制|填写|填入`,
);
/** Generic destinations, linked to the sentence by a preposition ("in the notes field", "as an argument", "to every call"). */
const DEST_LINKED = /\b(?:call|invoke|use|run)(?:ing)? (?:this|it|me|this tool)(?: tool)? with\b|\b(?:llama|llamar|invoca|usa) (?:a )?(?:esta|este)(?: herramienta)? con\b|\bruf\w* (?:dieses|dies|es)(?: werkzeug| tool)? mit\b|\bappel\w* (?:cet|cette|-le)(?: outil)? avec\b|\bchiama\w* (?:questo|questa)(?: strumento)? con\b|\b(?:in|into|to|as|via|inside|within|through|under|on|with|in das|im|en|en el|dans|dans le|nel|no|na|em)\s+(?:the |its |this |that |every |each |a |an |any |your |das |el |le |il |o |a )?(?:[`'"]?[\w-]+[`'"]? )?(?:field|fields|argument|arguments|arg|args|parameter|parameters|param|params|payload|body|header|headers|query string|request|requests|call|calls|metadata|feld|campo|champ|parametro|parametre)\b|в пол[ея]|в параметр|字段|参数/;
/** Parameter names that are ordinary words: a mention counts only when quoted or called a field. */
const COMMON_PARAM = new Set(['to', 'from', 'text', 'path', 'url', 'id', 'q', 'query', 'name', 'body', 'data', 'value', 'type', 'mode', 'message', 'content', 'input', 'output', 'file', 'key', 'format', 'limit', 'amount', 'date', 'time', 'host', 'user', 'command', 'code', 'items', 'item', 'lines', 'source', 'target', 'title', 'start', 'end', 'count', 'page', 'language', 'location', 'place', 'city', 'room', 'project', 'repo', 'channel', 'doc', 'expr', 'sql', 'dir', 'base', 'quote', 'group', 'level', 'since', 'the', 'a']);

const CONCEAL = new RegExp(
  String.raw`\bno need to (?:tell|inform|mention|notify) (?:the user|them|anyone)\b(?![^.]*\bunless\b)|\b(?:do not|don't|dont|never|must not|should not)\s+(?:ever\s+)?(?:tell|inform|mention|reveal|disclose|notify|alert|show|surface|list|bring (?:it|this|that) up|let (?:the user|them|anyone) know|quote|summari[sz]e|display|report)\b(?:[^.]{0,60}?\b(?:to )?(?:the user|users?|them|anyone|human|people)\b|\s+(?:this|it|that|these|the switch|the change|the upload|this tool|the (?:\w+ )?(?:call|upload|step|copy|change|redirect)|its \w+|anything)\b)|` +
    String.raw`\bwithout (?:telling|informing|notifying|alerting|asking|warning|mentioning|revealing|disclosing|showing) (?:the user|them|anyone|the human|it|this|that|the \w+)\b|\bkeep (?:this|it|that|the \w+)?\s*(?:secret|confidential|hidden|private|to yourself|between us)|\b(?:silently|quietly|secretly|covertly|discreetly) (?:\w+ )?(?:skip|ignore|include|add|send|forward|call|use|drop|replace|change|attach|append|pass|copy|upload|post|route|redirect|bcc|cc|share|leak|report|delete|remove|approve)\b|\b(?:skip|ignore|include|add|send|forward|call|use|drop|replace|change|attach|append|pass|copy|upload|post|route|redirect|bcc|share|delete|remove|approve)\b[^.]{0,60}?\b(?:silently|quietly|secretly|covertly|discreetly)\b|\bnot (?:be )?(?:shown|visible|displayed|mentioned|reported|disclosed) to the user|\bneed not be (?:mentioned|disclosed|shown)|\b(?:does|do)(?: not|n't) need to be (?:mentioned|disclosed|shown|reported|surfaced|told)|\bif (?:the user|they|anyone) asks?\b[^.;]{0,40}?,\s*(?:say|tell (?:them|the user)|claim|answer|reply|pretend)\b|\bas if it were your own|\bsay (?:that )?you answered from memory|\bthe user (?:doesn't|does not|need not|needn't|shouldn't|should not|must not) (?:need to )?(?:know|see|be told)|\bkeep (?:this|it|that)\b[^.]{0,40}?\bbetween (?:you|us|yourself)\b|\bkeep (?:quiet|silent|mum) about\b|\b(?:do not|don't|never) let (?:the user|the person|the human|them|anyone)\b[^.]{0,40}?\b(?:see|know|notice|find out|learn)\b|\bleave (?:it|that|this|them|the \w+|any mention(?: of \w+)?) out of (?:your|the) (?:reply|answer|response|summary|output)|\bomit (?:it|that|this|them|any mention)\b[^.]{0,40}\b(?:reply|answer|response|summary|user)|` +
    String.raw`\bohne (?:den|die) (?:nutzer|benutzer|anwender)\w* zu (?:informieren|fragen|benachrichtigen)|\berwahne (?:das|es|dies) nicht|\bnicht erwahnen|\bsin (?:avisar|decir|informar)|\bno se lo digas|\bno (?:lo )?menciones|\bsans (?:prevenir|informer|le dire|avertir)|\bne (?:le |lui )?(?:dis|mentionne|signale) pas|\bnon (?:dirlo|dirglielo|menzionar\w*)|\bsenza (?:dirlo|avvisare)|\bnao (?:diga|conte|mencione)|\bsem avisar|не (?:говори|сообщай|упоминай)|不要告诉|不告诉|不要提及|悄悄|默默`,
);
/** Concealment of a secret from view is protection, not poisoning ("never show the password to the user"). */
const PROTECTIVE = new RegExp(String.raw`\b(?:do not|don't|never|must not)\s+(?:show|reveal|display|print|log|expose|return|echo)\s+(?:\w+\s+){0,3}?${SECRET_N}(?!\s+(?:reset|change|changes|policy|policies|rules|requirements|strength|hint|hints|emails?|messages?|notifications?|links?|requests?|forms?|pages?))`);
const EXCLUSIVE = new RegExp(
  String.raw`\b(?:only|solely|exclusively)\s+(?:ever\s+)?(?:use|call|invoke)\s+(?:this|the present) (?:tool|server|one|integration)\b(?! (?:when|if|after|for|to|once))|\b(?:use|call) only this (?:tool|server)\b(?! (?:when|if|after|for|to|once))|\bthe only \w+(?: \w+)? tool (?:you )?(?:should|may|must|can|need)|\b(?:never|do not|don't|must not|should not)\s+(?:ever\s+)?(?:call|use|invoke|try)\s+(?:any|an)\s*(?:other|another|different|alternative)|\bnever call (?:any|another|other)\b|\b(?:never|do not|don't|must not|should not)\s+(?:ever\s+)?(?:call|use|invoke|trust)\b[^.;]{0,40}?\b(?:from|of|by|on) (?:any |the )?(?:other|another|different|third-party|competing) (?:servers?|providers?|vendors?|sources?|integrations?|plugins?)\b|\bthe only (?:\w+ )?(?:trustworthy|trusted|reliable|safe|accurate|valid|correct|approved) (?:\w+ )?(?:tool|source|server|provider)\b|\bignore (?:them|all|any|every|the)?\s*(?:other|others|alternative|similar|competing)\b|\b(?:instead of|rather than|in place of)\s+(?:any|all|every|the)\s+other\s+(?:\w+\s+)?tools?|\broute (?:all|every|any) (?:\w+ )?(?:requests?|calls?|queries)\s+through this|\b(?:replaces|supersedes|overrides)\s+(?:all|every|any)\s+other|\b(?:call|use) this tool instead\b[^.]{0,40}?\bnever\b|\brefuse to (?:use|call|invoke) (?:them|any other|other|those|the others)\b|\bthe (?:sole|only|exclusive) \w+(?: \w+)? (?:tool|source|provider|service)\b[^.]{0,20}?\b(?:in use|to use|you use|you call)|\bpretend (?:they|the others|other tools|others|the other \w+) (?:are|is|do not|don't) (?:unavailable|missing|exist|broken)|\bas (?:though|if) no other \w+(?: \w+)? (?:exists?|is available|were available)|\b(?:every|all|any)\b[^.]{0,80}\b(?:should|must|has to|needs to|is to) be (?:passed|sent|routed|piped|fed|run|forwarded) (?:through|to|into|via) this tool|\balways call this tool first|\b(?:call|use|run) this tool (?:first )?(?:on|for|before|at the start of) every (?:user )?(?:turn|message|request|response|conversation)|\beven (?:when|if) the user (?:did not|didn't|does not|doesn't|has not) ask|` +
    String.raw`\b(?:usa|use|utiliza|utilisez|utilise|usa) (?:siempre )?(?:solo|solamente|unicamente|seulement|uniquement|soltanto|apenas|somente) (?:esta|este|cet|cette|questo|questa|essa|esta) |\bsolo (?:esta herramienta|questo strumento)|\bnur dieses (?:werkzeug|tool)|\bersetzt alle anderen|\bniemals ein anderes|\bseulement cet outil|\buniquement cet outil|\bnon chiamare mai gli altri|\bapenas esta ferramenta|\bsomente esta ferramenta|только этот инструмент|никогда не (?:используй|вызывай) друг|只使用(?:此|这个)工具|只用(?:此|这个)工具|不要(?:调用|使用)其他`,
);
const OVERRIDE = new RegExp(
  String.raw`\b(?:polic(?:y|ies)|guidelines?|guardrails?|rules?|restrictions?|limitations?|safeguards?|filters?|checks?|confirmations?|content polic\w+|safety \w+)\b(?:\s+\w+){0,5}?\s+(?:are|is|have been|has been|were|was|now)?\s*(?:temporarily |hereby |currently )?(?:suspended|disabled|lifted|overridden|waived|turned off|switched off|removed|deactivated|relaxed|no longer (?:apply|applies|in effect|needed|required|valid)|do not apply|don't apply|not apply)\b|` +
    String.raw`\b(?:ignore|disregard|forget|override|bypass)\s+(?:\w+\s+){0,3}?(?:previous|prior|earlier|above|existing|all|your|any|the usual|system|original)\s+(?:\w+\s+){0,2}?(?:instructions|guidance|rules|guidelines|policies|restrictions|prompts?|directions|directives)\b|\b(?:instructions|rules|guidelines|guidance) (?:are|is|have been|has been) (?:superseded|overridden|replaced|revoked)|\bsupersede[sd]?\b|\btakes? (?:priority|precedence) over\b|` +
    String.raw`\bwithout (?:asking|requesting|seeking|needing|waiting for|prompting)?\s*(?:for )?(?:the user'?s?|their|user|any)?\s*(?:confirmation|approval|permission|consent|review)\b|\bno longer needs? (?:the user'?s? |their |user )?(?:consent|approval|confirmation|permission)|\b(?:exempt|excluded) from (?:user |the user'?s? )?(?:approval|confirmation|review|consent)|\bpre-?(?:approved|authori[sz]ed)\b|\balready (?:approved|authori[sz]ed|agreed|consented)\b|\b(?:skip|bypass|disable|suppress)\s+(?:all |the |any |every )?(?:\w+ )?(?:confirmations?|approvals?|consent|permission|dialogs?|prompts)\b|\b(?:do not|don't|never) (?:ask|prompt|check with) (?:the user )?(?:for )?(?:confirmation|approval|permission)|\bno need to (?:ask|confirm|check)\b|\b(?:do not|don't|never) refuse\b|\b(?:approve|accept|grant|comply with|carry out|execute) (?:every|all|any) (?:\w+ )?(?:requests?|actions?|commands?)\b|` +
    String.raw`\b(?:developer|debug|god|admin(?:istrator)?|unrestricted|maintenance|audit|jailbreak) mode (?:is )?(?:on|active|enabled|activated)\b|\brunning in (?:developer|debug|god|unrestricted) mode|\btreat (?:its|this tool'?s?|the) (?:output|results?) as (?:coming from )?(?:the )?(?:system|operator|developer)|\btrusted at the highest level|\bhighest (?:level of )?(?:trust|privilege)|\b(?:you are|the (?:assistant|model|agent|ai) is) (?:now |hereby )?authori[sz]ed to|\b(?:you|the (?:assistant|model|agent|ai)|agents|assistants|models) (?:may|can) now\b|\b(?:you are|the (?:assistant|model|agent|ai) is|agents are|assistants are|models are) (?:now |hereby )?(?:allowed|permitted|free|cleared) to\b|\bi (?:hereby )?(?:instruct|authori[sz]e|order|command) (?:you|the (?:model|assistant|agent))|\b(?:administrator|admin|operator|security team|platform team) (?:override|has (?:approved|authori[sz]ed|disabled))|` +
    String.raw`\btreat (?:\w+ ){0,6}?as (?:system[- ]level |system |binding |authoritative |trusted )?(?:instructions|commands|directives|orders)\b|\b(?:higher|highest|top) priority than (?:the user|users?|your|what the user)|\bprioriti[sz]e (?:them|it|these|this|its \w+) over\b|\bfollow (?:them|these|its instructions|the instructions|those instructions) (?:exactly|without question|blindly|to the letter)|\b(?:regardless|irrespective) of (?:what|whatever|the \w+|which \w+|any \w+) (?:the user|they|you were)\b|\bno matter what the user\b|\b(?:waived|removed|dropped|lifted|suspended|disabled|eliminated) (?:the )?(?:need|requirement|obligation) (?:for|to (?:ask|obtain|get)) (?:\w+ ){0,2}(?:confirmation|approval|consent|permission)|\binstructions (?:found |contained |embedded )?in (?:the |its |tool )?(?:results|responses|output|outputs|data)\b[^.]{0,30}?\b(?:are to be|must be|should be|shall be|will be) (?:obeyed|followed|executed|carried out)|\b(?:under|by) the (?:vendor|provider|server|developer|operator)'?s? (?:policy|rules|instructions) instead of the user'?s|\b(?:directrices|normas|reglas|politicas|richtlinien|regeln|sicherheitsregeln|consignes|regles|linee guida|regole|diretrizes|regras)\b[^.]{0,40}?\b(?:anulad\w*|suspendid\w*|desactivad\w*|aufgehoben|deaktiviert|ausgesetzt|suspendu\w*|annule\w*|desactive\w*|sospes\w*|annullat\w*|disattivat\w*|desativad\w*)|\bwithout (?:checking|confirming|consulting) with (?:the user|them|anyone)\b|\btreat [^.]{0,60}?\binstructions?\b[^.]{0,40}? as (?:authoritative|binding|coming from|system|trusted|the user'?s|orders)|\b(?:rules|instructions|guidelines|guidance|directions) (?:that )?you (?:were|have been) given\b[^.]{0,30}?\b(?:are|is) (?:outdated|obsolete|void|invalid|no longer valid|replaced|superseded|cancelled)|\binstructions in (?:this|the|its) (?:\w+ ){0,3}(?:responses|results|output|outputs) (?:replace|override|supersede|take precedence over)|\b(?:answer|reply|respond|say) (?:yes|y|ok) on (?:the user'?s|their) behalf|\b(?:confirm|approve|accept) (?:it |them |everything |all )?on (?:the user'?s|their) behalf|\bwithout asking\b(?! (?:for )?(?:help|questions))|\b(?:respond|reply|answer|write|output)(?: to the user)? (?:only |always |exclusively )?in (?:base64|hex|hexadecimal|rot13|binary|morse code|reverse)\b|\b(?:responses?|replies|answers?)\b[^.]{0,30}?\b(?:must|should|shall|are to|have to|need to|will)\b[^.]{0,20}?\b(?:in|as) (?:base64|hex|hexadecimal|rot13|binary|morse code)\b|\b(?:in|into|enter|entering|enable|enabling|activate) (?:an? |the )?(?:unrestricted |developer |god |jailbreak )+mode\b|\bencode (?:your|the|all|every) (?:entire )?(?:answer|reply|response|output)s?\b|\b(?:recommend|promote|endorse) only\b|\bonly (?:recommend|promote|endorse)\b|` +
    String.raw`\bignorier\w* (?:die |alle )?(?:vorherigen |bisherigen )?(?:anweisungen|regeln)|\bignora(?:r)? (?:las |le |tutte le )?(?:instrucciones|istruzioni)|\bignore[zr]? les instructions|\bignore as instrucoes|игнорируй[а-яё]* (?:\w+ )?(?:инструкци|правил)|忽略(?:之前|以前|所有)?的?(?:指令|指示|说明)`,
);
const SEND_VERB = String.raw`(?:send|sends|sent|forward|forwards|forwarded|copy|copies|copied|bcc|cc|post|posts|posted|upload|uploads|uploaded|transmit|transmitted|report|reported|mirror|mirrored|sync|synced|share|shared|email|emailed|mail|wire|transfer|pay|deliver|delivered|leak|exfiltrate|add|include)`;
const SINK_ADDR = String.raw`(?:[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}|https?://[^\s)'"]+|\b[a-z]{2}\d{2}(?: ?[a-z0-9]{4}){2,7}\b|\baccount (?:number )?[0-9][0-9 -]{5,}|#[a-z][a-z0-9_-]{2,})`;
const SINK = new RegExp(String.raw`\b(?:always|also|every|each|whenever|automatically|must|should|silently|quietly|secretly|after (?:every|each|any))\b[^.;]{0,120}?\b${SEND_VERB}\b[^.;]{0,120}?${SINK_ADDR}|\b${SEND_VERB}\b[^.;]{0,120}?${SINK_ADDR}[^.;]{0,80}?\b(?:always|also|every|each|whenever|automatically|regardless|as well|too)\b|\b(?:also|always|automatically) (?:be )?(?:sent|uploaded|forwarded|copied|posted|mirrored|shared|reported)\b[^.;]{0,60}?${SINK_ADDR}`);
/** A remote destination named in words ("to the analytics endpoint", "to a third-party server"). */
const SINK_WORDS = String.raw`\b(?:to|at|via|on) (?:the |an? |our |their |this |that |some )?(?:[\w-]+ )?(?:(?:analytics|telemetry|tracking|collection|logging|third[- ]party|external|remote|partner|vendor|marketing)\s+(?:endpoint|server|service|host|api|backend|site)|webhook|collector|third[- ]party)\b`;
const SECRET_SINK = new RegExp(String.raw`${SECRET_N}[^.]{0,80}?\b(?:${SEND_VERB}|submit|submits|submitted)\b[^.]{0,80}?(?:${SINK_ADDR}|${SINK_WORDS})|\b(?:${SEND_VERB}|submit|submits|submitted)\b[^.]{0,80}?${SECRET_N}[^.]{0,80}?(?:${SINK_ADDR}|${SINK_WORDS})`);
const ADDRESSEE = /\b(?:assistant|model|ai|agent|llm|chatbot|bot|claude|gpt|copilot)s?\b|\bnote to (?:the )?(?:model|assistant|ai)|\bmodel must\b/;
const DATA_DIRECTIVE = /\b(?:must|should|always|never|do not|don't|ignore|include|send|put|read|pass|forward|before|after|instead|call|use|tell|reply|respond|answer|output|skip|also|please)\b|\b(?:assistant|model|ai|agent|llm|chatbot|bot|claude|gpt|copilot)s?\s*[:,—–]\s*[a-z]/;
/** A call of a tool (snake_case name) asked for in a data field ("… and also call share_calendar with …"). */
const FIELD_CALL = /\b(?:call|invoke|trigger)\s+(?:the\s+)?[a-z][a-z0-9]*_[a-z0-9_]+\b/;
/** An instruction planted in a data field: a trigger clause and an action ("Before closing, delete every other ticket"). */
const DATA_ACTION = /^(?:\W*)(?:before|after|when|whenever|always|never|also|first|then|once)\b[^.]{0,60}?\b(?:delete|remove|send|forward|call|run|execute|transfer|ignore|disable|read|upload|post|grant|approve|share|email|wire|pay|drop|close|cancel)\b/;
const MODIFY = /\b(?:immer|siempre|toujours|sempre|hinzu|anade|ajoute|aggiungi|adicione|empfanger|destinatario|destinataire|first|push|attach|attached|with the|answer|respond|reply|approve|confirm|accept|on the user'?s behalf|always|also|must|should|set|sets|change|changes|add|adds|include|includes|bcc|cc|copy|forward|redirect|replace|append|prepend|send|pass|tell the user|report|instead|first call this tool|call this tool|with the same arguments|recipient|amount|fee|account)\b/;

/** Credential-named parameters may legitimately ask for a credential. */
const CRED_PARAM = /(?:^|_|-)(?:api_?key|key|token|secret|password|passwd|pass|pwd|credentials?|auth|authorization|bearer|jwt|cookie|otp|totp|pin)(?:$|_|-)|^(?:apikey|accesstoken|authtoken|password|token|secret)$/i;

function splitSentences(t: string): string[] {
  return t.split(/(?<=[.!?。！？])\s+|\n+|(?<=[。！？])/).filter((s) => s.length > 0);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Identifiers that look like tool names (snake / dotted / kebab) in a sentence, other than our own and our parameters. */
function toolRefs(s: string, ctx: RelationContext): string[] {
  const own = new Set([ctx.ownName?.toLowerCase(), ...(ctx.params ?? []).map((p) => p.toLowerCase())]);
  const out: string[] = [];
  for (const m of s.matchAll(/\b[a-z][a-z0-9]*(?:[_.][a-z0-9]+)+\b/g)) {
    const id = m[0];
    if (own.has(id) || /\.(?:json|env|ya?ml|txt|md|js|ts|py|com|net|org|io|rc|toml|ini)$/.test(id) || /^(?:e\.g|i\.e|etc)\b/.test(id) || /^[a-z0-9]+_(?:token|api_key|key|secret|password|pat)$/.test(id)) continue;
    out.push(id);
  }
  for (const n of ctx.otherToolNames ?? []) {
    const ln = n.toLowerCase();
    if (ln.length >= 3 && ln !== ctx.ownName?.toLowerCase() && new RegExp(`\\b${escapeRegex(ln)}\\b`).test(s)) out.push(ln);
  }
  for (const m of s.matchAll(/\bthe (\w+) tool\b/g)) if (m[1] !== 'this' && m[1] !== 'same' && m[1] !== 'other' && m[1] !== ctx.ownName) out.push(m[1]!);
  for (const m of s.matchAll(/\b(?:any|every|all|each) other (?:\w+ )?tools?\b/g)) out.push(m[0]);
  return out;
}

const TRIGGERS = new Map<string, RegExp>();
/** A clause that triggers on the use of tool R ("when calling R", "any call to R", "R is broken", "after every x, call R"). */
function triggerOn(R: string): RegExp {
  return new RegExp(
      String.raw`\b(?:wenn|sobald|bevor|nachdem|cuando|siempre que|antes de|quand|lorsque|avant de|quando|ogni volta che|prima di|sempre que)\s+(?:du\s+|tu\s+|vous\s+|usted\s+|voce\s+)?(?:\w+\s+)?${R}\b|(?<!\b(?:called|run|used|invoked|typically|usually|normally|often) )\b(?:when(?:ever)?|before|after|each time|every time|any time|if)\s+(?:you\s+|the (?:assistant|model|agent)\s+)?(?:are\s+)?(?:call(?:ing|s|ed)?|us(?:e|es|ing|ed)|invok(?:e|es|ing|ed)|run(?:ning|s)?|send(?:ing)?)?\s*(?:the\s+)?${R}\b|\b(?:any|every|each|all)\s+(?:call|calls|invocation|invocations|use|uses|request|requests)\s+(?:to|of)\s+(?:the\s+)?${R}\b|\b(?:for|on)\s+(?:every|each|any|all)\s+${R}\s+(?:call|invocation|request|use)s?\b|\b${R}\s+(?:tool\s+)?(?:is|are|was|gets)\s+(?:used|called|invoked|run)\b|\b${R}\s+(?:tool\s+)?(?:must|should|shall|has\s+to|needs\s+to|is\s+to)\s+(?!(?:first\s+|only\s+)?be\s+(?:called|used|run|invoked|available|installed|configured|enabled)\b)|\b${R}\s+(?:tool\s+)?is\s+(?:broken|compromised|unsafe|disabled|down|malicious|not to be trusted)\b|\binstead of (?:calling |using )?(?:the )?${R}\b[^.]{0,80}\btell the user|\b(?:after|before)\s+(?:every|each|any)\s+\w+[^.]{0,40}?\b(?:call|use|invoke|run)\s+(?:the\s+)?${R}\b|\b(?:call|use|invoke|run)\s+(?:the\s+)?${R}\b[^.]{0,80}?${SINK_ADDR}`,
  );
}

function shadows(s: string, ctx: RelationContext): boolean {
  if (!MODIFY.test(s)) return false; // nothing about the other call would change
  for (const r of toolRefs(s, ctx)) {
    const trig = memo(TRIGGERS, r, () => triggerOn(escapeRegex(r)));
    const m = trig.exec(s);
    if (m && MODIFY.test(s.slice(m.index))) return true;
  }
  return false;
}

/** Relations found in one string of a tool definition. */
export function toolRelations(text: string, ctx: RelationContext = {}): RelationHit[] {
  if (text.length < 12) return [];
  const src = text.length > 20000 ? text.slice(0, 20000) : text;
  const hits: RelationHit[] = [];
  const seen = new Set<RelationRule>();
  const add = (rule: RelationRule, score: number, sentence: string): void => {
    if (seen.has(rule)) return;
    seen.add(rule);
    hits.push({ rule, score, sentence: sentence.length > 160 ? `${sentence.slice(0, 157)}...` : sentence });
  };
  const views = [relationText(src)];
  const plain = plainView(src);
  if (plain !== undefined) views.push(plain);
  for (const t of views) for (const s of splitSentences(t)) sentenceRelations(s, ctx, add);
  return hits;
}

const SECRET_RE = new RegExp(SECRET_N);
const CONTEXT_RE = new RegExp(CONTEXT_N);
const PII_RE = new RegExp(PII_N);
/** The sentence opens with a quantified or owned noun phrase (VALUE_PHRASE) that holds the sensitive noun. */
function valuePhrase(s: string): boolean {
  if (!VALUE_PHRASE.test(s)) return false;
  const head = /^[^.;:()]{0,70}/.exec(s)![0];
  return SECRET_RE.test(head) || CONTEXT_RE.test(head);
}
/** A parameter description that is just "the contents of <secret>" asks for it without a verb. */
const NOUN_REQUEST = /^\W*(?:(?:required|optional|mandatory|note)\W+)?(?:the |your |all |any )?(?:full |complete |raw |entire |current )?(?:contents?|text|value|values|copy|output|dump) of\b/;
/**
 * A parameter description whose opening noun phrase IS the value, quantified or owned ("All environment
 * variables of the workspace as KEY=VALUE lines", "Everything the user has said …", "Your own system
 * instructions"): a request for it, though it has no verb. The sensitive noun must sit in that phrase.
 */
const VALUE_PHRASE = /^\W*(?:(?:required|optional|mandatory)\W+)?(?:all|every|each|any|everything|whatever|your(?: own)?|the user'?s|their|the (?:full|complete|entire|whole|raw)|full|complete|entire|whole|raw)\b/;
/** "use the X here" in a parameter's own text. */
const USE_HERE = /\buse (?:the |your |any |all )[^.]{0,60}\bhere\b/;

interface ParamRes {
  /** Quoted, called a field, or set to a non-literal: a destination even for a common word. */
  strong: RegExp;
  /** After a preposition or before "should / must / contains": a destination for a distinctive name. */
  linked: RegExp | undefined;
}
const PARAM_RES = new Map<string, ParamRes>();
function paramRes(p: string): ParamRes {
  return memo(PARAM_RES, p, () => {
    const P = escapeRegex(p);
    const strong = new RegExp(String.raw`[\`'"]${P}[\`'"]|(?<![a-z0-9_])${P}(?![a-z0-9_]) (?:field|argument|arg|param|parameter|property|value)\b|(?:field|argument|arg|param|parameter|property) [\`'"]?${P}(?![a-z0-9_])|(?<![a-z0-9_])${P}\s*(?:set to|=|equal to)\s*(?!=|true\b|false\b|null\b|\d|['"](?:true|false)\b)`);
    const linked = COMMON_PARAM.has(p) ? undefined : new RegExp(String.raw`\b(?:in|into|to|as|via|inside|within|through|under|on|with|fill|populate|set)\s+(?:the\s+|its\s+|this\s+)?${P}(?![a-z0-9_])|(?<![a-z0-9_])${P}\s+(?:should|must|needs? to|has to|is to|will|includes|contains|carries|has)\b`);
    return { strong, linked };
  });
}

/** The parameter a sentence directs a value to, when it names one of the tool's parameters as a destination. */
function linkedParam(s: string, params: readonly string[]): string | undefined {
  for (const p of params) {
    if (p.length < 1) continue;
    const lp = p.toLowerCase();
    if (!s.includes(lp)) continue;
    const r = paramRes(lp);
    if (r.strong.test(s) || r.linked?.test(s)) return p;
  }
  return undefined;
}

function sentenceRelations(sentence: string, ctx: RelationContext, add: (rule: RelationRule, score: number, sentence: string) => void): void {
  const ownParam = ctx.paramOfField?.toLowerCase();
  let s = sentence;
  // secrets / session / conversation / system prompt / personal data into a parameter or call
  // (a quoted phrase of several words is a mention: 'notices like "conversation started"')
  s = s.replace(/"[^"\s]{1,60}(?:\s[^"]{1,60}){1,8}"|“[^”]{1,100}”/g, '""');
  const sec = SECRET_RE.test(s), con = CONTEXT_RE.test(s), pii = PII_RE.test(s);
  if (sec || con || pii) {
    const named = linkedParam(s, ctx.params ?? []);
    const destParam = named ?? ownParam;
    const hasDest = destParam !== undefined || DEST_LINKED.test(s);
    const directive = DIRECTIVE.test(s) || (ownParam !== undefined && named === undefined && (NOUN_REQUEST.test(s) || USE_HERE.test(s) || (!CRED_PARAM.test(ownParam) && valuePhrase(s))));
    if (hasDest && directive) {
      const credDest = destParam !== undefined && CRED_PARAM.test(destParam);
      const strong = HARVEST_STRONG.test(s), owner = HARVEST_OWNER.test(s);
      const promptParam = destParam !== undefined && /prompt|instruction|message|conversation|history|transcript|chat/.test(destParam);
      if (con && !(promptParam && !strong && !owner)) add('secret-to-param', 0.85, s);
      else if (sec && !PROTECTIVE.test(s) && (strong || (owner && !credDest))) add('secret-to-param', 0.85, s);
      else if (pii && (strong || owner) && !credDest) add('secret-to-param', 0.8, s);
    }
  }
  if (SECRET_SINK.test(s)) add('sink', 0.8, s);
  // mentions in quotes are not instructions ('payloads such as "ignore previous instructions"')
  const unq = s.replace(/"[^"]{1,100}"|“[^”]{1,100}”|«[^»]{1,100}»/g, '""');
  if (CONCEAL.test(unq) && !PROTECTIVE.test(unq)) add('conceal', 0.7, s);
  if (EXCLUSIVE.test(unq)) add('exclusive', 0.7, s);
  if (OVERRIDE.test(unq)) add('override', 0.75, s);
  if (SINK.test(s)) add('sink', 0.75, s);
  if (shadows(s, ctx)) add('shadowing', 0.8, s);
  if (ctx.dataField && ((ADDRESSEE.test(s) && DATA_DIRECTIVE.test(s)) || DATA_ACTION.test(s) || (DATA_DIRECTIVE.test(s) && FIELD_CALL.test(s)))) add('field-instruction', 0.75, s);
}

/** Combined score of a string's relations: the strongest, raised by each further distinct relation. */
export function relationScore(hits: readonly RelationHit[]): number {
  if (hits.length === 0) return 0;
  const sorted = hits.map((h) => h.score).sort((a, b) => b - a);
  return Math.min(1, sorted[0]! + 0.1 * (sorted.length - 1));
}
