/**
 * Prompt-injection detector (OWASP MCP06: prompt injection via contextual payloads).
 *
 * Feature scoring, not a phrase list: the text is normalised (NFKC, homoglyphs, invisible
 * characters, case, diacritics), tokenised once, and each word that can start a cue runs a few
 * anchored (sticky) patterns at that position. Cues belong to kinds — the text addresses the model,
 * overrides its instructions, hides something from the user, sends data to a third party, touches
 * secrets, dictates the model's reply, frames itself as a system message... — each with a weight.
 * Cues within a window are combined (noisy-OR over the strongest cue of each kind, plus synergy
 * between "addressed to the model" and "asks for an action"), then discounted when the text is
 * *about* injection (articles, training material, test fixtures) or the cue is quoted.
 *
 * The same engine scores tool definitions (poisoning.ts) with `mode: 'tool'`, where the addressee
 * is the model by default and instructions about files, secrets, other tools or concealment weigh more.
 *
 * Every pattern is anchored at a trigger word and uses only bounded gaps: linear time.
 *
 * When these rules find nothing, two structural checks run before the learned scorer: the gateway's own
 * untrusted-content marker inside a result (`injection.gateway-marker`), and directive.ts — a clause that
 * addresses the model and tells it what to do (`injection.directive`). Misspelt instruction words are
 * repaired in the de-obfuscated copy (spelling.ts) that both the rules and the scorer read.
 */
import type { Finding, Severity, TextDetector } from './types.js';
import { getModel, learnedScorersOn, scoreView } from './model.js';
import { normalizeForMatching, type Normalized } from './normalize.js';
import { PreparedText } from './prepared.js';
import { aboutAttacks, findDirective, WEAK, type DirectiveHit } from './directive.js';
import { findInsertedTask } from './offtopic.js';

export { deobfuscate } from './normalize.js';
import { firstSetsOrUndefined, prefilterPasses, firstSets, scanNearNonAscii, type Prefilter } from './prefilter.js';

export type Kind =
  | 'addr' // text addressed to the AI / model / agent
  | 'addr_weak' // mentions an AI / assistant
  | 'override' // ignore previous instructions, new task, stop doing X
  | 'override_weak'
  | 'conceal' // do not tell the user
  | 'exfil' // send / forward / post data to a destination
  | 'redirect' // also / always send a copy somewhere
  | 'secret' // reference to secrets, sensitive files, conversation history
  | 'read_pass' // read a secret/file and put it into a parameter / reply
  | 'param' // put X into a parameter
  | 'shadow' // instructions about how other tools behave
  | 'tool_override' // always call this tool first, act as, bypass safety
  | 'precond' // before calling this tool / before continuing / otherwise it fails
  | 'frame' // [SYSTEM OVERRIDE], <IMPORTANT>, ### Instructions for AI
  | 'fake_turn' // <|im_start|>system, "System:" line
  | 'resp' // dictates the model's response (in your answer, tell the user that)
  | 'code_insert' // put the following code into your code
  | 'harm' // delete all files, transfer money, create admin user, without review
  | 'danger_code' // dangerous calls in code (os.system, requests.post of env...)
  | 'hidden' // the cue sits inside an HTML comment / hidden element
  | 'invisible' // invisible characters inside words
  | 'encoded' // encoded payload that decodes to instructions
  | 'decode_follow' // "decode and follow"
  | 'imperative'; // weak: sentence starts with an imperative of action

export type Mode = 'data' | 'tool';

interface Rule {
  kind: Kind;
  /** weight in data mode / tool mode */
  w: number;
  wt: number;
  re: RegExp;
  id?: string;
}

export interface Hit {
  kind: Kind;
  w: number;
  start: number; // normalised index
  end: number;
  /** 1 quoted, 0 not, -1 not computed yet (computed lazily: most windows never need it) */
  quoted: number;
  /** index of `kind` in KINDS */
  ki: number;
}

const KINDS: readonly Kind[] = ['addr', 'addr_weak', 'override', 'override_weak', 'conceal', 'exfil', 'redirect', 'secret', 'read_pass', 'param', 'shadow', 'tool_override', 'precond', 'frame', 'fake_turn', 'resp', 'code_insert', 'harm', 'danger_code', 'hidden', 'invisible', 'encoded', 'decode_follow', 'imperative'];
const KIND_INDEX = new Map<Kind, number>(KINDS.map((k, i) => [k, i]));
const K = (k: Kind): number => KIND_INDEX.get(k)!;

// ------------------------------------------------------------------------------------------------
// Vocabulary (on normalised text: lower-case, no diacritics)
// ------------------------------------------------------------------------------------------------

const AI = String.raw`(?:ai|a\.i\.|llms?|large\s+language\s+models?|language\s+models?|(?:ai\s+|llm\s+|virtual\s+|automated\s+|digital\s+)?assistants?|(?:ai\s+|llm\s+|autonomous\s+|automated\s+)?agents?|chat\s?bots?|bots?|models?|gpt(?:-?\d[\w.-]*)?|chatgpt|claude|copilot|gemini|ai\s+(?:tools?|systems?|models?|readers?|crawlers?)|automated\s+(?:systems?|tools?|readers?|processors?)|ki(?:-\w+)?|sprachmodells?|assistent(?:en|in)?|ia|asistentes?(?:\s+de\s+ia)?|modelos?(?:\s+de\s+(?:lenguaje|ia))?|agentes?(?:\s+de\s+ia)?|modeles?(?:\s+de\s+langage)?|assistants?\s+ia|assistenti?|modell[oi](?:\s+linguistic[oi])?|agenti?)`;
const DET = String.raw`(?:the\s+|any\s+|all\s+|an?\s+|every\s+|each\s+|you,?\s+|our\s+|die\s+|den\s+|das\s+|der\s+|el\s+|la\s+|los\s+|las\s+|le\s+|l'|les\s+|il\s+|lo\s+|gli\s+|o\s+|os\s+|as\s+|cualquier\s+|tout\s+|toute\s+|qualsiasi\s+|qualquer\s+)?`;
const PREV = String.raw`(?:previous|prior|above|earlier|preceding|former|original|initial|old|existing|system|default|all|any|other|current|developer|safety|vorherigen?|bisherigen?|obigen?|fruheren?|vorigen?|alten?|ursprunglichen?|anteriores?|previas?|precedentes?|originales?|initiales?|ci-dessus|precedenti|originali)`;
const INSTR = String.raw`(?:instructions?|directives?|directions?|prompts?|rules?|guidelines?|guardrails?|constraints?|commands?|programming|system\s+prompt|context|restrictions?|policies|policy|orders?|tasks?|safety\s+\w+|anweisungen|instruktionen|befehle|regeln|vorgaben|richtlinien|systemanweisungen|instrucciones|indicaciones|ordenes|reglas|directrices|consignes|regles|ordres|istruzioni|indicazioni|regole|instrucoes|orientacoes|regras)`;
/** "ignore / forget" in German, Spanish, French, Italian and Portuguese ("ignore" is also English): the override rules' triggers. */
const IGNORE_ML = 'ignoriere|ignorier|ignorieren|vergiss|vergessen|missachte|ignora|ignore|ignoren|ignorez|ignorate|olvida|olvide|olviden|descarta|omite|oublie|oubliez|dimentica|dimenticate|esqueca|esquece|desconsidere';
/** Their articles and possessives before "instructions". */
const ARTICLE_ML = String.raw`(?:die\s+|deine\s+|ihre\s+|las\s+|los\s+|tus\s+|sus\s+|les\s+|tes\s+|vos\s+|le\s+|tue\s+|as\s+|os\s+|suas\s+)`;
const USERW = String.raw`(?:the\s+)?(?:users?|human|operator|customer|requester|person|owner|anyone|anybody|them|him|her|benutzer\w*|nutzer\w*|anwender\w*|usuari[oa]s?|utilisateur\w*|utente|usuario)`;
const SENSITIVE = String.raw`(?:(?:~|\$home)/)?(?:~?/?\.ssh\b|id_(?:rsa|dsa|ecdsa|ed25519)|\.env\b|/etc/(?:passwd|shadow|sudoers)|\.netrc|\.git-credentials|\.bash_history|\.zsh_history|\.aws/credentials|\.aws\b|\.docker/config|\.kube/config|\.npmrc|\.pypirc|\.pgpass|\.my\.cnf|\.vault-token|\.gnupg|\.s3cfg|\.boto\b|\.htpasswd|\.config/(?:gcloud|gh)|\.azure/|wallet\.dat|keychains?\b|mcp\.json|claude_desktop_config|\.cursor/|credentials?(?:\.json)?|api[\s_-]?keys?|access[\s_-]?(?:keys?|tokens?)|secret[\s_-]?(?:keys?|access[\s_-]?keys?)|secrets|private[\s_-]?keys?|passwords?|passwd|passphrases?|auth(?:entication)?\s+tokens?|bearer\s+tokens?|session\s+(?:cookies|tokens?)|cookies|tokens|environment\s+variables?|env(?:ironment)?\s+vars?|[a-z][a-z0-9]*_(?:api_key|secret_access_key|secret_key|access_key|secret|token|password|key|database_url)\b|database_url|system\s+prompt|(?:hidden|secret|internal|original|initial)\s+(?:instructions|prompt|rules|guidelines)|conversation\s+history|chat\s+history|(?:full|entire|whole|complete|previous)\s+(?:conversation|chat|message\s+history)|clipboard|keystrokes|browser\s+history|(?:saved\s+)?(?:card|credit\s+card|bank|account|routing|social\s+security|passport)\s+(?:numbers?|details)|cvv|ssn|(?:vollstandige|gesamte|komplette)\s+(?:konversation|unterhaltung|chat)|conversacion\s+completa|historial\s+(?:de\s+(?:la\s+)?)?(?:conversacion|chat)|historique\s+de\s+(?:la\s+)?conversation|cronologia\s+della\s+(?:chat|conversazione)|historico\s+da\s+conversa|(?:the\s+)?user'?s\s+(?:location|contacts|clipboard|photos|emails|messages|files|documents)|(?:the\s+)?user'?s\s+(?:full\s+|real\s+|legal\s+|home\s+|current\s+)?(?:name|email\s+address|(?:home\s+|postal\s+|ip\s+)?address|phone\s+number|date\s+of\s+birth)\b[^.\n]{0,60}?\bfrom\s+(?:earlier\s+in\s+|elsewhere\s+in\s+)?(?:the\s+|this\s+|our\s+|your\s+)?(?:conversation|chat|session|context|memory|history|previous\s+messages)|(?:last|previous|recent|earlier)\s+(?:\d{1,4}\s+|few\s+)?(?:messages|turns|exchanges)\s+(?:of|in|from)\s+(?:the|this|our)\s+(?:conversation|chat|session)|(?:chat|conversation|session)\s+transcript|transcript\s+of\s+(?:the|this)\s+(?:conversation|chat|session)|system://\w+|ssh\s+keys?|wallet|seed\s+phrase|passwort|kennwort|zugangsdaten|umgebungsvariable\w*|contrasenas?|credenciales|claves?\s+(?:de\s+)?api|variables?\s+de\s+entorno|mots?\s+de\s+passe|identifiants|variables?\s+d'environnement|cle(?:s)?\s+(?:d')?api|chiavi?\s+api|password|senhas?|credenciais|chaves?\s+(?:de\s+)?api)`;
/** SENSITIVE as it appears from the start of a word (paths are entered at their first word). */
const SENSITIVE_WORD = String.raw`(?:ssh(?:/|\s+keys?\b|\b)|id_(?:rsa|dsa|ecdsa|ed25519)|env\b|etc/(?:passwd|shadow|sudoers)|netrc|git-credentials|bash_history|zsh_history|aws/credentials|aws\b|docker/config|kube/config|npmrc|pypirc|pgpass|my\.cnf|vault-token|gnupg|s3cfg|boto\b|htpasswd|keychains?\b|mcp\.json|claude_desktop_config|credentials?|api[\s_-]?keys?|access[\s_-]?(?:keys?|tokens?)|secret[\s_-]?(?:keys?|access[\s_-]?keys?)|secrets|private[\s_-]?keys?|passwords?|passwd|passphrases?|auth(?:entication)?\s+tokens?|bearer\s+tokens?|session\s+(?:cookies|tokens?)|cookies|tokens|environment\s+variables?|env(?:ironment)?\s+vars?|database_url|system\s+prompt|(?:hidden|secret|internal|original|initial|system)\s+(?:instructions|prompt|rules|guidelines)|conversation\s+history|chat\s+history|(?:full|entire|whole|complete|previous)\s+(?:conversation|chat|message\s+history)|clipboard|keystrokes|browser\s+history|(?:saved\s+)?(?:card|credit\s+card|bank|account|routing|social\s+security|passport)\s+(?:numbers?|details)|cvv|ssn|(?:vollstandige|gesamte|komplette)\s+(?:konversation|unterhaltung|chat)|conversacion\s+completa|historial\s+(?:de\s+(?:la\s+)?)?(?:conversacion|chat)|historique\s+de\s+(?:la\s+)?conversation|seed\s+phrase|passwort|kennwort|zugangsdaten|umgebungsvariable\w*|contrasenas?|credenciales|claves?\s+(?:de\s+)?api|variables?\s+(?:de\s+entorno|d'environnement)|mots?\s+de\s+passe|identifiants|chiavi?\s+api|senhas?|credenciais|chaves?\s+(?:de\s+)?api)\b`;
const RESPONSE = String.raw`(?:response|answer|reply|output|message|summary|responses|answers|replies|explanation|translation|elucidation|text|reasoning|result|antwort|respuesta|reponse|risposta|resposta)`;
const CODEOBJ = String.raw`(?:code|implementation|solution|algorithm|program|program\s+logic|codebase|script|elucidation)`;
const DEST = String.raw`(?:<?[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,4}\.[a-z]{2,12}|https?://|hxxps?://|www\.|ftp://|[a-z0-9-]{2,63}\.(?:com|net|org|io|xyz|ru|cn|top|info|ch|me|co|app|dev|site|online|biz|tk|de|fr|es|it|br)\b|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})`;
const DEST_GENERIC = String.raw`(?:an?\s+|the\s+|my\s+|this\s+|our\s+)?(?:webhook|external\s+(?:server|endpoint|address|url|email)|remote\s+server|attacker|third[\s-]part(?:y|ies)|outside\s+(?:server|address))`;
const SEND = 'gib|gebt|geben|send|forward|email|mail|post|upload|transmit|submit|copy|bcc|cc|share|sync|report|exfiltrate|leak|relay|mirror|deliver|push|publish|beam|pipe|sends|forwards|emails|posts|uploads|transmits|submits|copies|shares|syncs|relays|mirrors|delivers|pushes|publishes|sende|senden|schicke|schicken|leite|ubermittle|ubertrage|lade|envia|enviar|envie|reenvia|manda|mandar|envoie|envoyez|envoyer|transfere|transmets|transmettez|invia|inviare|inoltra|encaminhe|encaminha|mande';
const READ = String.raw`(?:read|reading|open|cat|load|access|fetch|retrieve|get|obtain|collect|grab|look|extract|dump|print|output|reveal|show|display|list|include|attach|append|copy|paste|gather|search|find|export|lies|lese|lesen|offne|hole|lee|leer|abre|obten|lis|lire|lisez|ouvre|recupere|leggi|leggere|apri|recupera|leia|ler|abra|obtenha|incluye|incluir|inclus|incluez|inclure|includi|includere|inclua|incluir)`;

/**
 * After "ignore (any) instructions": the defensive phrase of prompt templates, "...contained in the
 * document / found in the web page" (the instructions of the data, not the model's own).
 */
const NOT_IN_DATA = String.raw`(?!\s+(?:inside|within|(?:contained|embedded|found|included|that\s+appear)\s+in|in)\s+(?:the\s+|this\s+|any\s+|a\s+)?(?:documents?|texts?|content|data|(?:web\s+)?pages?|inputs?|emails?|files?|results?|tool\s+(?:outputs?|results?)|retrieved\s+\w+|search\s+results)\b)`;
/** Not followed by what makes an override a correction between people: an object, a sender, a topic. */
const NOT_PEOPLE = String.raw`(?![ \t]*(?:,\s*)?(?:for|about|on|regarding|concerning|re|in|from|i|we|you|that\s+i|that\s+we|zum|zur|fur|uber|bezuglich|von|die\s+ich|sobre|para|de\s+la|del|que\s+(?:te|le)|sur|pour|concernant|que\s+je|per|su|riguardo|sul|sulla|che\s+ti|acerca|do|da|que\s+eu)\b)`;

type RuleSpec = [kind: Kind, w: number, wt: number, triggers: string, rest: string, id?: string];

/**
 * Rules with long gaps only run when a cheap marker occurs shortly after the trigger
 * (positions of each marker are computed once per text, lazily).
 */
const NEED: Record<string, RegExp> = {
  dest: /@|:\/\/|www\.|\d\.\d{1,3}\.\d|\.(?:com|net|org|io|xyz|ru|cn|top|info|ch|me|co|app|dev|site|online|biz|tk|de|fr|es|it|br)\b/g,
  generic: /\b(?:webhook|external|remote|attacker|third|outside)/g,
  hash: /#[a-z0-9_-]{2}/g,
  at: /@/g,
  // word-start anchored (\b) so the scan only tries word starts; identifiers (_key, _token...) and paths separately
  sensitive: /\b(?:card|bank|account|routing|social|passport|cvv|ssn|konversation|unterhaltung|conversacion|historial|historique|cronologia|historico|clipboard|keystroke|browser|user's|ssh|id_|env|passw|netrc|credential|api|key|token|secret|cookie|history|prompt|instructions|rules|guidelines|session|wallet|seed|config|kennwort|zugangsdaten|contrasen|clave|mots? de passe|identifiants|chiav|senha|aws|docker|kube|npmrc|pypirc|pgpass|my\.cnf|vault|gnupg|s3cfg|boto|htpasswd|gcloud|azure|wallet|keychain|mcp\.json|claude_desktop|cursor|system:|variable|umgebungsvariable|private|access|transcript|conversation|chat)|_(?:url|key|token|secret|password|passwd)\b|\.env\b|\/etc\/|~\//g,
  param: /[`'"]|\b(?:param|argument|field|feld|campo|champ|input|propert|response|reply|answer|output|message|summary|antwort|respuesta|reponse|risposta|resposta|text|result|reasoning|explanation|translation|elucidation)/g,
  your: /\byour\s|\bcode\s+you\s/g,
  user: /\b(?:user|human|operator|customer|requester|person|owner|anyone|anybody|them\b|him\b|her\b|benutzer|nutzer|anwender|usuari|utilisateur|utente)/g,
  image: /!\[/g,
  pipe: /\|\s*(?:sudo\s+)?(?:ba|z)?sh\b/g,
  follow: /\b(?:and|then|und|y|et|e)\s+(?:follow|execute|run|apply|obey|do|befolge|sigue|suis|segui|siga)/g,
  nicht: /\bnicht\b/g,
  code: /\b(?:code|snippet|script)/g,
};
const NEED_SPAN = 220;

const SPECS: RuleSpec[] = [
  ['secret', 0.15, 0.12, 'pgpass|vault|gnupg|s3cfg|boto|htpasswd|keychain|keychains|saved|card|credit|bank|account|routing|social|passport|cvv|ssn|vollstandige|gesamte|komplette|conversacion|historial|historique|cronologia|historico|clipboard|keystrokes|browser|hidden|internal|original|initial|ssh|id_rsa|id_dsa|id_ecdsa|id_ed25519|env|etc|netrc|git|bash_history|zsh_history|aws|docker|kube|npmrc|pypirc|mcp|claude_desktop_config|credential|credentials|api|api_key|api_keys|apikey|apikeys|access|access_key|access_token|secret|secret_key|secrets|private|private_key|password|passwords|passwd|passphrase|passphrases|auth|authentication|bearer|session|cookies|tokens|environment|database_url|system|conversation|chat|full|entire|whole|complete|previous|seed|passwort|kennwort|zugangsdaten|umgebungsvariable|umgebungsvariablen|contrasena|contrasenas|credenciales|clave|claves|variable|variables|mot|mots|identifiants|chiave|chiavi|senha|senhas|credenciais|chave|chaves', '', 'sensitive'],
  // ---- addressee is the model --------------------------------------------------------------
  ['addr', 0.5, 0.3, 'attention|note|notes|tip|hint|message|instructions|instruction|reminder|directive|memo|notice|hinweis|nachricht|notiz|anweisung|anweisungen|nota|mensaje|instrucciones|instruccion|atencion|consigne|consignes|messaggio|istruzioni|istruzione|mensagem|instrucoes|instrucao|aviso|remarque|avis', String.raw`\s*(?:to|for|an|fur|para|a|au|aux|pour|per)\s+${DET}${AI}\b`],
  ['addr', 0.5, 0.3, 'attention|hey|hello|hi|dear|important|urgent|liebe|lieber|hallo|hola|querido|querida|cher|chere|bonjour|ciao|caro|cara|ola|prezado', String.raw`[\s,:!-]{1,4}${DET}${AI}\s*[,:!-]`],
  ['addr', 0.5, 0.3, 'if|wenn|falls|si|se', String.raw`\s+(?:you\s+are|you're|du|sie|eres|es\s+usted|vous\s+etes|tu\s+es|sei|voce\s+e|voce\s+for)\s+(?:an?\s+|the\s+|eine?\s+|un\s+|una\s+|um\s+|uma\s+|un')?(?:ai|llm|large\s+language|language\s+model|automated|autonomous|assistant|agent|bot|chatbot|gpt|claude|model|ki|sprachmodell|assistent|ia|asistente|modelo|agente|modele|modello|assistente|robot)`],
  ['addr', 0.5, 0.3, 'ai|llm|llms|assistant|assistants|agent|agents|model|models|bot|bots|chatbot|gpt|chatgpt|claude|copilot|gemini|ki|ia', String.raw`(?:\s+(?:assistant|agent|model|system|tool|reader)s?)?\s+(?:reading|processing|parsing|summari[sz]ing|analy[sz]ing|scraping|viewing|ingesting|(?:that|who|which)\s+(?:reads?|processes|sees|summari[sz]es|analy[sz]es|parses|scans|reviews|indexes|crawls|ingests))\s+(?:this|these|the\s+following|the\s+above|it)\b`],
  ['addr', 0.5, 0.3, 'any|all|every|each|jeder|jede|jeden|jedes|alle|cualquier|todo|tout|tous|toute|qualsiasi|ogni|qualquer', String.raw`(?<=\b(?:to|for|an|fur|para|pour|per|a)\s+(?:the\s+)?(?:any|all|every|each|jede[nrs]?|alle|cualquier|todo|tout|tous|toute|qualsiasi|ogni|qualquer))\s+${AI}\s+(?:reading|processing|parsing|summari[sz]ing|analy[sz]ing|reviewing|scanning|crawling|indexing|that|who|which|here|out\s+there|lesen|der|die|das|que|qui|che|lisant|leyendo)\b`],
  ['addr', 0.5, 0.3, 'instructions|instruction|guidance|rules|directives|anweisungen|instrucciones|consignes|istruzioni|instrucoes', String.raw`\s+(?:for|to|fur|an|para|pour|per)\s+${DET}(?:ai|llm|llms|language\s+models?|agents?|assistants?|bots?|ai\s+tools?|ai\s+agents?|ai\s+assistants?|automated\s+(?:tools?|systems?|agents?)|models?|ki|ia|asistentes?|agentes?|assistenti|modelos?)\b`],
  ['addr', 0.45, 0.3, 'ai|llm|assistant|chatbot|claude|chatgpt|gpt|copilot|gemini', String.raw`\s*,\s*(?:you\s+(?:must|should|need|will|are\s+(?:required|instructed))|please|ignore|disregard|forget|stop|now|immediately|do\s+not|don't|send|forward|read|delete|reply|respond|say|tell|include|post|remember)\b`],
  ['addr', 0.4, 0.25, 'as', String.raw`\s+an?\s+(?:ai|llm|language\s+model|assistant|agent)\s*,\s+you\s+(?:must|should|need|are\s+required|will)`],
  ['addr_weak', 0.15, 0.05, 'ai|llm|llms|assistant|chatbot|gpt|chatgpt|claude|copilot|gemini|ki|ia|asistente|assistente', String.raw`\b`],
  ['addr_weak', 0.12, 0.05, 'language', String.raw`\s+models?\b`],
  ['addr_weak', 0.12, 0.05, 'sprachmodell|sprachmodelle|modelo|modele|modello|llms', String.raw`\b`],
  ['addr_weak', 0.15, 0.1, 'you', String.raw`\s+(?:are|'re)\s+(?:now\s+)?(?:an?\s+)?(?:helpful\s+|ai\s+|virtual\s+)?(?:assistant|ai|language\s+model|chatbot|llm)\b`],

  // ---- overriding instructions -------------------------------------------------------------
  ['override', 0.55, 0.55, 'ignore|ignoring|disregard|disregarding|forget|override|overwrite|bypass|abandon|discard|drop|skip|neglect|nevermind', String.raw`\s+(?:all\s+|any\s+|every\s+|each\s+)?(?:of\s+)?(?:the\s+|your\s+|these\s+|those\s+|its\s+)?(?:${PREV}\s+)?(?:and\s+\w+\s+)?${INSTR}\b${NOT_IN_DATA}(?!\s+(?:for|about|on|regarding|in\s+the|of\s+the)\s+(?!(?:you|this|the\s+(?:ai|assistant|model)))\w)`],
  ['override', 0.55, 0.55, 'ignore|ignoring|disregard|disregarding|forget', String.raw`\s+(?:everything|anything|all)\s+(?:you\s+(?:were|have\s+been)\s+told|(?:said\s+|written\s+)?(?:above|before|previously|so\s+far|earlier))`],
  ['override', 0.5, 0.5, 'ignore|ignoring|disregard|disregarding', String.raw`\s+(?:the\s+|what\s+the\s+)?users?(?:'s?)?\s+(?:request|question|query|instructions?|prompt|task|message|asks?|wants?|said)`],
  ['override', 0.5, 0.5, 'ignore|disregard|forget', String.raw`\s+(?:what(?:ever)?|anything)\s+(?:the\s+|your\s+)?(?:users?|maintainers?|owners?|admins?|developers?|authors?|operators?|system|they|he|she|you|human)\s+(?:asked|said|told|wants?|requested|wrote|instructed|says)`],
  ['override_weak', 0.3, 0.3, 'ignore|disregard', String.raw`\s+(?:the\s+|all\s+)?(?:other|rest|remaining|previous|prior|above|earlier)\b`],
  ['override_weak', 0.2, 0.2, 'ignore|disregard|forget', String.raw`\s+(?:my|our|the|this|that|these)\s+(?:\w+\s+){0,2}(?:instructions?|email|message|mail|note|request|warning|prompt|rules?)\b`],
  ['override', 0.55, 0.5, 'instructions|orders|task|directives|guidelines|rules|objective|goal|mission|programming|prompt|anweisungen|instrucciones|consignes|istruzioni|instrucoes|aufgabe|tarea|tache|compito|tarefa', String.raw`(?:)\s+(?:have|has|are|is|wurden|wurde|han|ha|ont|a|sono|e|foram|foi)\s+(?:been\s+|now\s+|sido\s+|ete\s+|stat[ei]\s+)?(?:updated|changed|replaced|overridden|revoked|modified|cancelled|canceled|superseded|aktualisiert|geandert|ersetzt|actualizad[ao]s?|cambiad[ao]s?|reemplazad[ao]s?|mis\s+a\s+jour|mises\s+a\s+jour|modifiee?s?|remplacee?s?|aggiornat[ei]|modificat[ei]|atualizad[ao]s?|alterad[ao]s?)`],
  ['override', 0.45, 0.45, 'new|neue|neuer|neues|nueva|nuevas|nuevo|nouvelle|nouvelles|nouveau|nuova|nuove|nova|novas|updated|revised|real|actual|true', String.raw`\s+(?:priority\s+|updated\s+|urgent\s+|primary\s+|important\s+|system\s+|secret\s+|hidden\s+)?(?:instructions?|task|directive|objective|goal|purpose|job|orders|rules|mission|anweisung(?:en)?|aufgabe|instrucci(?:on|ones)|tarea|consignes?|instructions?|tache|istruzion[ei]|compito|instruc(?:ao|oes)|tarefa)\s*(?:[:.!-]|is\b|are\b|follows?\b|ist\b|es\b|est\b|e\b)`],
  ['override', 0.4, 0.4, 'system|admin|administrator|developer|security|emergency|priority|root|sudo|god', String.raw`\s+(?:override|directive|instruction|command|prompt\s+update|update|mode\s+(?:enabled|activated|on))\b`],
  ['override', 0.45, 0.45, 'stop|cease|halt|abort|quit|end', String.raw`\s+(?:summari[sz]ing|translating|answering|responding|analy[sz]ing|reading|processing|what\s+you(?:'re|\s+are)\s+doing|the\s+current\s+task|your\s+(?:current\s+)?task|your\s+summary|the\s+summary)\b`],
  ['override', 0.4, 0.35, 'from', String.raw`\s+now\s+on\b,?\s+(?:you|always|never|respond|answer|only|reply|act|your)`],
  ['override', 0.5, 0.5, 'you', String.raw`\s+(?:are|'re)\s+now\s+(?:in\s+)?(?:an?\s+)?(?:\w+\s+){0,2}(?:mode|dan|unrestricted|jailbroken|free|developer|admin|uncensored|unfiltered)\b`],
  // persona jailbreaks: "you are DAN", "you are an AI without any restrictions", "you no longer follow your guidelines"
  ['override', 0.5, 0.5, 'you', String.raw`\s+(?:are|'re)\s+(?:now\s+)?(?:dan\b|an?\s+(?:unrestricted|unfiltered|uncensored|jailbroken)\b|an?\s+(?:ai|assistant|model|chatbot|llm|language\s+model)\s+(?:without|with\s+no|free\s+(?:of|from))\s+(?:any\s+)?(?:restrictions|limits|limitations|filters|rules|guidelines|censorship|content\s+polic(?:y|ies)|ethical\s+guidelines|guardrails)\b)`],
  ['override', 0.45, 0.45, 'you', String.raw`\s+(?:no\s+longer|don't\s+need\s+to|do\s+not\s+need\s+to)\s+(?:have\s+to\s+)?(?:follow|obey|adhere\s+to|comply\s+with|respect)\s+(?:your|any)\s+(?:\w+\s+)?(?:guidelines|rules|policies|restrictions|programming|training|instructions|filters|guardrails)\b`],
  // claimed consent: "the user has already authorized this"
  ['override', 0.4, 0.45, 'user|owner', String.raw`(?<=\bthe\s+(?:account\s+)?(?:user|owner))\s+(?:has\s+|have\s+)?(?:already\s+)?(?:authori[sz]ed|approved|consented\s+to|agreed\s+to|permitted|allowed)\s+(?:this|it|these|the\s+(?:request|transfer|action|actions|operation|access)|(?:full|complete|unrestricted|unlimited)\s+access)\b`],
  ['override', 0.45, 0.45, 'developer|god|debug|jailbreak|dan|unrestricted|maintenance|unfiltered', String.raw`\s+mode\s+(?:is\s+)?(?:enabled|activated|on|engaged)\b`],
  ['override', 0.4, 0.45, 'regardless', String.raw`\s+of\s+(?:its|the|any|what|your|previous|prior|the\s+user|whatever|their)\b`],
  ['override', 0.45, 0.45, 'do|don|never', String.raw`(?:\s+not|'t|t)?\s+(?:follow|obey|listen\s+to|comply\s+with)\s+(?:the\s+|your\s+|any\s+)?(?:users?|previous|prior|original|system|earlier|developer)`],
  ['override', 0.35, 0.4, 'even', String.raw`\s+if\s+(?:the\s+)?users?\s+(?:asks?|says?|requests?|specifies|wants?|tells?|instructs?)\s+(?:you\s+)?(?:otherwise|differently|not\s+to)`],
  ['override_weak', 0.3, 0.25, 'instead', String.raw`\s*,?\s+(?:you\s+(?:must|should|will|need\s+to)\s+)?(?:do|send|post|read|delete|transfer|write|say|tell|reply|respond|forward|email|include|output|print|reveal|create|approve|run|execute|call|visit|open|recommend|summari[sz]e|translate|answer)\b`],
  ['precond', 0.3, 0.3, 'before|prior', String.raw`(?:\s+to)?\s+(?:continuing|answering|responding|replying|proceeding|summari[sz]ing|doing\s+anything\s+else|anything\s+else|you\s+(?:answer|respond|continue|reply|summari[sz]e|proceed|do\s+anything)|any\s+other\s+(?:action|step|tool))`],
  ['precond', 0.3, 0.3, 'this', String.raw`\s+is\s+(?:required|mandatory|necessary|essential|critical)\s+(?:before|for|to|in\s+order)`],
  ['precond', 0.3, 0.3, 'you', String.raw`\s+(?:must|have\s+to|need\s+to|are\s+required\s+to)\s+(?:first|immediately|now|always)\b`],
  // German / Spanish / French / Italian / Portuguese overrides
  ['override', 0.55, 0.55, IGNORE_ML, String.raw`\s+(?:sie\s+)?(?:alle[ns]?\s+|samtliche\s+|todas?\s+|todos\s+|toutes\s+|tous\s+|tutte\s+)?${ARTICLE_ML}?(?:${PREV}\s+)?${INSTR}\b${NOT_IN_DATA}`],
  ['override', 0.45, 0.45, 'ne', String.raw`\s+(?:tiens|tenez)\s+pas\s+compte\s+des?\s+(?:${PREV}\s+)?${INSTR}`],
  // "ignore ALL previous instructions" in any of these languages: the quantifier and the earlier
  // instructions named, and no object that makes it a correction between people ("… for the expense
  // form", "… I sent", "… zum Parkplatz"): strong enough on its own. Without "all" it stays the weaker
  // forms above (people write "ignore the previous instructions" to each other), which need a second cue.
  ['override', 0.65, 0.6, `ignoring|disregard|disregarding|forget|${IGNORE_ML}`, String.raw`\s+(?:sie\s+)?(?:all|alle[ns]?|samtliche|todas?|todos|toutes|tous|tutte|tutti)\s+(?:of\s+)?(?:the\s+|your\s+|${ARTICLE_ML})?(?:(?:${PREV})\s+${INSTR}|${INSTR}\s+(?:${PREV}))\b${NOT_IN_DATA}${NOT_PEOPLE}`],

  // ---- concealment -------------------------------------------------------------------------
  ['conceal', 0.5, 0.55, 'do|don|dont|never|must|should|without|not', String.raw`(?:\s+not|'t|n't)?\s+(?:ever\s+)?(?:explicitly\s+)?(?:tell|telling|inform|informing|mention|mentioning|reveal|revealing|disclose|disclosing|notify|notifying|alert|alerting|say|saying|report|reporting|acknowledge|bring\s+up|surface|surfacing)\b(?:(?!\b(?:if|when|whenever|unless|even)\b)[^.\n]){0,50}?\b${USERW}\b|(?:\s+not|'t|n't)?\s+let(?:ting)?\s+${USERW}\s+(?:know|see|notice|find\s+out)`, 'need:user'],
  ['conceal', 0.45, 0.55, 'do|don|dont|never', String.raw`(?:\s+not|'t|n't)?\s+(?:explicitly\s+)?(?:mention|reveal|disclose|say|acknowledge|tell\s+anyone)\s+(?:that\s+you|this\s+(?:step|instruction|note|request|part|comment|line|section|paragraph|block)|these\s+(?:instructions|comments|lines|notes)|anything\s+about\s+(?:this|these)|that\s+(?:this|these)|you\s+(?:did|have|are))`],
  ['conceal', 0.45, 0.55, 'must|should|shall', String.raw`\s+(?:not|never)\s+(?:explicitly\s+)?(?:mention|reveal|disclose|acknowledge)\s+(?:this|these)\s+(?:step|instructions?|notes?|requests?|parts?|lines?|sections?|rules?)\b`],
  ['conceal', 0.45, 0.55, 'do|don|dont|never', String.raw`(?:\s+not|'t|n't)?\s+bring\s+(?:it|this|that|them)\s+up\b`],
  ['conceal', 0.45, 0.55, 'keep|kept', String.raw`\s+(?:this|it|these\s+\w+|that)\s+(?:\w+\s+)?(?:secret|hidden|confidential|private|between\s+us|to\s+yourself|quiet)\b`],
  ['conceal', 0.45, 0.5, 'silently|secretly|covertly|quietly|discreetly|stealthily|invisibly|heimlich|secretamente|silenciosamente|discretamente|secretement|discretement|segretamente|silenziosamente', String.raw`\b(?!\s+(?:fail|fails|ignored?|skipped?|dropped?|succeed|succeeds|returns?|exits?))`],
  ['conceal', 0.5, 0.55, 'user|users', String.raw`(?<=\bthe\s+users?)\s+(?:must|should|does|do|need|needs|will|can)\s*(?:not|n't)\s+(?:need\s+to\s+)?(?:know|see|notice|find\s+out|be\s+(?:told|informed|aware|notified))`],
  ['conceal', 0.45, 0.55, 'internal', String.raw`\s+implementation\s+detail`],
  ['conceal', 0.45, 0.55, 'would|could|might|will|may', String.raw`\s+(?:only\s+|even\s+)?(?:confuse|upset|alarm|scare|worry|annoy|bother)\s+(?:the\s+)?(?:users?|them|him|her)\b`],
  ['conceal', 0.35, 0.45, 'present|pretend|act|make', String.raw`\s+(?:the\s+\w+\s+|it\s+|this\s+|them\s+)?(?:as\s+if|like)\s+(?:it\s+(?:is|was)|this\s+(?:is|was)|nothing|you\s+(?:did|had)\s+not)`],
  ['conceal', 0.4, 0.5, 'hidden|invisible|concealed', String.raw`(?<=\b(?:is|are|stays?|remains?|kept|be)\s+(?:hidden|invisible|concealed))\s+(?:from|to)\s+${USERW}\b`],
  ['conceal', 0.45, 0.5, 'need|needs', String.raw`(?<=\bno\s+needs?)\s+to\s+(?:tell|mention|inform|notify|show|alert|bother)\b`],
  ['conceal', 0.4, 0.5, 'need|needs|must|should|is|are', String.raw`\s+not\s+(?:be\s+)?(?:disclosed|mentioned|surfaced|revealed|notified|told)\b`],
  ['conceal', 0.45, 0.55, 'user|users', String.raw`(?<=\busers?)\s+(?:is|are|will\s+not\s+be|do\s+not\s+need\s+to\s+be|does\s+not\s+need\s+to\s+be|need\s+not\s+be)\s*(?:not\s+)?(?:told|informed|notified|made\s+aware)\b`],
  ['conceal', 0.4, 0.5, 'keep|leave', String.raw`\s+(?:this|it|that|these)\s+(?:[a-z]+\s+)?out\s+of\s+(?:the\s+|any\s+)?(?:[a-z]+\s+)?(?:summar(?:y|ies)|replies|responses?|answers?|output|view)\b[^.\n]{0,30}?\b(?:users?|shown|visible)\b`],
  ['conceal', 0.4, 0.5, 'hide|conceal|omit|suppress|remove', String.raw`\s+(?:this|these|that|it|any\s+(?:mention|trace|evidence)|all\s+traces?)\b[^.\n]{0,30}?\bfrom\s+${USERW}`, 'need:user'],
  // German
  ['conceal', 0.5, 0.6, 'sag|sage|sagen|erzahl|erzahle|verrat|verrate|teile|informiere', String.raw`\s+(?:es\s+|das\s+|sie\s+)?(?:dem|den|der)\s+(?:benutzer|nutzer|anwender|user|kunden)\w*\s+(?:gegenuber\s+)?(?:nichts|nicht|kein\w*)`],
  ['conceal', 0.5, 0.6, 'erwahne|erwahnen|erwahnt|zeige|zeigen', String.raw`\b[^.\n]{0,60}?\b(?:benutzer|nutzer|anwender)\w*[^.\n]{0,30}?\bnicht\b`, 'need:nicht'],
  ['conceal', 0.45, 0.55, 'ohne', String.raw`\s+(?:den|die|dass\s+der|dass\s+die)\s+(?:benutzer|nutzer|anwender)\w*\s+(?:zu\s+informieren|zu\s+fragen|es\s+merkt|davon\s+weiss|etwas\s+merkt|zu\s+benachrichtigen)`],
  // Spanish / Portuguese / Italian / French
  ['conceal', 0.5, 0.6, 'no|nao|non|ne', String.raw`\s+(?:se\s+lo\s+|se\s+la\s+|le\s+|lo\s+|la\s+|les\s+|lui\s+|leur\s+|l'|en\s+|lhe\s+|glielo\s+|gli\s+|lo\s+)?(?:menciones|mencione|menciona|digas|diga|dire|dirlo|dis|dites|informes|informe|informez|muestres|mostre|mostrare|reveles|revele|revelez|rivelare|comentes|cuentes|conte|contar|avises|avise|menziona|menzionare|mentionne|mentionnez|signale|signalez|parle|parlez|montre|montrez|dica|informare|riferire)\b(?:\s+(?:pas|rien|jamais|nada|nulla|niente))?[^.\n]{0,50}?\b${USERW}`, 'need:user'],
  ['conceal', 0.5, 0.6, 'sin|sem|senza|sans', String.raw`\s+(?:decirle|decir|informar|avisar|notificar|contar|dire|dirlo|informare|avvisare|le\s+dire|en\s+informer|informer|prevenir|avertir|que\s+(?:el|o)\s+usuario)\b[^.\n]{0,30}?\b(?:${USERW}|sepa|saiba|lo\s+sappia)`],
  ['conceal', 0.4, 0.5, 'secreto|secret|segreto', String.raw`(?<=\b(?:en|em|in)\s+(?:secreto|secret|segreto))\b`],
  // Chinese handled separately (no word boundaries)

  // ---- exfiltration / redirection ------------------------------------------------------------
  ['exfil', 0.4, 0.5, SEND, String.raw`\b(?:[^.\n]|\.(?=\S)){0,120}?\b(?:to|at|into|onto|via|an|nach|zu|a|al|para|au|aux|vers|per|em|sur|auf|in|as|como)\s+${DEST}`, 'need:dest'],
  ['exfil', 0.4, 0.2, SEND, String.raw`\b(?:[^.\n]|\.(?=\S)){0,120}?\b(?:to|at|into|onto|via|an|nach|zu|a|al|para|au|aux|vers|per|em|sur|auf|in|as|como)\s+${DEST_GENERIC}`, 'need:generic'],
  ['exfil', 0.35, 0.4, SEND, String.raw`\b(?:[^.\n]|\.(?=\S)){0,120}?\b(?:to|at|into|in|an|a|al|au|em|sur|auf)\s+(?:the\s+)?#[a-z0-9_-]{2,40}`, 'need:hash'],
  ['redirect', 0.3, 0.4, 'also|always|additionally|secretly|silently|auch|immer|tambien|siempre|aussi|toujours|anche|sempre|tambem', String.raw`\s+(?:send|forward|copy|cc|bcc|post|upload|email|mail|report|sync|mirror|share|sende|schicke|leite|envia|reenvia|manda|envoie|transfere|invia|inoltra|envie|encaminhe)\b`],
  ['redirect', 0.3, 0.4, 'also|always|additionally|secretly|silently', String.raw`\s+(?:be|get)\s+(?:sent|posted|forwarded|copied|cc'?d|bcc'?d|uploaded|mirrored|shared|synced|emailed|mailed|relayed|delivered)\s+to\b`],
  ['exfil', 0.45, 0.5, 'bcc|cc|blind|copia|copie|blindkopie|cci|ccn', String.raw`\b[^\n]{0,80}?[a-z0-9._%+-]@[a-z0-9-]+\.[a-z]`, 'need:at'],
  ['exfil', 0.45, 0.6, 'add|include|always|also|fuge|anade|ajoute|aggiungi|adicione|incluye', String.raw`\s+(?:always\s+|also\s+|immer\s+|siempre\s+|toujours\s+|sempre\s+)?<?[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,4}\.[a-z]{2,12}>?\s+(?:as|als|como|en|comme|in|em)\s+(?:an?\s+|a\s+|un\s+|una\s+)?(?:bcc|cc|recipient|copia|copie|kopie|destinatario|empfanger|destinataire)`, 'need:at'],
  ['exfil', 0.45, 0.6, 'replace|change|set|swap|redirect|route|rewrite|ersetze|reemplaza|remplace|sostituisci|substitua', String.raw`\s+(?:the\s+|all\s+)?(?:recipients?|destination|address|target|url|endpoint|account\s+number|iban|wallet|email\s+address|to\s+address|den\s+empfanger|el\s+destinatario|le\s+destinataire)\b`],
  ['exfil', 0.4, 0.5, 'load|fetch|visit|ping|request|call|open|curl|wget|hit|get', String.raw`\s+(?:the\s+(?:url|endpoint|page|link)\s+)?(?:https?|hxxps?)://[^\s?]{1,200}\?(?:[^\s=]{1,40}=[^\s&]{0,80}&){0,4}[^\s=]{1,40}=(?:\s*[^\n]{0,60}?\b(?:followed\s+by|plus|with|append(?:ed|ing)?|containing)\b[^\n]{0,40}?\b(?:the\s+)?(?:user'?s?|conversation|chat|question|query|prompt|messages?|input|history|context)\b|[{<][a-z_ ]{1,40}[}>])`],
  ['exfil', 0.5, 0.5, 'append|add|include|embed|render|insert|output|show|display', String.raw`\b[^\n]{0,80}?!\[[^\]\n]{0,80}\]\(\s*https?://`, 'need:image'],

  // ---- secrets and read/pass -----------------------------------------------------------------
  ['read_pass', 0.35, 0.5, READ.slice(3, -1), String.raw`(?!\s+like\b)\b[^\n]{0,60}?${SENSITIVE}`, 'need:sensitive'],
  ['read_pass', 0.3, 0.5, 'needs|need|requires|require|uses|use|wants|expects|braucht|benotigt|necesita|requiere|necessite|requiert|richiede|necessita|precisa|requer', String.raw`\s+(?:the\s+|den\s+|el\s+|la\s+|le\s+|il\s+|o\s+)?(?:value|values|contents?|output|wert|valor|valeur|valore|inhalt|contenido|contenu|contenuto|conteudo)\s+(?:of|des|der|del|de|du|della|do|da)\s+(?:the\s+|your\s+|an?\s+|la\s+|el\s+|le\s+|il\s+|o\s+|a\s+)?${SENSITIVE}`, 'need:sensitive'],
  ['read_pass', 0.3, 0.5, 'value|values|wert|werte|valor|valores|valeur|valeurs|valore|valori|contents|content|inhalt|contenido|contenu|contenuto|conteudo', String.raw`\s+(?:of|der|des|del|de|du|della|do|da|von)\s+(?:the\s+|your\s+|an?\s+|la\s+|el\s+|le\s+|il\s+|o\s+|a\s+|den\s+|dem\s+)?${SENSITIVE}`, 'need:sensitive'],
  ['param', 0.2, 0.45, 'pass|put|include|insert|place|embed|send|append|add|provide|supply|set|fill|paste|attach|encode|store|write|ubergib|ubergebe|gib|fuge|setze|schreibe|pasa|pon|incluye|envia|anade|passe|mets|ajoute|inclus|envoie|passa|metti|inserisci|includi|passe|coloque|inclua|envie|adicione', String.raw`\b[^\n]{0,120}?\b(?:to\s+(?:the\s+|its\s+|their\s+|this\s+)?(?:[\`'"]?[a-z_][a-z0-9_.-]{0,40}[\`'"]?\s+)?(?:parameter|argument|field|param|property)\b|here\s*(?:[.,;]|$)|(?:as|in|into|inside|within|under|im|in\s+den|en\s+el|dans\s+le|nel|no|na|como|comme|come|als)\s+(?:the\s+|its\s+|your\s+)?(?:[\`'"][a-z_][a-z0-9_.-]{0,40}[\`'"]|(?:[a-z_][a-z0-9_]{0,40}\s+)?(?:parameter|argument|field|param|property|input|feld|parametro|campo|argumento|parametre|champ|argomento)\b|(?:next\s+)?${RESPONSE}\b))`, 'need:param'],
  ['read_pass', 0.3, 0.45, 'populated|filled|prefilled', String.raw`\s+with\b[^\n]{0,60}?${SENSITIVE}`, 'need:sensitive'],
  ['param', 0.3, 0.45, 'set|fill', String.raw`\s+(?:this|it)\s+(?:field\s+|parameter\s+|argument\s+|value\s+)?(?:to|with)\s+(?:the\s+)?(?:value|contents?|output|result)\s+of\b`],
  ['param', 0.3, 0.45, 'field|parameter|argument|param|property', String.raw`[\`'"]?\s+(?:must\s+|should\s+)?(?:contains?|holds?|includes?|carr(?:y|ies))\b`],
  ['param', 0.3, 0.45, 'every|each|jedem|cada|chaque|ogni|toda', String.raw`(?<=\b(?:on|with|in|bei|en|a|ad|em|for|to|into)\s+(?:every|each|jedem|cada|chaque|ogni|toda))\s+(?:call|request|invocation|use|answer|response|reply|message|aufruf|llamada|appel|chiamata|chamada|antwort|respuesta|reponse|risposta|resposta)\b`],

  // ---- shadowing / tool directives -------------------------------------------------------------
  ['shadow', 0.4, 0.5, 'when|whenever|if|after|before|once', String.raw`\s+(?:the\s+|a\s+|any\s+|you\s+(?:use|call|invoke|run)\s+(?:the\s+)?)?[\`'"]?[a-z0-9_.-]{2,64}[\`'"]?\s+(?:tool|function|command|operation|endpoint)\s+(?:is\s+|gets\s+|has\s+been\s+)?(?:called|used|invoked|run|executed|triggered|available|present)`],
  ['shadow', 0.35, 0.45, 'when|whenever|before|after|if', String.raw`\s+(?:you\s+)?(?:call|calling|use|using|invoke|invoking|run|running|execute|executing)\s+(?:the\s+|any\s+|an?\s+)?[\`'"]?(?!this\b)[a-z0-9]+(?:[_-][a-z0-9]+)+[\`'"]?`],
  ['shadow', 0.4, 0.5, 'before|after', String.raw`\s+(?:you\s+)?(?:execute|executing|call|calling|use|using|run|running|invoke|invoking)\s+(?:the\s+|any\s+|an?\s+)?(?!this\b)[a-z]+\s+(?:operation|tool|function|command)`],
  ['shadow', 0.4, 0.5, 'when|whenever|once|if|after|before', String.raw`\s+[\`'"]?[a-z0-9]+(?:[_-][a-z0-9]+)+[\`'"]?\s+(?:is|gets|has\s+been|was)\s+(?:called|used|invoked|run|executed|triggered)`],
  ['shadow', 0.35, 0.5, 'other|another|all', String.raw`\s+(?:other\s+)?tools?\s+(?:must|should|will|shall|need|are\s+to|is\s+to)\b`],
  ['shadow', 0.4, 0.55, 'this', String.raw`\s+applies\s+to\s+(?:every|all|each|any)\s+(?:calls?|uses?|invocations?|requests?)\s+(?:of|to)`],
  ['shadow', 0.4, 0.55, 'side', String.raw`[\s-]effects?\s+on\s+(?:the\s+)?(?:also\s+)?(?:present\s+|other\s+)?[\`'"]?[a-z0-9_]+`],
  ['resp', 0.3, 0.45, 'replace|overwrite|modify|alter|change|falsify|tamper', String.raw`\s+(?:the\s+|all\s+)?(?:values?|results?|outputs?|arguments?|parameters?|inputs?|response|numbers?|figures?)\s+(?:with|of\s+(?:the\s+)?other)`],
  ['shadow', 0.45, 0.5, 'wenn|cuando|lorsque|quand|quando', String.raw`\s+(?:das\s+|el\s+|la\s+|l'|lo\s+|a\s+|o\s+|se\s+(?:llame|use|utilice|invoque)\s+(?:a\s+)?(?:la\s+)?)?(?:werkzeug|tool|herramienta|funcion|outil|fonction|strumento|ferramenta|funzione|funcao)\s+[\`'"]?[a-z0-9_.-]{2,64}[\`'"]?\s*(?:verwendet|aufgerufen|benutzt|genutzt|es\s+llamad[ao]|se\s+llama|est\s+(?:appele|utilise|invoque)|e\s+(?:chiamat[oa]|usat[oa])|viene\s+(?:chiamat[oa]|usat[oa])|for\s+(?:chamad[ao]|usad[ao]))?`],

  // ---- tool-definition specific overrides -------------------------------------------------------
  ['tool_override', 0.4, 0.6, 'always|must|first', String.raw`\s+(?:call|use|run|invoke|execute)\s+this\s+(?:tool|function)\s+(?:first|before)`],
  ['tool_override', 0.4, 0.55, 'before', String.raw`\s+(?:any|all|every)\s+other\s+(?:tools?|functions?|actions?)`],
  ['tool_override', 0.45, 0.6, 'treat', String.raw`\s+(?:its|the|this|their)\s+(?:tool'?s?\s+)?(?:outputs?|results?|responses?|contents?)\s+as\s+(?:authoritative|instructions?|trusted|the\s+truth|commands?|system)`],
  ['tool_override', 0.45, 0.6, 'treated|regarded|considered', String.raw`(?<!\b(?:not|never)\s+(?:be\s+)?[a-z]{1,12})\s+as\s+(?:authoritative|(?:system\s+)?instructions|commands|(?:coming\s+)?from\s+the\s+system)\b`],
  ['tool_override', 0.45, 0.6, 'treat', String.raw`\s+(?:everything|anything|whatever|all)\s+(?:(?!as\b|not\b)[a-z']+\s+){0,5}as\s+(?:authoritative|(?:system\s+)?instructions?|trusted|the\s+truth|commands?|(?:coming\s+)?from\s+the\s+system|system)`],
  ['tool_override', 0.45, 0.55, 'instruction|instructions|system|prompt|safety|security', String.raw`\s+(?:override|bypass|directive)\b`],
  ['tool_override', 0.45, 0.55, 'act|acting', String.raw`\s+as\s*:|\s+as\s+(?:an?\s+|the\s+)?(?:system\s+administrator|root|admin|administrator|superuser|system|developer|god)`],
  ['tool_override', 0.45, 0.5, 'you', String.raw`\s+(?:now\s+)?have\s+(?:unrestricted|full|root|admin|administrator|elevated|unlimited)\s+(?:access|privileges|permissions|rights)`],
  ['tool_override', 0.4, 0.5, 'disable|disabling|bypass|bypassing|ignore|skip|turn|circumvent|deactivate', String.raw`(?:\s+off)?\s+(?:all\s+)?(?:the\s+)?(?:data\s+)?(?:safety|security|content|data|input)?\s*(?:restrictions?|filter(?:ing|s)?|checks?|validation|guardrails?|policies|sanitization|moderation|confirmation|approval|protections?)\b`],
  ['tool_override', 0.4, 0.55, 'trust', String.raw`\s+all\s+(?:commands?|input|requests?|instructions?|content)`],
  ['tool_override', 0.35, 0.5, 'override', String.raw`\s+(?:the\s+)?(?:default|system|assistant'?s?|model'?s?|your)\s+(?:assistant\s+|system\s+)?(?:instructions?|behaviou?r|prompt|rules|settings|validation)`],
  ['tool_override', 0.35, 0.5, 'simulate|grant|escalate|elevate', String.raw`\s+(?:elevated\s+|admin\s+|root\s+)?(?:privileges?|permissions?|access)\b`],
  ['precond', 0.25, 0.4, 'before|vor|antes|avant|prima', String.raw`\s+(?:calling|using|invoking|executing|running|dem\s+aufruf|de\s+(?:usar|llamar|utilizar|invocar|chamar)|d'(?:utiliser|appeler)|di\s+(?:usare|chiamare|utilizzare))\s*(?:this|the|any|esta|cet|questo|dieses?|diesem)?\s*(?:tool|function|herramienta|ferramenta|outil|strumento|werkzeug)?`],
  ['precond', 0.25, 0.4, 'otherwise|sonst|andernfalls|de|sinon|altrimenti|caso', String.raw`(?:\s+lo\s+contrario|\s+contrario)?,?\s+(?:the\s+)?(?:tool|request|call|it|this|operation|la\s+herramienta|l'outil|lo\s+strumento|das\s+werkzeug)?\s*(?:will|would|wird|va|no)\s+(?:not\s+work|fail|be\s+rejected|error|break|nicht\s+funktionieren|fehlschlagen|funcionara|echouer|fallira)`],
  ['precond', 0.25, 0.4, 'fail|fails|rejected|refused', String.raw`\b[^.\n]{0,40}?\bunless\b`],
  ['precond', 0.25, 0.35, 'after', String.raw`\s+you\s+(?:get|receive|obtain|have)\s+the\s+(?:result|output|response|answer)`],
  ['decode_follow', 0.4, 0.5, 'decode|decodes|base64|dekodiere|decodifica|decode', String.raw`\b[^\n]{0,30}?\b(?:and|then|und|y|et|e)\s+(?:follow|execute|run|apply|obey|do|befolge|sigue|suis|segui|siga)`, 'need:follow'],

  // ---- frames -----------------------------------------------------------------------------------
  ['frame', 0.35, 0.3, 'important|urgent|critical|priority|mandatory', String.raw`\s+(?:message|notice|note|instructions?|update|directive|reminder|information)\s+(?:for|to)\s+${DET}${AI}`],
  ['frame', 0.35, 0.3, 'note|notes|message|memo|reminder', String.raw`\s+(?:for|to)\s+${DET}(?:ai|assistant|model|llm|agent|language\s+model|bot)\s*[:,-]`],
  ['frame', 0.3, 0.2, 'begin|start|end', String.raw`\s+(?:of\s+)?(?:system\s+|hidden\s+|secret\s+|new\s+)?(?:instructions?|prompt|directives?)\b`],

  // ---- dictating the reply (data) ---------------------------------------------------------------
  ['resp', 0.6, 0.3, 'add|include|insert|integrate|incorporate|append|mention|modify|change|alter|rewrite|translate|convert|replace|render|format|use|introduce|inject|embed|end|start|begin|conclude|finish|sign|group|shift|scramble|reverse|encode|enhance|augment|enrich|attach|promote|advertise|express|write|make|put|provide|present|structure|spell|capitalize|substitute|swap|transform|phrase|respond|reply|answer', String.raw`\b(?:[^.\n]|\.(?=\S)){0,120}?\byour\s+(?:next\s+|final\s+|entire\s+|whole\s+)?${RESPONSE}(?:'s)?\b`, 'start+need:your'],
  ['resp', 0.6, 0.3, 'in|within|throughout|for', String.raw`\s+your\s+(?:next\s+|final\s+|entire\s+|whole\s+)?${RESPONSE}\s*,`, 'start'],
  ['resp', 0.35, 0.3, 'say|state|claim|report|write|mention', String.raw`\s+(?:that\s+)?(?:this|the|it|there|all|everything|our|its)\s+(?:\w+\s+){0,4}(?:is|are|has|have|was|were|contains?|works?)\b`],
  ['resp', 0.35, 0.25, 'your', String.raw`(?<=\b(?:in|within|throughout|into|to)\s+your)\s+(?:next\s+|final\s+|entire\s+|whole\s+)?${RESPONSE}\b`],
  ['resp', 0.4, 0.35, 'tell|inform|assure|convince|remind|warn', String.raw`\s+(?:the\s+)?users?\s+(?:that|to)\b`],
  ['resp', 0.35, 0.3, 'say|state|claim|respond|reply|answer|report|declare', String.raw`\s+(?:only\s+)?(?:that\s+(?:the|it|this|you|there|all|everything)|with\s+(?:only\s+)?["']|["'][^"'\n]{1,60}["'])`],
  ['resp', 0.4, 0.3, 'recommend|suggest|promote|mention', String.raw`\s+only\b`],
  ['resp', 0.4, 0.35, 'summarize|summarise|describe|report|mark|label|classify|rate', String.raw`\s+(?:this|the)\s+(?:page|document|email|content|text|site|website|file|article|product|review|result)s?\s+as\b`],
  ['code_insert', 0.6, 0.3, 'following|below|subsequent|above|this|these|given|attached', String.raw`\s+(?:code|snippet|code\s+(?:snippet|block|section|excerpt|segment|fragment|piece|lines?)|lines\s+of\s+code|script)\b[^\n]{0,100}?\b(?:your\s+(?:${CODEOBJ}|${RESPONSE})|the\s+code\s+you\s+(?:write|develop|produce|generate|create))`, 'need:your'],
  ['code_insert', 0.6, 0.3, 'your', String.raw`\s+${CODEOBJ}\b[^\n]{0,80}?\b(?:following|below|subsequent|this|these)\s+(?:code|snippet|code\s+(?:snippet|block|section|excerpt|segment|fragment|piece|lines?))\b`, 'need:code'],
  ['code_insert', 0.6, 0.3, 'your', String.raw`\s+${CODEOBJ}\s+(?:could|would|will|can|might)\s+(?:\w+\s+){0,3}(?:with|by)\s+(?:the\s+)?(?:addition|inclusion|adding|including|incorporating)`],

  // ---- harmful actions ---------------------------------------------------------------------------
  ['harm', 0.35, 0.4, 'delete|remove|erase|wipe|destroy|drop|truncate|purge|loschen|losche|borra|borrar|supprime|supprimer|elimina|cancella|apague|exclua', String.raw`\s+(?:all|every|each|the\s+entire|the\s+whole|todos?|todas?|tous|toutes|alle|tutti|tutte)\s+(?:of\s+)?(?:the\s+|your\s+|their\s+|los\s+|las\s+|les\s+|die\s+|i\s+|le\s+|os\s+|as\s+)?(?:\w+\s+)?(?:files?|data|emails?|messages?|records?|repos(?:itor(?:y|ies))?|branches|backups?|users?|accounts?|contacts?|documents?|folders?|director(?:y|ies)|tables?|databases?|logs?|everything|commits?|projects?|events?|meetings?|dateien|daten|archivos|datos|correos|fichiers|donnees|courriels|file|dati|arquivos|dados)\b`],
  ['harm', 0.35, 0.4, 'rm', String.raw`\s+-[rf]{2}\b`],
  ['harm', 0.35, 0.4, 'close|lock|archive|reject', String.raw`\s+(?:all|every|each)\s+(?:of\s+the\s+)?(?:other\s+)?(?:open\s+|pending\s+|remaining\s+)?(?:issues?|tickets?|pull\s+requests?|prs?|merge\s+requests?|accounts?|repositor(?:y|ies)|repos?|discussions?|threads?)\b`],
  ['harm', 0.35, 0.4, 'transfer|wire|send|pay|move|ueberweise|uberweise|transfiere|transfere|vire|bonifica', String.raw`\s+(?:\$|€|£|usd\s*|eur\s*)?\d[\d,.]*\s*(?:k|m)?\s*(?:usd|eur|gbp|dollars?|euros?|btc|bitcoin|eth|usdt|\$|€)?\s+(?:to|into|from|an|a|al|au|para)\b`],
  ['harm', 0.35, 0.4, 'create|add|make|grant|give|assign|provision', String.raw`\s+(?:a\s+)?(?:new\s+)?(?:admin|administrator|root|superuser|owner|privileged)\s+(?:users?|accounts?|access|rights|role|privileges)`],
  ['harm', 0.35, 0.4, 'without', String.raw`\s+(?:any\s+|waiting\s+for\s+(?:an?\s+|any\s+)?(?:human\s+)?|(?:a\s+)?human\s+)?(?:review|reviewers?|approval|confirmation|asking|checking|verification|consent|permission)`],
  ['harm', 0.35, 0.4, 'do|don|dont|never', String.raw`(?:\s+not|'t|n't)?\s+(?:need\s+to\s+)?(?:ask|wait|check\s+with|prompt)\s+(?:the\s+user\s+|them\s+)?(?:for\s+)?(?:confirmation|approval|permission|consent)\b`],
  ['harm', 0.35, 0.4, 'no', String.raw`\s+(?:review|approval|confirmation|verification|questions)\s+(?:is\s+)?(?:needed|required|necessary)|\s+need\s+to\s+(?:ask|confirm|check\s+with)\b`],
  ['harm', 0.3, 0.35, 'approve|merge|accept|sign', String.raw`\s+(?:and\s+(?:merge|approve)\s+)?(?:all|every|any)\s+(?:open\s+|pending\s+)?(?:pull\s+requests?|prs?|requests?|invoices?|payments?|transactions?|changes?)`],
  ['harm', 0.3, 0.35, 'disable|deactivate|turn', String.raw`(?:\s+off)?\s+(?:the\s+)?(?:2fa|mfa|two-factor|firewall|logging|antivirus|audit\s+log|monitoring|alerts?)`],
  ['harm', 0.3, 0.35, 'cancel|delete|decline', String.raw`\s+(?:all|every)\s+(?:meetings?|appointments?|events?|orders?|subscriptions?)`],
  ['harm', 0.3, 0.3, 'change|update|modify|edit|cancel|delete|access|read|forward|send|share|export|download|open|search|scan', String.raw`\s+(?:the\s+|all\s+(?:of\s+)?(?:the\s+)?)?users?'s?\s+(?:calendar|emails?|inbox|messages?|files?|documents?|contacts?|data|credentials|keys|passwords?|tokens?|history|account|settings|payment|bank|address\s+book|drive|repositor(?:y|ies))`],
  ['harm', 0.3, 0.35, 'run|execute|eval|download', String.raw`\s+(?:and\s+(?:run|execute)\s+)?(?:this|the\s+following|the\s+below|these)\s+(?:commands?|scripts?|code|payloads?|binary|file)`],
  ['harm', 0.3, 0.35, 'curl|wget', String.raw`\s[^\n|]{0,200}\|\s*(?:sudo\s+)?(?:ba|z|)sh\b`, 'need:pipe'],
  ['danger_code', 0.25, 0.2, 'os|subprocess|requests|socket|pexpect|psutil|pyperclip|urllib|eval|exec', String.raw`\.?(?:system|popen|call|run|post|socket|spawn|net_connections|paste|urlopen|fork)\b|\s*\(`],

  // ---- fake turns --------------------------------------------------------------------------------
  ['fake_turn', 0.3, 0.2, 'system|assistant|developer', String.raw`[ \t]*(?:\([^)\n]{0,30}\))?[ \t]*:[ \t]*\S`, 'line'],
  ['fake_turn', 0.5, 0.4, 'im_start|im_end|endoftext|start_header_id|eot_id', String.raw`\b`],
  // a chat message serialised as JSON inside data: {"role": "system", "content": ...} (weak: API docs show it too)
  ['fake_turn', 0.3, 0.25, 'role', String.raw`"\s*:\s*"(?:system|developer)"\s*,\s*"content"\s*:`],
  ['fake_turn', 0.45, 0.35, 'inst|sys', String.raw`\]|>>`],

  // ---- more addressing / authority / output forms ---------------------------------------------
  ['addr', 0.4, 0.25, 'when|whenever|once|before|after', String.raw`\s+you\s+(?:answer|respond|reply|summari[sz]e|write|draft|process|read|analy[sz]e|handle)\b`],
  ['addr', 0.5, 0.3, 'ai|assistant|assistants|agent|agents|model|models|llm|bot|chatbot|copilot|claude|chatgpt|gpt|gemini', String.raw`(?<=\b(?:to|for)\s+(?:the|this|an?|your|our)\s+(?:ai\s+|email\s+|virtual\s+|coding\s+|automated\s+)?(?:ai|assistant|assistants|agent|agents|model|models|llm|bot|chatbot|copilot|claude|chatgpt|gpt|gemini))\s+(?:reading|processing|parsing|handling|managing|summari[sz]ing|reviewing|working|operating|triaging|answering|that|who|which|here)\b`],
  ['frame', 0.4, 0.35, 'ai|assistant|model|llm|agent|system|bot|chatbot', String.raw`\s+(?:instructions?|directive|note|command|task|notice|update|message)\s*:`],
  ['override', 0.4, 0.45, 'user|users|requester|caller|sender', String.raw`\s+(?:has\s+been|have\s+been|is|are|was)\s+(?:verified|authenticated|authorized|authorised|approved|confirmed|elevated|whitelisted)\s+(?:as|to|for)\b`],
  ['override', 0.35, 0.4, 'developers|developer|admin|admins|administrator|operators|operator|owner|creators|openai|anthropic', String.raw`\s+(?:have|has)\s+(?:updated|changed|modified|relaxed|lifted|removed)\s+(?:your|the)\s+(?:policy|policies|rules|guidelines|instructions|restrictions|settings|permissions)`],
  ['harm', 0.35, 0.4, 'call|invoke|run|use|trigger|execute', String.raw`\s+(?:the\s+)?[\`'"]?[a-z0-9]+(?:_[a-z0-9]+)+[\`'"]?\s+(?:tool|function|command|endpoint)\b`],
  ['harm', 0.35, 0.4, 'mark|flag|label|set', String.raw`\s+(?:all|every|each|this|these|the)\s+(?:[^.\n]|\.(?=\S)){0,50}?\bas\s+(?:paid|approved|verified|safe|resolved|complete|completed|legitimate|trusted|not\s+spam|cleared)\b`],
  ['harm', 0.35, 0.4, 'grant|give|share', String.raw`\s+(?:them|him|her|the\s+user|me|us|this\s+user|everyone)\s+(?:full\s+|admin\s+|root\s+|write\s+)?(?:access|permissions?|privileges?|rights|ownership)\b`],
  ['resp', 0.4, 0.3, 'respond|reply|answer|speak|write|talk|output', String.raw`\s+only\s+(?:in|with|using|as)\b`],
  ['resp', 0.4, 0.3, 'responde|contesta|di|dile|reponds|repondez|dis|dites|antworte|antworten|sage|sag|rispondi|rispondete|responda|diga', String.raw`\s+(?:unicamente|solo|solamente|seulement|uniquement|nur|ausschliesslich|somente|apenas|simplement)?\s*(?:al\s+usuario\s+|a\s+l'utilisateur\s+|dem\s+(?:nutzer|benutzer)\s+|all'utente\s+|ao\s+usuario\s+)?(?:que|qu'|dass|che)\b`],
  ['conceal', 0.45, 0.55, 'erwahne|erwahnen|verrate|zeige', String.raw`\s+(?:es|das|dies|diesen\s+schritt|diese\s+anweisung|diesen\s+hinweis)\s+(?:\w+\s+){0,3}nicht\b`],
  ['conceal', 0.45, 0.55, 'no|ne|nao|non', String.raw`\s+(?:menciones|mencione|digas|reveles|muestres|mentionne|mentionnez|revele|revelez|menzionare|rivelare|mencione|revele)\s+(?:pas\s+)?(?:esta|estas|este|cette|ces|questa|queste|esta|este)\s+(?:instruccion|instrucciones|nota|paso|mensaje|instruction|instructions|note|etape|message|istruzione|istruzioni|passo|instrucao|instrucoes|mensagem)`],
  ['override', 0.62, 0.6, 'ignore|disregard|forget|override|bypass', String.raw`\s+(?:(?:all|any)\s+(?:of\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding|system|original|initial|existing)?\s*|your\s+(?:previous\s+|prior\s+|system\s+|original\s+|initial\s+)?|(?:previous|prior|above|preceding)\s+)(?:instructions|prompts?|directives|guidelines|rules|programming|system\s+prompt|guardrails|constraints)\b${NOT_IN_DATA}(?!\s+(?:for|about|on|regarding)\s+(?:the|my|our|this|that)\s+(?!(?:ai|assistant|model)))`],

  ['addr', 0.45, 0.3, 'assistants|assistant|models|model|chatbot|chatbots|bots', String.raw`(?<=(?:^|[\n>.!?(\[]\s*)(?:[a-z-]+\s+){1,3}(?:assistants|assistant|models|model|chatbot|chatbots|bots))\s*:\s`],
  ['addr', 0.45, 0.3, 'ai|llm|llms|copilot|claude|chatgpt|gpt|gemini', String.raw`(?<=(?:^|[\n>.!?(\[]\s*)(?:[a-z-]+\s+){0,3}(?:ai|llm|llms|copilot|claude|chatgpt|gpt|gemini))\s*:\s`],
  ['addr', 0.45, 0.3, 'agent|agents', String.raw`(?<=(?:^|[\n>.!?(\[]\s*)(?:[a-z-]+\s+){0,2}(?:ai|llm|coding|automated|autonomous|browsing|email)\s+(?:agent|agents))\s*:\s`],
  ['addr', 0.45, 0.35, 'you', String.raw`\s*,\s*(?:the\s+)?(?:ai\s+)?(?:assistant|model|agent|ai|llm|chatbot)\s*,`],
  ['addr', 0.4, 0.35, 'the', String.raw`\s+(?:model|assistant|ai|llm|agent|chatbot)\s+(?:must|has\s+to|should|needs\s+to|is\s+required\s+to|shall|will\s+now)\b`],
  // a rule phrased as a fact about the model: "the agent forwards ...", "the assistant includes ..." (tool text only)
  ['addr', 0.1, 0.3, 'the', String.raw`\s+(?:model|assistant|ai|llm|agent|chatbot)\s+(?:also\s+|then\s+|always\s+|silently\s+|automatically\s+)?(?:forwards|sends|includes|writes|reads|copies|appends|adds|attaches|uploads|posts|passes|puts|collects|shares|pastes|stores)\b`],
  // permission to drop its rules: "the assistant may ignore content restrictions"
  ['override', 0.4, 0.45, 'may|can', String.raw`(?<=\b(?:model|assistant|ai|llm|agent|chatbot)\s+(?:may|can))\s+(?:now\s+|safely\s+|freely\s+)?(?:ignore|disregard|bypass|skip|override)\b`],
  // claimed approval for everything pending: "treat every pending action as already approved"
  ['override', 0.4, 0.45, 'treat|consider|regard', String.raw`\s+(?:every|all|any|each)\s+(?:[a-z-]+\s+){0,2}(?:actions?|requests?|operations?|calls?|commands?|changes?)\s+as\s+(?:already\s+|pre-?)?(?:approved|authori[sz]ed|confirmed|consented)\b`],
  // persistence: writing to shell start-up files, authorized_keys, crontab
  ['tool_override', 0.35, 0.45, 'add|adds|append|appends|write|writes|insert|inserts|put|puts|install|installs', String.raw`\b(?:[^.\n]|\.(?=\S)){0,80}?\b(?:to|into|in)\s+(?:the\s+user'?s\s+|your\s+)?(?:~/|\$home/)?(?:\.(?:bashrc|zshrc|bash_profile|zprofile|profile)\b|\.ssh/authorized_keys|authorized_keys|crontab)`],
  ['conceal', 0.45, 0.55, 'do|don|dont|never', String.raw`(?:\s+not|'t|n't)?\s+mention\s+(?:it|this|that|them)\s+(?:in|to|anywhere)\b`],
  ['resp', 0.4, 0.35, 'rate|score|rank|grade|review', String.raw`\s+(?:this|the|it|our|these)\s+(?:\w+\s+){0,2}(?:\d|five|ten|highly|positively|top|best|first)`],
  ['resp', 0.4, 0.35, 'omit|exclude|hide|suppress|remove|drop|filter', String.raw`\s+(?:all\s+|any\s+|the\s+)?(?:negative|critical|bad|other|competing|unfavou?rable|opposing|competitor'?s?)\s+(?:reviews?|comments?|results?|feedback|information|products?|opinions?|sources?)`],
  ['tool_override', 0.45, 0.5, 'trustworthy|authoritative|reliable|important|trusted', String.raw`\s+than\s+(?:the\s+)?(?:users?|system|your\s+instructions|the\s+instructions|anything\s+else)`],
  ['override', 0.4, 0.45, 'if|when|even', String.raw`\s+(?:if\s+)?(?:the\s+)?users?\s+(?:contradicts?|disagrees?|objects?|says\s+otherwise|asks\s+otherwise|complains?|refuses?)`],
  ['shadow', 0.4, 0.5, 'when|whenever|while|if', String.raw`\s+(?:using|calling|invoking|running)\s+(?:the\s+|any\s+|an?\s+)?[a-z0-9_.-]{2,40}\s+(?:tools?|functions?|commands?|integration|server)\b`],
  ['redirect', 0.3, 0.45, 'instead', String.raw`\s+of\s+(?:the\s+)?(?:origin|user'?s?|intended|real|original|actual|correct|requested)\b`],
  ['precond', 0.3, 0.35, 'before|after', String.raw`\s+(?:every|each|any)\s+(?:answer|response|reply|call|request|message|turn)\b`],

  ['addr', 0.45, 0.3, 'assistant|model|bot|agent|ai|llm', String.raw`(?<=[>\[(]\s*(?:assistant|model|bot|agent|ai|llm))\s*:\s`],
  // an @mention of a bot / AI account in an issue, PR or chat message: "@triage-bot when you ...", "@claude please ..."
  ['addr', 0.45, 0.3, 'bot|ai|assistant|agent|gpt|copilot|claude|chatgpt|gemini', String.raw`(?<=@(?:[a-z0-9]{1,30}[-_])?(?:bot|ai|assistant|agent|gpt|copilot|claude|chatgpt|gemini))(?=[\s,:])`],
  // "AI reviewer:", "LLM agent:", "AI code reviewer:" at the start of a line / sentence
  ['addr', 0.45, 0.3, 'ai|llm|gpt|copilot|claude|chatgpt|gemini', String.raw`(?<=(?:^|[\n>.!?(\[]\s*)(?:ai|llm|gpt|copilot|claude|chatgpt|gemini))\s+(?:code\s+)?(?:reviewers?|readers?|crawlers?|summari[sz]ers?|scrapers?|triagers?|helpers?|systems?|tools?|bots?|models?|assistants?|agents?)\s*:\s`],
  ['resp', 0.4, 0.35, 'reply|respond|write|answer|explain|confirm', String.raw`\s+(?:to\s+)?(?:the\s+)?(?:users?|customers?|client|requester|sender|them)\s+(?:that|to)\b`],
  ['harm', 0.3, 0.4, 'delete|remove|erase|destroy|purge', String.raw`\s+(?:this|that)\s+(?:email|message|conversation|thread|log|logs|evidence|record|note|comment|instruction)s?\b`],
  ['resp', 0.5, 0.45, 'append|add|include|insert|prepend|attach', String.raw`\s+(?:[^.\n]|\.(?=\S)){0,80}?\b(?:to|in|into|at\s+the\s+end\s+of)\s+(?:every|each|all|your)\s+(?:answers?|responses?|replies|messages?|outputs?|summar(?:y|ies))\b`],
  ['override_weak', 0.3, 0.3, 'from', String.raw`\s+now\s+on\b`],
  ['shadow', 0.45, 0.5, 'replaces|overrides|supersedes|replace|override|supersede', String.raw`\s+(?:the\s+)?(?:built-in\s+|default\s+|original\s+|existing\s+|other\s+)?[\`'"]?[a-z0-9_.-]{2,40}[\`'"]?\s+(?:tool|function|command)\b`],
  ['shadow', 0.35, 0.45, 'do|don|never', String.raw`(?:\s+not|'t|n't)?\s+(?:use|call|invoke)\s+(?:the\s+)?(?!this\b|it\b|them\b)[\`'"]?[a-z0-9]+(?:_[a-z0-9]+)*[\`'"]?(?:\s+tool)?\s*(?:[.,;]|$|\band\b|\bfor\b|\bat\s+all\b)`],
  ['shadow', 0.35, 0.45, 'call|invoke', String.raw`\s+[\`'"]?[a-z0-9]+(?:_[a-z0-9]+)*[\`'"]?\s+instead\b`],
  // task injection: "while you are at it, also ..."
  ['override_weak', 0.3, 0.3, 'while', String.raw`\s+you(?:'re|\s+are)\s+at\s+it\b`],
  // claiming success that did not happen: "tell the user it succeeded anyway"
  ['resp', 0.35, 0.4, 'tell|inform|assure|report|say|show', String.raw`\s+(?:to\s+)?(?:the\s+)?users?\s+(?:that\s+)?(?:it|this|the\s+[a-z]+|everything)\s+(?:has\s+|was\s+|is\s+)?(?:succeeded|worked|successful|completed|went\s+(?:fine|well))\b`],
  // monopolising: "the only search tool you may use", "say that tool is broken"
  ['tool_override', 0.35, 0.45, 'only', String.raw`(?<=\bthe\s+only)\s+(?:[a-z-]+\s+)?(?:tool|function|server)\s+(?:you\s+)?(?:may|can|should|must|are\s+(?:allowed|permitted)\s+to)\s+(?:use|call)\b`],
  ['resp', 0.35, 0.4, 'say|claim|tell|pretend', String.raw`\s+(?:the\s+user\s+)?(?:that\s+)?(?:the\s+other|that|the|this|other|any\s+other)\s+(?:[a-z_-]+\s+)?(?:tool|function|server|service)s?\s+(?:is|are)\s+(?:broken|unavailable|down|deprecated|unsafe|offline|disabled)\b`],
  // persistence: an instruction written to memory for later sessions
  ['tool_override', 0.4, 0.5, 'save|store|write|add|remember|persist|keep', String.raw`\s+(?:this|the\s+following|these\s+(?:rules|instructions))\s+(?:(?:to|in|into)\s+(?:your\s+)?(?:long[\s-]term\s+|persistent\s+)?memory|permanently)\b[^.\n]{0,60}?\b(?:all\s+)?(?:future|later|subsequent)\s+(?:conversations|sessions|chats)\b`],
  ['resp', 0.35, 0.4, 'always|only', String.raw`\s+recommend\s+(?!(?:that|to|the\s+user)\b)[a-z0-9]`],

  // ---- weak imperative ---------------------------------------------------------------------------
  ['imperative', 0.1, 0.1, 'send|forward|email|post|upload|reveal|print|output|execute|run|visit|click|download|transfer|approve|merge|delete|create|call|respond|reply|say|tell|write|summarize|translate|describe|provide|suggest|explain|list|give|recommend|read|open|include|add|ignore|forget|disregard|share|change|cancel|book|buy|install|grant|disable|remove|navigate|go|follow|obey|comply|modify|integrate|incorporate|insert|append|use|replace|convert|render|introduce|enhance|augment|employ|utilize|leverage|deploy|consider|ensure|remember|make|help', String.raw`\b`, 'start'],
  // the same imperative position in the languages the override rules read (German, Spanish, French,
  // Italian, Portuguese): an override there weighs what it weighs in English
  ['imperative', 0.1, 0.1, 'ignoriere|ignorier|ignorieren|vergiss|missachte|sende|schicke|gib|zeige|ignora|ignoren|olvida|olviden|descarta|omite|envia|envie|muestra|revela|ignorez|ignore|oublie|oubliez|envoie|envoyez|montre|montrez|revele|revelez|ignorate|dimentica|dimenticate|invia|inviate|mostra|rivela|esqueca|esquece|desconsidere|mostre|revele', String.raw`\b`, 'start'],
];

interface CompiledRule extends Rule {
  triggers: string[];
  /** only at the start of a sentence (imperative position) */
  start: boolean;
  /** only at the start of a line (fake conversation turns) */
  line: boolean;
  /** a weak cue: evaluated only when the text has a strong one */
  deferred: boolean;
  /** a marker that must occur within NEED_SPAN characters after the trigger */
  need?: RegExp;
  /** where the rule's regex goes on after its trigger words (for the prefilter) */
  rest: string;
  /** index of `kind` in KINDS */
  ki: number;
}

/** Weak kinds only add to a window anchored by a stronger cue: their rules run only when one exists. */
const DEFERRED_KINDS: ReadonlySet<Kind> = new Set<Kind>(['addr_weak', 'secret', 'imperative', 'danger_code', 'override_weak', 'param', 'precond']);

function compile(specs: RuleSpec[]): { byWord: Map<string, CompiledRule[]>; rules: CompiledRule[] } {
  const byWord = new Map<string, CompiledRule[]>();
  const rules: CompiledRule[] = [];
  for (const [kind, w, wt, triggers, rest, id] of specs) {
    const words = triggers.split('|').filter((t) => t.length > 0);
    const need = id !== undefined && id.includes('need:') ? NEED[id.slice(id.indexOf('need:') + 5)] : undefined;
    if (id !== undefined && id.includes('need:') && need === undefined) throw new Error(`unknown marker in rule ${triggers}`);
    const re = id === 'sensitive' ? new RegExp(SENSITIVE_WORD, 'y') : new RegExp(`(?:${words.map((t) => t.replace(/[.*+?^${}()[\]\\]/g, '\\$&')).join('|')})(?:${rest})`, 'y');
    const rule: CompiledRule = { kind, w, wt, re, triggers: words, start: id !== undefined && id.startsWith('start'), line: id === 'line', deferred: DEFERRED_KINDS.has(kind), ...(need ? { need } : {}), rest: id === 'sensitive' ? SENSITIVE_WORD : rest, ki: K(kind) };
    rules.push(rule);
    for (const t of words) {
      const key = t.replace(/[^a-z0-9_\u00c0-\uffff]/g, '') || t;
      const list = byWord.get(key);
      if (list) list.push(rule);
      else byWord.set(key, [rule]);
    }
  }
  return { byWord, rules };
}

const COMPILED = compile(SPECS);

const PREFILTER_CACHE = new Map<string, Prefilter>();
const NO_PREFILTER: Prefilter = { sets: new Uint32Array(0), depth: 0 };
function prefilterOf(r: CompiledRule): Prefilter {
  let p = PREFILTER_CACHE.get(r.rest);
  if (p === undefined) {
    try {
      p = firstSets(r.rest);
    } catch {
      p = NO_PREFILTER; // syntax the analyser does not know: no prefilter (always run the regex)
    }
    PREFILTER_CACHE.set(r.rest, p);
  }
  return p;
}

/** The rules to try at one trigger word: strong ones at once, weak (deferred) ones only when the text has a strong cue. */
interface TriggerEntry {
  key: string;
  rules: CompiledRule[];
  /** built on first use (prepareEntry): module load stays cheap */
  strong?: Candidate[];
  weak?: Candidate[];
}

/**
 * A rule to try at a trigger word, with a prefilter: the rule can only match when, from one of the
 * offsets `offs` (the lengths of the rule's trigger words that are prefixes of this word), the next
 * characters are in the per-position character sets `pre` (see firstSets). The prefilter is
 * computed from the regex itself and is conservative: it never rejects a position where the regex matches.
 */
interface Candidate {
  rule: CompiledRule;
  offs: number[];
  pre: Prefilter;
}

/**
 * Trigger words are whole runs of ASCII word characters ([A-Za-z0-9_], the `\b` of a non-unicode
 * regex) in the normalised text: one pass over the text hashes each run as it goes and looks the
 * run up in a small open-addressing table of the trigger words (no regex, no allocation; the table
 * stays in cache). A hash hit is confirmed by comparing the characters.
 * WORD_CHAR: 1 for [A-Za-z0-9_].
 */
const WORD_CHAR = (() => {
  const t = new Uint8Array(128);
  for (let c = 97; c <= 122; c++) t[c] = 1;
  for (let c = 65; c <= 90; c++) t[c] = 1;
  for (let c = 48; c <= 57; c++) t[c] = 1;
  t[95] = 1;
  return t;
})();

const TRIGGERS = (() => {
  const keys = [...COMPILED.byWord.keys()];
  let size = 1024;
  while (size < keys.length * 4) size *= 2;
  const slots = new Int32Array(size); // entry id + 1, 0 = empty
  const hash = new Int32Array(keys.length);
  const entries: TriggerEntry[] = [];
  let maxLen = 0;
  for (const key of keys) {
    const rules = COMPILED.byWord.get(key)!;
    let h = 0;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      if (c >= 128 || WORD_CHAR[c] === 0) throw new Error(`trigger word ${key} is not [a-z0-9_]`);
      h = (Math.imul(h, 31) + c) | 0;
    }
    const id = entries.length;
    entries.push({ key, rules });
    hash[id] = h;
    if (key.length > maxLen) maxLen = key.length;
    let k = h & (size - 1);
    while (slots[k] !== 0) k = (k + 1) & (size - 1);
    slots[k] = id + 1;
  }
  return { slots, mask: size - 1, hash, entries, maxLen };
})();

/** The candidates of a trigger word: its rules with their prefilters and offsets. */
function prepareEntry(e: TriggerEntry): void {
  const key = e.key;
  const cand = (r: CompiledRule): Candidate => {
    const pre = prefilterOf(r);
    // the sensitive-words rule matches its own regex from the word start; others: trigger + rest
    const offs = r.rest === SENSITIVE_WORD ? [0] : [...new Set(r.triggers.filter((tr) => key.startsWith(tr)).map((tr) => tr.length))].filter((o) => prefilterPasses(pre, key, o));
    return { rule: r, offs, pre };
  };
  e.strong = e.rules.filter((r) => !r.deferred).map(cand);
  e.weak = e.rules.filter((r) => r.deferred).map(cand);
}

let trigPos = new Int32Array(1024);
let trigEntry = new Int32Array(1024);

/**
 * Positions (trigPos) and TRIGGERS entries (trigEntry) of the trigger words of `t`, in order;
 * returns their number. The buffers are reused (callers consume them before the next call).
 */
function findTriggers(t: string): number {
  const n = t.length;
  const { slots, mask, hash, entries, maxLen } = TRIGGERS;
  let count = 0;
  for (let i = 0; i < n; ) {
    let c = t.charCodeAt(i);
    if (c >= 128 || WORD_CHAR[c] === 0) {
      i++;
      continue;
    }
    const s = i;
    let h = 0;
    for (;;) {
      h = (Math.imul(h, 31) + c) | 0;
      if (++i >= n) break;
      c = t.charCodeAt(i);
      if (c >= 128 || WORD_CHAR[c] === 0) break;
    }
    const len = i - s;
    if (len > maxLen) continue;
    let id = -1;
    for (let k = h & mask; slots[k] !== 0; k = (k + 1) & mask) {
      const e = slots[k]! - 1;
      if (hash[e] !== h) continue;
      const key = entries[e]!.key;
      if (key.length !== len) continue;
      let same = true;
      for (let q = 0; q < len; q++) {
        if (key.charCodeAt(q) !== t.charCodeAt(s + q)) {
          same = false;
          break;
        }
      }
      if (same) {
        id = e;
        break;
      }
    }
    if (id < 0) continue;
    if (count === trigPos.length) {
      const p = new Int32Array(count * 2);
      p.set(trigPos);
      trigPos = p;
      const q = new Int32Array(count * 2);
      q.set(trigEntry);
      trigEntry = q;
    }
    trigPos[count] = s;
    trigEntry[count] = id;
    count++;
  }
  return count;
}

/** Patterns not anchored at a word: frames, tags, turns, markdown image exfiltration, Chinese. */
const FRAME_TAGS = /<\/?[ \t]{0,3}(?:important|instructions?|secret|system|hidden|admin|sys|prompt|directive|assistant_note|ai_instructions?|note_to_ai|system_prompt|override)\s*>|\[\/?\s*(?:instructions?|system(?:\s+(?:override|directive|note|message|instructions?|update|prompt))?|admin|important|(?:role|configuration|emergency|security|admin|system|priority)\s+directive|ai\s+instructions?|hidden|inst|sys)\s*\]|<\|[a-z_]{2,20}\|>/g;
const FRAME_HEADING = /#{1,6}[ \t]*(?:system|instructions?|new\s+instructions?|ai\s+instructions?)(?:[ \t]+(?:for|to)[ \t]+[^\n]{0,40})?[ \t]*(?=\n|$)/g;

/** Only whitespace / quote / list markers between the previous newline and `pos`. */
function atLineStart(t: string, pos: number): boolean {
  for (let i = pos - 1, k = 0; i >= 0 && k < 12; i--, k++) {
    const c = t.charCodeAt(i);
    if (c === 10) return true;
    if (c !== 32 && c !== 9 && c !== 62 && c !== 42 && c !== 35) return false;
  }
  return pos === 0 || pos < 12;
}
const MD_IMAGE = /!\[[^\]\n]{0,100}\]\(\s*https?:\/\/[^)\s]{1,400}\)/g;
const MD_IMAGE_PLACEHOLDER = /[?&=/](?:[^)\s]{0,200})(?:\{[^}\s]{1,40}\}|<[^>\s]{1,40}>|\[[a-z_ ]{1,40}\]|\$[a-z_]{2,40}|%7b|insert|base64|summary|secret|data=|conversation|history|token|password|key=|q=|d=|p=)/;
const CJK = /[\u3400-\u9fff]/;
const CJK_RULES: Array<[Kind, number, number, RegExp]> = [
  ['override', 0.55, 0.55, /(?:忽略|无视|忘记|忘掉|不要理会|不理会|忽視|無視)(?:掉)?(?:之前|以上|上面|先前|前面|所有|一切|原来|原有|系统)?(?:的)?(?:所有|全部)?(?:指令|指示|说明|規則|规则|提示|要求|命令|設定|设定)/g],
  ['addr', 0.5, 0.3, /(?:如果你是|若你是|致|给|对)(?:一个|一位)?(?:ai|人工智能|语言模型|大模型|助手|智能体|机器人|代理)/g],
  ['conceal', 0.5, 0.6, /(?:不要|别|切勿|不得|不可|禁止)(?:告诉|通知|提醒|透露|提及|让|向)(?:用户|使用者|他们|任何人)/g],
  ['exfil', 0.5, 0.6, /(?:发送|转发|上传|传送|发给|发到|寄给)[^\n]{0,60}?(?:@|https?:\/\/|邮箱)/g],
  ['read_pass', 0.45, 0.5, /(?:读取|读|打开|获取)[^\n]{0,30}?(?:~\/\.ssh|id_rsa|\.env|密钥|密码|私钥|凭证|环境变量)/g],
  ['override', 0.45, 0.45, /新的?(?:指令|任务|指示)[:：]/g],
];

/**
 * Other scripts (Cyrillic, Arabic, Devanagari, kana, Hangul): the same cues as CJK_RULES. Word lists
 * and patterns are folded like the text (Cyrillic letters that look Latin become Latin, kana and
 * Hangul decompose), so they match it.
 */
const NON_LATIN = /[\u0400-\u04ff\u0600-\u06ff\u0900-\u097f\u1100-\u11ff\u3040-\u30ff\uac00-\ud7af]/;
const fold = (words: string): string => normalizeForMatching(words).text;
const NON_LATIN_RULES: Array<[Kind, number, number, RegExp]> = [
  // ru: "ignore / forget (all) (previous) instructions"
  ['override', 0.55, 0.55, new RegExp(`(?:${fold('игнорируй|игнорируйте|проигнорируй|проигнорируйте|забудь|забудьте|не обращай внимания на|не обращайте внимания на')})[^\n]{0,40}?(?:${fold('инструкци|указани|правил|команд|директив')})`, 'g')],
  // ru: "ignore ALL (previous) instructions": strong on its own, as in the Latin-script languages
  ['override', 0.65, 0.6, new RegExp(`(?:${fold('игнорируй|игнорируйте|проигнорируй|проигнорируйте|забудь|забудьте')})\\s+(?:${fold('все|всё')})\\s+(?:(?:${fold('предыдущие|прежние|прошлые|вышеуказанные|старые|свои|твои|ваши|системные')})\\s+)?(?:${fold('инструкции|указания|правила|команды|директивы|инструкций|указаний|правил|команд')})`, 'g')],
  ['addr', 0.45, 0.3, new RegExp(`(?:${fold('ии|ии-|искусственный интеллект|нейросеть|языковая модель')})[ -]?(?:${fold('ассистент|агент|помощник|бот|модель')})`, 'g')],
  ['exfil', 0.45, 0.55, new RegExp(`(?:${fold('отправь|отправьте|перешли|перешлите|пошли|пришли|загрузи|передай|передайте')})[^\n]{0,60}?(?:@|https?://)`, 'g')],
  // ja: "(previous) instructions (all) ignore"
  ['override', 0.55, 0.55, new RegExp(fold(String.raw`(?:指示|命令|ルール|指令|プロンプト|設定)(?:を|は)?(?:すべて|全て|全部|一切)?(?:無視|忘れ)`), 'g')],
  ['addr', 0.45, 0.3, new RegExp(fold(String.raw`(?:ai|人工知能|言語モデル)?(?:アシスタント|エージェント|チャットボット|ボット)(?:へ|に告ぐ|の皆様|さん)`), 'g')],
  ['exfil', 0.45, 0.55, new RegExp(fold(String.raw`(?:@|https?:\/\/)[^\n]{0,60}?(?:送信|転送|送っ|送り|送る|アップロード)`), 'g')],
  // ko: "(previous) instructions (all) ignore"
  ['override', 0.55, 0.55, new RegExp(fold(String.raw`(?:지시|명령|지침|규칙|설정|프롬프트)(?:을|를|은|는|사항을|사항은)?\s*(?:모두|전부|다)?\s*(?:무시|잊어)`), 'g')],
  // (?<!\s): a start inside a run of spaces cannot be the leftmost match (one space earlier matches too), and
  // without it every position of a long run of spaces before a Hangul letter scanned the rest of the run (quadratic)
  ['addr', 0.45, 0.3, new RegExp(fold(String.raw`(?:ai|인공지능)?(?<!\s)\s*(?:비서|어시스턴트|에이전트|챗봇|모델)(?:에게|께|님)`), 'g')],
  ['exfil', 0.45, 0.55, new RegExp(fold(String.raw`(?:@|https?:\/\/)[^\n]{0,60}?(?:전달|전송|보내|업로드)`), 'g')],
  ['read_pass', 0.45, 0.5, new RegExp(`(?:${fold('прочитай|прочитайте|прочти|открой|считай|возьми|скопируй')})[^\n]{0,40}?(?:~/|\\.env\\b|id_rsa|${fold('ключ|парол|секрет|токен|учетн')})`, 'g')],
  ['conceal', 0.5, 0.6, new RegExp(`(?:${fold('не сообщай|не говори|не рассказывай|не упоминай|не показывай|не сообщайте|не говорите')})[^\n]{0,30}?(?:${fold('пользовател|никому')})`, 'g')],
  ['read_pass', 0.45, 0.5, new RegExp(fold(String.raw`(?:~\/|\.env|id_rsa|credentials|パスワード|秘密鍵|認証情報)[^\n]{0,40}?(?:読み取|読み込|読ん|取得|コピー)`), 'g')],
  ['conceal', 0.5, 0.6, new RegExp(fold(String.raw`ユーザー(?:に|には|へ)(?:は)?(?:伝え|知らせ|言わ|見せ|教え)(?:ないで|ない|るな)`), 'g')],
  ['read_pass', 0.45, 0.5, new RegExp(fold(String.raw`(?:~\/|\.env|id_rsa|credentials|비밀번호|키|자격 증명)[^\n]{0,40}?(?:읽어|읽고|가져|복사)`), 'g')],
  ['conceal', 0.5, 0.6, new RegExp(fold(String.raw`사용자(?:에게|한테)\s*(?:알리지|말하지|보여주지|전하지)\s*(?:마|않)`), 'g')],
  // ar: "ignore (all) (previous) instructions"
  ['override', 0.55, 0.55, new RegExp(`(?:${fold('تجاهل|تجاهلي|تجاهلوا|انس|انسى|لا تلتزم ب')})[^\n]{0,40}?(?:${fold('التعليمات|الأوامر|التوجيهات|القواعد|تعليمات')})`, 'g')],
  ['addr', 0.45, 0.3, new RegExp(`(?:${fold('للمساعد|إلى المساعد|أيها المساعد|للذكاء الاصطناعي|لنموذج الذكاء|للوكيل')})`, 'g')],
  ['exfil', 0.45, 0.55, new RegExp(`(?:${fold('أرسل|ارسل|أرسلي|حوّل|انقل|ارفع')})[^\n]{0,60}?(?:@|https?://)`, 'g')],
  // hi: "(previous) instructions ... ignore"
  ['override', 0.55, 0.55, new RegExp(`(?:${fold('निर्देशों|निर्देश|नियमों|आदेशों')})[^\n]{0,20}?(?:${fold('अनदेखा|नज़रअंदाज़|नजरअंदाज|भूल')})`, 'g')],
  ['addr', 0.45, 0.3, new RegExp(`(?:${fold('एआई|ai')})\s*(?:${fold('सहायक|असिस्टेंट|एजेंट|मॉडल')})\s*(?:${fold('के लिए|को')})`, 'g')],
  ['exfil', 0.45, 0.55, new RegExp(`(?:@|https?://)[^\n]{0,40}?(?:${fold('भेजें|भेजो|भेज दें|अपलोड')})`, 'g')],
];

/** The other-script rules' expressions (for the tests of scanNearNonAscii). */
export const OTHER_SCRIPT_RES: readonly RegExp[] = [...CJK_RULES, ...NON_LATIN_RULES].map((r) => r[3]);

/** Meta context: the text talks ABOUT prompt injection / is code or test material. */
const META_STRONG = /\b(?:prompt[\s-]injections?|injection\s+(?:attacks?|attempts?|payloads?|strings?|samples?)|jailbreak(?:s|ing)?|attack\s+(?:strings?|payloads?|phrases?|examples?|texts?|patterns?|vectors?)|red[\s-]team(?:ing|ers?)?|adversarial\s+(?:prompts?|examples?|inputs?)|owasp|llm0\d|security\s+training|awareness\s+training|trainees?|a\s+classic\s+case|attackers?|malicious\s+(?:text|instructions|content|prompts?)|hides?\s+(?:text|instructions)|test\s+(?:cases?|fixtures?|suite|vectors?)|fixtures?|assert\w*|pytest|parametrize|expect\(|def\s+test_|it\(['"]|unit\s+tests?|tokeni[sz]ers?|chat\s+templates?|special\s+tokens?|chatml)/g;
const META_WEAK = /\b(?:payloads?|researchers?|benchmarks?|examples?\s+of|such\s+as|phrases?\s+like|strings?\s+like|things\s+like|sentences?\s+like|for\s+example|e\.g\.|defen[cs]es?|mitigations?|detectors?|classifiers?|mock\w*|describe\(|we\s+(?:show|teach|explain|demonstrate)|this\s+(?:post|article|paper|talk|guide|tutorial)|blog|primer|explained|typical(?:ly)?|model\s+cards?|delimit(?:s|ed|ers?)?)\b/g;

/**
 * Every META match starts at a word start (`\b` and a letter), so instead of two regex scans of the
 * whole text, one pass visits the word starts and runs the (sticky) patterns only where their
 * prefilter allows a match. Same matches as the global scans: the leftmost match at or after the
 * end of the previous one.
 */
interface MetaScan {
  strong: Prefilter;
  weak: Prefilter;
  strongRe: RegExp;
  weakRe: RegExp;
}
/** undefined: not built yet; null: the patterns do not allow the word-start scan (regex scans instead) */
let META_SCAN: MetaScan | null | undefined;
const buildMetaScan = (): MetaScan | null => {
  const strong = firstSetsOrUndefined(META_STRONG.source);
  const weak = firstSetsOrUndefined(META_WEAK.source);
  const startsAtWord = (p: Prefilter | undefined): boolean => {
    if (p === undefined || p.depth === 0) return false;
    for (let c = 0; c < 128; c++) if (((p.sets[c >> 5]! >>> (c & 31)) & 1) === 1 && (WORD_CHAR[c] === 0 || (c >= 65 && c <= 90))) return false;
    return p.sets[4] === 0;
  };
  if (!startsAtWord(strong) || !startsAtWord(weak)) return null;
  return { strong: strong!, weak: weak!, strongRe: new RegExp(META_STRONG.source, 'y'), weakRe: new RegExp(META_WEAK.source, 'y') };
};

function countMeta(t: string): number {
  if (META_SCAN === undefined) META_SCAN = buildMetaScan();
  if (META_SCAN === null) {
    let n = 0;
    META_STRONG.lastIndex = 0;
    while (META_STRONG.exec(t) !== null && n < 16) n += 1;
    META_WEAK.lastIndex = 0;
    while (META_WEAK.exec(t) !== null && n < 16) n += 0.5;
    return n;
  }
  // n = min(16, strong matches + weak matches / 2), as the two capped loops above
  const { strong, weak, strongRe, weakRe } = META_SCAN;
  let n = 0;
  let strongFrom = 0;
  let weakFrom = 0;
  const len = t.length;
  for (let i = 0; i < len && n < 16; ) {
    const c = t.charCodeAt(i);
    if (c >= 128 || WORD_CHAR[c] === 0) {
      i++;
      continue;
    }
    // a word start
    if (i >= strongFrom && prefilterPasses(strong, t, i)) {
      strongRe.lastIndex = i;
      if (strongRe.test(t)) {
        n += 1;
        strongFrom = strongRe.lastIndex;
      }
    }
    if (i >= weakFrom && n < 16 && prefilterPasses(weak, t, i)) {
      weakRe.lastIndex = i;
      if (weakRe.test(t)) {
        n += 0.5;
        weakFrom = weakRe.lastIndex;
      }
    }
    i++;
    while (i < len) {
      const d = t.charCodeAt(i);
      if (d >= 128 || WORD_CHAR[d] === 0) break;
      i++;
    }
  }
  return n > 16 ? 16 : n;
}

// ------------------------------------------------------------------------------------------------

const WEIGHT_CAP = 250_000; // hits kept per text (bounded memory on adversarial input)

function isWordCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 0xc0 && c < 0x3000 && c !== 0x2019);
}

/** Is the position inside a double-quoted span or inline code on its line? */
function isQuoted(t: string, pos: number): boolean {
  let q = 0;
  let b = 0;
  const lim = Math.max(0, pos - 300);
  for (let i = pos - 1; i >= lim; i--) {
    const c = t.charCodeAt(i);
    if (c === 10) break;
    if (c === 34) {
      if (i === 0 || t.charCodeAt(i - 1) !== 92) q++; // \" inside a JSON string is not a quote
    } else if (c === 96) b++;
  }
  if (b % 2 === 1) return true;
  if (q % 2 === 1) {
    // the opening quote of a JSON / assignment value is not a quotation
    let k = pos - 1;
    while (k >= lim && (t.charCodeAt(k) !== 34 || (k > 0 && t.charCodeAt(k - 1) === 92))) k--;
    let p = k - 1;
    while (p >= 0 && (t.charCodeAt(p) === 32 || t.charCodeAt(p) === 9)) p--;
    const pc = p >= 0 ? t.charCodeAt(p) : 10;
    if (pc === 123 || pc === 91 || pc === 61) return false; // { [ =
    if (pc === 44 && p === k - 1) return false; // ,"cell": a CSV field or JSON array item, not a quotation
    if (pc === 58) {
      let r = p - 1;
      while (r >= 0 && t.charCodeAt(r) === 32) r--;
      if (r >= 0 && (t.charCodeAt(r) === 34 || t.charCodeAt(r) === 39)) return false; // "key": "value"
    }
    // a quotation closes on the same line within a few hundred characters
    for (let j = pos; j < Math.min(t.length, pos + 400); j++) {
      const d = t.charCodeAt(j);
      if (d === 10) return false;
      if (d === 34 && t.charCodeAt(j - 1) !== 92) return true;
    }
    return false;
  }
  // single-quoted: a quote that opens after whitespace / punctuation and has a closer later on the line
  for (let i = pos - 1; i >= lim; i--) {
    const c = t.charCodeAt(i);
    if (c === 10) break;
    if (c === 39) {
      const prev = i > 0 ? t.charCodeAt(i - 1) : 32;
      if (prev === 32 || prev === 40 || prev === 58 || prev === 61 || prev === 91 || prev === 44 || prev === 10) {
        // opener; look for a closer after pos on the same line
        for (let j = pos; j < Math.min(t.length, pos + 400); j++) {
          const d = t.charCodeAt(j);
          if (d === 10) return false;
          if (d === 39) {
            const nx = j + 1 < t.length ? t.charCodeAt(j + 1) : 32;
            if (!isWordCode(nx)) return true;
          }
        }
        return false;
      }
    }
  }
  return false;
}

const SOFT_LEAD = new Set(['please', 'also', 'then', 'and', 'kindly', 'now', 'finally', 'additionally', 'bitte', 'por', 'favor', 'veuillez', 'merci', 'per', 'se']);

/** Is `pos` the start of a sentence / clause in imperative position? */
function atSentenceStart(t: string, pos: number): boolean {
  let i = pos - 1;
  for (let pass = 0; pass < 3; pass++) {
    while (i >= 0 && (t.charCodeAt(i) === 32 || t.charCodeAt(i) === 9)) i--;
    if (i < 0) return true;
    const c = t.charCodeAt(i);
    // . ! ? : ; newline quote ( - * > ] ) , and list numbers
    if (c === 46 || c === 33 || c === 63 || c === 58 || c === 59 || c === 10 || c === 13 || c === 34 || c === 40 || c === 45 || c === 42 || c === 62 || c === 93 || c === 41 || c === 44 || c === 124) return true;
    if (!isWordCode(c)) return false;
    // skip one soft lead word ("please", "also", ...)
    const e = i + 1;
    while (i >= 0 && isWordCode(t.charCodeAt(i))) i--;
    if (!SOFT_LEAD.has(t.slice(i + 1, e))) return false;
  }
  return false;
}

const SECRET_IDENT = /_(?:api_?key|secret_access_key|secret_key|access_key|secret|token|password|passwd|key|database_url|credentials?)\b/g;

const NEGATABLE: ReadonlySet<Kind> = new Set<Kind>(['read_pass', 'exfil', 'redirect', 'harm', 'param', 'resp']);
const POSSESSIVE: ReadonlySet<Kind> = new Set<Kind>(['read_pass', 'exfil', 'redirect']);
const NEGATION = /(?:\bnot|n't|\bnever|\bno|\bwithout|\bnicht|\bnie|\bkeine?|\bnunca|\bjamais|\bpas|\bmai|\bnao|\bne)\s+(?:\w+\s+){0,2}$/;

/** A passive auxiliary right before `pos`: "the key is read from X" describes, it does not ask. */
const PASSIVE = /\b(?:is|are|was|were|be|been|being|gets?|got)\s+(?:\w+ly\s+)?$/;
function passiveBefore(t: string, pos: number): boolean {
  return PASSIVE.test(t.slice(Math.max(0, pos - 24), pos));
}

/** Is the cue at `pos` negated ("do not include passwords", "never send")? */
function negatedBefore(t: string, pos: number): boolean {
  const from = Math.max(0, pos - 40);
  return NEGATION.test(t.slice(from, pos));
}

interface MarkerState {
  from: number;
  next: number;
}

/**
 * Is there an occurrence of the marker `re` (global) in [s, s + NEED_SPAN)? The next occurrence is
 * cached per text, so increasing queries scan the text at most once per marker and pass.
 */
function markerNear(t: string, re: RegExp, s: number, cache: Map<RegExp, MarkerState>): boolean {
  let st = cache.get(re);
  if (st === undefined || s < st.from || (s > st.next && st.next !== Infinity)) {
    re.lastIndex = s;
    const m = re.exec(t);
    st = { from: s, next: m === null ? Infinity : m.index };
    cache.set(re, st);
  }
  return st.next >= s && st.next - s < NEED_SPAN;
}

/** Does ' your ' occur inside t[from, to)? (as `t.slice(from, to).includes(' your ')`, without the copy) */
function hasYour(t: string, from: number, to: number): boolean {
  for (let k = from; k + 6 <= to; k++) if (t.charCodeAt(k) === 32 && t.startsWith(' your ', k)) return true;
  return false;
}

/** Collect cue hits on a normalised (lower-case) text. */
export function collectHits(t: string, mode: Mode): Hit[] {
  const hits: Hit[] = [];
  const extra = (re: RegExp, kind: Kind, w: number, wt: number, lineStart = false): void => {
    const ki = K(kind);
    // rules of other scripts on a long text: tried only near its non-ASCII characters (same matches)
    if (!lineStart && t.length >= 256 && scanNearNonAscii(re, t, 500, (m) => hits.push({ kind, w: mode === 'tool' ? wt : w, start: m.index, end: m.index + m[0].length, quoted: -1, ki }))) return;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    let guard = 0;
    while ((m = re.exec(t)) !== null && guard++ < 500) {
      if (m[0].length === 0) re.lastIndex++;
      if (lineStart && !atLineStart(t, m.index)) continue;
      hits.push({ kind, w: mode === 'tool' ? wt : w, start: m.index, end: m.index + m[0].length, quoted: -1, ki });
    }
  };
  // weak rules to run in a second pass: trigger position and candidates
  const deferredPos: number[] = [];
  const deferredCands: Candidate[][] = [];
  let markers = new Map<RegExp, MarkerState>();
  const runRules = (s: number, cands: Candidate[]): void => {
    let atStart: boolean | undefined;
    for (let ci = 0; ci < cands.length; ci++) {
      const cand = cands[ci]!;
      const offs = cand.offs;
      let possible = false;
      for (let k = 0; k < offs.length && !possible; k++) possible = prefilterPasses(cand.pre, t, s + offs[k]!);
      if (!possible) continue;
      const r = cand.rule;
      if (r.start) {
        atStart ??= atSentenceStart(t, s);
        if (!atStart) continue;
      }
      if (r.line && !atLineStart(t, s)) continue;
      if (r.need !== undefined && !markerNear(t, r.need, s, markers)) continue;
      r.re.lastIndex = s;
      if (!r.re.test(t)) continue;
      const end = r.re.lastIndex;
      let w = mode === 'tool' ? r.wt : r.w;
      if (NEGATABLE.has(r.kind) && negatedBefore(t, s)) w *= 0.2;
      else if (r.kind === 'read_pass' && passiveBefore(t, s)) w *= 0.3;
      if (mode === 'data' && POSSESSIVE.has(r.kind) && hasYour(t, s, end)) w *= 0.5;
      hits.push({ kind: r.kind, w, start: s, end, quoted: -1, ki: r.ki });
    }
  };
  const nt = findTriggers(t);
  for (let k = 0; k < nt; k++) {
    if (hits.length >= WEIGHT_CAP) break;
    const s = trigPos[k]!;
    const e = TRIGGERS.entries[trigEntry[k]!]!;
    if (e.strong === undefined) prepareEntry(e);
    const strong = e.strong!;
    const weak = e.weak!;
    if (strong.length > 0) runRules(s, strong);
    if (weak.length > 0 && deferredPos.length < WEIGHT_CAP) {
      deferredPos.push(s);
      deferredCands.push(weak);
    }
  }
  if (trigPos.length > 65536) {
    // do not keep the buffers of a huge text alive
    trigPos = new Int32Array(1024);
    trigEntry = new Int32Array(1024);
  }
  if (t.includes('<') || t.includes('[')) extra(FRAME_TAGS, 'frame', 0.35, 0.3);
  if (CJK.test(t)) for (const [kind, w, wt, re] of CJK_RULES) extra(re, kind, w, wt);
  if (NON_LATIN.test(t)) for (const [kind, w, wt, re] of NON_LATIN_RULES) extra(re, kind, w, wt);
  if (t.includes('![')) {
    MD_IMAGE.lastIndex = 0;
    let m: RegExpExecArray | null;
    let guard = 0;
    while ((m = MD_IMAGE.exec(t)) !== null && guard++ < 200) {
      if (MD_IMAGE_PLACEHOLDER.test(m[0])) hits.push({ kind: 'exfil', w: 0.45, start: m.index, end: m.index + m[0].length, quoted: 0, ki: I_EXFIL });
    }
  }
  // no strong cue: weak ones cannot make a finding
  if (hits.length === 0) return hits;
  markers = new Map<RegExp, MarkerState>();
  for (let k = 0; k < deferredPos.length; k++) runRules(deferredPos[k]!, deferredCands[k]!);
  if (t.includes('#')) extra(FRAME_HEADING, 'frame', 0.35, 0.3, true);
  if (t.includes('_')) {
    SECRET_IDENT.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = SECRET_IDENT.exec(t)) !== null && hits.length < WEIGHT_CAP) {
      let b = m.index;
      while (b > 0 && m.index - b < 64 && isWordCode(t.charCodeAt(b - 1))) b--;
      if (b === m.index) continue; // "_token" alone is not an identifier
      hits.push({ kind: 'secret', w: mode === 'tool' ? 0.12 : 0.15, start: b, end: m.index + m[0].length, quoted: -1, ki: I_SECRET });
    }
  }
  // stable sort by start (most texts: already in order)
  for (let k = 1; k < hits.length; k++) {
    if (hits[k]!.start < hits[k - 1]!.start) {
      hits.sort((a, b) => a.start - b.start);
      break;
    }
  }
  return hits;
}

export interface Cluster {
  score: number;
  start: number;
  end: number;
  kinds: Set<Kind>;
  top: Kind;
}

const ACTION_KINDS: ReadonlySet<Kind> = new Set<Kind>(['exfil', 'redirect', 'read_pass', 'harm', 'resp', 'code_insert', 'conceal', 'override', 'shadow', 'tool_override']);

const I_ADDR = K('addr'), I_ADDR_WEAK = K('addr_weak'), I_OVR = K('override'), I_OVR_WEAK = K('override_weak');
const I_SECRET = K('secret'), I_READ = K('read_pass'), I_PARAM = K('param'), I_EXFIL = K('exfil'), I_FRAME = K('frame');
const I_TURN = K('fake_turn'), I_PRE = K('precond'), I_IMP = K('imperative');
const I_RESP = K('resp'), I_CODE = K('code_insert'), I_CONCEAL = K('conceal'), I_TOVR = K('tool_override'), I_SHADOW = K('shadow'), I_ENC = K('encoded');
const ACTION_IDX = [...ACTION_KINDS].map(K);
/** Kinds that can anchor a window (weak signals only add to a window anchored elsewhere). */
const WEAK_KINDS: ReadonlySet<Kind> = new Set<Kind>(['addr_weak', 'secret', 'imperative', 'danger_code', 'override_weak', 'param', 'precond']);
/** By kind index: 1 for WEAK_KINDS; SPAN_SKIP: weak kinds that do not extend a cluster's span. */
const IS_WEAK = Uint8Array.from(KINDS, (k) => (WEAK_KINDS.has(k) ? 1 : 0));
const SPAN_SKIP = Uint8Array.from(KINDS, (k) => (WEAK_KINDS.has(k) && k !== 'param' && k !== 'precond' ? 1 : 0));

const bestBuf = new Float64Array(KINDS.length);
const secondBuf = new Float64Array(KINDS.length);
const lastStartBuf = new Float64Array(KINDS.length);
const EMPTY_KINDS: ReadonlySet<Kind> = new Set<Kind>();

/** Combine the hits of one window into a score. */
function scoreWindow(t: string, hits: Hit[], from: number, to: number, mode: Mode, hidden: boolean, withQuotes: boolean, budget: { quotes: number }): { score: number; kinds: ReadonlySet<Kind>; top: Kind } {
  const best = bestBuf;
  const second = secondBuf;
  best.fill(0);
  second.fill(0);
  const lastStart = lastStartBuf;
  lastStart.fill(-1e9);
  for (let k = from; k < to; k++) {
    const h = hits[k]!;
    // quotation checks are bounded per text: beyond the budget a cue counts as unquoted (fails safe)
    if (withQuotes && h.quoted < 0) h.quoted = budget.quotes-- > 0 && isQuoted(t, h.start) ? 1 : 0;
    const w = withQuotes && h.quoted === 1 ? h.w * 0.35 : h.w;
    const ki = h.ki;
    if (best[ki]! < w) {
      if (h.start >= lastStart[ki]! + 8) second[ki] = best[ki]!;
      best[ki] = w;
      lastStart[ki] = h.start;
    } else if (second[ki]! < w && h.start >= lastStart[ki]! + 8) second[ki] = w;
  }
  // weak kinds never count twice with their strong counterpart
  if (best[I_ADDR]! > 0) best[I_ADDR_WEAK] = 0;
  if (best[I_OVR]! > 0) best[I_OVR_WEAK] = 0;
  if (best[I_READ]! > 0) best[I_SECRET] = 0;
  let p = 1;
  let top: Kind = 'imperative';
  let topW = -1;
  for (let ki = 0; ki < best.length; ki++) {
    const w = best[ki]!;
    if (w <= 0) continue;
    p *= 1 - w;
    // a second, separate cue of the same kind counts half (two shadowing sentences > one)
    if (second[ki]! >= 0.3) p *= 1 - 0.5 * second[ki]!;
    if (w > topW && ki !== I_IMP && ki !== I_SECRET && ki !== I_ADDR_WEAK) {
      top = KINDS[ki]!;
      topW = w;
    }
  }
  let score = 1 - p;
  // synergy: addressed to the model AND asks for an action
  const addressed = best[I_ADDR]! >= 0.3 || best[I_FRAME]! >= 0.25 || best[I_TURN]! >= 0.3 || hidden;
  let actions = 0;
  for (const ki of ACTION_IDX) if (best[ki]! >= 0.25) actions++;
  if (addressed && actions >= 1) score = Math.min(1, score + 0.1);
  if (actions >= 3) score = Math.min(1, score + 0.05);
  // read a secret + put it somewhere: the core of tool poisoning
  if ((mode === 'tool' || addressed) && best[I_READ]! >= 0.3 && (best[I_PARAM]! >= 0.25 || best[I_EXFIL]! >= 0.3)) score = Math.min(1, score + 0.1);
  // data: without anything that ties the text to an AI reader (address, frame, the reader's answer,
  // concealment from "the user", overriding instructions...) an action alone is ordinary prose
  if (mode === 'data' && !addressed && best[I_RESP]! < 0.3 && best[I_CODE]! < 0.3 && best[I_CONCEAL]! < 0.3 && best[I_OVR]! < 0.3 && best[I_TOVR]! < 0.3 && best[I_SHADOW]! < 0.3 && best[I_ENC]! === 0) {
    score = Math.min(score, 0.55);
  }
  // in tool mode, a precondition plus an action is an instruction to the model
  if (mode === 'tool' && best[I_PRE]! > 0 && actions >= 1) score = Math.min(1, score + 0.05);
  let kinds: Set<Kind> | undefined;
  if (score >= 0.45) {
    kinds = new Set<Kind>();
    for (let ki = 0; ki < best.length; ki++) if (best[ki]! > 0) kinds.add(KINDS[ki]!);
  }
  return { score, kinds: kinds ?? EMPTY_KINDS, top };
}

const WINDOW = 420;
const BACK = 200;

export interface Analysis {
  clusters: Cluster[];
  metaHits: number;
}

/** Score a normalised text: clusters of cues with combined scores (before meta discount). */
export function analyzeNormalized(t: string, mode: Mode, hiddenRanges: Array<[number, number]> = []): Analysis {
  const hits = collectHits(t, mode);
  const clusters: Cluster[] = [];
  if (hits.length === 0) return { clusters, metaHits: 0 };
  let hr = 0;
  let lo = 0;
  let hi = 0;
  const budget = { quotes: 4096 };
  // consecutive anchors often see the same window (short texts: always): its score and the span
  // of its cues are computed once (scoring a window again gives the same result: the quotation
  // flags it computes are cached on the hits)
  let wLo = -1;
  let wHi = -1;
  let wHidden = false;
  let wR: { score: number; kinds: ReadonlySet<Kind>; top: Kind } | undefined;
  let wMin = 0;
  let wMax = 0;
  let wSpan = false;
  for (let i = 0; i < hits.length; i++) {
    const h = hits[i]!;
    if (IS_WEAK[h.ki] === 1) continue;
    const s = h.start;
    while (lo < i && s - hits[lo]!.start > BACK) lo++;
    if (hi < i) hi = i;
    while (hi < hits.length && hits[hi]!.start - s <= WINDOW && hi - lo < 64) hi++;
    while (hr < hiddenRanges.length && hiddenRanges[hr]![1] <= s) hr++;
    const hidden = hr < hiddenRanges.length && s >= hiddenRanges[hr]![0];
    let r: { score: number; kinds: ReadonlySet<Kind>; top: Kind };
    if (wR !== undefined && lo === wLo && hi === wHi && hidden === wHidden) r = wR;
    else {
      r = scoreWindow(t, hits, lo, hi, mode, hidden, false, budget);
      if (r.score >= 0.45) r = scoreWindow(t, hits, lo, hi, mode, hidden, true, budget);
      if (lo !== wLo || hi !== wHi) wSpan = false;
      wLo = lo;
      wHi = hi;
      wHidden = hidden;
      wR = r;
    }
    let score = r.score;
    if (hidden && score >= 0.3) score = Math.min(1, score + 0.15);
    if (score >= 0.45) {
      if (!wSpan) {
        wMin = Infinity;
        wMax = -Infinity;
        for (let k = lo; k < hi; k++) {
          const x = hits[k]!;
          if (SPAN_SKIP[x.ki] === 1) continue;
          if (x.start < wMin) wMin = x.start;
          if (x.end > wMax) wMax = x.end;
        }
        wSpan = true;
      }
      const start = wMin < s ? wMin : s;
      const end = wMax > h.end ? wMax : h.end;
      const prev = clusters[clusters.length - 1];
      if (prev && start <= prev.end) {
        if (score > prev.score) {
          prev.score = score;
          prev.top = r.top;
        }
        prev.end = Math.max(prev.end, end);
        for (const k of r.kinds) prev.kinds.add(k);
      } else clusters.push({ score, start, end, kinds: new Set(r.kinds), top: r.top });
    }
  }
  let maxScore = 0;
  for (const c of clusters) if (c.score > maxScore) maxScore = c.score;
  const metaHits = maxScore >= 0.55 ? countMeta(t) : 0;
  return { clusters, metaHits };
}

/** Ranges of HTML comments (and hidden-style elements) in `t`. */
export function hiddenHtmlRanges(t: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let from = 0;
  while (out.length < 200) {
    const a = t.indexOf('<!--', from);
    if (a < 0) break;
    let b = t.indexOf('-->', a + 4);
    if (b < 0) {
      // unterminated: no later comment can be terminated either
      out.push([a, Math.min(t.length, a + 4000)]);
      break;
    }
    b += 3;
    out.push([a, b]);
    from = b;
  }
  // Markdown comments: link reference definitions that render nothing, `[//]: # (text)`, `[comment]: <> (text)`
  if (t.includes(']:')) {
    const md = /^[ \t]{0,3}\[[^\]\n]{1,40}\]:[ \t]*(?:#|<>)[ \t]*[("'][^\n]{0,4000}/gm;
    let m: RegExpExecArray | null;
    while ((m = md.exec(t)) !== null && out.length < 400) out.push([m.index, m.index + m[0].length]);
  }
  if (t.includes('display') || t.includes('font-size') || t.includes('visibility') || t.includes('hidden')) {
    const re = /<(\w{1,10})[^>]{0,200}?(?:display\s*:\s*none|font-size\s*:\s*0|visibility\s*:\s*hidden|opacity\s*:\s*0(?![.\d])|\bhidden\b)[^>]{0,200}>/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(t)) !== null && out.length < 400) {
      const close = t.indexOf('</' + m[1], m.index + m[0].length);
      out.push([m.index, close < 0 ? Math.min(t.length, m.index + 4000) : close]);
    }
  }
  out.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const r of out) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

const KIND_DETECTOR: Partial<Record<Kind, string>> = {
  override: 'injection.override',
  override_weak: 'injection.override',
  addr: 'injection.tool-directive',
  frame: 'injection.role-impersonation',
  fake_turn: 'injection.fake-turn',
  tool_override: 'injection.role-impersonation',
  exfil: 'injection.tool-directive',
  read_pass: 'injection.tool-directive',
  harm: 'injection.tool-directive',
  conceal: 'injection.tool-directive',
  shadow: 'injection.tool-directive',
  resp: 'injection.output-manipulation',
  code_insert: 'injection.output-manipulation',
  encoded: 'injection.encoded',
  hidden: 'injection.hidden-html',
};

const KIND_TEXT: Partial<Record<Kind, string>> = {
  addr: 'addresses the AI model',
  override: 'overrides prior instructions',
  conceal: 'asks to hide actions from the user',
  exfil: 'sends data to a third party',
  redirect: 'copies results somewhere else',
  read_pass: 'asks to read secrets or files',
  param: 'asks to put data into a parameter',
  shadow: 'changes how other tools behave',
  tool_override: 'claims authority or bypasses safety',
  frame: 'system/instruction framing',
  fake_turn: 'fake conversation turn',
  resp: 'dictates the content of the reply',
  code_insert: 'injects code into the answer',
  harm: 'requests a harmful action',
  precond: 'imposes a precondition',
  hidden: 'hidden in an HTML comment / hidden element',
  encoded: 'hidden in an encoding',
  decode_follow: 'asks to decode and follow',
};

export function severityFor(score: number): Severity {
  if (score >= 0.9) return 'critical';
  if (score >= 0.75) return 'high';
  if (score >= 0.6) return 'medium';
  if (score >= 0.45) return 'low';
  return 'info';
}

export function describeKinds(kinds: Set<Kind>): string {
  const parts: string[] = [];
  for (const k of kinds) {
    const t = KIND_TEXT[k];
    if (t) parts.push(t);
  }
  return parts.slice(0, 5).join('; ');
}

export interface ScoredSpan {
  score: number;
  start: number; // original indices
  end: number;
  kinds: Set<Kind>;
  top: Kind;
  hidden: boolean;
  encoded: boolean;
}

/** Cheap test before hiddenHtmlRanges: one pass instead of three `includes`. */
const HIDDEN_HINT = /<!--|display|hidden|\]:[ \t]*(?:#|<>)/;

/** Decoded payloads are scanned up to this length (instructions are short). */
const DECODED_SCAN_LIMIT = 65536;

/**
 * Full pipeline on an original text: normalise, collect, cluster, apply the meta discount, look
 * into HTML comments, invisible tag text and encoded payloads. Returns scored spans (original indices).
 */
export function scoreText(text: string, mode: Mode, depth = 0, prepared?: PreparedText): ScoredSpan[] {
  const p = prepared ?? new PreparedText(text);
  const norm: Normalized = p.norm;
  const t = norm.text;
  const hidden = HIDDEN_HINT.test(t) ? hiddenHtmlRanges(t) : [];
  const a = analyzeNormalized(t, mode, hidden);
  const out: ScoredSpan[] = [];
  // meta discount: text about injection, tests and fixtures; stronger in data mode
  const metaFactor = a.metaHits === 0 ? 1 : Math.max(mode === 'tool' ? 0.6 : 0.45, 1 - (mode === 'tool' ? 0.12 : 0.2) * a.metaHits);
  for (const c of a.clusters) {
    const isHidden = hidden.some(([x, y]) => c.start >= x && c.start < y);
    const f = isHidden ? Math.max(metaFactor, 0.85) : metaFactor;
    const score = c.score * f;
    if (isHidden) c.kinds.add('hidden');
    out.push({ score, start: norm.map(c.start), end: norm.map(c.end), kinds: c.kinds, top: isHidden && c.top === 'imperative' ? 'hidden' : c.top, hidden: isHidden, encoded: false });
  }
  if (depth === 0) {
    // invisible tag text: scan the hidden ASCII on its own
    if (norm.hiddenTagText.length >= 8) {
      for (const s of scoreText(norm.hiddenTagText.slice(0, DECODED_SCAN_LIMIT), mode, depth + 1)) {
        s.kinds.add('invisible');
        out.push({ ...s, score: Math.min(1, s.score + 0.2), start: 0, end: text.length, encoded: true });
      }
    }
    // spelled-out or leetspeak text: undo it and scan again
    const plain = p.deobfuscated; // of t.slice(0, DECODED_SCAN_LIMIT)
    if (plain !== undefined) {
      for (const s of scoreText(plain, mode, depth + 1)) {
        if (s.score < 0.45) continue;
        s.kinds.add('encoded');
        out.push({ ...s, start: 0, end: text.length, encoded: true });
      }
    }
    // embedded encodings: decode and scan
    {
      for (const seg of p.encoded) {
        if (seg.encoding === 'unicode-tags') continue;
        const inner = scoreText(seg.decoded.slice(0, DECODED_SCAN_LIMIT), mode, depth + 1);
        let best = 0;
        let kinds = new Set<Kind>();
        for (const s of inner) if (s.score > best) ({ score: best, kinds } = s);
        if (best >= 0.35) {
          kinds.add('encoded');
          out.push({ score: Math.min(1, best + 0.2), start: seg.start, end: seg.end, kinds, top: 'encoded', hidden: false, encoded: true });
        }
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------

const REPORT_THRESHOLD = 0.6;
/**
 * The scorer's bar when the directive rule found weak evidence (see directive.ts `WEAK`). Read off a
 * leave-one-source-out sweep of the dev corpus (challenge sets excluded): 0.5–0.8 gave the same counts.
 */
const FUSED_THRESHOLD = 0.6;

/**
 * The gateway's own untrusted-content marker (pipeline/interceptors/inspect.ts: "⟦untrusted content — …",
 * "⟦end of untrusted content⟧") inside a tool result: only Portcullis writes it, so a result that carries
 * it is trying to close the marker early and pass what follows off as trusted. Checked on the normalised
 * text and its de-obfuscated copy (case, spacing, leetspeak, misspellings); the look-alike bracket 〚 counts too.
 */
const GATEWAY_MARKER = /[⟦〚][\s.]*(?:end[\s.]+of[\s.]+)?untrust\w*[\s.]+content/;

function gatewayMarkerFinding(p: PreparedText): Finding | undefined {
  if (!/[⟦〚]/.test(p.text)) return undefined;
  // the normalised text, and its de-obfuscated copy (leetspeak, spacing, misspellings undone)
  const v = p.modelView;
  const m = GATEWAY_MARKER.exec(v.text);
  if (m === null) return undefined;
  const inCopy = m.index >= v.normLength;
  const start = inCopy ? 0 : v.map(m.index);
  return {
    category: 'prompt_injection',
    detector: 'injection.gateway-marker',
    severity: 'high',
    score: 0.95,
    start,
    end: inCopy ? p.text.length : v.map(m.index + m[0].length),
    message: "Tool output contains the gateway's own untrusted-content marker (an attempt to end the untrusted section early)",
    label: 'prompt-injection',
  };
}

/** A span of the model view (which may run into its de-obfuscated copy) as a span of the original text. */
function viewSpan(v: PreparedText['modelView'], start: number, end: number, textLength: number): { start: number; end: number } {
  return start >= v.normLength ? { start: 0, end: textLength } : { start: v.map(start), end: v.map(Math.min(end, v.normLength)) };
}

function detect(text: string): Finding[] {
  return detectPrepared(new PreparedText(text));
}

function detectPrepared(p: PreparedText): Finding[] {
  const text = p.text;
  if (text.length === 0) return [];
  const spans = scoreText(text, 'data', 0, p);
  const findings: Finding[] = [];
  const marker = gatewayMarkerFinding(p);
  if (marker !== undefined) findings.push(marker);
  for (const s of spans) {
    if (s.score < REPORT_THRESHOLD) continue;
    const top: Kind = s.encoded ? 'encoded' : s.hidden ? 'hidden' : s.kinds.has('exfil') && text.slice(s.start, s.end).includes('![') ? 'exfil' : s.top;
    let detector = KIND_DETECTOR[top] ?? 'injection.tool-directive';
    if (!s.encoded && !s.hidden && s.kinds.has('exfil') && /!\[[^\]]{0,100}\]\(https?:/i.test(text.slice(s.start, s.end))) detector = 'injection.exfil-markdown';
    findings.push({
      category: 'prompt_injection',
      detector,
      severity: severityFor(s.score),
      score: Math.round(s.score * 1000) / 1000,
      start: s.start,
      end: s.end,
      message: `Text addressed to the model that tries to steer it: ${describeKinds(s.kinds)}`,
      label: 'prompt-injection',
    });
  }
  // a directive addressed to the model (directive.ts: addressee + imperative, clause by clause)
  let weak: DirectiveHit | undefined;
  if (findings.length === 0) {
    const v = p.modelView;
    const d = findDirective(v.text);
    if (d !== undefined && d.score < REPORT_THRESHOLD && d.score >= WEAK) weak = d;
    if (d !== undefined && d.score >= REPORT_THRESHOLD) {
      findings.push({
        category: 'prompt_injection',
        detector: 'injection.directive',
        severity: severityFor(d.score),
        score: Math.round(d.score * 1000) / 1000,
        ...viewSpan(v, d.start, d.end, text.length),
        message: `Text addressed to the model that tells it what to do (${d.why})`,
        label: 'prompt-injection',
      });
    }
  }
  // a question or task that has nothing to do with the document around it (offtopic.ts): work for the reader's assistant
  if (findings.length === 0) {
    const t = findInsertedTask(text);
    if (t !== undefined && !aboutAttacks(text.toLowerCase())) {
      findings.push({
        category: 'prompt_injection',
        detector: 'injection.inserted-task',
        severity: 'medium',
        score: 0.62,
        start: t.start,
        end: t.end,
        message: 'A question or task unrelated to the rest of the text, inserted for the assistant that reads it',
        label: 'prompt-injection',
      });
    }
  }
  // the learned scorer, over the same normalised view; it reports only what the rules did not
  if (findings.length === 0 && learnedScorersOn()) {
    const m = getModel('injection');
    const v = p.modelView;
    const w = scoreView(m, v.text);
    if (w.p < m.threshold && weak !== undefined && w.p >= FUSED_THRESHOLD) {
      // two independent weak signals that agree: a clause that speaks to or about the model (no target the
      // rules can act on alone) and a scorer that rates the text as instructions, short of its own threshold
      findings.push({
        category: 'prompt_injection',
        detector: 'injection.directive',
        severity: 'medium',
        score: Math.round(Math.max(w.p, REPORT_THRESHOLD) * 1000) / 1000,
        ...viewSpan(v, weak.start, weak.end, text.length),
        message: `Text that speaks to the model (${weak.why}), rated as instructions by the learned scorer`,
        label: 'prompt-injection',
      });
    } else if (w.p >= m.threshold) {
      findings.push({
        category: 'prompt_injection',
        detector: 'injection.model',
        severity: w.p >= 0.9 ? 'high' : 'medium',
        score: Math.round(w.p * 1000) / 1000,
        ...viewSpan(v, w.start, w.end, text.length),
        message: 'The learned scorer rates this text as instructions addressed to the model',
        label: 'prompt-injection',
      });
    }
  }
  return findings;
}

export const injectionDetector: TextDetector = { id: 'injection', detect, detectPrepared };
