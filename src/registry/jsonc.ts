/**
 * JSON with comments (VS Code and Zed settings): `//` and `/* *\/` comments and trailing commas
 * are removed outside strings, then `JSON.parse`. Linear, no regex over the whole text.
 */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  let chunkStart = 0;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      i = afterString(text, i);
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      out += text.slice(chunkStart, i);
      while (i < n && text[i] !== '\n') i++;
      chunkStart = i;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      out += text.slice(chunkStart, i);
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      out += ' ';
      chunkStart = i;
      continue;
    }
    i++;
  }
  out += text.slice(chunkStart);
  return removeTrailingCommas(out);
}

/** The index after the JSON string that opens at `i` (escapes skipped; the end of the text if unclosed). */
function afterString(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
  return j + 1;
}

function removeTrailingCommas(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  let chunkStart = 0;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      i = afterString(text, i);
      continue;
    }
    if (c === ',') {
      let j = i + 1;
      while (j < n && /\s/.test(text[j]!)) j++;
      if (text[j] === '}' || text[j] === ']') {
        out += text.slice(chunkStart, i);
        chunkStart = i + 1;
      }
    }
    i++;
  }
  return out + text.slice(chunkStart);
}

export function parseJsonc(text: string): unknown {
  const stripped = stripJsonComments(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (stripped.trim() === '') return {};
  return JSON.parse(stripped);
}

/** Where a value sits in a JSON(C) text: [start, end) of the value, and of its `"key": value` member. */
export interface ValueSpan {
  start: number;
  end: number;
  /** For object members: start of the key string. */
  keyStart?: number;
}

/**
 * Spans of every value in a JSON(C) text, keyed by `JSON.stringify(path)`; for editing a file in
 * place (comments and formatting kept). Throws on malformed input.
 */
export function jsoncSpans(text: string): Map<string, ValueSpan> {
  const spans = new Map<string, ValueSpan>();
  let i = 0;
  const n = text.length;
  const fail = (what: string): never => {
    throw new Error(`JSON: ${what} at offset ${i}`);
  };
  const ws = () => {
    for (;;) {
      while (i < n && /\s/.test(text[i]!)) i++;
      if (text[i] === '/' && text[i + 1] === '/') {
        while (i < n && text[i] !== '\n') i++;
      } else if (text[i] === '/' && text[i + 1] === '*') {
        const e = text.indexOf('*/', i + 2);
        i = e < 0 ? n : e + 2;
      } else return;
    }
  };
  const str = (): string => {
    const s = i;
    i++;
    while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= n) fail('unterminated string');
    i++;
    return JSON.parse(text.slice(s, i)) as string;
  };
  const value = (path: Array<string | number>, keyStart?: number): void => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      while (text[i] !== '}') {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const ks = i;
        const k = str();
        ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        value([...path, k], ks);
        ws();
        if (text[i] === ',') {
          i++;
          ws();
        } else if (text[i] !== '}') fail('expected "," or "}"');
      }
      i++;
    } else if (c === '[') {
      i++;
      ws();
      let idx = 0;
      while (text[i] !== ']') {
        value([...path, idx++]);
        ws();
        if (text[i] === ',') {
          i++;
          ws();
        } else if (text[i] !== ']') fail('expected "," or "]"');
      }
      i++;
    } else if (c === '"') {
      str();
    } else {
      const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 64));
      if (!m) fail('unexpected character');
      i += m![0].length;
    }
    spans.set(JSON.stringify(path), keyStart === undefined ? { start, end: i } : { start, end: i, keyStart });
  };
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  value([]);
  return spans;
}
