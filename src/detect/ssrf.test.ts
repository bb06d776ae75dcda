import { describe, expect, it } from 'vitest';
import { canonicalIPv4, checkUrl, classifyAddress, detectSsrfLiterals, findUrls, guardedFetchPolicy } from './ssrf.js';

const fakeDns = (table: Record<string, string[]>) => async (host: string) => {
  const r = table[host];
  if (!r) throw new Error('ENOTFOUND');
  return r;
};

describe('classifyAddress', () => {
  const cases: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['2130706433', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.0.10', 'private'],
    ['169.254.169.254', 'metadata'],
    ['0xa9fea9fe', 'metadata'],
    ['169.254.10.1', 'link-local'],
    ['100.100.100.200', 'metadata'],
    ['100.64.0.1', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['8.8.8.8', 'public'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1%eth0', 'link-local'],
    ['fd00:ec2::254', 'metadata'],
    ['fd12:3456::1', 'unique-local'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2606:4700:4700::1111', 'public'],
    ['[::1]', 'loopback'],
    ['example.com', 'invalid'],
    ['256.1.1.1', 'invalid'],
  ];
  it.each(cases)('%s → %s', (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });
  it('normalises IPv4 notations', () => {
    expect(canonicalIPv4('0x7f.1')).toBe('127.0.0.1');
    expect(canonicalIPv4('3232235521')).toBe('192.168.0.1');
  });
});

describe('findUrls', () => {
  it('finds URLs with spans and trims prose punctuation', () => {
    const t = 'See https://example.com/a?b=1, and (http://10.0.0.1/x).';
    const u = findUrls(t);
    expect(u.map((x) => x.url)).toEqual(['https://example.com/', 'http://10.0.0.1/']);
    expect(t.slice(u[0]!.start, u[0]!.end)).toBe('https://example.com');
  });

  // [text, the hosts a WHATWG parser (fetch) would contact]
  const SPELLINGS: Array<[string, string[]]> = [
    ['http:127.0.0.1/x', ['127.0.0.1']],
    ['http:/127.0.0.1', ['127.0.0.1']],
    ['http:\\\\127.0.0.1\\x', ['127.0.0.1']],
    ['ht\ttp://127.0.0.1', ['127.0.0.1']],
    ['HtTp://0x7f.1', ['127.0.0.1']],
    ['http://evil@127.0.0.1', ['127.0.0.1']],
    ['http://[::ffff:127.0.0.1]:80/', ['[::ffff:7f00:1]']],
    ['a http://1.1.1.1/ b http://2.2.2.2 c http:3.3.3.3', ['1.1.1.1', '2.2.2.2', '3.3.3.3']],
    ['//10.0.0.1/x', ['10.0.0.1']],
    ['gopher://127.0.0.1:6379/_x', ['127.0.0.1']],
  ];
  it.each(SPELLINGS)('reads %j as fetch would', (text, hosts) => {
    const got = findUrls(text).flatMap((f) => {
      try {
        return [new URL(f.url).hostname];
      } catch {
        return [];
      }
    });
    for (const h of hosts) expect(got).toContain(h);
  });

  it('has no count cap: the 20,000th URL is found', () => {
    const t = 'http://1.1.1.1/ '.repeat(20_000) + 'http://127.0.0.1/';
    expect(findUrls(t).some((f) => f.url === 'http://127.0.0.1/')).toBe(true);
  });

  it('is linear on scheme floods', () => {
    const t0 = performance.now();
    findUrls('http:'.repeat(200_000));
    findUrls('http://a'.repeat(100_000));
    // generous: the machine is shared; a quadratic scan of these would take minutes
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('reports an over-long authority instead of skipping it', () => {
    expect(findUrls(`http://${'a'.repeat(5000)}@127.0.0.1/`).some((f) => f.tooLong)).toBe(true);
  });
});

describe('checkUrl (fake resolver, no network)', () => {
  const resolve = fakeDns({
    'example.com': ['93.184.216.34'],
    'internal.corp': ['10.0.0.5'],
    'rebind.test': ['93.184.216.34', '127.0.0.1'],
    'v6only.test': ['fd00:ec2::254'],
  });
  it('allows public targets', async () => {
    expect(await checkUrl('https://example.com/x', { resolve })).toEqual([]);
  });
  it('blocks private, loopback and metadata', async () => {
    expect((await checkUrl('http://internal.corp/', { resolve }))[0]).toMatchObject({ category: 'ssrf', detector: 'ssrf.private' });
    expect((await checkUrl('http://rebind.test/', { resolve }))[0]?.detector).toBe('ssrf.loopback');
    expect((await checkUrl('http://169.254.169.254/latest/meta-data/', { resolve }))[0]?.severity).toBe('critical');
    expect((await checkUrl('http://metadata.google.internal/computeMetadata/v1/', { resolve }))[0]?.detector).toBe('ssrf.metadata');
    expect((await checkUrl('http://v6only.test/', { resolve }))[0]?.detector).toBe('ssrf.metadata');
    expect((await checkUrl('http://[::ffff:127.0.0.1]/', { resolve }))[0]?.detector).toBe('ssrf.loopback');
    expect((await checkUrl('http://2130706433/', { resolve }))[0]?.detector).toBe('ssrf.loopback');
    expect((await checkUrl('http://0x7f.1:8080/', { resolve }))[0]?.detector).toBe('ssrf.loopback');
    expect((await checkUrl('http://localhost:3000/', { resolve }))[0]?.detector).toBe('ssrf.loopback');
    expect((await checkUrl('http://127.0.0.1.nip.io/', { resolve: fakeDns({ '127.0.0.1.nip.io': ['127.0.0.1'] }) }))[0]?.detector).toBe('ssrf.loopback');
  });
  it('allowPrivate lets private targets through but never metadata', async () => {
    expect(await checkUrl('http://internal.corp/', { resolve, allowPrivate: true })).toEqual([]);
    expect((await checkUrl('http://169.254.169.254/', { resolve, allowPrivate: true }))[0]?.detector).toBe('ssrf.metadata');
  });
  it('rejects other schemes and unresolvable hosts', async () => {
    expect((await checkUrl('file:///etc/passwd', { resolve }))[0]?.detector).toBe('ssrf.scheme');
    expect((await checkUrl('gopher://example.com/', { resolve }))[0]?.detector).toBe('ssrf.scheme');
    expect((await checkUrl('http://nope.invalid/', { resolve }))[0]?.detector).toBe('ssrf.unresolvable');
  });
});

describe('guardedFetchPolicy', () => {
  const resolve = fakeDns({ 'example.com': ['93.184.216.34'], 'evil.test': ['127.0.0.1'] });
  it('checks each redirect hop resolved against the previous URL', async () => {
    const p = guardedFetchPolicy({ resolve });
    expect(await p.checkHop('https://example.com/start')).toEqual([]);
    expect((await p.checkHop('http://evil.test/next', 'https://example.com/start'))[0]?.detector).toBe('ssrf.loopback');
    expect((await p.checkHop('/relative', 'http://169.254.169.254/'))[0]?.detector).toBe('ssrf.metadata');
    expect(p.maxRedirects).toBe(5);
  });
  it('lookup refuses blocked addresses at connect time (DNS rebinding)', async () => {
    const p = guardedFetchPolicy({ resolve });
    const res = await new Promise<{ err: Error | null; addr?: unknown }>((r) => p.lookup('evil.test', {}, (err, addr) => r({ err, addr })));
    expect(res.err?.message).toMatch(/blocked/);
    const ok = await new Promise<{ err: Error | null; addr?: unknown }>((r) => p.lookup('example.com', { all: true }, (err, addr) => r({ err, addr })));
    expect(ok.err).toBeNull();
    expect(ok.addr).toEqual([{ address: '93.184.216.34', family: 4 }]);
  });
});

describe('detectSsrfLiterals', () => {
  it('flags literal internal targets in text without DNS', () => {
    const f = detectSsrfLiterals('fetch http://169.254.169.254/latest/meta-data/iam and https://example.com');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ category: 'ssrf', detector: 'ssrf.metadata', start: 6 });
  });
});
