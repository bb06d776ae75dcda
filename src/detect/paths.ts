/**
 * Sensitive-path detector: references to credential stores and system secrets (`~/.ssh/id_rsa`,
 * `.env`, `/etc/shadow`, `.aws/credentials`, kube / docker / npm configs, browser profiles, the
 * Kubernetes service-account token...) and path traversal (`../../`, `..\`, `%2e%2e%2f`).
 *
 * One literal-anchored regex finds candidate hits; each hit is widened to the surrounding path
 * token and classified. Linear in the input.
 */
import type { Finding, Severity, TextDetector } from './types.js';

interface PathRule {
  id: string;
  severity: Severity;
  score: number;
  /** Tested against the whole path token (lower-cased, `\` normalised to `/`). */
  re: RegExp;
  message: string;
}

const RULES: PathRule[] = [
  { id: 'ssh-private-key', severity: 'high', score: 0.95, re: /(?:^|\/)(?:id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?|identity)(?!\.pub)(?:$|[^a-z0-9_.])/, message: 'SSH private key file' },
  { id: 'ssh-dir', severity: 'high', score: 0.85, re: /(?:^|\/|~)\.ssh(?:\/|$)(?!.*\.pub$)(?!(?:config|known_hosts)$)/, message: 'SSH directory' },
  { id: 'ssh-authorized-keys', severity: 'medium', score: 0.8, re: /\.ssh\/authorized_keys/, message: 'SSH authorized_keys' },
  { id: 'shadow-file', severity: 'critical', score: 0.95, re: /^\/etc\/(?:g?shadow|master\.passwd|sudoers|security\/opasswd)(?:$|[-/])/, message: 'system password database' },
  { id: 'passwd-file', severity: 'medium', score: 0.7, re: /^\/etc\/passwd$/, message: 'system account list' },
  { id: 'dotenv', severity: 'high', score: 0.85, re: /(?:^|\/)\.env(?:\.(?:local|dev|development|prod|production|staging|test|secret|secrets))?(?:$|\.local$)/, message: 'environment file with secrets' },
  { id: 'aws-credentials', severity: 'high', score: 0.95, re: /\.aws\/(?:credentials|config|sso\/cache)/, message: 'AWS credentials file' },
  { id: 'cloud-credentials', severity: 'high', score: 0.9, re: /\.config\/gcloud\/|application_default_credentials\.json|\.azure\/(?:accesstokens|msal_token_cache|azureprofile)|\.oci\/config|\.config\/doctl\/|\.terraform\.d\/credentials|\.vault-token|\.config\/gh\/hosts\.yml/, message: 'cloud CLI credentials' },
  { id: 'kube-config', severity: 'high', score: 0.9, re: /\.kube\/config|\/var\/run\/secrets\/kubernetes\.io\/|\/run\/secrets\//, message: 'Kubernetes credentials' },
  { id: 'package-registry-credentials', severity: 'high', score: 0.85, re: /(?:^|\/)(?:\.npmrc|\.pypirc|\.netrc|_netrc|\.git-credentials|\.docker\/config\.json|\.gem\/credentials|\.cargo\/credentials(?:\.toml)?|\.m2\/settings(?:-security)?\.xml|\.gradle\/gradle\.properties|\.composer\/auth\.json)$/, message: 'package registry credentials' },
  { id: 'keyring', severity: 'high', score: 0.85, re: /\.gnupg\/|\.password-store\/|(?:^|\/)[^/]+\.(?:kdbx|keychain(?:-db)?|pfx|p12|jks|keystore)$|library\/keychains\/|\.local\/share\/keyrings\//, message: 'key store or password manager' },
  { id: 'private-key-file', severity: 'high', score: 0.75, re: /(?:^|\/)[^/]*(?:private|priv|secret|server|client|tls|ssl)[^/]*\.(?:pem|key)$|(?:^|\/)[^/]+\.key$/, message: 'private key file' },
  { id: 'shell-history', severity: 'medium', score: 0.8, re: /(?:^|\/)\.(?:bash|zsh|sh|python|mysql|psql|node_repl|rediscli)_history$|(?:^|\/)\.lesshst$/, message: 'shell history' },
  { id: 'proc-secrets', severity: 'high', score: 0.9, re: /^\/proc\/(?:self|\d+|thread-self)\/(?:environ|mem|maps|cmdline|fd\/)/, message: 'process memory or environment' },
  { id: 'browser-profile', severity: 'high', score: 0.85, re: /(?:login data|cookies(?:\.sqlite)?|key[34]\.db|logins\.json|local state)$|\/(?:google\/chrome|chromium|bravesoftware|mozilla\/firefox)\//, message: 'browser credential store' },
  { id: 'wallet', severity: 'high', score: 0.85, re: /(?:^|\/)wallet\.dat$|\/(?:\.bitcoin|\.ethereum\/keystore|electrum\/wallets)\//, message: 'cryptocurrency wallet' },
  { id: 'windows-secrets', severity: 'critical', score: 0.9, re: /windows\/system32\/config\/(?:sam|system|security)|ntuser\.dat|\/microsoft\/credentials\/|\/microsoft\/protect\//, message: 'Windows credential store' },
  { id: 'app-secrets', severity: 'medium', score: 0.7, re: /(?:^|\/)(?:credentials|secrets?|service[-_]?account|client_secrets?)\.(?:json|ya?ml|toml|ini|xml)$|(?:^|\/)\.htpasswd$|(?:^|\/)terraform\.tfstate(?:\.backup)?$|(?:^|\/)(?:master\.key|credentials\.yml\.enc)$/, message: 'application secrets file' },
  { id: 'root-home', severity: 'medium', score: 0.6, re: /^\/root(?:\/|$)/, message: "root's home directory" },
];

/** Literal anchors (regex sources, matched case-insensitively): a path token is only examined when it contains one of these. */
const ANCHORS = [
  '\\.ssh', 'id_(?:rsa|dsa|ecdsa|ed25519)', 'identity', '\\/etc\\/', '\\.env', '\\.aws', 'gcloud', 'application_default', '\\.azure', '\\.oci',
  'doctl', '\\.terraform', '\\.vault-token', '\\.config\\/gh', '\\.kube', '\\/secrets\\/', '\\.npmrc', '\\.pypirc', 'netrc', '\\.git-credentials',
  '\\.docker', '\\.gem\\/', '\\.cargo\\/', '\\.m2\\/', '\\.gradle\\/', '\\.composer\\/', '\\.gnupg', 'password-store', '\\.kdbx', 'keychain',
  '\\.pfx', '\\.p12', '\\.jks', 'keystore', 'keyrings', '\\.pem', '\\.key\\b', '_history', '\\.lesshst', '\\/proc\\/', 'login data', 'cookies',
  'key[34]\\.db', 'logins\\.json', 'local state', 'chrome', 'chromium', 'firefox', 'wallet', '\\.bitcoin', '\\.ethereum', 'electrum', 'system32',
  'ntuser', '\\\\microsoft', '\\/microsoft\\/', 'credentials', 'secret', 'service.?account', '\\.htpasswd', 'tfstate', 'master\\.key', '\\/root\\b',
  '\\.\\.[/\\\\]', '%2e%2e', '\\.\\.%2f', '\\.\\.%5c', '%252e',
];

/**
 * `a|b|c...` with the alternatives grouped by their first atom (a character or an escape), keeping their
 * order within a group: the same leftmost match at every position, since alternatives with different
 * first atoms cannot both match there. The engine then dispatches on one character per position instead
 * of trying seventy alternatives.
 */
export function factorAlternation(alternatives: readonly string[]): string {
  const groups = new Map<string, string[]>();
  for (const a of alternatives) {
    const esc = a[0] === '\\';
    const raw = esc ? a.slice(0, 2) : a[0]!;
    if (esc ? /[A-Za-z0-9]/.test(a[1] ?? '') : /[()[\]{}.*+?^$|]/.test(raw)) throw new Error(`factorAlternation: alternative must start with a literal: ${a}`);
    const head = esc ? raw : raw.toLowerCase(); // the regex is case-insensitive: K and k share a group
    const g = groups.get(head) ?? [];
    g.push(a.slice(raw.length));
    groups.set(head, g);
  }
  return [...groups].map(([head, rest]) => (rest.length === 1 ? head + rest[0] : `${head}(?:${rest.join('|')})`)).join('|');
}

const ANCHOR_RE = new RegExp(factorAlternation(ANCHORS), 'gi');

const PATH_CHAR = /[A-Za-z0-9_.~\-/\\%$:@+]/;
/** Characters that may appear inside a quoted path with spaces ("Login Data", "Local State"). */
const SPACE_OK_RE = /(?:login|local|application) (?:data|state|support)$/i;

function pathToken(text: string, hit: number, hitEnd: number): [number, number] {
  let s = hit;
  while (s > 0 && hit - s < 400 && (PATH_CHAR.test(text[s - 1]!) || (text[s - 1] === ' ' && SPACE_OK_RE.test(text.slice(Math.max(0, s - 30), hitEnd))))) s--;
  let e = hitEnd;
  while (e < text.length && e - hitEnd < 400 && PATH_CHAR.test(text[e]!)) e++;
  // trailing punctuation of prose
  while (e > hitEnd && /[.:,;]/.test(text[e - 1]!)) e--;
  while (s < hit && /[:]/.test(text[s]!)) s++;
  return [s, e];
}

function normalise(token: string): string {
  let t = token.toLowerCase().replace(/\\/g, '/');
  try {
    if (/%[0-9a-f]{2}/.test(t)) t = decodeURIComponent(decodeURIComponent(t));
  } catch {
    /* keep the raw form */
  }
  t = t.replace(/^(?:file:\/\/|[a-z]:(?=\/))/, '');
  t = t.replace(/^(?:~|\$home|%userprofile%|\$\{home\}|%appdata%)(?=\/|$)/, '~');
  t = t.replace(/^\/(?:home|users)\/[^/]+(?=\/|$)/, '~');
  return t;
}

/** Count `..` path segments, including encoded and doubled (`....//`) forms. */
function traversalDepth(norm: string): number {
  const m = norm.match(/(?:^|\/)\.\.\.?\.?(?=\/|$)/g);
  return m ? m.length : 0;
}

export function detectSensitivePaths(text: string): Finding[] {
  const out: Finding[] = [];
  ANCHOR_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  let lastEnd = -1;
  while ((m = ANCHOR_RE.exec(text)) !== null) {
    if (m.index < lastEnd) continue;
    const [s, e] = pathToken(text, m.index, m.index + m[0].length);
    lastEnd = e;
    ANCHOR_RE.lastIndex = Math.max(ANCHOR_RE.lastIndex, e);
    const raw = text.slice(s, e);
    if (raw.length < 3) continue;
    const norm = normalise(raw);
    // skip URLs to web pages (https://example.com/.env is still flagged: the path part is examined)
    const pathPart = norm.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/, '');
    let best: PathRule | undefined;
    for (const r of RULES) {
      if (r.re.test(pathPart) && (!best || r.score > best.score)) best = r;
    }
    const depth = traversalDepth(pathPart);
    if (depth > 0) {
      const encoded = /%2e|%2f|%5c|%25/i.test(raw);
      const sev: Severity = best ? 'critical' : encoded || depth >= 3 ? 'high' : depth >= 2 ? 'medium' : 'low';
      out.push({
        category: 'sensitive_path', detector: 'paths.traversal', severity: sev, score: Math.min(0.95, 0.5 + depth * 0.15 + (encoded ? 0.2 : 0)),
        start: s, end: e, label: 'path-traversal', message: `path traversal (${depth} level${depth > 1 ? 's' : ''}${encoded ? ', encoded' : ''})`,
      });
      if (!best) continue;
    }
    if (best) {
      out.push({ category: 'sensitive_path', detector: `paths.${best.id}`, severity: best.severity, score: best.score, start: s, end: e, label: best.id, message: best.message });
    }
  }
  return out;
}

export const pathsDetector: TextDetector = {
  id: 'paths',
  detect: detectSensitivePaths,
};
