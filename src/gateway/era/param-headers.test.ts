import { describe, expect, it } from 'vitest';
import { buildParamHeaders, paramHeaderMismatch, receivedParamHeaders, scanParamHeaders } from './param-headers.js';

const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });

describe('scanParamHeaders: what a client must reject (SEP-2243), as data', () => {
  const invalid: [string, unknown][] = [
    ['empty name', obj({ a: { type: 'string', 'x-mcp-header': '' } })],
    ['CRLF in the name (header injection)', obj({ a: { type: 'string', 'x-mcp-header': 'X\r\nSet-Cookie: a=b' } })],
    ['space in the name', obj({ a: { type: 'string', 'x-mcp-header': 'My Region' } })],
    ['colon in the name', obj({ a: { type: 'string', 'x-mcp-header': 'A:B' } })],
    ['non-ASCII name', obj({ a: { type: 'string', 'x-mcp-header': 'Régión' } })],
    ['not a string', obj({ a: { type: 'string', 'x-mcp-header': 7 } })],
    ['duplicate, another case', obj({ a: { type: 'string', 'x-mcp-header': 'Region' }, b: { type: 'string', 'x-mcp-header': 'REGION' } })],
    ['number type', obj({ a: { type: 'number', 'x-mcp-header': 'N' } })],
    ['object type', obj({ a: { type: 'object', 'x-mcp-header': 'O' } })],
    ['array type', obj({ a: { type: 'array', 'x-mcp-header': 'O' } })],
    ['union type', obj({ a: { type: ['string', 'null'], 'x-mcp-header': 'U' } })],
    ['under items', obj({ a: { type: 'array', items: { type: 'string', 'x-mcp-header': 'I' } } })],
    ['under anyOf', obj({ a: { anyOf: [{ type: 'string', 'x-mcp-header': 'I' }] } })],
    ['under $defs', obj({ a: { type: 'string' } }, { $defs: { x: { type: 'string', 'x-mcp-header': 'D' } } })],
    ['under additionalProperties', obj({}, { additionalProperties: { type: 'string', 'x-mcp-header': 'D' } })],
    ['on the root', { type: 'object', 'x-mcp-header': 'Root' }],
  ];
  for (const [name, schema] of invalid) it(`rejects: ${name}`, () => expect(scanParamHeaders(schema).ok).toBe(false));

  it('accepts nested properties, integer and boolean, and schemas without declarations', () => {
    const s = scanParamHeaders(obj({ r: { type: 'string', 'x-mcp-header': 'Region' }, o: obj({ t: { type: 'integer', 'x-mcp-header': 'Tenant-Id' }, f: { type: 'boolean', 'x-mcp-header': 'Dry_Run' } }) }));
    expect(s).toEqual({
      ok: true,
      declarations: [
        { header: 'Region', path: ['r'], type: 'string' },
        { header: 'Tenant-Id', path: ['o', 't'], type: 'integer' },
        { header: 'Dry_Run', path: ['o', 'f'], type: 'boolean' },
      ],
    });
    expect(scanParamHeaders(obj({ a: { type: 'string' } }))).toEqual({ ok: true, declarations: [] });
    expect(scanParamHeaders(undefined)).toEqual({ ok: true, declarations: [] });
  });

  it('refuses a schema nested past the depth limit instead of walking it', () => {
    let s: Record<string, unknown> = { type: 'string', 'x-mcp-header': 'Deep' };
    for (let i = 0; i < 100; i++) s = obj({ n: s });
    expect(scanParamHeaders(s).ok).toBe(false);
  });
});

describe('mirroring and checking', () => {
  const decls = [
    { header: 'Region', path: ['region'], type: 'string' as const },
    { header: 'Count', path: ['o', 'n'], type: 'integer' as const },
    { header: 'Dry', path: ['dry'], type: 'boolean' as const },
  ];
  it('builds headers for present values only, with the Base64 sentinel where a plain value cannot ride', () => {
    expect(buildParamHeaders(decls, { region: 'eu', o: { n: 3 }, dry: false })).toEqual({ 'mcp-param-region': 'eu', 'mcp-param-count': '3', 'mcp-param-dry': 'false' });
    expect(buildParamHeaders(decls, { region: 'é', o: null })).toEqual({ 'mcp-param-region': `=?base64?${Buffer.from('é').toString('base64')}?=` });
  });
  it('what it builds always passes its own check (round trip)', () => {
    for (const args of [{ region: 'eu' }, { region: ' padded ' }, { region: '=?base64?x?=' }, { o: { n: -42 } }, { dry: true }, {}]) {
      const sent = buildParamHeaders(decls, args);
      expect(paramHeaderMismatch(decls, args, receivedParamHeaders(sent))).toBeUndefined();
    }
  });
  it('compares integers as numbers', () => {
    expect(paramHeaderMismatch(decls, { o: { n: 42 } }, { count: '42' })).toBeUndefined();
    expect(paramHeaderMismatch(decls, { o: { n: 42 } }, { count: '42.0' })).toBeDefined();
    expect(paramHeaderMismatch(decls, { o: { n: 42 } }, { count: '43' })).toBeDefined();
  });
  it('reads repeated headers as one joined value (which then never matches)', () => {
    const got = receivedParamHeaders({ 'mcp-param-region': ['eu', 'us'], other: 'x' });
    expect(got).toEqual({ region: 'eu, us' });
    expect(paramHeaderMismatch(decls, { region: 'eu' }, got)).toBeDefined();
  });
});
