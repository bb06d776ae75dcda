/** Small pieces of the registry: canonical hashing, diffs, JSONC, similarity. */
import { describe, expect, it } from 'vitest';
import { canonicalJson, changedFields, definitionHash, instructionsHash, legacyDefinitionHash, sha256Hex } from '../../src/registry/hash.js';
import { diffLines, unifiedDiff } from '../../src/registry/diff.js';
import { jsoncSpans, parseJsonc } from '../../src/registry/jsonc.js';
import { editDistance, nameRelation, sameDefinition, definitionPrint } from '../../src/registry/similar.js';

describe('hash', () => {
  it('is key-order independent and covers everything the model reads', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 1 }], c: undefined } })).toBe('{"a":{"d":[1,{"e":1,"f":2}]},"b":1}');
    const t = { name: 't', description: 'd', inputSchema: { type: 'object' } };
    expect(definitionHash('tool', t)).toBe(definitionHash('tool', { inputSchema: { type: 'object' }, description: 'd', name: 't', icons: [{ src: 'https://x/i.png' }] }));
    // _meta and fields the spec does not name may reach a model: pinned.
    expect(definitionHash('tool', t)).not.toBe(definitionHash('tool', { ...t, _meta: { x: 1 } }));
    expect(definitionHash('tool', t)).not.toBe(definitionHash('tool', { ...t, 'x-notes': 'y' }));
    // Pins made when only the named fields were covered are recognised (upgrade path).
    expect(legacyDefinitionHash('tool', { ...t, _meta: { x: 1 }, 'x-notes': 'y' })).toBe(sha256Hex(canonicalJson(t)));
    for (const k of ['title', 'outputSchema', 'annotations'] as const) expect(definitionHash('tool', { ...t, [k]: { x: 1 } })).not.toBe(definitionHash('tool', t));
    expect(definitionHash('prompt', { name: 'p', arguments: [{ name: 'a', description: 'x' }] })).not.toBe(definitionHash('prompt', { name: 'p', arguments: [{ name: 'a', description: 'y' }] }));
    expect(instructionsHash('a')).not.toBe(instructionsHash('b'));
    expect(changedFields('tool', t, { ...t, description: 'e', inputSchema: { type: 'object', properties: { x: { type: 'string' } } } })).toEqual(['description', 'inputSchema.properties']);
  });
});

describe('diff', () => {
  it('produces a minimal unified diff with context and hunks', () => {
    const a = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'].join('\n') + '\n';
    const b = ['a', 'B', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm'].join('\n') + '\n';
    expect(unifiedDiff(a, a)).toBe('');
    expect(unifiedDiff(a, b, { fromLabel: 'x', toLabel: 'y' })).toBe(
      ['--- x', '+++ y', '@@ -1,5 +1,5 @@', ' a', '-b', '+B', ' c', ' d', ' e', '@@ -10,3 +10,4 @@', ' j', ' k', ' l', '+m', ''].join('\n'),
    );
    const ops = diffLines(['x', 'y', 'z'], ['y', 'z', 'w']);
    expect(ops.map((o) => o.op + o.line)).toEqual(['-x', ' y', ' z', '+w']);
  });
});

describe('jsonc', () => {
  it('parses comments and trailing commas, not inside strings', () => {
    expect(parseJsonc('// c\n{ "a": "http://x//y", /* b */ "b": [1, 2,], }')).toEqual({ a: 'http://x//y', b: [1, 2] });
    expect(parseJsonc('{"a": "/* not a comment */"}')).toEqual({ a: '/* not a comment */' });
    const text = '{\n  // c\n  "s": { "x": { "command": "npx", "args": ["a"] } }\n}';
    const spans = jsoncSpans(text);
    const c = spans.get(JSON.stringify(['s', 'x', 'command']))!;
    expect(text.slice(c.start, c.end)).toBe('"npx"');
    const a = spans.get(JSON.stringify(['s', 'x', 'args']))!;
    expect(text.slice(a.start, a.end)).toBe('["a"]');
  });
});

describe('similar', () => {
  it('finds look-alike names and near-duplicate definitions', () => {
    expect(editDistance('kitten', 'sitting', 5)).toBe(3);
    expect(nameRelation('send_email', 'send_email')).toBe('same');
    expect(nameRelation('send_em\u0430il', 'send_email')).toBe('homoglyph');
    expect(nameRelation('Send-Email', 'send_email')).toBe('homoglyph');
    expect(nameRelation('send_emall', 'send_email')).toBe('edit1');
    expect(nameRelation('read', 'reed')).toBeUndefined(); // too short to judge
    expect(nameRelation('list_files', 'read_file')).toBeUndefined();
    const p = (d: string) => definitionPrint('tool', { name: 'n', description: d });
    expect(sameDefinition(p('Read a file from disk and return it.'), p('read a FILE from disk, and return it'))).toBe('same description');
    expect(sameDefinition(p('Add numbers.'), p('Multiply numbers.'))).toBeUndefined();
  });
});
