/** What a person sees when starting the gateway: a client snippet that works as printed, readable logs on a terminal. */
import { describe, expect, it } from 'vitest';
import { banner } from '../../src/cli/start.js';
import { parseConfigText } from '../../src/config/load.js';
import { createLogger, prettyLine } from '../../src/observability/log.js';

function snippet(text: string): { mcpServers: { portcullis: { type: string; url: string; headers?: Record<string, string> } } } {
  const start = text.indexOf('{\n');
  const end = text.indexOf('\n}', start) + 2;
  return JSON.parse(text.slice(start, end));
}

describe('start banner', () => {
  const base = { version: '0.1.0', dataDir: '/d', mcpUrl: 'http://127.0.0.1:7400/mcp', adminUrl: 'http://127.0.0.1:7401', servers: ['memory'] };
  it.each([
    ['API keys on', 'auth: { apiKeys: true }\n', { Authorization: 'Bearer <key from portcullis keys create>' }, /portcullis keys create --principal <name> -c \/etc\/p\.yaml/],
    ['auth: none', 'auth: none\n', undefined, /auth +none \(loopback only\)/],
  ])('%s: the client snippet carries what the gateway will ask for', (_name, yaml, headers, line) => {
    const text = banner({ ...base, file: '/etc/p.yaml', config: parseConfigText(yaml, '/etc/p.yaml', {}) });
    const s = snippet(text).mcpServers.portcullis;
    expect(s.url).toBe('http://127.0.0.1:7400/mcp');
    expect(s.headers).toEqual(headers);
    expect(text).toMatch(line);
  });
});

describe('logs', () => {
  it('on a terminal: one readable line per entry, secrets still redacted', () => {
    let written = '';
    const tty = { isTTY: true, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
    const prev = process.env.PORTCULLIS_LOG_FORMAT;
    delete process.env.PORTCULLIS_LOG_FORMAT;
    try {
      const log = createLogger('info', tty);
      log.warn({ server: 'memory', headers: { authorization: 'Bearer sk-live-123' } }, 'upstream down');
      log.debug('not at info');
    } finally {
      if (prev !== undefined) process.env.PORTCULLIS_LOG_FORMAT = prev;
    }
    const lines = written.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d .*WARN.* upstream down {2}server=memory headers=\{"authorization":"\[REDACTED\]"\}$/);
    expect(written).not.toContain('sk-live-123');
    expect(written).not.toContain('"level"');
  });

  it('not on a terminal: JSON lines (the stream given is not used for pretty output)', () => {
    let written = '';
    const pipe = { isTTY: false, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
    const prev = process.env.PORTCULLIS_LOG_FORMAT;
    process.env.PORTCULLIS_LOG_FORMAT = 'json';
    try {
      createLogger('silent', pipe).warn('x');
    } finally {
      if (prev === undefined) delete process.env.PORTCULLIS_LOG_FORMAT;
      else process.env.PORTCULLIS_LOG_FORMAT = prev;
    }
    expect(written).toBe('');
  });

  it.each([
    [{ level: 30, time: 0, msg: 'hello', n: 1 }, / INFO  hello {2}n=1\n$/],
    [{ level: 50, time: 0, msg: 'failed', err: { message: 'boom' } }, / ERROR failed\n {2}boom\n$/],
    [{ level: 40, time: 0, msg: 'w', reason: 'has spaces' }, / WARN  w {2}reason="has spaces"\n$/],
  ])('prettyLine %j', (entry, pattern) => {
    expect(prettyLine(JSON.stringify(entry))).toMatch(pattern);
  });
  it('a line that is not JSON passes through', () => expect(prettyLine('plain')).toBe('plain\n'));
});
