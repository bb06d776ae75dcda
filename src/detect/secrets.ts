/**
 * Secrets detector: provider credential formats, private keys, JWTs, connection strings with
 * passwords, credentials in curl commands / HTTP headers, and generic high-entropy assignments
 * near key words (`api_key = "..."`, `password: ...`).
 *
 * Speed: nothing here runs a regex over the whole text except a handful of cheap scanners.
 *  - Prefixed provider formats: one pass finds "candidate tokens" (runs of token characters);
 *    each candidate is looked up by its first character in a small bucket of rules and only
 *    the rules whose literal prefix matches run, as sticky regexes at that position.
 *  - Structural rules (PEM blocks, `scheme://user:pass@`, Azure `Q~`, Slack webhooks...) are
 *    reached with `indexOf` of their anchor.
 *  - Contextual rules (generic assignments, curl, Authorization headers) run only from a
 *    key-word hit and parse a bounded window around it.
 * Every regex uses bounded quantifiers or disjoint character classes: no catastrophic backtracking.
 */
import type { Finding, Severity, TextDetector } from './types.js';

// ---------------------------------------------------------------------------------------------
// Shared helpers (also used by pii.ts)

/** Shannon entropy in bits per character. */
const ASCII_COUNTS = new Int32Array(128);
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  let other: Map<number, number> | undefined;
  ASCII_COUNTS.fill(0);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) ASCII_COUNTS[c]!++;
    else {
      other ??= new Map();
      other.set(c, (other.get(c) ?? 0) + 1);
    }
  }
  let h = 0;
  for (let c = 0; c < 128; c++) {
    const v = ASCII_COUNTS[c]!;
    if (v > 0) {
      const p = v / n;
      h -= p * Math.log2(p);
    }
  }
  if (other) {
    for (const v of other.values()) {
      const p = v / n;
      h -= p * Math.log2(p);
    }
  }
  return h;
}

const PLACEHOLDER_WORDS = [
  'your', 'example', 'placeholder', 'changeme', 'change_me', 'change-me', 'xxxx', 'XXXX', '****', '....', '<', '>', '${', '{{',
  '}}', '$(', 'ENC[', '$ANSIBLE_VAULT', 'process.env', 'os.environ', 'getenv', 'dummy', 'redacted', 'insert', 'replace', 'fake', 'todo', 'fixme',
  '_here', 'here_', 'foobar', 'lorem', 'notreal', 'not_real', 'not-a-real', 'put_', 'secret_key_', 'my_secret', 'mysecret',
  'mypassword', 'my_password', 'yourpassword', 'password123', 'p@ssw0rd', 'passw0rd', 'sample',
];

/** True when a candidate value is a template, variable reference or obvious placeholder. */
/** Words count in one case only (`fake`, `FAKE`, `Fake`): random tokens contain mixed-case look-alikes (`lFaKe`). */
const PLACEHOLDER_RE = new RegExp(
  PLACEHOLDER_WORDS.flatMap((w) => [w, w.toUpperCase(), w[0]!.toUpperCase() + w.slice(1)])
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|'),
);

export function looksLikePlaceholder(value: string): boolean {
  if (PLACEHOLDER_RE.test(value)) return true;
  if (/^\$[A-Za-z_{(]/.test(value)) return true; // $VAR, ${VAR}, $(cmd)
  if (/^%[A-Za-z_]+%$/.test(value)) return true; // %VAR%
  if (/%[sd](?![A-Za-z0-9])|%\(\w+\)[sd]/.test(value)) return true; // printf / Python format slots
  if (/^@[A-Za-z_]+@$/.test(value)) return true;
  if (/^(?:true|false|null|none|nil|undefined|empty|string|password|passwd|secret|token|test|testing|admin|root|user|username|default|required|optional|hidden|masked)$/i.test(value)) return true;
  if (isRepetitive(value)) return true;
  return false;
}

/** A run dominated by one character ("xxxxxxxx", "00000000") or a keyboard / alphabet sequence. */
export function isRepetitive(value: string): boolean {
  const n = value.length;
  if (n === 0) return true;
  ASCII_COUNTS.fill(0);
  let max = 0;
  for (let i = 0; i < n; i++) {
    const ch = value.charCodeAt(i) & 127;
    const c = ++ASCII_COUNTS[ch]!;
    if (c > max) max = c;
  }
  if (n >= 6 && max / n > 0.55) return true;
  const lower = value.toLowerCase();
  if (lower.includes('abcdefghij') || lower.includes('qwertyuiop') || lower.includes('0123456789abcdef')) return true;
  // one ascending or descending sequence (`12345678`, `87654321`, `abcdefgh`)
  let steps = 0;
  for (let i = 1; i < n; i++) {
    const d = value.charCodeAt(i) - value.charCodeAt(i - 1);
    if (d === 1 || d === -1) steps++;
  }
  if (n >= 6 && steps === n - 1) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Validators

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(s: string): number {
  let c = 0xffffffff;
  for (let i = 0; i < s.length; i++) c = (CRC_TABLE[(c ^ s.charCodeAt(i)) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function base62(n: number, width: number): string {
  let s = '';
  while (n > 0) {
    s = B62[n % 62] + s;
    n = Math.floor(n / 62);
  }
  return s.padStart(width, '0');
}

/**
 * GitHub's current token formats (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) end in a 6-character
 * base62 CRC32 of the 30 random characters before it. True when the checksum matches.
 */
export function githubChecksumValid(token: string): boolean {
  const us = token.indexOf('_');
  const body = token.slice(us + 1);
  if (body.length !== 36) return false;
  const random = body.slice(0, 30);
  const check = body.slice(30);
  return base62(crc32(random), 6) === check || base62(crc32(token.slice(0, us + 1) + random), 6) === check;
}

function b64urlDecode(s: string): string | undefined {
  try {
    const norm = s.replace(/-/g, '+').replace(/_/g, '/');
    return Buffer.from(norm, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
}

/** JWT: the header must decode to a JSON object naming an `alg` (or at least look like one when truncated). */
export function jwtHeaderValid(token: string): boolean {
  const dot = token.indexOf('.');
  if (dot < 0) return false;
  const header = b64urlDecode(token.slice(0, dot));
  if (!header) return false;
  try {
    const h = JSON.parse(header) as unknown;
    return typeof h === 'object' && h !== null && ('alg' in h || 'typ' in h || 'enc' in h || 'kid' in h);
  } catch {
    return /^\{\s*"(?:alg|typ|kid|x5t|enc|cty|jku|x5u)"/.test(header) || /"alg"\s*:/.test(header);
  }
}

const KNOWN_PUBLIC_GOOGLE_KEYS = new Set([
  // Publicly documented / embedded browser keys that gitleaks also allows.
  'AIzaSyabcdefghijklmnopqrstuvwxyz1234567', 'AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs', 'AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM',
  'AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU', 'AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0', 'AIzayDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A',
  'AIzaSyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c', 'AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4', 'AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY',
  'AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM', 'AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ', 'AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g',
  'AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU', 'AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw', 'AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE',
  'AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY',
]);

// ---------------------------------------------------------------------------------------------
// Prefixed provider rules

interface PrefixRule {
  id: string;
  /** Literal prefixes that must appear at the candidate start (matched case-insensitively when `ci`). */
  prefixes: string[];
  /** Regex source for the whole secret, matched at the candidate start. */
  re: string;
  ci?: boolean;
  minEntropy?: number;
  severity?: Severity;
  /** Skip the placeholder filter (formats whose real values can look repetitive). */
  noPlaceholder?: boolean;
  /** Return a score in (0,1], or 0 to reject. */
  validate?: (m: string) => number;
  /** Part of the match that is the secret (default: whole match). */
  group?: number;
}

/** Not followed by more token characters (a bounded lookahead; the prefix rules must not match a prefix of a longer word). */
const END = String.raw`(?![A-Za-z0-9_\-]|[.+/~][A-Za-z0-9])`;

const PREFIX_RULES: PrefixRule[] = [
  // Cloud
  { id: 'aws-access-key', prefixes: ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'], re: String.raw`(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}` + END, minEntropy: 3,
    validate: (m) => (m.endsWith('EXAMPLE') ? 0 : 0.95) },
  { id: 'aws-bedrock-api-key', prefixes: ['ABSKQmVkcm9ja0FQSUtleS'], re: String.raw`ABSKQmVkcm9ja0FQSUtleS[A-Za-z0-9+/]{100,114}={0,2}(?![A-Za-z0-9+/=])`, noPlaceholder: true },
  { id: 'aws-bedrock-api-key', prefixes: ['bedrock-api-key-'], re: String.raw`bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/]{40,2000}={0,2}`, noPlaceholder: true },
  { id: 'gcp-api-key', prefixes: ['AIza'], re: String.raw`AIza[\w-]{35}` + END, minEntropy: 4, validate: (m) => (KNOWN_PUBLIC_GOOGLE_KEYS.has(m) ? 0 : 0.9) },
  { id: 'google-oauth-client-secret', prefixes: ['GOCSPX-'], re: String.raw`GOCSPX-[A-Za-z0-9_-]{28}` + END, minEntropy: 3 },
  { id: 'google-oauth-token', prefixes: ['ya29.'], re: String.raw`ya29\.[A-Za-z0-9_-]{30,400}` + END, minEntropy: 3.5 },
  { id: 'firebase-fcm-key', prefixes: ['AAAA'], re: String.raw`AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{100,200}` + END },
  { id: 'alibaba-access-key', prefixes: ['LTAI'], re: String.raw`LTAI[A-Za-z0-9]{20}` + END, minEntropy: 3 },
  { id: 'tencent-secret-id', prefixes: ['AKID'], re: String.raw`AKID[A-Za-z0-9]{32}` + END, minEntropy: 3.5 },
  { id: 'ibm-cloud-key', prefixes: ['ApiKey-'], re: String.raw`ApiKey-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}` + END },
  { id: 'digitalocean-token', prefixes: ['dop_v1_', 'doo_v1_', 'dor_v1_'], re: String.raw`do[opr]_v1_[a-f0-9]{64}` + END, minEntropy: 3 },
  { id: 'cloudflare-origin-ca-key', prefixes: ['v1.0-'], re: String.raw`v1\.0-[a-f0-9]{24}-[a-f0-9]{146}` + END },
  { id: 'cloudflare-api-token', prefixes: ['cfut_', 'cfat_'], re: String.raw`cf[ua]t_[A-Za-z0-9_-]{40,60}` + END, minEntropy: 3.5 },
  { id: 'flyio-token', prefixes: ['fo1_', 'fm1a_', 'fm1r_', 'fm2_'], re: String.raw`(?:fo1_[\w-]{43}|fm1[ar]_[A-Za-z0-9+/]{100,2000}={0,3}|fm2_[A-Za-z0-9+/]{100,2000}={0,3})` + END, minEntropy: 4 },
  { id: 'heroku-api-key', prefixes: ['HRKU-'], re: String.raw`HRKU-AA[0-9a-zA-Z_-]{58}` + END, minEntropy: 4 },
  { id: 'scalingo-api-token', prefixes: ['tk-us-'], re: String.raw`tk-us-[\w-]{48}` + END, minEntropy: 2 },
  { id: 'planetscale-token', prefixes: ['pscale_tkn_', 'pscale_oauth_', 'pscale_pw_'], re: String.raw`pscale_(?:tkn|oauth|pw)_[\w=.-]{32,64}` + END, minEntropy: 3 },
  { id: 'supabase-token', prefixes: ['sbp_', 'sb_secret_'], re: String.raw`(?:sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_-]{30,60})` + END, minEntropy: 3 },
  { id: 'vercel-token', prefixes: ['vcp_', 'vci_', 'vca_', 'vcr_', 'vck_'], re: String.raw`vc[pirak]_[A-Za-z0-9]{40,70}` + END, minEntropy: 3.5 },
  { id: 'netlify-token', prefixes: ['nfp_'], re: String.raw`nfp_[A-Za-z0-9]{36}` + END, minEntropy: 3 },
  { id: 'render-api-key', prefixes: ['rnd_'], re: String.raw`rnd_[A-Za-z0-9]{32}` + END, minEntropy: 3.5 },
  { id: 'azure-storage-sas', prefixes: ['sv=20'], re: String.raw`sv=20\d\d-\d\d-\d\d&[\w=&%.:-]{0,300}sig=[A-Za-z0-9%+/]{30,120}={0,2}` },
  // Source hosting / CI
  { id: 'github-token', prefixes: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'], re: String.raw`gh[pousr]_[0-9a-zA-Z]{36}` + END, minEntropy: 3,
    validate: (m) => (githubChecksumValid(m) ? 0.99 : 0.75) },
  { id: 'github-fine-grained-pat', prefixes: ['github_pat_'], re: String.raw`github_pat_\w{82}` + END, minEntropy: 3 },
  { id: 'gitlab-token', prefixes: ['glpat-', 'gldt-', 'glft-', 'glsoat-', 'glrt-', 'glcbt-', 'glimt-', 'glagent-', 'gloas-', 'glffct-', 'glptt-', 'GR1348941'],
    re: String.raw`(?:glpat-[\w-]{20,300}(?:\.[0-9a-z]{9})?|gldt-[\w-]{20}|glft-[\w-]{20}|glsoat-[\w-]{20}|glrt-(?:t\d_)?[\w-]{20,300}(?:\.[0-9a-z]{9})?|glcbt-[0-9a-zA-Z]{1,5}_[\w-]{20}|glimt-[\w-]{25}|glagent-[\w-]{50}|gloas-[\w-]{64}|glffct-[\w-]{20}|glptt-[0-9a-f]{40}|GR1348941[\w-]{20})` + END,
    minEntropy: 3 },
  { id: 'bitbucket-token', prefixes: ['ATBB'], re: String.raw`ATBB[A-Za-z0-9_=.-]{28,40}` + END, minEntropy: 3.5 },
  { id: 'atlassian-api-token', prefixes: ['ATATT3', 'ATCTT3'], re: String.raw`AT[AC]TT3[A-Za-z0-9_\-=]{150,230}`, minEntropy: 3.5 },
  { id: 'sourcegraph-token', prefixes: ['sgp_'], re: String.raw`sgp_(?:(?:[a-fA-F0-9]{16}|local)_)?[a-fA-F0-9]{40}` + END, minEntropy: 3 },
  { id: 'npm-token', prefixes: ['npm_'], re: String.raw`npm_[A-Za-z0-9]{36}` + END, minEntropy: 3 },
  { id: 'pypi-token', prefixes: ['pypi-AgEIcHlwaS5vcmc', 'pypi-AgENdGVzdC5weXBpLm9yZw'], re: String.raw`pypi-Ag(?:EIcHlwaS5vcmc|ENdGVzdC5weXBpLm9yZw)[\w-]{50,1000}`, minEntropy: 3 },
  { id: 'rubygems-token', prefixes: ['rubygems_'], re: String.raw`rubygems_[a-f0-9]{48}` + END, minEntropy: 3 },
  { id: 'nuget-api-key', prefixes: ['oy2'], re: String.raw`oy2[a-z0-9]{43}` + END, minEntropy: 3.8 },
  { id: 'clojars-token', prefixes: ['CLOJARS_'], re: String.raw`CLOJARS_[a-zA-Z0-9]{60}` + END, ci: true, minEntropy: 2.5 },
  { id: 'docker-hub-token', prefixes: ['dckr_pat_', 'dckr_oat_'], re: String.raw`dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,40}` + END, minEntropy: 3 },
  { id: 'artifactory-token', prefixes: ['AKCp', 'cmVmd'], re: String.raw`(?:AKCp[A-Za-z0-9]{69}|cmVmd[A-Za-z0-9]{59})` + END, minEntropy: 4.5 },
  { id: 'sonar-token', prefixes: ['sqp_', 'squ_', 'sqa_'], re: String.raw`sq[pua]_[a-zA-Z0-9]{40}` + END, minEntropy: 3 },
  { id: 'clickhouse-cloud-key', prefixes: ['4b1d'], re: String.raw`4b1d[A-Za-z0-9]{38}` + END, minEntropy: 3 },
  { id: 'defined-networking-token', prefixes: ['dnkey-'], re: String.raw`dnkey-[a-z0-9=_-]{26}-[a-z0-9=_-]{52}` + END, ci: true },
  { id: 'dropbox-token', prefixes: ['sl.'], re: String.raw`sl\.(?:u\.)?[A-Za-z0-9_-]{130,1200}` + END, minEntropy: 4 },
  { id: 'openshift-token', prefixes: ['sha256~'], re: String.raw`sha256~[\w-]{43}` + String.raw`(?![\w-])`, minEntropy: 3.5 },
  { id: 'twitter-bearer-token', prefixes: ['AAAAAAAAAAAAAAAAAAAAA'], re: String.raw`A{22}[A-Za-z0-9%]{80,120}` + END, noPlaceholder: true, validate: (m) => (shannonEntropy(m.slice(22)) >= 4 ? 0.85 : 0) },
  { id: 'yandex-key', prefixes: ['AQVN', 't1.'], re: String.raw`(?:AQVN[A-Za-z0-9_-]{35,38}|t1\.[A-Z0-9a-z_-]+={0,2}\.[A-Z0-9a-z_-]{86}={0,2})` + END, minEntropy: 3.5 },
  { id: 'adobe-client-secret', prefixes: ['p8e-'], re: String.raw`p8e-[A-Za-z0-9]{32}` + END, minEntropy: 3 },
  { id: 'pulumi-token', prefixes: ['pul-'], re: String.raw`pul-[a-f0-9]{40}` + END, minEntropy: 3 },
  { id: 'terraform-cloud-token', prefixes: [], re: '' }, // placeholder for the `.atlasv1.` structural rule below
  { id: 'hashicorp-vault-token', prefixes: ['hvs.', 'hvb.', 'hvr.'], re: String.raw`(?:hvs\.[\w-]{90,120}|hvb\.[\w-]{138,300}|hvr\.[\w-]{90,120})` + END, minEntropy: 3.5 },
  { id: 'hashicorp-vault-token', prefixes: ['s.'], re: String.raw`s\.[a-zA-Z0-9]{24}` + END, minEntropy: 3.5,
    validate: (m) => (/^s\.[A-Za-z]+$/.test(m) || !/[0-9]/.test(m) ? 0 : 0.7) },
  { id: 'doppler-token', prefixes: ['dp.pt.', 'dp.st.', 'dp.ct.', 'dp.scim.', 'dp.audit.', 'dp.sa.'], re: String.raw`dp\.(?:pt|st|ct|scim|audit|sa)\.[a-zA-Z0-9]{40,44}` + END, minEntropy: 2 },
  { id: 'prefect-token', prefixes: ['pnu_'], re: String.raw`pnu_[a-zA-Z0-9]{36}` + END, minEntropy: 3 },
  { id: 'postman-token', prefixes: ['PMAK-'], re: String.raw`PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}` + END, minEntropy: 3 },
  { id: 'readme-token', prefixes: ['rdme_'], re: String.raw`rdme_[a-z0-9]{70}` + END, minEntropy: 2 },
  { id: 'infracost-token', prefixes: ['ico-'], re: String.raw`ico-[a-zA-Z0-9]{32}` + END, minEntropy: 3 },
  { id: 'octopus-deploy-api-key', prefixes: ['API-'], re: String.raw`API-[A-Z0-9]{26}` + END, minEntropy: 3 },
  { id: 'harness-token', prefixes: ['pat.', 'sat.'], re: String.raw`[ps]at\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9]{24}\.[a-zA-Z0-9]{20}` + END },
  { id: 'databricks-token', prefixes: ['dapi', 'dose'], re: String.raw`(?:dapi|dose)[a-f0-9]{32}(?:-\d)?` + END, minEntropy: 3 },
  { id: 'dynatrace-token', prefixes: ['dt0c01.', 'dt0s01.'], re: String.raw`dt0[cs]01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}` + END, minEntropy: 4 },
  { id: 'grafana-token', prefixes: ['glc_', 'glsa_', 'eyJrIjoi'], ci: true,
    re: String.raw`(?:glc_[A-Za-z0-9+/]{32,400}={0,3}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|eyJrIjoi[A-Za-z0-9]{70,400}={0,3})` + END, minEntropy: 3 },
  { id: 'new-relic-key', prefixes: ['NRAK-', 'NRII-', 'NRJS-', 'NRAA-'], re: String.raw`(?:NRAK-[A-Z0-9]{27}|NRII-[a-zA-Z0-9-]{32}|NRJS-[a-f0-9]{19}|NRAA-[a-f0-9]{27})` + END, minEntropy: 3 },
  { id: 'sentry-token', prefixes: ['sntrys_', 'sntryu_'], re: String.raw`(?:sntrys_eyJ[A-Za-z0-9+/]{30,400}={0,2}_[A-Za-z0-9+/]{43}|sntryu_[a-f0-9]{64})`, minEntropy: 3.5 },
  { id: 'linear-api-key', prefixes: ['lin_api_', 'lin_oauth_'], re: String.raw`lin_(?:api|oauth)_[a-zA-Z0-9]{40}` + END, minEntropy: 3 },
  { id: 'figma-token', prefixes: ['figd_'], re: String.raw`figd_[A-Za-z0-9_-]{40}` + END, minEntropy: 3.5 },
  { id: 'notion-token', prefixes: ['ntn_', 'secret_'], re: String.raw`(?:ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})` + END, minEntropy: 4 },
  { id: 'airtable-token', prefixes: ['pat'], re: String.raw`pat[A-Za-z0-9]{14}\.[a-f0-9]{64}` + END, minEntropy: 3.5 },
  { id: 'contentful-token', prefixes: ['CFPAT-'], re: String.raw`CFPAT-[A-Za-z0-9_-]{43}` + END, minEntropy: 3.5 },
  { id: 'typeform-token', prefixes: ['tfp_'], re: String.raw`tfp_[A-Za-z0-9_.=-]{59}` + END, minEntropy: 3.5 },
  { id: 'frameio-token', prefixes: ['fio-u-'], re: String.raw`fio-u-[a-zA-Z0-9_=-]{64}` + END },
  { id: 'intra42-secret', prefixes: ['s-s4t2'], re: String.raw`s-s4t2(?:ud|af)-[a-fA-F0-9]{64}` + END, minEntropy: 3 },
  { id: 'maxmind-license-key', prefixes: [], re: '' }, // structural (`_mmk` suffix) below
  { id: 'settlemint-token', prefixes: ['sm_aat_', 'sm_pat_', 'sm_sat_'], re: String.raw`sm_[aps]at_[a-zA-Z0-9]{16}` + END, minEntropy: 3 },
  { id: '1password-secret-key', prefixes: ['A3-'], re: String.raw`A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}` + END, minEntropy: 3.8 },
  { id: '1password-service-account-token', prefixes: ['ops_eyJ'], re: String.raw`ops_eyJ[a-zA-Z0-9+/]{150,4000}={0,3}`, minEntropy: 4 },
  { id: 'age-secret-key', prefixes: ['AGE-SECRET-KEY-1'], re: String.raw`AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}` + END, noPlaceholder: true },
  { id: 'authress-key', prefixes: ['sc_', 'ext_', 'scauth_', 'authress_'], re: String.raw`(?:sc|ext|scauth|authress)_[a-zA-Z0-9]{5,30}\.[a-zA-Z0-9]{4,6}\.acc[_-][a-z0-9-]{10,32}\.[a-z0-9+/_=-]{30,120}` + END, minEntropy: 2 },
  // Chat / messaging
  { id: 'slack-token', prefixes: ['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xoxo-', 'xoxe-', 'xoxe.', 'xapp-', 'xoxc-', 'xoxd-'],
    re: String.raw`(?:xoxb-[0-9]{8,14}-[a-zA-Z0-9-]{10,200}|xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}|xox[ar]-(?:\d-)?[0-9a-zA-Z-]{8,100}|xox[os]-\d+-\d+-\d+-[a-fA-F\d]+|xoxe\.xox[bp]-\d-[A-Za-z0-9]{163,166}|xoxe-\d-[A-Za-z0-9]{146}|xapp-\d-[A-Za-z0-9]+-\d+-[a-z0-9]+|xox[cd]-[a-zA-Z0-9%-]{30,300})` + END,
    minEntropy: 2.5, validate: (m) => (/^xox[a-z]-(?:[0-9]{1,4}-)+[0-9a-f]{0,32}$/.test(m) && m.length < 50 ? 0.6 : 0.95) },
  { id: 'twilio-api-key', prefixes: ['SK'], re: String.raw`SK[0-9a-fA-F]{32}` + END, minEntropy: 3 },
  { id: 'sendgrid-api-key', prefixes: ['SG.'], re: String.raw`SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}` + END, minEntropy: 3 },
  { id: 'sendinblue-api-key', prefixes: ['xkeysib-', 'xsmtpsib-'], re: String.raw`x(?:keysib|smtpsib)-[a-f0-9]{64}-[a-zA-Z0-9]{16}` + END },
  { id: 'mailgun-key', prefixes: ['key-', 'pubkey-'], re: String.raw`(?:pub)?key-[a-f0-9]{32}` + END, minEntropy: 3.2 },
  { id: 'mailchimp-api-key', prefixes: [], re: '' }, // contextual (`-usNN` suffix) below
  { id: 'telegram-bot-token', prefixes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], re: String.raw`[0-9]{8,10}:AA[A-Za-z0-9_-]{33}` + END, minEntropy: 3 },
  { id: 'facebook-access-token', prefixes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], re: String.raw`[0-9]{15,16}[|%][0-9A-Za-z_-]{27,40}` + END, minEntropy: 3 },
  { id: 'facebook-access-token', prefixes: ['EAAC', 'EAAM', 'EAAG'], re: String.raw`EAA[CMG][A-Za-z0-9]{100,400}` + END, minEntropy: 4 },
  { id: 'discord-bot-token', prefixes: ['M', 'N', 'O'], re: String.raw`[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}` + END, minEntropy: 4 },
  // Payments / commerce
  { id: 'stripe-key', prefixes: ['sk_live_', 'sk_test_', 'sk_prod_', 'rk_live_', 'rk_test_', 'rk_prod_', 'whsec_'],
    re: String.raw`(?:[sr]k_(?:test|live|prod)_[a-zA-Z0-9]{10,250}|whsec_[A-Za-z0-9]{32,64})` + END, minEntropy: 2.5 },
  { id: 'square-token', prefixes: ['sq0atp-', 'sq0csp-', 'EAAA'], re: String.raw`(?:sq0atp-[\w-]{22,60}|sq0csp-[\w-]{40,60}|EAAA[\w-]{22,60})` + END, minEntropy: 2 },
  { id: 'paypal-braintree-token', prefixes: ['access_token$'], re: String.raw`access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32}` },
  { id: 'shopify-token', prefixes: ['shpat_', 'shpca_', 'shppa_', 'shpss_'], re: String.raw`shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}` + END, minEntropy: 2.5 },
  { id: 'shippo-token', prefixes: ['shippo_live_', 'shippo_test_'], re: String.raw`shippo_(?:live|test)_[a-fA-F0-9]{40}` + END, minEntropy: 2 },
  { id: 'easypost-token', prefixes: ['EZAK', 'EZTK'], re: String.raw`EZ[AT]K[a-zA-Z0-9]{54}` + END, minEntropy: 3 },
  { id: 'flutterwave-key', prefixes: ['FLWSECK_TEST-', 'FLWSECK-', 'FLWPUBK_TEST-'], re: String.raw`FLW(?:SECK|PUBK)(?:_TEST)?-[a-hA-H0-9]{12,32}(?:-X)?` + END, minEntropy: 2 },
  { id: 'duffel-token', prefixes: ['duffel_test_', 'duffel_live_'], re: String.raw`duffel_(?:test|live)_[a-zA-Z0-9_=-]{43}` + END, minEntropy: 2 },
  { id: 'adyen-api-key', prefixes: ['AQE'], re: String.raw`AQE[a-zA-Z0-9]{5}\.[A-Za-z0-9+/=._-]{60,200}` },
  { id: 'launchdarkly-key', prefixes: ['api-', 'sdk-', 'mob-'], re: String.raw`(?:api|sdk|mob)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}` + END },
  { id: 'plaid-token', prefixes: ['access-sandbox-', 'access-development-', 'access-production-'], re: String.raw`access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}` + END },
  // AI / LLM providers
  { id: 'openai-api-key', prefixes: ['sk-proj-', 'sk-svcacct-', 'sk-admin-', 'sk-None-'],
    re: String.raw`sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,200}` + END, minEntropy: 3.5 },
  { id: 'openai-api-key', prefixes: ['sk-'], re: String.raw`sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}` + END, minEntropy: 3 },
  { id: 'anthropic-api-key', prefixes: ['sk-ant-'], re: String.raw`sk-ant-(?:api03|admin01|oat01|ort01)-[A-Za-z0-9_-]{93}AA` + END },
  { id: 'openrouter-api-key', prefixes: ['sk-or-v1-'], re: String.raw`sk-or-v1-[a-f0-9]{64}` + END, minEntropy: 3 },
  { id: 'deepseek-api-key', prefixes: ['sk-'], re: String.raw`sk-[a-f0-9]{32}` + END, minEntropy: 3.3 },
  { id: 'groq-api-key', prefixes: ['gsk_'], re: String.raw`gsk_[A-Za-z0-9]{52}` + END, minEntropy: 3.5 },
  { id: 'xai-api-key', prefixes: ['xai-'], re: String.raw`xai-[A-Za-z0-9]{70,90}` + END, minEntropy: 3.5 },
  { id: 'replicate-api-token', prefixes: ['r8_'], re: String.raw`r8_[A-Za-z0-9]{37}` + END, minEntropy: 3.5 },
  { id: 'perplexity-api-key', prefixes: ['pplx-'], re: String.raw`pplx-[a-zA-Z0-9]{48}` + String.raw`(?![A-Za-z0-9])`, minEntropy: 4 },
  { id: 'huggingface-token', prefixes: ['hf_', 'api_org_'], re: String.raw`(?:hf_|api_org_)[a-zA-Z]{34}` + END, minEntropy: 2 },
  { id: 'langsmith-api-key', prefixes: ['lsv2_pt_', 'lsv2_sk_'], re: String.raw`lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}` + END },
  { id: 'pinecone-api-key', prefixes: ['pcsk_'], re: String.raw`pcsk_[A-Za-z0-9]{5,8}_[A-Za-z0-9]{50,80}` + END, minEntropy: 3.5 },
  { id: 'fireworks-api-key', prefixes: ['fw_'], re: String.raw`fw_[A-Za-z0-9]{24,40}` + END, minEntropy: 3.8 },
  { id: 'mapbox-secret-token', prefixes: ['sk.eyJ'], re: String.raw`sk\.eyJ[A-Za-z0-9_-]{20,200}\.[A-Za-z0-9_-]{20,40}` + END },
  { id: 'jwt', prefixes: ['eyJ'], re: String.raw`eyJ[A-Za-z0-9_-]{14,2000}\.eyJ[A-Za-z0-9_\/\\-]{14,8000}\.?(?:[A-Za-z0-9_\/\\-]{10,2000}={0,2})?`,
    validate: (m) => (jwtHeaderValid(m) ? 0.9 : 0), noPlaceholder: true },
  { id: 'jwt', prefixes: ['ZXlK'], re: String.raw`ZXlK[A-Za-z0-9+/_-]{60,8000}={0,2}`, minEntropy: 3,
    validate: (m) => { const d = b64urlDecode(m); return d !== undefined && /^eyJ[A-Za-z0-9_-]{10,}\.eyJ/.test(d) && jwtHeaderValid(d) ? 0.85 : 0; } },
];

interface CompiledPrefixRule extends PrefixRule {
  rx: RegExp;
  lowerPrefixes: string[];
}

/**
 * Rules bucketed by the first two characters of the candidate (`c0 * 128 + c1`, ASCII: candidates are
 * runs of ASCII token characters), each bucket in PREFIX_RULES order. A one-character prefix (`M`, `0`)
 * puts its rule in every bucket of that first character; `ci` rules in every case variant.
 */
const BUCKETS2: (CompiledPrefixRule[] | undefined)[] = new Array<CompiledPrefixRule[] | undefined>(128 * 128);
{
  const variants = (ch: string, ci: boolean | undefined): number[] =>
    ci ? [...new Set([ch.toLowerCase().charCodeAt(0), ch.toUpperCase().charCodeAt(0)])] : [ch.charCodeAt(0)];
  const order = new Map<CompiledPrefixRule, number>();
  for (const r of PREFIX_RULES) {
    if (!r.re || r.prefixes.length === 0) continue;
    const compiled: CompiledPrefixRule = { ...r, rx: new RegExp(r.re, 'y'), lowerPrefixes: r.prefixes.map((p) => p.toLowerCase()) };
    order.set(compiled, order.size);
    for (const p of r.prefixes) {
      for (const c0 of variants(p[0]!, r.ci)) {
        if (c0 >= 128) continue;
        const seconds = p.length >= 2 ? variants(p[1]!, r.ci) : Array.from({ length: 128 }, (_, k) => k);
        for (const c1 of seconds) {
          if (c1 >= 128) continue;
          const b = (BUCKETS2[c0 * 128 + c1] ??= []);
          if (!b.includes(compiled)) b.push(compiled);
        }
      }
    }
  }
  for (const b of BUCKETS2) b?.sort((x, y) => order.get(x)! - order.get(y)!);
}

/** Character classes of candidate tokens (ASCII only): start = [A-Za-z0-9_], body adds - . ~ $. Indexed by any UTF-16 unit. */
const TOK_START = new Uint8Array(65536);
const TOK_BODY = new Uint8Array(65536);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9_]/.test(ch)) TOK_START[c] = 1;
  if (/[A-Za-z0-9_\-.~$]/.test(ch)) TOK_BODY[c] = 1;
}
/** No prefixed format has a shorter first run of token characters (Firebase `AAAA` + 7 before its `:`). */
const MIN_CANDIDATE = 11;


function prefixMatches(text: string, pos: number, rule: CompiledPrefixRule): boolean {
  for (let i = 0; i < rule.prefixes.length; i++) {
    const p = rule.prefixes[i]!;
    if (rule.ci) {
      if (text.slice(pos, pos + p.length).toLowerCase() === rule.lowerPrefixes[i]) return true;
    } else if (text.startsWith(p, pos)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Finding construction

function label(id: string): string {
  return id;
}

function mk(id: string, start: number, end: number, score: number, severity: Severity = 'high', message?: string): Finding {
  return {
    category: 'secret',
    detector: `secrets.${id}`,
    severity,
    score,
    start,
    end,
    label: label(id),
    message: message ?? `possible ${id.replace(/-/g, ' ')}`,
  };
}

/** Try one rule at `i`; push and return the match end, or -1. `view`/`map` give a joined view of a split literal. */
function tryRule(text: string, i: number, rule: CompiledPrefixRule, out: Finding[], view?: string, map?: number[]): number {
  const src = view ?? text;
  const at = view ? 0 : i;
  rule.rx.lastIndex = at;
  const r = rule.rx.exec(src);
  if (!r) return -1;
  const value = r[rule.group ?? 0] ?? r[0];
  if (rule.minEntropy !== undefined && shannonEntropy(value) < rule.minEntropy) return -1;
  if (!rule.noPlaceholder && looksLikePlaceholder(value)) return -1;
  let score = 0.9;
  if (rule.validate) {
    score = rule.validate(value);
    if (score <= 0) return -1;
  }
  const end = map ? map[r[0].length - 1]! + 1 : i + r[0].length;
  out.push(mk(rule.id, i, end, score, score >= 0.7 ? 'high' : 'medium'));
  return end;
}

/**
 * A token split across string literals or lines: `"ghp_abc" + "def"`, `"xoxb-1" "2-3"`, `'sk-' . 'proj-…'`, a
 * backslash-newline or a hard wrap. Returns the joined text from `i` (at most 5 pieces, 600 characters) and the
 * original index of each of its characters, or undefined when nothing follows the run ending at `j`.
 */
const JOIN_RE = /(["'`])?[ \t]*(?:(?:\+|\.|&|\|\|)[ \t]*)?(?:\\?\r?\n[ \t]*)?(["'`])?/y;
function joinedView(text: string, i: number, j: number): { view: string; map: number[] } | undefined {
  // a join starts with a closing quote, a backslash or a line break right after the run
  const c0 = text.charCodeAt(j);
  if (c0 !== 34 && c0 !== 39 && c0 !== 96 && c0 !== 92 && c0 !== 10 && c0 !== 13) return undefined;
  let view = text.slice(i, j);
  // map[k] = original index of view[k]: pieces are contiguous, so it is kept as (view offset, original offset) pairs
  const pieces: number[] = [0, i];
  let end = j;
  for (let piece = 0; piece < 4 && view.length < 600; piece++) {
    JOIN_RE.lastIndex = end;
    const m = JOIN_RE.exec(text);
    if (!m || m[0].length === 0) break;
    const close = m[1];
    const open = m[2];
    // quotes must pair up (close and reopen the same kind), or there are none and a line break joins
    if (close !== undefined ? open !== close : open !== undefined || !m[0].includes('\n')) break;
    if (close === undefined && /[+.&|]/.test(m[0])) break;
    let k = end + m[0].length;
    const s0 = k;
    while (k < text.length && k - s0 < 600 && TOK_BODY[text.charCodeAt(k)] === 1) k++;
    if (k === s0) break;
    pieces.push(view.length, s0);
    view += text.slice(s0, k);
    end = k;
  }
  if (end === j) return undefined;
  const map: number[] = new Array<number>(view.length);
  for (let p = 0; p < pieces.length; p += 2) {
    const vs = pieces[p]!;
    const ve = p + 2 < pieces.length ? pieces[p + 2]! : view.length;
    for (let k = vs; k < ve; k++) map[k] = pieces[p + 1]! + (k - vs);
  }
  return { view, map };
}

function scanPrefixRules(text: string, out: Finding[], runs: Int32Array, nRuns: number): void {
  // Candidate tokens are maximal runs of token characters, starting at their first start character
  // (gitleaks' \b); after a match the scan resumes at the match end. Only runs of 8 or more characters
  // can be candidates: findAnchors records them in its pass, so short words are never visited again, and a
  // run whose first two characters start no rule is dropped before it is read further.
  const n = text.length;
  let from = 0;
  for (let r = 0; r < nRuns; r++) {
    const q = Math.max(runs[r]!, from);
    let i = q;
    while (i < n && TOK_START[text.charCodeAt(i)] !== 1 && TOK_BODY[text.charCodeAt(i)] === 1) i++;
    if (TOK_START[text.charCodeAt(i)] !== 1) continue;
    const c = text.charCodeAt(i);
    const bucket = BUCKETS2[c * 128 + text.charCodeAt(i + 1)];
    if (!bucket) continue;
    let j = i + 1;
    while (j < n && TOK_BODY[text.charCodeAt(j)] === 1) j++;
    if (j - q < 8 || !(j - i >= MIN_CANDIDATE || (c >= 48 && c <= 57 && j - i >= 8))) continue;
    let next = j;
    for (const rule of bucket) {
      if (!prefixMatches(text, i, rule)) continue;
      let end = tryRule(text, i, rule, out);
      if (end < 0) {
        const jv = joinedView(text, i, j);
        if (jv) end = tryRule(text, i, rule, out, jv.view, jv.map);
      }
      if (end < 0) continue;
      if (end > next) next = end;
      break;
    }
    from = next;
  }
}

/** Distinctive provider prefixes glued to the word before them (`helloghp_…`, `tokenxoxb-…`): found by the automaton. */
function scanGlued(text: string, out: Finding[], starts: number[]): void {
  // the run scan's findings are in start order, and so are the starts: one sweep skips the covered ones
  const prior = out.length;
  let k = 0;
  let coveredTo = -1;
  for (const st of starts) {
    if (st === 0 || TOK_BODY[text.charCodeAt(st - 1)] !== 1) continue; // not glued: the run scan saw it
    while (k < prior && (out[k]!.start ?? 0) <= st) coveredTo = Math.max(coveredTo, out[k++]!.end ?? 0);
    if (st < coveredTo) continue;
    const bucket = BUCKETS2[text.charCodeAt(st) * 128 + text.charCodeAt(st + 1)];
    for (const rule of bucket ?? []) {
      if (!prefixMatches(text, st, rule)) continue;
      const end = tryRule(text, st, rule, out);
      if (end >= 0) {
        coveredTo = Math.max(coveredTo, end);
        break;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Structural rules reached through an anchor

const PEM_BEGIN = '-----BEGIN';
const PEM_END = '-----END ';
const PEM_HEADER_RE = /-----BEGIN ([A-Z0-9 _-]{0,60})-----/y;

function scanPem(text: string, out: Finding[]): void {
  // One pass collects the markers; each body is the text up to the next marker of either kind,
  // so every character belongs to at most one body (linear even for thousands of headers).
  const begins: number[] = [];
  for (let i = text.indexOf(PEM_BEGIN); i >= 0; i = text.indexOf(PEM_BEGIN, i + PEM_BEGIN.length)) begins.push(i);
  const ends: number[] = [];
  for (let i = text.indexOf(PEM_END); i >= 0; i = text.indexOf(PEM_END, i + PEM_END.length)) ends.push(i);
  let ei = 0;
  let coveredUntil = -1;
  for (let bi = 0; bi < begins.length; bi++) {
    const i = begins[bi]!;
    if (i < coveredUntil) continue;
    PEM_HEADER_RE.lastIndex = i;
    const h = PEM_HEADER_RE.exec(text);
    if (!h || !/PRIVATE KEY/.test(h[1] ?? '')) continue;
    const kind = h[1]!;
    const endMarker = `-----END ${kind}-----`;
    const bodyStart = i + h[0].length;
    while (ei < ends.length && ends[ei]! < bodyStart) ei++;
    const nextBegin = bi + 1 < begins.length ? begins[bi + 1]! : Infinity;
    const nextEnd = ei < ends.length ? ends[ei]! : Infinity;
    const matched = nextEnd < nextBegin && nextEnd - bodyStart <= 40000 && text.startsWith(endMarker, nextEnd);
    const bodyEnd = matched ? nextEnd : Math.min(text.length, nextBegin, nextEnd, bodyStart + 4000);
    const body = text.slice(bodyStart, bodyEnd);
    // Literal "\n" escapes (keys embedded in JSON) count as line breaks.
    const b64 = body.replace(/\\n|\\r/g, '').replace(/[^A-Za-z0-9+/=]/g, '');
    const headerLines = /Proc-Type|DEK-Info/.test(body);
    // A block closed by its own END marker needs less body: an Ed25519 / X25519 key in PKCS#8 is 48 base64 characters.
    const minBody = matched ? 40 : 64;
    const minEntropy = b64.length >= 64 ? 4.5 : 4;
    if ((b64.length >= minBody && !looksLikePlaceholder(b64.slice(0, 64)) && shannonEntropy(b64) > minEntropy) || (headerLines && b64.length >= 64)) {
      const end = matched ? nextEnd + endMarker.length : bodyEnd;
      out.push(mk('private-key', i, end, matched ? 0.99 : 0.8, 'critical', `private key block (${kind.trim()})`));
      coveredUntil = end;
    }
  }
  // PuTTY private keys
  let p = text.indexOf('PuTTY-User-Key-File-');
  while (p >= 0) {
    const rq = text.slice(p, p + 4000).indexOf('Private-Lines:');
    const q = rq >= 0 ? p + rq : -1;
    if (q > 0) {
      const rm = text.slice(q, q + 8000).indexOf('Private-MAC:');
      const endMac = rm >= 0 ? q + rm : -1;
      const end = endMac > 0 && endMac - q < 8000 ? Math.min(text.length, endMac + 80) : Math.min(text.length, q + 2000);
      out.push(mk('private-key', p, end, 0.95, 'critical', 'PuTTY private key'));
      p = text.indexOf('PuTTY-User-Key-File-', end);
    } else p = text.indexOf('PuTTY-User-Key-File-', p + 20);
  }
}

/**
 * JSON Web Keys: the private parts of an RSA / EC / OKP key (`d`, and RSA's `p`, `q`, `dp`, `dq`, `qi`) or a
 * symmetric key (`k`), as base64url members of an object that has a `kty`. Public keys have none of them.
 */
const JWK_PRIVATE_RE = /"(d|p|q|dp|dq|qi|k)"[ \t]{0,3}:[ \t\r\n]{0,8}"([A-Za-z0-9_-]{16,2000}={0,2})"/g;
const JWK_KTY_RE = /"kty"[ \t]{0,3}:[ \t]{0,3}"(?:RSA|EC|OKP|oct)"/g;
function scanJwk(text: string, out: Finding[]): void {
  // the key's `kty` must be near the member (same object): within 2000 characters before or after it
  const kty: number[] = [];
  JWK_KTY_RE.lastIndex = 0;
  for (let m = JWK_KTY_RE.exec(text); m !== null; m = JWK_KTY_RE.exec(text)) kty.push(m.index);
  if (kty.length === 0) return;
  let k = 0;
  JWK_PRIVATE_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = JWK_PRIVATE_RE.exec(text)) !== null) {
    const v = m[2]!;
    while (k < kty.length - 1 && kty[k + 1]! <= m.index) k++;
    const near = Math.abs(kty[k]! - m.index) <= 2000 || (k + 1 < kty.length && kty[k + 1]! - m.index <= 2000);
    if (!near) continue;
    if (shannonEntropy(v) < 3.5 || looksLikePlaceholder(v)) continue;
    const s = m.index + m[0].length - 1 - v.length;
    out.push(mk('private-key', s, s + v.length, 0.95, 'critical', 'private JSON Web Key'));
  }
}

/** Wallet recovery phrases (BIP39 shape): 12 to 24 lower-case words after a mnemonic / seed phrase label. */
const MNEMONIC_RE = /(?:mnemonic|seed[ _-]?phrase|recovery[ _-]?phrase|secret[ _-]?phrase|seed[ _-]?words|passphrase)["']?[ \t]{0,3}[:=]?[ \t]{0,3}["'`]?((?:[a-z]{3,8} ){11,23}[a-z]{3,8})(?![a-z])/gi;
function scanMnemonic(text: string, out: Finding[]): void {
  MNEMONIC_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = MNEMONIC_RE.exec(text)) !== null) {
    const v = m[1]!;
    const words = v.split(' ');
    if (words.length % 3 !== 0 || new Set(words).size < words.length - 2) continue;
    if (/[A-Z]/.test(v)) continue;
    const s = m.index + m[0].length - v.length;
    out.push(mk('wallet-recovery-phrase', s, s + v.length, 0.85, 'critical', 'wallet recovery (seed) phrase'));
  }
}

/** Schemes whose URLs commonly carry credentials. */
const CRED_SCHEMES = new Set([
  'postgres', 'postgresql', 'mysql', 'mariadb', 'mongodb', 'mongodb+srv', 'redis', 'rediss', 'amqp', 'amqps', 'mssql', 'sqlserver',
  'oracle', 'db2', 'cockroachdb', 'clickhouse', 'couchdb', 'neo4j', 'bolt', 'cassandra', 'memcached', 'ldap', 'ldaps', 'smtp', 'smtps',
  'imap', 'imaps', 'pop3', 'ftp', 'ftps', 'sftp', 'ssh', 'http', 'https', 'ws', 'wss', 'git', 'svn', 'nats', 'kafka', 'mqtt', 'mqtts',
  'elasticsearch', 'jdbc:postgresql', 'jdbc:mysql', 'snowflake', 'influxdb', 'rtsp', 'socks5', 'socks', 'proxy', 'telnet', 'vnc', 'rdp',
]);
const USERINFO_RE = /([^\s:@/?#'"`<>\\]{0,128}):([^\s@/?#'"`<>\\]{1,256})@[A-Za-z0-9[\]_.-]/y;
const USERINFO_PW_ONLY_RE = /:([^\s@/?#'"`<>\\]{1,256})@[A-Za-z0-9[\]_.-]/y;
const PASSWORD_PLACEHOLDER_RE = /^(?:password|passwd|pass|pwd|secret|changeme|change_me|xxx+|\*+|user|username|admin|root|guest|test|demo|example|<[^>]*>|\[[^\]]*\]|\{[^}]*\}|\$\{?[A-Za-z_][\w.]*\}?|%\([^)]*\)s|:[A-Za-z_]+)$/i;

function scanConnectionStrings(text: string, out: Finding[]): void {
  let i = text.indexOf('://');
  while (i >= 0) {
    // scheme: letters, digits, + . - and ':' for jdbc:xxx, scanned backwards (bounded)
    let s = i;
    while (s > 0 && i - s < 24 && /[A-Za-z0-9+.:-]/.test(text[s - 1]!)) s--;
    const scheme = text.slice(s, i).toLowerCase().replace(/^[:.+-]+/, '');
    const after = i + 3;
    // a driver suffix names the same store: postgresql+psycopg2://, mysql+pymysql://
    if (CRED_SCHEMES.has(scheme) || CRED_SCHEMES.has(scheme.split('+')[0]!) || scheme.startsWith('jdbc:')) {
      USERINFO_RE.lastIndex = after;
      const m = USERINFO_RE.exec(text);
      if (m) {
        const user = m[1] ?? '';
        const pw = m[2] ?? '';
        const pwStart = after + user.length + 1;
        let ok = pw.length >= 3 && !PASSWORD_PLACEHOLDER_RE.test(pw) && !looksLikePlaceholder(pw);
        if (ok && (scheme === 'http' || scheme === 'https' || scheme === 'ws' || scheme === 'wss')) {
          // user:pass@host in web URLs: require a password that is not a plain word or a port-looking number
          ok = pw.length >= 6 && shannonEntropy(pw) >= 2 && !/^\d+$/.test(pw);
        }
        if (ok && user.length > 0 && user === pw) ok = false;
        if (ok) {
          const id = scheme.startsWith('http') || scheme.startsWith('ws') ? 'url-credentials' : 'connection-string-password';
          out.push(mk(id, pwStart, pwStart + pw.length, 0.9, 'high', `password in ${scheme}:// URL`));
        }
      } else {
        USERINFO_PW_ONLY_RE.lastIndex = after;
        const m2 = USERINFO_PW_ONLY_RE.exec(text);
        if (m2) {
          const pw = m2[1] ?? '';
          if (pw.length >= 3 && !PASSWORD_PLACEHOLDER_RE.test(pw) && !looksLikePlaceholder(pw)) {
            out.push(mk('connection-string-password', after + 1, after + 1 + pw.length, 0.9, 'high', `password in ${scheme}:// URL`));
          }
        }
      }
    }
    i = text.indexOf('://', i + 3);
  }
}

const ACCOUNT_KEY_RE = /AccountKey=([A-Za-z0-9+/]{80,100}={0,2})/y;
const AZURE_SECRET_RE = /[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34}(?![a-zA-Z0-9_~.-])/y;
function scanAzure(text: string, out: Finding[]): void {
  let i = text.indexOf('Q~');
  while (i >= 0) {
    const s = i - 4;
    if (s >= 0 && (s === 0 || /[\s\\'"`>=:(,)]/.test(text[s - 1]!))) {
      AZURE_SECRET_RE.lastIndex = s;
      const m = AZURE_SECRET_RE.exec(text);
      if (m && shannonEntropy(m[0]) >= 3 && !looksLikePlaceholder(m[0].slice(6))) {
        out.push(mk('azure-ad-client-secret', s, s + m[0].length, 0.9));
      }
    }
    i = text.indexOf('Q~', i + 2);
  }
  // Storage account keys / connection strings
  let k = text.indexOf('AccountKey=');
  while (k >= 0) {
    const m = ACCOUNT_KEY_RE;
    m.lastIndex = k;
    const r = m.exec(text);
    if (r && shannonEntropy(r[1]!) > 4) out.push(mk('azure-storage-key', k + 11, k + r[0].length, 0.95));
    k = text.indexOf('AccountKey=', k + 11);
  }
}

interface AnchorRule {
  id: string;
  anchor: string;
  /** Regex applied at (anchor index - back) with sticky flag. */
  re: RegExp;
  back?: number;
  group?: number;
  minEntropy?: number;
}

const ANCHOR_RULES: AnchorRule[] = [
  { id: 'slack-webhook-url', anchor: 'hooks.slack.com/', re: /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/]{43,56}/y },
  { id: 'discord-webhook-url', anchor: '/api/webhooks/', re: /\/api\/webhooks\/[0-9]{17,20}\/[A-Za-z0-9_-]{60,70}/y },
  { id: 'teams-webhook-url', anchor: '.webhook.office.com/', re: /\.webhook\.office\.com\/webhookb2\/[a-z0-9-]{36}@[a-z0-9-]{36}\/IncomingWebhook\/[a-z0-9]{32}\/[a-z0-9-]{36}/y },
  { id: 'zapier-webhook-url', anchor: 'hooks.zapier.com/hooks/catch/', re: /hooks\.zapier\.com\/hooks\/catch\/[0-9]{5,10}\/[a-z0-9]{5,10}/y },
  { id: 'terraform-cloud-token', anchor: '.atlasv1.', back: 14, re: /[a-zA-Z0-9]{14}\.atlasv1\.[a-zA-Z0-9_=-]{60,70}/y, minEntropy: 3.5 },
  { id: 'maxmind-license-key', anchor: '_mmk', back: 36, re: /[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk(?![A-Za-z0-9])/y, minEntropy: 4 },
  { id: 'sidekiq-secret', anchor: '__CONTRIBSYS__COM', back: 20, re: /BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM["']?\s{0,3}(?:=|:|:=)\s{0,3}["']?([a-f0-9]{8}:[a-f0-9]{8})/iy, group: 1 },
  { id: 'google-service-account', anchor: '"service_account"', re: /"service_account"/y },
];

function scanAnchors(text: string, out: Finding[]): void {
  for (const r of ANCHOR_RULES) {
    if (r.id === 'google-service-account') continue; // the private_key inside is what gets flagged
    let i = text.indexOf(r.anchor);
    while (i >= 0) {
      const back = r.id === 'sidekiq-secret' ? i - Math.max(0, text.lastIndexOf('BUNDLE_', i)) : (r.back ?? 0);
      // for rules with a variable-length head, try the few plausible starts
      const starts = back > 0 ? [i - back, i - back + 1, i - back - 1] : [i];
      for (const s of starts) {
        if (s < 0) continue;
        r.re.lastIndex = s;
        const m = r.re.exec(text);
        if (!m) continue;
        const val = r.group ? m[r.group]! : m[0];
        if (r.minEntropy && shannonEntropy(val) < r.minEntropy) continue;
        const vs = r.group ? s + m[0].length - val.length : s;
        out.push(mk(r.id, vs, vs + val.length, 0.9));
        break;
      }
      i = text.indexOf(r.anchor, i + r.anchor.length);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Contextual rules: curl, Authorization headers, generic key = value assignments

const CURL_USER_RE = /(?:^|[ \t])(?:-u|--user)(?:=|[ \t]{1,5})(?:"([^"\n]{1,200})"|'([^'\n]{1,200})'|([^\s'"]{1,200}))/gm;
const CURL_USER_QUOTED_PAIR_RE = /^"([^"]*)":"([^"]*)"/;

function credPartOk(s: string): boolean {
  if (s.length < 3) return false;
  if (/^\$|\$\{|\$\(|\{\{|%[A-Za-z_]+%/.test(s)) return false;
  if (/^<[^>]*>$/.test(s) || /^\[[^\]]*\]$/.test(s)) return false;
  if (/^(?:change(?:it|me)|pass(?:word)?|pwd|test|token|\*+|x+|y+|user(?:name)?|admin|secret)$/i.test(s)) return false;
  return true;
}

function scanCurl(text: string, out: Finding[]): void {
  CURL_USER_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = CURL_USER_RE.exec(text)) !== null) {
    // must be within a few lines of a `curl`
    const lineStart = Math.max(0, m.index - 600);
    if (!/\bcurl\b/.test(text.slice(lineStart, m.index))) continue;
    let raw = m[1] ?? m[2] ?? m[3] ?? '';
    let valStart = m.index + m[0].length - raw.length - (m[3] !== undefined ? 0 : 1);
    // --user "{a}":"{b}" style
    if (m[1] !== undefined) {
      const rest = text.slice(m.index + m[0].length - raw.length - 2, m.index + m[0].length + 210);
      const pair = CURL_USER_QUOTED_PAIR_RE.exec(rest);
      if (pair && text[m.index + m[0].length] === ':') {
        raw = `${pair[1]}:${pair[2]}`;
        valStart = m.index + m[0].length - (pair[1]?.length ?? 0) - 1;
      }
    }
    const colon = raw.indexOf(':');
    if (colon < 0) continue;
    const user = raw.slice(0, colon);
    const pw = raw.slice(colon + 1).replace(/^"|"$/g, '');
    let ok: boolean;
    if (user.length === 0) ok = credPartOk(pw) && shannonEntropy(pw) >= 2;
    else if (pw.length === 0) ok = credPartOk(user) && shannonEntropy(user) >= 2.5 && /[0-9!@#%^&*]/.test(user);
    else ok = !/^\$|\$\{|\$\(|\{\{/.test(user) && credPartOk(pw) && shannonEntropy(pw) >= 1.5 && !looksLikePlaceholder(pw) && pw !== user;
    if (!ok) continue;
    out.push(mk('curl-basic-auth', valStart, valStart + raw.length + (raw.length < (m[1] ?? m[2] ?? m[3] ?? '').length ? 0 : 0), 0.85));
  }
}

/** `.netrc`: `machine host login user password secret`. */
const NETRC_RE = /\bmachine\s+\S+\s+(?:login\s+\S+\s+)?password\s+(\S{4,200})/g;
function scanNetrc(text: string, out: Finding[]): void {
  NETRC_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = NETRC_RE.exec(text)) !== null) {
    const v = m[1]!;
    if (looksLikePlaceholder(v) || /^\$/.test(v)) continue;
    const s = m.index + m[0].length - v.length;
    out.push(mk('netrc-password', s, s + v.length, 0.85, 'high', 'password in a .netrc entry'));
  }
}

/** Credentials passed as command-line flags: `--password X`, `--token=X`, `docker login -p X`, `mysql -pX`. */
const CLI_FLAG_RE = /(?:^|[\s(])(?:--(?:password|passwd|pass|token|api-key|apikey|api-token|secret|client-secret|access-key|secret-key|auth-token)|-p)(?:=|[ \t]+|(?<=-p)(?=[^\s-]))("[^"\n]{1,200}"|'[^'\n]{1,200}'|[^\s'"|;&]{1,200})/g;
const P_FLAG_CONTEXT_RE = /\b(?:(?:docker|podman|nerdctl|buildah|skopeo|oc|helm\s+registry|cf)\s+login|mysql(?:dump|admin)?|mariadb|sshpass)\b/;

function scanCliFlags(text: string, out: Finding[]): void {
  CLI_FLAG_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = CLI_FLAG_RE.exec(text)) !== null) {
    const raw = m[1] ?? '';
    const quoted = /^["']/.test(raw);
    const v = quoted ? raw.slice(1, -1) : raw;
    const flagIsP = /(?:^|[\s(])-p/.test(m[0]) && !/--/.test(m[0]);
    if (flagIsP) {
      const lineStart = text.lastIndexOf('\n', m.index) + 1;
      if (!P_FLAG_CONTEXT_RE.test(text.slice(lineStart, m.index + 1))) continue;
      if (/^\d+$/.test(v)) continue; // -p 8080 (ports)
    }
    if (v.length < 6 || looksLikePlaceholder(v) || /^\$|\$\{|\$\(/.test(v) || shannonEntropy(v) < 2.8) continue;
    const vStart = m.index + m[0].length - raw.length + (quoted ? 1 : 0);
    out.push(mk('cli-flag-credential', vStart, vStart + v.length, 0.8, 'high', 'credential passed on a command line'));
  }
  // a literal piped into a login that reads the password from stdin: `echo "pw" | docker login -u x --password-stdin`
  if (!text.includes('-stdin')) return;
  STDIN_PW_RE.lastIndex = 0;
  while ((m = STDIN_PW_RE.exec(text)) !== null) {
    const raw = m[1] ?? '';
    const quoted = /^["']/.test(raw);
    const v = quoted ? raw.slice(1, -1) : raw;
    if (v.length < 6 || looksLikePlaceholder(v) || /\$/.test(v) || shannonEntropy(v) < 2.8) continue;
    const vStart = m.index + m[0].indexOf(raw) + (quoted ? 1 : 0);
    out.push(mk('cli-flag-credential', vStart, vStart + v.length, 0.8, 'high', 'credential piped into a login command'));
  }
}
const STDIN_PW_RE = /\b(?:echo|printf)[ \t]+(?:-n[ \t]+)?("[^"\n]{1,200}"|'[^'\n]{1,200}'|[^\s'"|;&]{1,200})[ \t]*\|[^\n|]{0,200}?--password-stdin\b/g;

/** Authorization / API-key style headers anywhere (curl -H, HTTP dumps, fetch() options, YAML). */
const AUTH_HEADER_RE = /\b(?:proxy-)?authorization["']?[ \t]{0,3}[:=][ \t]{0,5}["']?(?:(basic|bearer|token|api-token|apikey|api-key|digest|sso-key|key|jwt|oauth)[ \t]{1,5})?([\w=~@.+/\-!:$]{6,400})/giy;
const BEARER_RE = /\bbearer[ \t]{1,5}([A-Za-z0-9_~.+/\-]{12,2000}={0,2})/giy;

function tokenValueOk(v: string, minEntropy: number): boolean {
  if (looksLikePlaceholder(v)) return false;
  if (/^(?:[a-z]+[_-])+[a-z]+$/i.test(v)) return false; // words joined by - or _ (`invalid-token`, `my_api_token`), as in the generic rule
  if (/^[A-Za-z]+$/.test(v) && v.length < 20) return false;
  if (v.includes('://')) return false;
  return shannonEntropy(v) >= minEntropy;
}


function scanHeaders(text: string, out: Finding[], hits: Anchors): void {
  for (const i of hits.authorization) {
    const s = i > 6 && /^proxy-$/i.test(text.slice(i - 6, i)) ? i - 6 : i;
    AUTH_HEADER_RE.lastIndex = s;
    const m = AUTH_HEADER_RE.exec(text);
    if (!m) continue;
    const scheme = (m[1] ?? '').toLowerCase();
    let v = m[2] ?? '';
    v = v.replace(/[.,;:]+$/, '');
    const vStart = s + m[0].length - (m[2] ?? '').length;
    if (scheme === 'basic') {
      if (v.length >= 8 && /^[A-Za-z0-9+/]+=*$/.test(v) && !looksLikePlaceholder(v)) out.push(mk('http-basic-auth', vStart, vStart + v.length, 0.85));
      continue;
    }
    if (v.startsWith('eyJ')) continue; // JWT rule reports it
    if (tokenValueOk(v, 2.75)) out.push(mk('authorization-header', vStart, vStart + v.length, 0.8));
  }
  for (const bi of hits.bearer) {
    BEARER_RE.lastIndex = bi;
    const m = BEARER_RE.exec(text);
    if (!m) continue;
    const v = m[1] ?? '';
    if (v.startsWith('eyJ')) continue;
    const vStart = bi + m[0].length - v.length;
    if (tokenValueOk(v, 3)) out.push(mk('bearer-token', vStart, vStart + v.length, 0.8));
  }
}

// ---------------------------------------------------------------------------------------------
// One pass for every anchor: an Aho–Corasick automaton over case-folded characters

/** What an anchor starts. */
const enum AK {
  /** A key word of a credential assignment (`api_key =`, `password:`). */
  Key = 1,
  Authorization = 2,
  Bearer = 3,
  Curl = 4,
  Vendor = 5,
  /** A structural anchor (`://`, `-----BEGIN`, `Q~`...): sets a flag bit, the scanner re-finds its own anchor. */
  Flag = 6,
  /** A distinctive provider prefix, which may be glued to a preceding word. */
  Glued = 7,
}
const F_URL = 1;
const F_PEM = 2;
const F_CLI = 4;
const F_AZURE = 8;
const F_ANCHOR = 16;
const F_MAILCHIMP = 32;
const F_NETRC = 64;
const F_JWK = 128;
const F_MNEMONIC = 256;

/**
 * The anchors, as data. Matching folds ASCII case (and the case of the non-ASCII letters listed), so
 * `API_KEY`, `apiKey` and `Api-Key` all hit `api` and `key`; scanners re-check case where it matters.
 * Key words need no word boundary (`dbPassword`, `MAILER_PASSWORD`): the assignment parser extends the key
 * over identifier characters, and KEY_NAME_ALLOW_RE drops names that are not credentials.
 */
const ANCHOR_TABLE: [string, AK, number?][] = [
  // key words: English, and the word for "password" in other languages
  ...['key', 'token', 'secret', 'salt', 'session', 'signature', 'passwd', 'password', 'pwd', 'pass', 'passphrase', 'private',
    'auth', 'api', 'access', 'credential', 'creds', 'cookie', 'passwort', 'kennwort', 'contraseña', 'contrasena', 'senha', 'wachtwoord',
    'hasło', 'haslo', 'heslo', 'mot_de_passe', 'motdepasse', 'mot-de-passe', 'salasana', 'lösenord', 'losenord', 'passord',
    'adgangskode', 'jelszó', 'jelszo', 'parola', 'clave', 'пароль', 'パスワード', '密码', '密碼', '비밀번호', 'requirepass']
    .map((w): [string, AK] => [w, AK.Key]),
  ['authorization', AK.Authorization],
  ['bearer', AK.Bearer],
  ['curl', AK.Curl],
  ...['sumo', 'twilio', 'azure', 'sonar', 'okta', 'heroku'].map((w): [string, AK] => [w, AK.Vendor]),
  ['://', AK.Flag, F_URL],
  ['-----begin', AK.Flag, F_PEM],
  ['putty-user-key-file-', AK.Flag, F_PEM],
  ['--', AK.Flag, F_CLI],
  [' -p', AK.Flag, F_CLI],
  ['q~', AK.Flag, F_AZURE],
  ['accountkey=', AK.Flag, F_AZURE],
  ['hooks.', AK.Flag, F_ANCHOR],
  ['/api/webhooks/', AK.Flag, F_ANCHOR],
  ['.webhook.office.com/', AK.Flag, F_ANCHOR],
  ['.atlasv1.', AK.Flag, F_ANCHOR],
  ['_mmk', AK.Flag, F_ANCHOR],
  ['__contribsys__com', AK.Flag, F_ANCHOR],
  ['-us', AK.Flag, F_MAILCHIMP],
  ['machine ', AK.Flag, F_NETRC],
  ['"kty"', AK.Flag, F_JWK],
  ...['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_', 'glpat-', 'xoxb-', 'xoxp-', 'xapp-', 'sk-proj-', 'sk-ant-', 'sk-svcacct-',
    'sk_live_', 'rk_live_', 'npm_', 'dckr_pat_'].map((w): [string, AK] => [w, AK.Glued]),
  ['mnemonic', AK.Flag, F_MNEMONIC],
  ['phrase', AK.Flag, F_MNEMONIC],
  ['seed words', AK.Flag, F_MNEMONIC],
];

/**
 * The automaton: characters map to small classes (case folded), states are premultiplied by the class
 * count, and accepting states are numbered last, so the hot loop is one table load and one compare per
 * character. Every accepting state lists the anchors ending there (a word and the words that are its suffixes).
 */
export interface Automaton {
  /** Character class of every UTF-16 unit (case folded; bit 7 is free for the caller). */
  cls: Uint8Array;
  nc: number;
  /** Transitions, premultiplied by nc: `next = table[state + cls[c]]`. */
  table: Uint16Array;
  start: number;
  /** States at or above this value accept. */
  accept: number;
  /** The words (indices into the input) that end at each accepting state, by `state / nc`. */
  outsById: number[][];
}

/** An Aho–Corasick automaton over the words, matching case-insensitively (shared with pii.ts). */
export function buildAutomaton(words: readonly string[]): Automaton {
  const cls = new Uint8Array(65536);
  let nc = 1;
  const classOf = new Map<string, number>();
  // one class per case-folded character (`D` and `d` share one, whichever case the words use)
  const fold = (ch: string): string => ch.toLowerCase();
  for (const w of words) {
    for (const ch of w) {
      if (classOf.has(fold(ch))) continue;
      classOf.set(fold(ch), nc);
      for (const v of new Set([ch, ch.toLowerCase(), ch.toUpperCase()])) if (v.length === 1) cls[v.charCodeAt(0)] = nc;
      nc++;
    }
  }
  // trie
  const next: Map<number, number>[] = [new Map()];
  const outs: number[][] = [[]];
  words.forEach((w, wi) => {
    let s = 0;
    for (const ch of w) {
      const k = classOf.get(fold(ch))!;
      let t = next[s]!.get(k);
      if (t === undefined) {
        t = next.length;
        next.push(new Map());
        outs.push([]);
        next[s]!.set(k, t);
      }
      s = t;
    }
    outs[s]!.push(wi);
  });
  const ns = next.length;
  const delta = new Int32Array(ns * nc);
  const fail = new Int32Array(ns);
  const queue: number[] = [];
  for (let k = 0; k < nc; k++) {
    const t = next[0]!.get(k) ?? 0;
    delta[k] = t;
    if (t) queue.push(t);
  }
  for (let qi = 0; qi < queue.length; qi++) {
    const s = queue[qi]!;
    outs[s] = [...outs[s]!, ...outs[fail[s]!]!];
    for (let k = 0; k < nc; k++) {
      const t = next[s]!.get(k);
      if (t !== undefined) {
        fail[t] = delta[fail[s]! * nc + k]!;
        queue.push(t);
        delta[s * nc + k] = t;
      } else delta[s * nc + k] = delta[fail[s]! * nc + k]!;
    }
  }
  // renumber: accepting states last, premultiplied by nc
  const order = [...Array(ns).keys()].sort((a, b) => Number(outs[a]!.length > 0) - Number(outs[b]!.length > 0) || a - b);
  const id = new Int32Array(ns);
  order.forEach((o, i) => (id[o] = i));
  const table = new Uint16Array(ns * nc);
  for (let s = 0; s < ns; s++) for (let k = 0; k < nc; k++) table[id[s]! * nc + k] = id[delta[s * nc + k]!]! * nc;
  const firstAccept = order.findIndex((o) => outs[o]!.length > 0);
  const outsById: number[][] = order.map((o) => outs[o]!);
  if (nc > 127) throw new Error('anchor automaton: too many character classes');
  if (ns * nc > 65535) throw new Error('anchor automaton: too many states');
  return { cls, nc, table, start: id[0]! * nc, accept: firstAccept * nc, outsById };
}

const AC = buildAutomaton(ANCHOR_TABLE.map((e) => e[0]));
// the high bit marks token-body characters: the same pass records the long runs the prefix rules start from
for (let c = 0; c < 128; c++) if (TOK_BODY[c] === 1) AC.cls[c] = AC.cls[c]! | 128;

/** Scratch buffers of the automaton pass (reused; detectors are synchronous): run starts, and (end, state) of anchor hits. */
let RUNS = new Int32Array(1024);
let nRuns = 0;
let HITS = new Int32Array(1024);
let nHits = 0;
const AC_CLS = AC.cls;
const AC_TABLE = AC.table;
const AC_ACCEPT = AC.accept;
const AC_START = AC.start;

/**
 * The hot loop: one table step per character. Records the start of every run of 8+ token-body characters
 * (the prefix rules' candidates) and every accepting state with its position. Kept free of allocation and
 * of data-dependent branches (token and other characters alternate unpredictably).
 */
function runAutomaton(text: string): void {
  const n = text.length;
  // worst cases: a run start every 8 characters, a hit at every character
  if (RUNS.length < (n >> 3) + 1) RUNS = new Int32Array((n >> 3) + 64);
  if (HITS.length < 2 * n + 2) HITS = new Int32Array(2 * n + 64);
  const runs = RUNS;
  const hits = HITS;
  const cls = AC_CLS;
  const table = AC_TABLE;
  const accept = AC_ACCEPT;
  let s = AC_START;
  let run = 0;
  let nr = 0;
  let nh = 0;
  for (let i = 0; i < n; i++) {
    const v = cls[text.charCodeAt(i)]!;
    s = table[s + (v & 127)]!;
    run = (run + 1) * (v >> 7);
    if (run === 8) runs[nr++] = i - 7;
    if (s >= accept) {
      hits[nh++] = i;
      hits[nh++] = s;
    }
  }
  nRuns = nr;
  nHits = nh;
}

interface Anchors {
  glued: number[];
  generic: { i: number; len: number }[];
  authorization: number[];
  bearer: number[];
  vendor: { i: number; kw: string }[];
  curl: boolean;
  flags: number;
}

/** The result of findAnchors (scratch, reused: read before the next call; detectors are synchronous). */
const ANCHORS: Anchors = { glued: [], generic: [], authorization: [], bearer: [], vendor: [], curl: false, flags: 0 };

/** Every anchor, from one automaton pass over the text. */
function findAnchors(text: string): Anchors {
  runAutomaton(text);
  const h = ANCHORS;
  if (h.generic.length !== 0) h.generic.length = 0;
  if (h.glued.length !== 0) h.glued.length = 0;
  if (h.authorization.length !== 0) h.authorization.length = 0;
  if (h.bearer.length !== 0) h.bearer.length = 0;
  if (h.vendor.length !== 0) h.vendor.length = 0;
  h.curl = false;
  h.flags = 0;
  if (nHits === 0) return h;
  const { nc, outsById } = AC;
  const hits = HITS;
  for (let x = 0; x < nHits; x += 2) {
    const i = hits[x]!;
    for (const wi of outsById[(hits[x + 1]! / nc) | 0]!) {
      const entry = ANCHOR_TABLE[wi]!;
      const w = entry[0];
      const kind = entry[1];
      const start = i + 1 - w.length;
      switch (kind) {
        case AK.Flag:
          h.flags |= entry[2] ?? 0;
          break;
        case AK.Key: {
          // `pass` counts only as a whole segment (`pass:`, `db_pass`), not inside `passenger` or `passport`
          if (w === 'pass') {
            const c = text.charCodeAt(i + 1);
            if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) break;
          }
          const g = h.generic;
          const last = g[g.length - 1];
          // words ending inside a longer hit that starts at or before them add nothing (`passwd` after `pass`)
          if (last && start >= last.i && start < last.i + last.len) {
            if (start === last.i && w.length > last.len) last.len = w.length;
            break;
          }
          g.push({ i: start, len: w.length });
          break;
        }
        case AK.Authorization: {
          h.authorization.push(start);
          const g = h.generic;
          const last = g[g.length - 1];
          if (last && last.i === start) last.len = w.length;
          else g.push({ i: start, len: w.length });
          break;
        }
        case AK.Bearer:
          h.bearer.push(start);
          break;
        case AK.Glued:
          h.glued.push(start);
          break;
        case AK.Curl:
          h.curl = true;
          break;
        case AK.Vendor:
          // one hit per 60 characters is enough: the vendor rules look at a window after the name
          if (h.vendor.length === 0 || start - h.vendor[h.vendor.length - 1]!.i >= 60) h.vendor.push({ i: start, kw: w });
          break;
      }
    }
  }
  return h;
}

/** Key names that contain a key word but do not name a secret (after gitleaks' generic allowlist, extended). */
const KEY_NAME_ALLOW_RE = /(?:access(?:ibility|or|ed|es|ing|_?level|_?mode|_?type|_?control|_?log|_?id|_?key_?id|_?point)|random[_.-]?access|api[_.-]?(?:id|name|version|url|uri|endpoint|base|host|path|docs?|group|server|spec|type|gateway|level)|rapid|capital|author|x-ms-exchange-organization-auth|authentication-results|auth[_.-]?(?:type|method|mode|provider|url|uri|endpoint|domain|server|host|scheme|flow|header|enabled|required|status|state|name|user(?:name)?|email|id|strategy|path|config|plugin|service)|credentials?[_.-]?(?:id|type|provider|path|file|name|source|helper|store|process)|withcredentials|(?:bucket|foreign|hot|idx|natural|primary|pub(?:lic)?|schema|sequence|partition|sort|range|hash|cache|row|object|lookup|map|dict|api[_.-]?key[_.-]?name)[_.-]?key|turkey|key[_.-]?(?:alias|board|code|frame|id|length|mesh|name|pair|press(?:ed)?|ring|selector|signature|size|stone|storetype|word|up|down|left|right|type|path|file|spec|usage|format|version|vault|prefix|field|col(?:umn)?|count|event|handler|bindings?|map|s$)|key[_.-]?vault[_.-]?(?:id|name|url)|keyvaulttostoresecrets|key(?:store|tab)[_.-]?(?:file|path|type)?|issuerkeyhash|(?:[dm]onkey)|keying|(?:secret)[_.-]?(?:length|name|size|ref|key[_.-]?ref|path|id|arn|manager|provider|store|version|type|namespace)|usersecretsid|(?:csrf|xsrf)[_.-]?token|token[_.-]?(?:endpoint|ur[il]|type|expir\w*|ttl|lifetime|length|name|path|file|count|limit|usage|header|prefix|field|validity|storage|cache|kind|format)|(?:api|credentials)[_.-]?(?:endpoint|ur[il])|public[_.-]?(?:token|key)|(?:key|token)[_.-]?file|password[_.-]?(?:policy|length|min\w*|max\w*|field|reset|hash(?:er|ing)?|rules?|strength|expir\w*|hint|label|placeholder|prompt|input|confirm\w*|required|regex|pattern|file|path|type|command|variable|var|env|enabled|auth|change|history|complexity|less)|passwd[_.-]?file|session[_.-]?(?:id|timeout|name|store|ttl|length|type|key[_.-]?name)|cookie[_.-]?(?:name|path|domain|secure|samesite|max[_.-]?age|expire\w*|prefix|policy|options)|private[_.-]?(?:ip|dns|subnet|network|endpoint|link|zone|registry|repo|package|method|field|mode|class|var|member|static|final|void|bool|int|string)|signature[_.-]?(?:method|version|type|algorithm|header|name|alg)|salt[_.-]?(?:rounds|length|size)|max[_.-]?tokens?|num[_.-]?tokens?|tokens?[_.-]?(?:count|used|limit)|tokeni[sz]er|sort[_.-]?key|keyboard|keyword|keyframe|keystroke|keynote|apiversion|apikeyname|passthrough|passenger|passive|password_?less)/i;

const HCL_DEFAULT_RE = /[ \t]*\{[^{}]{0,300}?\bdefault[ \t]*=[ \t]*"([^"\n]{1,300})"/y;
const XML_VALUE_RE = /\s+value\s*=\s*["']([^"'\n]{1,300})["']/y;
const ASSIGN_RE = /(?:\\?["'`])?(?:[ \t]*:[ \t]*&?(?:'[a-z]{1,10}[ \t]+)?(?:mut[ \t]+)?[A-Za-z_][\w<>[\]?.]{0,30}(?=[ \t]*=)|[ \t]+[A-Za-z_][\w.[\]*]{0,30}(?=[ \t]*=))?[ \t]{0,3}(?:=>|:=|::=|:::=|\?\?=|\?=|\|\|=|\.=|\+=|=|:|,|>)(?:[ \t]*[|>][-+]?[ \t]*\r?\n[ \t]*|[ \t]{0,5}(?:(?<=>)\r?\n[ \t]*)?)/y;
const PAIR_VALUE_RE = /[([][ \t]*(["'])[^"'\n]{1,100}\1[ \t]*,[ \t]*["']([^"'\n]{1,200})["']/y;
const QUOTED_VALUE_RE = /(["'`])([^"'`\n\r]{1,300})\1/y;
const BARE_VALUE_RE = /([\w.=+/~\-!@#%^&*?][\w.=+/~\-!@#%^&*$?]{0,299})/y;
/** Known prefixes owned by the provider rules (a generic value that starts with one of them is theirs to judge). */
const PROVIDER_PREFIX_RE = /^(?:xox[a-z]|xapp|gh[pousr]_|github_pat_|glpat-|gl[a-z]{1,6}-|sk-|sk_|rk_|pk_|AKIA|ASIA|AIza|hf_|api_org_|pplx-|glc_|glsa_|fo1_|fm[12]|sgp_|ntn_|dop_v1|npm_|pypi-|SG\.|AGE-SECRET|ATATT|hvs\.|hvb\.|s\.[A-Za-z0-9]{24}$|eyJ|sntry|sq0|EAA|shp|CLOJARS_|dapi|A3-|ops_|ico-|key-|pub[_-]|xkeysib|lin_|pnu_|PMAK|rubygems_|4b1d|v1\.0-|tk-us|pscale|dp\.|pul-|rdme_|figd_|ZXlK)/;

interface Assignment {
  keyStart: number;
  key: string;
  valueStart: number;
  value: string;
  quoted: boolean;
}

/** `[\w.-]`, indexed by UTF-16 unit. */
const KEY_CHAR = new Uint8Array(65536);
for (let c = 0; c < 128; c++) if (/[\w.-]/.test(String.fromCharCode(c))) KEY_CHAR[c] = 1;
// letters of other scripts (localized key names: `contraseña`, `hasło`, `пароль`, `パスワード`)
for (let c = 0xc0; c < 0x2000; c++) if (c !== 0xd7 && c !== 0xf7) KEY_CHAR[c] = 1;
for (let c = 0x3040; c < 0xa000; c++) KEY_CHAR[c] = 1;
for (let c = 0xac00; c < 0xd7a4; c++) KEY_CHAR[c] = 1;

/** Parse `<key> <op> <value>` around a key-word hit at [kwStart, kwEnd). */
function parseAssignment(text: string, kwStart: number, kwEnd: number): Assignment | undefined {
  // key: extend left over identifier chars (bounded) and right over [\w.-] (bounded)
  let ks = kwStart;
  while (ks > 0 && kwStart - ks < 60 && KEY_CHAR[text.charCodeAt(ks - 1)] === 1) ks--;
  let ke = kwEnd;
  while (ke < text.length && ke - kwEnd < 40 && KEY_CHAR[text.charCodeAt(ke)] === 1) ke++;
  // allow a bracketed form: os.environ['KEY'] = / ENV["KEY"] / getenv("KEY", "default")
  let p = ke;
  if (text[p] === '\\' && text[p + 1] === '"') p++; // escaped JSON: \"api_key\": \"...\"
  // a closing quote that no quote opened before the key: the key word ends a quoted value ("Enter your password")
  let strayQuote = false;
  if (text[p] === '"' || text[p] === "'") {
    // key was quoted ("api_key": ...)
    const qc = text[p];
    strayQuote = text[ks - 1] !== qc && !(text[ks - 1] === '\\' && text[ks - 2] === qc) && !(text[ks - 2] === '\\' && text[ks - 1] === qc);
    p++;
  }
  if (text[p] === ']') p++;
  if (text[p] === ')') return undefined;
  // Terraform / HCL: variable "db_password" { … default = "…" }: the key is the block label
  if (text.charCodeAt(p - 1) === 34 && text.charCodeAt(ks - 1) === 34 && (text.charCodeAt(ks - 2) === 32 || text.charCodeAt(ks - 2) === 9) && /variable[ \t]{1,4}"$/.test(text.slice(Math.max(0, ks - 14), ks))) {
    HCL_DEFAULT_RE.lastIndex = p;
    const d = HCL_DEFAULT_RE.exec(text);
    return d ? { keyStart: ks, key: text.slice(ks, ke), valueStart: p + d[0].length - d[1]!.length - 1, value: d[1]!, quoted: true } : undefined;
  }
  // XML settings: <add key="ClearTextPassword" value="..." />
  if (text[p - 1] === '"' || text[p - 1] === "'") {
    XML_VALUE_RE.lastIndex = p;
    const xv = XML_VALUE_RE.exec(text);
    if (xv) return { keyStart: ks, key: text.slice(ks, ke), valueStart: p + xv[0].length - xv[1]!.length - 1, value: xv[1]!, quoted: true };
  }
  // spaces inside key (e.g. `api key: xxx`) are not followed; a closing bracket/quote is allowed
  if (!operatorMayFollow(text, p)) return spaceSeparated(text, ks, ke, p);
  ASSIGN_RE.lastIndex = p;
  const op = ASSIGN_RE.exec(text);
  if (!op) return spaceSeparated(text, ks, ke, p);
  // ... and the name after it is the next attribute's (`placeholder="Enter your password" autocomplete="current-password"`)
  if (strayQuote && /^[ \t]+[A-Za-z_]/.test(op[0])) return undefined;
  // a quoted word followed by a name and `=` is an attribute list (`name="password" autocomplete="…"`), not `Type key =`
  if ((text[p - 1] === '"' || text[p - 1] === "'") && /^[ \t]+[A-Za-z_]/.test(op[0])) return undefined;
  const opText = op[0].trim().replace(/^["'`]/, '');
  if (opText === '>' && text[p - 1] !== '"' && text[p] !== '>') {
    // XML: <password>value</password>
    if (!(text[p] === '>' && text.lastIndexOf('<', kwStart) >= kwStart - 60)) return undefined;
  }
  let vs = p + op[0].length;
  // skip an opening `=` run or a second quote (gitleaks allows [`'"\s=]{0,5})
  if (text[vs] === '=' && opText !== '=') vs++;
  if (text[vs] === '\\' && text[vs + 1] === '"') vs++; // escaped JSON value
  // a (user, password) pair: `auth = ("admin", "…")`, `auth: ['admin', '…']`
  if (text[vs] === '(' || text[vs] === '[') {
    PAIR_VALUE_RE.lastIndex = vs;
    const pr = PAIR_VALUE_RE.exec(text);
    if (pr) return { keyStart: ks, key: `${text.slice(ks, ke)}_password`, valueStart: vs + pr[0].length - 1 - pr[2]!.length, value: pr[2]!, quoted: true };
  }
  QUOTED_VALUE_RE.lastIndex = vs;
  const q = QUOTED_VALUE_RE.exec(text);
  if (q) return { keyStart: ks, key: text.slice(ks, ke), valueStart: vs + 1, value: (q[2] ?? '').replace(/\\$/, ''), quoted: true };
  BARE_VALUE_RE.lastIndex = vs;
  const b = BARE_VALUE_RE.exec(text);
  if (!b) return undefined;
  const value = b[1] ?? '';
  const next = text[vs + value.length];
  // bare values must be terminated like gitleaks: quote, whitespace, ; , or end (not `)` or `(`: code, not config)
  if (next !== undefined && !/[\s;,'"`<]/.test(next) && !(next === '\\' && /[nrt]/.test(text[vs + value.length + 1] ?? ''))) return undefined;
  return { keyStart: ks, key: text.slice(ks, ke), valueStart: vs, value, quoted: false };
}

/**
 * A cheap necessary condition for ASSIGN_RE at `p`: after an optional quote and blanks comes an operator
 * character, or a type / name and then `=` (`password: string = `, `var token string =`). Most key words in
 * prose are followed by neither, and skip the regex.
 */
function operatorMayFollow(text: string, p: number): boolean {
  let q = p;
  const c0 = text.charCodeAt(q);
  if (c0 === 34 || c0 === 39 || c0 === 96 || c0 === 92) q++;
  while (text.charCodeAt(q) === 32 || text.charCodeAt(q) === 9) q++;
  const c = text.charCodeAt(q);
  // = : > , ? | . +
  if (c === 61 || c === 58 || c === 62 || c === 44 || c === 63 || c === 124 || c === 46 || c === 43) return true;
  if (q === p || !((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) return false;
  // `key Type =`: a name of up to 31 characters, blanks, then `=`
  let k = q + 1;
  while (k - q < 32 && KEY_CHAR[text.charCodeAt(k)] === 1) k++;
  while (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9) k++;
  return text.charCodeAt(k) === 61 || text.charCodeAt(k) === 91 || text.charCodeAt(k) === 42;
}

/**
 * Blank-separated settings on a line of their own (`requirepass <value>`, `client_secret    <value>`, the
 * redis / sshd / INI-without-`=` style): the key starts the line, one value follows, nothing else.
 */
const SPACE_VALUE_RE = /[ \t]{1,16}(?:"([^"\n]{6,200})"|'([^'\n]{6,200})'|([^\s'"`]{6,200}))[ \t]*(?=\r?\n|$)/y;
/** A markdown / ASCII table row `| name | value |`: the value cell holds one token (emphasis and code marks stripped). */
const TABLE_VALUE_RE = /[ \t]{0,16}\|[ \t]{0,16}([*_`]{0,2})([^\s|*`]{6,200})\1[ \t]{0,16}(?=\||\r?\n|$)/y;
function spaceSeparated(text: string, ks: number, ke: number, p: number): Assignment | undefined {
  if (p !== ke) return undefined;
  const c = text.charCodeAt(p);
  if (c !== 32 && c !== 9) return undefined;
  // the line start, searched back at most 41 characters (a bounded look, linear over many hits)
  let lineStart = ks;
  while (lineStart > 0 && ks - lineStart <= 40 && text.charCodeAt(lineStart - 1) !== 10) lineStart--;
  if (lineStart > 0 && text.charCodeAt(lineStart - 1) !== 10) return proseValue(text, ks, ke, p);
  let blank = lineStart;
  while (blank < ks && (text.charCodeAt(blank) === 32 || text.charCodeAt(blank) === 9)) blank++;
  if (text.charCodeAt(blank) === 124 && TABLE_ROW_RE.test(text.slice(lineStart, ks))) {
    TABLE_VALUE_RE.lastIndex = p;
    const t = TABLE_VALUE_RE.exec(text);
    const key = text.slice(ks, ke);
    if (!t || !STRONG_KEY_RE.test(key)) return undefined;
    return { keyStart: ks, key, valueStart: p + t[0].length - t[2]!.length - t[1]!.length - (t[0].length - t[0].trimEnd().length), value: t[2]!, quoted: false };
  }
  if (blank < ks && !LINE_PREFIX_RE.test(text.slice(lineStart, ks))) return proseValue(text, ks, ke, p);
  SPACE_VALUE_RE.lastIndex = p;
  const m = SPACE_VALUE_RE.exec(text);
  if (!m) return undefined;
  const key = text.slice(ks, ke);
  if (!STRONG_KEY_RE.test(key)) return undefined;
  const value = m[1] ?? m[2] ?? m[3]!;
  const quoted = m[3] === undefined;
  return { keyStart: ks, key, valueStart: p + m[0].length - value.length - (quoted ? 1 : 0) - (m[0].length - m[0].trimEnd().length), value, quoted };
}
/** What may precede a blank-separated setting on its line: indentation, `set -x` (fish), `setenv` (csh), `ENV` (Dockerfile). */
const TABLE_ROW_RE = /^[ \t]*\|[ \t]*$/;
const LINE_PREFIX_RE = /^[ \t]*(?:(?:set(?:[ \t]+-[A-Za-z]{1,3})?|setenv|ENV|env)[ \t]+)?$/;

/**
 * A value stated in prose: `Your API key is <value>`, `the password was <value>`. Needs a value that no word
 * looks like: 12+ characters mixing letters and digits, high entropy.
 */
const PROSE_VALUE_RE = /[ \t]+(?:is|was|ist|es|est|[:=])[ \t]+[`'"]?([A-Za-z0-9+/_\-.~!@#$%^&*]{12,200})/y;
function proseValue(text: string, ks: number, ke: number, p: number): Assignment | undefined {
  // the word after the blanks starts with i / w / e, or is : / = (a cheap test before the regex)
  let q = p;
  while (q < p + 4 && (text.charCodeAt(q) === 32 || text.charCodeAt(q) === 9)) q++;
  const c = text.charCodeAt(q) | 32;
  if (c !== 105 && c !== 119 && c !== 101 && c !== 58 && c !== 61 && c !== 61) return undefined;
  PROSE_VALUE_RE.lastIndex = p;
  const m = PROSE_VALUE_RE.exec(text);
  if (!m) return undefined;
  const v = m[1]!.replace(/[.,;:!?`'"]+$/, '');
  if (!/[0-9]/.test(v) || !/[A-Za-z]/.test(v) || shannonEntropy(v) < 3.5) return undefined;
  const key = text.slice(ks, ke);
  if (!STRONG_KEY_RE.test(key) && !/^(?:key|token)$/i.test(key)) return undefined;
  return { keyStart: ks, key, valueStart: p + m[0].length - m[1]!.length, value: v, quoted: false };
}

/** Key words that name a credential on their own (the blank-separated form needs one). */
const STRONG_KEY_RE = /secret|passw|pwd|requirepass|masterauth|token|api[_-]?key|private[_-]?key|credential/i;

const PASSWORD_KEY_RE = /passw(?:or)?d|pwd|(?:^|[_.-])pass$|^pass$|passphrase|passwort|kennwort|contrase|senha|wachtwoord|has[lł]o|heslo|mot[_-]?de[_-]?passe|salasana|l[oö]senord|passord|adgangskode|jelsz[oó]|parola|clave|пароль|パスワード|密[码碼]|비밀번호|requirepass|masterauth/i;

const h0 = shannonEntropy;

/**
 * A segment that reads as an identifier (`BlindKeySignatures`, `default`, `toString`): words in camel / Pascal
 * case, no digits. Random tokens with a dot (`XIDikV.y7y4Ri80Iit5WOg22`) flip case and carry digits.
 */
const WORDY_SEGMENT_RE = /^[A-Z]?[a-z]{2,}(?:[A-Z][a-z]+){0,5}$/;

/**
 * Hex is a 16-letter alphabet: a random hex string of 20–32 characters often measures 3.1–3.5 bits per character,
 * under the general bar of 3.3. Hex needs digits and letters both, and clears a lower bar.
 */
function randomHex(v: string): boolean {
  return v.length >= 20 && /^[0-9a-f]+$|^[0-9A-F]+$/.test(v) && /[0-9]/.test(v) && /[a-fA-F]/.test(v) && shannonEntropy(v) >= 2.9;
}

/**
 * Letters in random case (`BNvbQSneAB`), not words or identifiers: the case flips between neighbours at least
 * once every four characters, and the entropy is high.
 */
function randomLetters(v: string): boolean {
  let flips = 0;
  let letters = 0;
  let prevUpper = -1;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const up = c >= 65 && c <= 90 ? 1 : c >= 97 && c <= 122 ? 0 : -1;
    if (up < 0) continue;
    letters++;
    if (prevUpper >= 0 && up !== prevUpper) flips++;
    prevUpper = up;
  }
  return letters >= 8 && flips * 4 >= letters && shannonEntropy(v) >= 3;
}

/** Judge a generic value. Returns a score (0 = reject). */
export function genericValueScore(key: string, value: string): number {
  const v = value.trim();
  if (v.length < 6) return 0;
  if (PROVIDER_PREFIX_RE.test(v)) return 0;
  if (looksLikePlaceholder(v)) return 0;
  if (/^\$|\$\{|\{\{|\}\}|%\(|^<|^\[|^\(|^function\b|=>|\bnew\b|^#\{[^}]*\}$/.test(v)) return 0;
  if (/^[A-Za-z_][\w.]*=[^=]/.test(v)) return 0; // `id=name` option lists, not a value
  if (/^![A-Za-z]+$/.test(v)) return 0; // a YAML tag (`!vault |`, `!Ref`): the value follows it
  if (v.includes('://') || /^(?:\.{0,2}\/|~\/|[A-Za-z]:\\)/.test(v)) return 0; // URLs and paths
  if (/^[0-9.:\-_/ ]+$/.test(v) && !/^[0-9]{16,}$/.test(v) && !PASSWORD_KEY_RE.test(key)) return 0; // numbers, versions, dates, IPs
  if (/^v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?$/.test(v)) return 0; // versions
  if (/^[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*){1,}(?:\(\))?$/.test(v) && !/[0-9]/.test(v.replace(/\.[A-Za-z_]+$/, ''))) return 0; // dotted identifiers, domains
  if (/^[A-Za-z]+[\w-]*\.[A-Za-z_]\w*$/.test(v) && WORDY_SEGMENT_RE.test(v.split('.')[1] ?? '')) return 0; // Ed25519.BlindKeySignatures
  if (/^(?:[a-z]+[_-])+[a-z]+$/i.test(v) && !PASSWORD_KEY_RE.test(key)) return 0; // snake/kebab words
  if (/^[A-Z][A-Z0-9_]+$/.test(v) && v.includes('_') && shannonEntropy(v) < 3.8) return 0; // CONSTANT_NAMES
  if (/^[a-z]+(?:[A-Z][a-z]+)+$/.test(v)) return 0; // camelCase identifiers
  if (/^[A-Z][a-z]+(?:[A-Z][a-z]+)+$/.test(v)) return 0; // PascalCase identifiers
  const isPassword = PASSWORD_KEY_RE.test(key);
  const h = shannonEntropy(v);
  if (isPassword) {
    if (v.length < 6) return 0;
    if (/^[a-z]+$/i.test(v) && v.length < 12 && !randomLetters(v)) return 0;
    if (/\s/.test(v)) return 0;
    if (h < 2.4) return 0;
    return h >= 3 ? 0.8 : 0.6;
  }
  if (v.length < 10) return 0;
  if (/\s/.test(v)) return 0;
  if (/^[A-Za-z_.-]+$/.test(v) && !(v.length >= 16 && randomLetters(v))) return 0; // letters only: words, not keys
  if (/^[0-9]+$/.test(v)) return v.length >= 16 && h0(v) >= 2.8 && /token|secret|key/i.test(key) ? 0.6 : 0; // long numeric tokens only
  if (h < 3.3 && !randomHex(v)) return 0;
  // long hex / base64 / mixed tokens
  return h >= 3.8 ? 0.85 : 0.7;
}

function scanGeneric(text: string, out: Finding[], taken: (s: number, e: number) => boolean, hits: Anchors['generic']): void {
  let lastValueEnd = -1;
  for (const hit of hits) {
    if (hit.i < lastValueEnd) continue;
    const a = parseAssignment(text, hit.i, hit.i + hit.len);
    if (!a) continue;
    // key words inside a long parsed value are part of the value, not new keys (keeps dense input linear)
    if (a.value.length > 40) lastValueEnd = Math.max(lastValueEnd, a.valueStart + a.value.length);
    const keyLower = a.key.toLowerCase();
    if (keyLower.length > 80) continue;
    if (KEY_NAME_ALLOW_RE.test(keyLower)) {
      // the allowlisted part must be what the key word belongs to: re-check on the key only
      continue;
    }
    // a key that is clearly a word in prose ("the key: ...") is fine; sentences are not keys
    const score = genericValueScore(a.key, a.value);
    if (score <= 0) continue;
    const s = a.valueStart;
    const e = a.valueStart + a.value.length;
    lastValueEnd = e;
    if (taken(s, e)) continue;
    const isPw = PASSWORD_KEY_RE.test(a.key);
    out.push(mk(isPw ? 'password-assignment' : 'generic-api-key', s, e, score, score >= 0.7 ? 'high' : 'medium',
      isPw ? 'password assigned to a credential field' : 'high-entropy value assigned to a credential field'));
  }
}

/**
 * Settings given as a name and a value side by side: Kubernetes / Compose / CI env lists
 * (`- name: DB_PASSWORD` / `value: "…"`), JSON `{"name": "API_KEY", "value": "…"}`, Hadoop-style XML
 * (`<name>db.password</name><value>…</value>`). The name is judged like a key, the value like its value.
 */
const NAME_VALUE_RE = /\bname["']?[ \t]*[:=][ \t]*["']?([A-Za-z_][\w.-]{1,80})["']?[ \t]*(?:,[ \t]*|\r?\n[ \t]*(?:-[ \t]+)?)["']?value["']?[ \t]*[:=][ \t]*(?:"([^"\n]{1,300})"|'([^'\n]{1,300})'|([^\s,}'"]{1,300}))/g;
const XML_NAME_VALUE_RE = /<name>[ \t]*([A-Za-z_][\w.-]{1,80})[ \t]*<\/name>\s{0,40}<value>([^<\n]{1,300})<\/value>/g;
function scanNameValue(text: string, out: Finding[]): void {
  for (const re of [NAME_VALUE_RE, XML_NAME_VALUE_RE]) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      const key = m[1]!;
      const value = m[2] ?? m[3] ?? m[4] ?? '';
      if (!(STRONG_KEY_RE.test(key) || /(?:^|[_.-])key$/i.test(key)) || KEY_NAME_ALLOW_RE.test(key.toLowerCase())) continue;
      const score = genericValueScore(key, value);
      if (score <= 0) continue;
      const s = m.index + m[0].lastIndexOf(value);
      const isPw = PASSWORD_KEY_RE.test(key);
      out.push(mk(isPw ? 'password-assignment' : 'generic-api-key', s, s + value.length, score, score >= 0.7 ? 'high' : 'medium',
        isPw ? 'password given as the value of a credential setting' : 'high-entropy value of a credential setting'));
    }
  }
}

/** `net use <drive> \\host\share /user:<name> <password>`: the password is the positional argument after /user. */
const NET_USE_RE = /\bnet[ \t]+use\b[^\n]{0,200}?[ \t]\/user:[^\s]{1,100}[ \t]+("[^"\n]{4,200}"|[^\s"/*][^\s]{3,200})/gi;
function scanNetUse(text: string, out: Finding[]): void {
  NET_USE_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = NET_USE_RE.exec(text)) !== null) {
    const raw = m[1]!;
    const v = raw.replace(/^"|"$/g, '');
    if (PASSWORD_PLACEHOLDER_RE.test(v) || looksLikePlaceholder(v) || /^\/(?:persistent|savecred|delete|y|n)/i.test(v)) continue;
    const s = m.index + m[0].length - raw.length + (raw.startsWith('"') ? 1 : 0);
    out.push(mk('password-assignment', s, s + v.length, 0.8, 'high', 'password on a `net use` command line'));
  }
}

/** Mailchimp keys carry a datacenter suffix: 32 hex + `-usNN` (found from the suffix, checked backwards). */
function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
}
function scanMailchimp(text: string, out: Finding[]): void {
  let i = text.indexOf('-us');
  while (i >= 0) {
    const s = i - 32;
    const d1 = text.charCodeAt(i + 3);
    if (s >= 0 && d1 >= 48 && d1 <= 57) {
      let ok = true;
      for (let k = s; k < i && ok; k++) ok = isHexCode(text.charCodeAt(k));
      const before = s > 0 ? text.charCodeAt(s - 1) : 32;
      let e = i + 4;
      if (e < text.length && text.charCodeAt(e) >= 48 && text.charCodeAt(e) <= 57) e++;
      const after = e < text.length ? text[e]! : ' ';
      if (ok && !isHexCode(before) && !/[\w-]/.test(after)) {
        const ctx = text.slice(Math.max(0, s - 60), s).toLowerCase();
        if (/mailchimp|mc_|api_?key|apikey|key|token/.test(ctx) && !/\(\s*token\s*:\s*$/.test(ctx)) out.push(mk('mailchimp-api-key', s, e, 0.85));
      }
    }
    i = text.indexOf('-us', i + 3);
  }
}

/** Vendor-keyword rules for bare formats that are only meaningful next to the vendor's name. */
const VENDOR_RULES: { id: string; kw: string; re: RegExp; minEntropy: number }[] = [
  { id: 'sumologic-access-id', kw: 'sumo', re: /(?:^|[^A-Za-z0-9])(su[a-zA-Z0-9]{12})(?![A-Za-z0-9])/g, minEntropy: 3 },
  { id: 'twilio-auth-token', kw: 'twilio', re: /(?:^|[^A-Za-z0-9])([a-f0-9]{32})(?![A-Za-z0-9])/g, minEntropy: 3 },
  { id: 'azure-devops-pat', kw: 'azure', re: /(?:^|[^A-Za-z0-9])([a-z2-7]{52})(?![A-Za-z0-9])/g, minEntropy: 3.8 },
  { id: 'sonar-token', kw: 'sonar', re: /(?:^|[^A-Za-z0-9])([a-zA-Z0-9=_-]{40})(?![A-Za-z0-9])/g, minEntropy: 3 },
  { id: 'okta-token', kw: 'okta', re: /(?:^|[^A-Za-z0-9])(00[A-Za-z0-9_=-]{40})(?![A-Za-z0-9])/g, minEntropy: 4 },
  { id: 'heroku-api-key', kw: 'heroku', re: /(?:^|[^A-Za-z0-9])([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![A-Za-z0-9])/g, minEntropy: 3 },
];
function scanVendors(text: string, out: Finding[], hits: Anchors['vendor']): void {
  let skipUntil = -1;
  for (const w of hits) {
    if (w.i < skipUntil) continue;
    const r = VENDOR_RULES.find((x) => x.kw === w.kw)!;
    const i = w.i;
    {
      // the vendor name must start an identifier segment: `oktaToken`, `MY_OKTA`, `myOkta`, not `rookTable`
      const prev = text.charCodeAt(i - 1);
      const segStart = i === 0 || !((prev >= 97 && prev <= 122) || (prev >= 65 && prev <= 90)) || (text.charCodeAt(i) >= 65 && text.charCodeAt(i) <= 90 && prev >= 97 && prev <= 122);
      if (!segStart) continue;
      const windowEnd = Math.min(text.length, i + 120);
      const seg = text.slice(i, windowEnd);
      r.re.lastIndex = 0;
      const m = r.re.exec(seg);
      if (m && m[1] && shannonEntropy(m[1]) >= r.minEntropy && !looksLikePlaceholder(m[1])) {
        const s = i + m.index + m[0].length - m[1].length;
        // must be an assignment-ish context between keyword and value
        const between = text.slice(i, s);
        if (/[:=]|,\s*["']/.test(between) && !/\n/.test(between.trim())) out.push(mk(r.id, s, s + m[1].length, 0.85));
      }
      skipUntil = windowEnd - 60;
    }
  }
}

// ---------------------------------------------------------------------------------------------


/** Drop findings fully inside a higher-or-equal scored finding found earlier; keep order by start. */
function dedupe(findings: Finding[]): Finding[] {
  findings.sort((a, b) => (a.start ?? 0) - (b.start ?? 0) || (b.end ?? 0) - (a.end ?? 0));
  const out: Finding[] = [];
  for (const f of findings) {
    const prev = out[out.length - 1];
    if (prev && (f.start ?? 0) >= (prev.start ?? 0) && (f.end ?? 0) <= (prev.end ?? 0)) continue;
    out.push(f);
  }
  return out;
}

export function detectSecrets(text: string): Finding[] {
  if (text.length < 6) return [];
  const out: Finding[] = [];
  const hits = findAnchors(text);
  if (nRuns > 0) scanPrefixRules(text, out, RUNS, nRuns);
  if (hits.glued.length) scanGlued(text, out, hits.glued);
  const flags = hits.flags;
  if (flags !== 0) {
    if (flags & F_PEM) scanPem(text, out);
    if (flags & F_JWK) scanJwk(text, out);
    if (flags & F_URL) scanConnectionStrings(text, out);
    if (flags & F_AZURE) scanAzure(text, out);
    if (flags & F_ANCHOR) scanAnchors(text, out);
    if (flags & F_MAILCHIMP) scanMailchimp(text, out);
    if (flags & F_CLI) scanCliFlags(text, out);
    if (flags & F_NETRC) scanNetrc(text, out);
    if (flags & F_MNEMONIC) scanMnemonic(text, out);
  }
  if (hits.vendor.length) scanVendors(text, out, hits.vendor);
  if (hits.curl) scanCurl(text, out);
  if (text.includes('value') && (text.includes('name') || text.includes('<name>'))) scanNameValue(text, out);
  if (text.includes('/user:')) scanNetUse(text, out);
  if (hits.authorization.length || hits.bearer.length) scanHeaders(text, out, hits);
  if (hits.generic.length === 0) return out.length < 2 ? out : dedupe(out);
  const strong = out.slice().sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
  // generic values are visited left to right (increasing start): a sweep keeps the overlap check linear
  let ptr = 0;
  let active: Finding[] = [];
  scanGeneric(text, out, (s, e) => {
    while (ptr < strong.length && (strong[ptr]!.start ?? 0) < e) active.push(strong[ptr++]!);
    active = active.filter((f) => (f.end ?? 0) > s);
    return active.some((f) => (f.start ?? 0) < e);
  }, hits.generic);
  return dedupe(out);
}

export const secretsDetector: TextDetector = {
  id: 'secrets',
  detect: detectSecrets,
};
