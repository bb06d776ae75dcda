// node:fs plus a minimal globSync, for @modelcontextprotocol/conformance on Node 20 only (see
// register.mjs; delete with Node >= 22). Node 22 already has fs.globSync, so use it when present.
import fs from 'node:fs';
import path from 'node:path';

export * from 'node:fs';
export default fs;

/** Segment glob → RegExp source: `*` and `?` stay inside one path segment; `**` spans segments. */
function segmentSource(seg) {
  let out = '';
  for (const ch of seg) {
    if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

function globToRegExp(pattern) {
  const segs = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  let src = '';
  for (let i = 0; i < segs.length; i++) {
    const last = i === segs.length - 1;
    if (segs[i] === '**') src += last ? '.*' : '(?:[^/]+/)*';
    else src += segmentSource(segs[i]) + (last ? '' : '/');
  }
  return new RegExp(`^${src}$`);
}

/**
 * Paths under `cwd` (relative, `/`-separated, like Node 22's fs.globSync) matching `pattern`.
 * Supports `*`, `?` and `**` — what the conformance package's summary code uses; no braces or classes.
 */
export function globSync(pattern, options = {}) {
  if (typeof fs.globSync === 'function') return fs.globSync(pattern, options);
  const patterns = Array.isArray(pattern) ? pattern : [pattern];
  const cwd = options.cwd ? String(options.cwd) : process.cwd();
  const all = fs.readdirSync(cwd, { recursive: true }).map((p) => String(p).split(path.sep).join('/'));
  const out = new Set();
  for (const p of patterns) {
    if (path.isAbsolute(p)) throw new Error(`conformance-node20 globSync: absolute patterns are not supported (${p})`);
    const re = globToRegExp(p.replace(/^\.\//, ''));
    for (const f of all) if (re.test(f)) out.add(f);
  }
  return [...out];
}
