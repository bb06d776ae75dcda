/**
 * Name globs as used in config and policy: `*` matches any run of characters, `?` one
 * character; everything else is literal. Compiled to an anchored RegExp with no nested
 * quantifiers (linear time).
 */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  let prev = '';
  for (const ch of glob) {
    if (ch === '*' && prev === '*') continue; // `**` is `*`: keeps the pattern free of adjacent .* runs
    prev = ch;
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's');
}

export function globMatch(glob: string, s: string): boolean {
  return globToRegExp(glob).test(s);
}
