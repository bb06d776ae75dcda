/**
 * Terminal safety for everything Portcullis prints for a person. Strings in audit events, registry
 * entries, approvals, keys and policies come from clients and upstream servers: a newline forges a
 * line of `audit tail`, an ESC / OSC sequence recolours the terminal, rewrites the title, writes the
 * clipboard (OSC 52) or hides text; bidi controls reorder what is shown. `escapeControl` makes every
 * such character visible as an escape, so what is printed is what is stored.
 *
 * Escaped: C0 controls (U+0000–U+001F, so ESC and every sequence it would start), DEL, C1 controls
 * (U+0080–U+009F, 8-bit CSI/OSC), bidi controls (U+061C, U+200E–U+200F, U+202A–U+202E,
 * U+2066–U+2069), the line and paragraph separators (U+2028, U+2029), zero-width and invisible
 * formatting characters (U+200B–U+200D, U+2060–U+2064, U+FEFF), and lone surrogates. The escapes are
 * `\n`, `\r`, `\t` and `\u{…}`-style `\uXXXX`, which stay valid inside JSON strings too.
 */

// One pass, no backtracking: a character class.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_KEEP_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function esc(ch: string): string {
  return NAMED[ch] ?? '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');
}

/**
 * Make control, bidi and invisible characters visible. With `keepLines`, `\n` and `\t` pass (for
 * whole lines of output whose fields were escaped already); `\r` is always escaped.
 */
export function escapeControl(s: string, opts: { keepLines?: boolean } = {}): string {
  const re = opts.keepLines ? UNSAFE_KEEP_LINES : UNSAFE;
  re.lastIndex = 0;
  return re.test(s) ? s.replace(re, esc) : s;
}

/** `escapeControl` for a value of any type printed in a field (undefined/null → ''). */
export function safeField(v: unknown): string {
  return v === undefined || v === null ? '' : escapeControl(String(v));
}

let installed = false;

/**
 * Route every string written to stdout and stderr through `escapeControl` (keeping line breaks):
 * the last line of defence for human-readable CLI output, whatever printer wrote it. Printers still
 * escape their fields (so a newline inside a field cannot forge a line). Not for `stdio` / `start`,
 * whose stdout is a protocol or a log stream.
 */
export function installSafeOutput(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  if (installed) return;
  installed = true;
  for (const stream of streams) {
    const write = stream.write.bind(stream) as (...a: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string') return write(escapeControl(chunk, { keepLines: true }), ...rest);
      if (chunk instanceof Uint8Array) return write(escapeControl(Buffer.from(chunk).toString('utf8'), { keepLines: true }), ...rest);
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
}
