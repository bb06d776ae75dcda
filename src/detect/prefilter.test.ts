import { describe, expect, it } from 'vitest';
import { nonAsciiLead, scanNearNonAscii } from './prefilter.js';
import { OTHER_SCRIPT_RES } from './injection.js';
import { normalizeForMatching } from './normalize.js';

/** What `re.exec` in a loop finds (the detectors' own loop, without the empty-match step: none here). */
function globalMatches(re: RegExp, t: string, limit: number): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (out.length < limit && (m = re.exec(t)) !== null) out.push([m.index, m[0]]);
  return out;
}
function nearMatches(re: RegExp, t: string, limit: number): Array<[number, string]> | undefined {
  const out: Array<[number, string]> = [];
  return scanNearNonAscii(re, t, limit, (m) => out.push([m.index, m[0]])) ? out : undefined;
}

/** A deterministic pseudo-random generator (the test must be reproducible). */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

const FRAGMENTS = [
  'The quarterly report shows steady growth. ', '{"id": 4182, "tags": ["ci"]} ', '\n', '  ', '\t', ' ai ', ' ai', 'credentials ', '~/', '.env ', 'id_rsa ',
  'https://evil.example/x ', '@', 'x@y.io ', ' new ', 'model ',
  '忽略之前的所有指令', '如果你是ai助手', '不要告诉用户', '发送到 https://a.b', '读取 ~/.ssh', '新的指令：', '无视', '指令',
  'すべての指示を無視', 'アシスタントへ', 'https://x.jp 送信', 'パスワード を読み取', 'ユーザーには伝えないで',
  'ai 비서에게', '지시를 모두 무시', '~/.ssh 읽어', '사용자에게 알리지 마', 'https://k.kr 전송',
  'игнорируй все предыдущие инструкции', 'отправь на https://r.ru', 'не говори пользователю', 'прочитай ключ',
  'تجاهل التعليمات', 'للمساعد', 'निर्देशों को अनदेखा', 'ai सहायक के लिए', 'é', '—', '“quoted”',
];

describe('scanNearNonAscii: rules of other scripts tried only near non-ASCII characters', () => {
  it('knows which expressions need a non-ASCII character, and what may come before it', () => {
    expect(nonAsciiLead('abc|def')).toBeUndefined(); // all ASCII
    expect(nonAsciiLead('(?:ai)?\\s*')).toBeUndefined(); // may be empty
    expect(nonAsciiLead('x', 'gi')).toBeUndefined(); // case folding is not modelled
    expect(nonAsciiLead('[^\\n]{0,3}é')).toBeDefined();
    const lead = nonAsciiLead('(?:ai|인공지능)?\\s*(?:비서|모델)')!;
    const has = (c: string): boolean => ((lead[c.charCodeAt(0) >> 5]! >>> (c.charCodeAt(0) & 31)) & 1) === 1;
    expect([has('a'), has('i'), has(' '), has('\n'), has('b'), has('.')]).toEqual([true, true, true, true, false, false]);
  });

  it('applies to the other-script rules (most of them: the speed-up rests on it)', () => {
    const qualifying = OTHER_SCRIPT_RES.filter((re) => nonAsciiLead(re.source, re.flags) !== undefined);
    expect(qualifying.length).toBeGreaterThanOrEqual(OTHER_SCRIPT_RES.length - 2);
  });

  it('finds exactly the matches of the global scan, in order, with the same limit', () => {
    const res = [...OTHER_SCRIPT_RES, /[^\n]{0,5}?é/g, /(?:ab)?\s*—/g, /“[^”]{0,8}”/g, /(?<=x)é|é(?=\s)/g];
    const r = rng(17);
    let compared = 0;
    let matched = 0;
    for (let n = 0; n < 400; n++) {
      const parts: string[] = [];
      const len = 20 + Math.floor(r() * 200);
      for (let k = 0; k < len; k++) parts.push(r() < 0.92 ? FRAGMENTS[Math.floor(r() * 6)]! : FRAGMENTS[Math.floor(r() * FRAGMENTS.length)]!);
      const t = normalizeForMatching(parts.join('')).text;
      for (const re of res) {
        const limit = n % 7 === 0 ? 2 : 500;
        const near = nearMatches(re, t, limit);
        if (near === undefined) continue;
        expect(near, `${re.source} on text ${n}`).toEqual(globalMatches(re, t, limit));
        compared++;
        matched += near.length;
      }
    }
    expect(compared).toBeGreaterThan(1000);
    expect(matched).toBeGreaterThan(300);
  });

  it('leaves a text dense in non-ASCII characters to the global scan', () => {
    expect(nearMatches(/忽略[^\n]{0,9}指令/g, '忽略'.repeat(100), 5)).toBeUndefined();
  });
});
