/**
 * One redaction for upstream targets wherever they are stored, printed or logged (registry,
 * `registry list`, `scan`, logs): credentials in a URL — userinfo (`https://user:pass@host`) and
 * query / fragment parameters whose names look secret (`token=`, `key=`, `sig=`, `X-Amz-Signature=`,
 * `access_token=`…) — and in a command line (`--api-key=…`, `--token …`, URLs among the args)
 * become `***`. The host, path and the other parameters stay, so an operator still recognises the
 * server and two spellings of one server still compare equal.
 */

export const REDACTED = '***';

/** Parameter / flag names that carry secrets (substring match, case-insensitive). */
const SECRET_NAME = /(token|key|secret|sig|signature|pass|pwd|auth|credential|session|jwt|bearer|cookie|private|code|otp|hmac|salt|nonce)/i;

/** Is this parameter or flag name one whose value is redacted? */
export function secretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

function redactParams(s: string): string {
  // Keep the text as written; replace only values of secret-looking names.
  return s.replace(/(^|[?&#;])([^=&#;]*)=([^&#;]*)/g, (m, sep: string, name: string, value: string) => {
    let decoded = name;
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // keep as written
    }
    return value !== '' && secretName(decoded) ? `${sep}${name}=${REDACTED}` : m;
  });
}

/** A URL with its credentials replaced by `***`. Text that is not a URL with a scheme is returned as is. */
export function redactUrl(url: string): string {
  // As a WHATWG URL parser reads it: for http(s)/ws(s)/ftp any run of / and \\ (even none) leads to the authority.
  const m = /^([a-z][a-z0-9+.-]*:)([\\/]*)(.*)$/is.exec(url.replace(/[\t\n\r]/g, ''));
  if (!m) return url;
  const [, scheme, slashes = '', rest0] = m;
  const special = /^(https?|wss?|ftp):$/i.test(scheme!);
  let rest = rest0!;
  if (slashes || special) {
    // authority ends at the first / ? # (or \ which WHATWG parsers treat as / for special schemes)
    const end = rest.search(/[/?#\\]/);
    const authority = end < 0 ? rest : rest.slice(0, end);
    const at = authority.lastIndexOf('@');
    if (at >= 0) rest = `${REDACTED}@${authority.slice(at + 1)}${end < 0 ? '' : rest.slice(end)}`;
  }
  const q = rest.search(/[?#]/);
  if (q >= 0) rest = rest.slice(0, q) + redactParams(rest.slice(q));
  return `${scheme}${slashes}${rest}`;
}

/**
 * A server target as shown: a URL (redactUrl), or a command line whose secret-looking flag values
 * (`--api-key=…`, `--token …`) and embedded URLs are redacted.
 */
export function redactTarget(target: string): string {
  const t = target.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t) && !/\s/.test(t)) return redactUrl(t);
  const parts = target.split(/(\s+)/);
  let hideNext = false;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (/^\s*$/.test(p)) continue;
    if (hideNext) {
      parts[i] = REDACTED;
      hideNext = false;
      continue;
    }
    const flag = /^(--?[A-Za-z0-9_.-]+)(=(.*))?$/.exec(p);
    if (flag && secretName(flag[1]!)) {
      if (flag[2] !== undefined) parts[i] = `${flag[1]}=${REDACTED}`;
      else hideNext = true;
      continue;
    }
    const env = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(p);
    if (env && secretName(env[1]!)) {
      parts[i] = `${env[1]}=${REDACTED}`;
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) parts[i] = redactUrl(p);
  }
  return parts.join('');
}
