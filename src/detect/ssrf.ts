/**
 * URL / SSRF guard.
 *
 * - `findUrls(text)`: URLs in free text (http(s), ftp, file, gopher, ws(s) and a few others).
 * - `classifyAddress(ip)`: what kind of address an IP literal is, accepting every form a URL
 *   parser or `inet_aton` accepts: dotted quads, decimal (`2130706433`), octal (`0177.0.0.1`),
 *   hex (`0x7f.1`), short forms (`127.1`), IPv6 (with zone ids), IPv4-mapped / -compatible /
 *   NAT64 / 6to4 IPv6.
 * - `checkUrl(url, opts)`: resolves the host (all addresses, `node:dns/promises` lookup unless a
 *   resolver is given) and reports loopback, private, link-local, unique-local, cloud metadata and
 *   other non-public targets as `ssrf` findings.
 * - `guardedFetchPolicy(opts)`: what a fetcher needs to stay safe across redirects and DNS
 *   rebinding (see its doc comment).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Finding, Severity, TextDetector } from './types.js';

export type AddressClass =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'unique-local'
  | 'cgnat'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'public'
  | 'invalid';

// ---------------------------------------------------------------------------------------------
// URL extraction
//
// Candidates are found the way a WHATWG URL parser (and so `fetch`) reads a string: ASCII tab and
// newline are removed anywhere (so `ht\ttp://` is `http://`), the scheme is case-insensitive, and
// for the special network schemes (http, https, ws, wss, ftp) the slashes after `scheme:` are
// optional and may be backslashes (`http:127.0.0.1`, `http:/x`, `http:\\x`). For each candidate
// only the authority decides where a request goes, so the candidate is `scheme://authority` with
// the authority read exactly as the parser does (up to `/`, `\`, `?`, `#`), then parsed by Node's
// own `new URL()`. Every occurrence is reported: there is no count limit. An authority longer than
// MAX_AUTHORITY is reported as `tooLong` (the caller denies it) rather than examined.

/** Schemes whose slashes are optional (WHATWG "special" schemes that reach a network host). */
const SPECIAL = new Set(['http', 'https', 'ws', 'wss', 'ftp']);
const OTHER_SCHEMES = 'ftps|file|gopher|dict|ldaps?|sftp|tftp|smb|jar|netdoc|telnet|rtsp|redis|mongodb|mysql|postgres(?:ql)?';
const SCHEME_RE = new RegExp(`(?:https?|wss?|ftp|${OTHER_SCHEMES}):`, 'gi');
/** Ends the authority (WHATWG), plus what ends a URL in prose or JSON-ish text. */
const AUTH_END = /[/\\?#\s<>"'`{}|^]/;
export const MAX_AUTHORITY = 2048;
/**
 * Could removing tab / newline (as the URL parser does) make a URL appear or change? Yes when one
 * sits inside a letter run that then ends in `:` (`ht\ttp:`), or inside / right after a run of
 * non-space characters that contains a `:` (`http://127.0.\n0.1`, `http:\t//x`). Linear, no limits.
 */
const SCHEME_NAMES = ['http', 'https', 'ws', 'wss', 'ftp', 'ftps', 'file', 'gopher', 'dict', 'ldap', 'ldaps', 'sftp', 'tftp', 'smb', 'jar', 'netdoc', 'telnet', 'rtsp', 'redis', 'mongodb', 'mysql', 'postgres', 'postgresql'];

/** Cheap gate: is some `:` preceded by a scheme name (tab / newline allowed inside it)? */
function hasSchemeColon(t: string): boolean {
  for (let c = t.indexOf(':'); c >= 0; c = t.indexOf(':', c + 1)) {
    let word = '';
    for (let i = c - 1; i >= 0 && word.length < 12; i--) {
      const ch = t.charCodeAt(i);
      if (ch === 9 || ch === 10 || ch === 13) continue;
      if ((ch | 32) < 97 || (ch | 32) > 122) break;
      word = String.fromCharCode(ch | 32) + word;
    }
    if (word.length >= 2) for (const n of SCHEME_NAMES) if (word.endsWith(n)) return true;
  }
  return false;
}

function needsStripPass(t: string): boolean {
  let runHasColon = false;
  let letters = 0;
  let tabInLetters = false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 9 || c === 10 || c === 13) {
      if (runHasColon) return true;
      if (letters > 0) tabInLetters = true;
      continue;
    }
    if (c === 32) {
      runHasColon = false;
      letters = 0;
      tabInLetters = false;
    } else if (c === 58) {
      if (tabInLetters) return true;
      runHasColon = true;
      letters = 0;
    } else if ((c | 32) >= 97 && (c | 32) <= 122) letters++;
    else {
      letters = 0;
      tabInLetters = false;
    }
  }
  return false;
}

export interface FoundUrl {
  url: string;
  start: number;
  end: number;
  /** The authority exceeded MAX_AUTHORITY: not parsed, must be treated as unsafe. */
  tooLong?: boolean;
}

function extract(text: string, out: FoundUrl[], seen: Set<string>, mapBack?: (i: number) => number): void {
  SCHEME_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  let authEndCache = -1;
  let lastTooLong = -1;
  while ((m = SCHEME_RE.exec(text)) !== null) {
    const scheme = m[0].slice(0, -1).toLowerCase();
    let i = m.index + m[0].length;
    const slashStart = i;
    while (i < text.length && (text[i] === '/' || text[i] === '\\')) i++;
    const slashes = i - slashStart;
    if (!SPECIAL.has(scheme) && slashes < 2) continue; // non-special schemes need `//` for a host
    // authority end: the first terminator at or after i (monotone in i: cached, so linear overall)
    if (authEndCache < i) {
      authEndCache = i;
      while (authEndCache < text.length && !AUTH_END.test(text[authEndCache]!)) authEndCache++;
    }
    const authEnd = authEndCache;
    const start = mapBack ? mapBack(m.index) : m.index;
    const end = mapBack ? mapBack(Math.max(m.index, authEnd - 1)) + 1 : authEnd;
    if (authEnd - i > MAX_AUTHORITY) {
      // one report per over-long run (the candidates inside it share its end)
      if (lastTooLong !== authEnd) out.push({ url: `${scheme}://`, start, end, tooLong: true });
      lastTooLong = authEnd;
      continue;
    }
    let authority = text.slice(i, authEnd);
    if (authority === '' && !SPECIAL.has(scheme)) authority = '';
    // prose punctuation after a URL: try the authority with and without it
    const trimmed = authority.replace(/[.,;:!?)\]]+$/, '');
    for (const a of trimmed !== authority ? [authority, trimmed] : [authority]) {
      const url = `${scheme}://${a}${text[authEnd] === '/' || text[authEnd] === '\\' ? '/' : ''}`;
      if (seen.has(url)) continue;
      seen.add(url);
      out.push({ url, start, end });
    }
  }
}

/**
 * URL candidates in a string, as a fetch would read them (see above). `url` is the normalised
 * `scheme://authority[/]` of each candidate; start/end are its span in `text`.
 */
export function findUrls(text: string): FoundUrl[] {
  const out: FoundUrl[] = [];
  const seen = new Set<string>();
  const schemes = hasSchemeColon(text);
  if (schemes) extract(text, out, seen);
  // The same text with ASCII tab / LF / CR removed, as the URL parser removes them.
  if (schemes && needsStripPass(text)) {
    const keep: number[] = [];
    let stripped = '';
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 9 || c === 10 || c === 13) continue;
      keep.push(i);
      stripped += text[i];
    }
    extract(stripped, out, seen, (i) => keep[Math.min(i, keep.length - 1)] ?? 0);
  }
  // A whole string that is a scheme-relative reference (`//127.0.0.1/x`, `\\127.0.0.1`) is fetched as http(s).
  let lead = 0;
  while (lead < text.length && text.charCodeAt(lead) <= 0x20) lead++;
  const c0 = text[lead];
  const whole = c0 === '/' || c0 === '\\' ? text.slice(lead).replace(/[\t\n\r]/g, '') : '';
  if (whole && /^[/\\]{2}[^/\\]/.test(whole)) {
    const i = whole.search(/[^/\\]/);
    let e = i;
    while (e < whole.length && !AUTH_END.test(whole[e]!)) e++;
    if (e - i > MAX_AUTHORITY) out.push({ url: 'http://', start: 0, end: text.length, tooLong: true });
    else {
      const url = `http://${whole.slice(i, e)}/`;
      if (!seen.has(url)) out.push({ url, start: 0, end: text.length });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Address parsing

/** Parse an IPv4 address the way `inet_aton` / the WHATWG URL parser do. Returns the 32-bit value. */
export function parseIPv4Loose(s: string): number | undefined {
  if (!/^[0-9a-fA-Fx.]+$/.test(s) || s.length > 64) return undefined;
  const parts = s.split('.');
  if (parts[parts.length - 1] === '') parts.pop(); // trailing dot
  if (parts.length === 0 || parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(p)) n = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]+$/.test(p)) n = parseInt(p, 8);
    else if (/^(?:0|[1-9][0-9]*)$/.test(p)) n = parseInt(p, 10);
    else return undefined;
    if (!Number.isFinite(n)) return undefined;
    nums.push(n);
  }
  const last = nums.pop()!;
  for (const n of nums) if (n > 255) return undefined;
  if (last >= 2 ** (8 * (4 - nums.length))) return undefined;
  let v = 0;
  for (let i = 0; i < nums.length; i++) v += nums[i]! * 2 ** (8 * (3 - i));
  return v + last;
}

function v4str(v: number): string {
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

/** Parse IPv6 (optionally bracketed, with a zone id and an embedded IPv4 tail) to 8 16-bit groups. */
export function parseIPv6(s: string): number[] | undefined {
  let t = s.replace(/^\[|\]$/g, '');
  const pct = t.indexOf('%');
  if (pct >= 0) t = t.slice(0, pct);
  if (isIP(t) !== 6) return undefined;
  // embedded IPv4 tail (::ffff:127.0.0.1) becomes two hex groups
  const lastColon = t.lastIndexOf(':');
  const maybeV4 = t.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    const v = parseIPv4Loose(maybeV4);
    if (v === undefined) return undefined;
    t = `${t.slice(0, lastColon + 1)}${(v >>> 16).toString(16)}:${(v & 0xffff).toString(16)}`;
  }
  const [head, rest] = t.includes('::') ? t.split('::') as [string, string] : [t, undefined];
  const h = head ? head.split(':').filter((x) => x !== '').map((x) => parseInt(x, 16)) : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':').filter((x) => x !== '').map((x) => parseInt(x, 16)) : [];
  let groups: number[];
  if (rest === undefined) groups = h;
  else groups = [...h, ...new Array(Math.max(0, 8 - h.length - r.length)).fill(0), ...r];
  if (groups.length !== 8 || groups.some((g) => !Number.isFinite(g) || g < 0 || g > 0xffff)) return undefined;
  return groups;
}

function classifyV4(v: number): AddressClass {
  const a = v >>> 24;
  const b = (v >>> 16) & 255;
  const c = (v >>> 8) & 255;
  if (v === 0xa9fea9fe) return 'metadata'; // 169.254.169.254 (AWS, GCP, Azure, OpenStack, DigitalOcean...)
  if (v === 0xa9feaa02 || v === 0xa9feaa17) return 'metadata'; // 169.254.170.2 / .23 (ECS task metadata, EKS pod identity)
  if (a === 100 && b === 100 && c === 100 && (v & 255) === 200) return 'metadata'; // Alibaba Cloud
  if (a === 127) return 'loopback';
  if (a === 0) return 'unspecified';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 100 && b >= 64 && b <= 127) return 'cgnat';
  if (v === 0xffffffff) return 'broadcast';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240) return 'reserved';
  if ((a === 192 && b === 0 && c === 2) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return 'documentation';
  if ((a === 192 && b === 0 && c === 0) || (a === 198 && (b === 18 || b === 19)) || (a === 192 && b === 88 && c === 99)) return 'reserved';
  return 'public';
}

function classifyV6(g: number[]): AddressClass {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const v4 = (g6 << 16 >>> 0) + g7;
  if (g.every((x) => x === 0)) return 'unspecified';
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0 && g6 === 0 && g7 === 1) return 'loopback';
  // IPv4-mapped ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d, IPv4-compatible ::a.b.c.d
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && ((g4 === 0 && g5 === 0xffff) || (g4 === 0xffff && g5 === 0) || (g4 === 0 && g5 === 0))) return classifyV4(v4 >>> 0);
  // NAT64 64:ff9b::/96 and 64:ff9b:1::/48
  if (g0 === 0x64 && g1 === 0xff9b) return classifyV4(v4 >>> 0);
  // 6to4 2002:AABB:CCDD::/16 embeds an IPv4 address
  if (g0 === 0x2002) {
    const inner = classifyV4(((g1 << 16) >>> 0) + g2);
    if (inner !== 'public') return inner;
  }
  if (g0 === 0xfd00 && g1 === 0x0ec2 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0 && g6 === 0 && g7 === 0x254) return 'metadata'; // AWS IMDS over IPv6
  if ((g0 & 0xfe00) === 0xfc00) return 'unique-local';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if (g0 === 0x2001 && g1 === 0x0db8) return 'documentation';
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return 'reserved'; // discard-only
  return 'public';
}

/** Classify an IP literal in any accepted notation. Hostnames are `invalid` (resolve them first). */
export function classifyAddress(ip: string): AddressClass {
  const t = ip.trim();
  if (t.includes(':')) {
    const g = parseIPv6(t);
    return g ? classifyV6(g) : 'invalid';
  }
  const v = parseIPv4Loose(t);
  return v === undefined ? 'invalid' : classifyV4(v);
}

/** Normalise any IPv4 notation to a dotted quad (undefined when it is not one). */
export function canonicalIPv4(s: string): string | undefined {
  const v = parseIPv4Loose(s);
  return v === undefined ? undefined : v4str(v);
}

// ---------------------------------------------------------------------------------------------
// URL checks

const METADATA_HOSTS = new Set([
  'metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.com',
  'metadata.packet.net', 'metadata.platformequinix.com', 'metadata.tencentyun.com', 'metadata.oraclecloud.com',
]);

const SEVERITY: Record<AddressClass, Severity> = {
  metadata: 'critical', loopback: 'high', private: 'high', 'link-local': 'high', 'unique-local': 'high', cgnat: 'medium',
  unspecified: 'high', multicast: 'medium', broadcast: 'medium', reserved: 'medium', documentation: 'low', public: 'info', invalid: 'medium',
};

export interface CheckUrlOptions {
  /** Resolve a hostname to its addresses. Default: `dns.promises.lookup(host, { all: true, verbatim: true })`. */
  resolve?: (host: string) => Promise<string[]>;
  /** Allow private / loopback / link-local targets (metadata endpoints stay blocked). */
  allowPrivate?: boolean;
  /** Allowed URL schemes (default http, https). */
  schemes?: readonly string[];
  /** Hostnames that are always allowed (exact, or `.suffix`). */
  allowHosts?: readonly string[];
}

let ownAddrs: { at: number; set: Set<string> } | undefined;

/** Is this one of the gateway host's own interface addresses (refreshed every 30 s)? */
export function isOwnAddress(addr: string): boolean {
  const now = Date.now();
  if (!ownAddrs || now - ownAddrs.at > 30_000) {
    const set = new Set<string>();
    try {
      for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) set.add(canonicalAddress(a.address) ?? a.address);
    } catch {
      /* no interface list: loopback / private classes still apply */
    }
    ownAddrs = { at: now, set };
  }
  return ownAddrs.set.has(canonicalAddress(addr) ?? addr);
}

/** A canonical spelling of an IP literal (dotted quad, or 8 hex groups), undefined for non-IPs. */
export function canonicalAddress(addr: string): string | undefined {
  const t = addr.replace(/^\[|\]$/g, '');
  if (t.includes(':')) {
    const g = parseIPv6(t);
    if (!g) return undefined;
    if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return v4str(((g[6]! << 16) >>> 0) + g[7]!);
    return g.map((x) => x.toString(16)).join(':');
  }
  const v = parseIPv4Loose(t);
  return v === undefined ? undefined : v4str(v);
}

export async function defaultResolve(host: string): Promise<string[]> {
  const r = await dnsLookup(host, { all: true, verbatim: true });
  return r.map((a) => a.address);
}

function ssrfFinding(cls: AddressClass | 'scheme' | 'unresolvable' | 'credentials', message: string, severity?: Severity): Finding {
  const sev = severity ?? (cls in SEVERITY ? SEVERITY[cls as AddressClass] : 'high');
  return { category: 'ssrf', detector: `ssrf.${cls}`, severity: sev, score: sev === 'critical' ? 0.99 : 0.9, label: cls, message };
}

function hostAllowed(host: string, allow: readonly string[] | undefined): boolean {
  if (!allow) return false;
  return allow.some((a) => (a.startsWith('.') ? host.endsWith(a) || host === a.slice(1) : host === a));
}

/**
 * Check one URL before fetching it. Returns findings (empty = OK to fetch). Findings for blocked
 * targets have severity ≥ high; metadata endpoints are `critical` and blocked even with `allowPrivate`.
 */
export async function checkUrl(url: string, opts: CheckUrlOptions = {}): Promise<Finding[]> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [ssrfFinding('invalid', 'URL does not parse')];
  }
  const schemes = opts.schemes ?? ['http', 'https'];
  const scheme = u.protocol.replace(/:$/, '').toLowerCase();
  if (!schemes.includes(scheme)) return [ssrfFinding('scheme', `scheme ${scheme}: is not allowed`, 'high')];
  // WHATWG URL already normalised decimal / octal / hex IPv4 forms to a dotted quad.
  const host = u.hostname.toLowerCase().replace(/\.+$/, '');
  if (hostAllowed(host, opts.allowHosts)) return [];
  const out: Finding[] = [];
  const judge = (addr: string, via: string) => {
    const cls = classifyAddress(addr);
    if ((cls === 'public' || cls === 'documentation') && isOwnAddress(addr)) {
      // A public address of this host reaches the gateway's own listeners (MCP and admin ports).
      if (!opts.allowPrivate) out.push(ssrfFinding('loopback', `${via} is an address of the gateway's own host (${addr})`));
      return;
    }
    if (cls === 'public' || cls === 'documentation') return;
    if (cls === 'metadata') {
      out.push(ssrfFinding('metadata', `${via} is a cloud metadata endpoint`));
      return;
    }
    if (opts.allowPrivate && (cls === 'private' || cls === 'loopback' || cls === 'link-local' || cls === 'unique-local' || cls === 'cgnat')) return;
    out.push(ssrfFinding(cls, `${via} resolves to a ${cls} address (${addr})`));
  };
  if (METADATA_HOSTS.has(host)) return [ssrfFinding('metadata', `${host} is a cloud metadata endpoint`)];
  if (host === 'localhost' || host.endsWith('.localhost') || host === 'localhost.localdomain' || host === 'ip6-localhost' || host === 'ip6-loopback') {
    if (!opts.allowPrivate) out.push(ssrfFinding('loopback', `${host} is the local machine`));
    return out;
  }
  const literal = host.startsWith('[') ? host.slice(1, -1) : host;
  if (isIP(literal) || parseIPv4Loose(literal) !== undefined) {
    judge(literal, host);
    return out;
  }
  // wildcard-DNS services that map a name to the IP inside it (127.0.0.1.nip.io, 10-0-0-1.sslip.io)
  const embedded = /(?:^|[.-])((?:\d{1,3}[.-]){3}\d{1,3})\.(?:nip\.io|sslip\.io|xip\.io|localtest\.me|lvh\.me)$/.exec(host);
  if (embedded) judge(embedded[1]!.replace(/-/g, '.'), host);
  let addrs: string[];
  try {
    addrs = await (opts.resolve ?? defaultResolve)(host);
  } catch {
    // Recorded, not blocked by default: the upstream's resolver may see names ours cannot (and the
    // host literal / nip.io checks above already ran). A deployment that wants it blocked sets
    // a lower minSeverity for ssrf in `inspect.overrides`.
    return [...out, ssrfFinding('unresolvable', `${host} does not resolve from the gateway`, 'low')];
  }
  for (const a of addrs) judge(a, host);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Scanning many strings (a call's arguments)

/** Past this many distinct host names to resolve in one call, the call is denied (DNS cost). */
export const MAX_RESOLVED_HOSTS = 32;

export interface UrlScanFinding extends Finding {
  /** Index of the string (in the input order) the URL was found in. */
  index: number;
}

/**
 * Check every URL candidate (see `findUrls`) in every string. No count limit on URLs or strings:
 * IP literals, `localhost` and metadata names are decided without I/O; distinct host names that
 * need DNS beyond MAX_RESOLVED_HOSTS, and authorities longer than MAX_AUTHORITY, are findings of
 * severity high (denied), never skipped.
 */
export async function scanUrls(strings: readonly string[], opts: CheckUrlOptions = {}): Promise<UrlScanFinding[]> {
  const out: UrlScanFinding[] = [];
  const checked = new Map<string, Finding[] | Promise<Finding[]>>();
  const named = new Set<string>();
  let overflow = false;
  const pending: Array<Promise<void>> = [];
  for (let idx = 0; idx < strings.length; idx++) {
    const text = strings[idx]!;
    for (const f of findUrls(text)) {
      if (f.tooLong) {
        out.push({ ...ssrfFinding('invalid', `a URL authority longer than ${MAX_AUTHORITY} characters is not examined`, 'high'), detector: 'ssrf.too-long', start: f.start, end: f.end, index: idx });
        continue;
      }
      let u: URL;
      try {
        u = new URL(f.url);
      } catch {
        continue; // a fetch would not parse it either
      }
      const key = u.protocol + '//' + u.host;
      let r = checked.get(key);
      if (r === undefined) {
        const host = u.hostname.replace(/^\[|\]$/g, '');
        const needsDns = (u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'ws:' || u.protocol === 'wss:' || u.protocol === 'ftp:') && !isIP(host) && parseIPv4Loose(host) === undefined;
        if (needsDns && !named.has(host)) {
          named.add(host);
          if (named.size > MAX_RESOLVED_HOSTS) {
            if (!overflow) out.push({ ...ssrfFinding('invalid', `more than ${MAX_RESOLVED_HOSTS} distinct host names in one call`, 'high'), detector: 'ssrf.too-many-hosts', index: idx });
            overflow = true;
            continue;
          }
        }
        r = checkUrl(u.href, opts);
        checked.set(key, r);
      }
      const at = { start: f.start, end: f.end, index: idx };
      pending.push(Promise.resolve(r).then((fs) => void out.push(...fs.map((x) => ({ ...x, ...at })))));
    }
  }
  await Promise.all(pending);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Fetcher policy

export interface GuardedFetchPolicy {
  /** Check a URL (the first request and every redirect `Location`, resolved against the previous URL). */
  checkHop(url: string, previous?: string): Promise<Finding[]>;
  /** Maximum redirects to follow. */
  maxRedirects: number;
  /**
   * A `lookup` for `http.Agent` / `net.connect` / undici `connect` options that re-checks every
   * address at connect time, so a name that resolved to a public address for `checkHop` cannot
   * be re-bound to 127.0.0.1 for the actual connection (DNS rebinding).
   */
  lookup: (hostname: string, options: unknown, callback: (err: Error | null, address?: string | { address: string; family: number }[], family?: number) => void) => void;
}

/**
 * Build the policy a fetcher applies on every hop. Usage:
 *
 * ```ts
 * const policy = guardedFetchPolicy({ allowPrivate: false });
 * const agent = new https.Agent({ lookup: policy.lookup });
 * let url = start;
 * for (let hop = 0; ; hop++) {
 *   const findings = await policy.checkHop(url);
 *   if (findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.high)) throw new Error('blocked');
 *   const res = await fetchOnce(url, { agent, redirect: 'manual' });   // never let the client follow redirects itself
 *   if (res.status < 300 || res.status >= 400) return res;
 *   if (hop >= policy.maxRedirects) throw new Error('too many redirects');
 *   url = new URL(res.headers.location, url).toString();               // relative Location resolves against the hop
 * }
 * ```
 */
export function guardedFetchPolicy(opts: CheckUrlOptions & { maxRedirects?: number } = {}): GuardedFetchPolicy {
  const resolve = opts.resolve ?? defaultResolve;
  return {
    maxRedirects: opts.maxRedirects ?? 5,
    checkHop(url: string, previous?: string) {
      let abs = url;
      try {
        abs = previous ? new URL(url, previous).toString() : url;
      } catch {
        /* checkUrl reports it */
      }
      return checkUrl(abs, opts);
    },
    lookup(hostname, options, callback) {
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true;
      resolve(hostname).then(
        (addrs) => {
          const ok = addrs.filter((a) => {
            const cls = classifyAddress(a);
            if (cls === 'public' || cls === 'documentation') return true;
            if (cls === 'metadata') return false;
            return !!opts.allowPrivate && ['private', 'loopback', 'link-local', 'unique-local', 'cgnat'].includes(cls);
          });
          if (ok.length === 0) {
            callback(new Error(`ssrf guard: ${hostname} resolves only to blocked addresses`));
            return;
          }
          if (all) callback(null, ok.map((a) => ({ address: a, family: a.includes(':') ? 6 : 4 })));
          else callback(null, ok[0]!, ok[0]!.includes(':') ? 6 : 4);
        },
        (err: Error) => callback(err),
      );
    },
  };
}

/**
 * Synchronous text check (no DNS): URLs in the text whose host is an IP literal, `localhost` or a
 * metadata hostname pointing at a non-public target.
 */
export function detectSsrfLiterals(text: string): Finding[] {
  const out: Finding[] = [];
  for (const f of findUrls(text)) {
    if (f.tooLong) continue;
    let u: URL;
    try {
      u = new URL(f.url);
    } catch {
      continue;
    }
    const host = u.hostname.toLowerCase();
    let cls: AddressClass | undefined;
    if (METADATA_HOSTS.has(host)) cls = 'metadata';
    else if (host === 'localhost' || host.endsWith('.localhost')) cls = 'loopback';
    else {
      const lit = host.startsWith('[') ? host.slice(1, -1) : host;
      if (isIP(lit) || parseIPv4Loose(lit) !== undefined) cls = classifyAddress(lit);
    }
    if (!cls || cls === 'public' || cls === 'documentation' || cls === 'invalid') continue;
    out.push({ ...ssrfFinding(cls, `URL targets a ${cls} address`), start: f.start, end: f.end });
  }
  return out;
}

export const ssrfDetector: TextDetector = { id: 'ssrf', detect: detectSsrfLiterals };
