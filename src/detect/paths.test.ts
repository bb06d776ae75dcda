import { describe, expect, it } from 'vitest';
import { expectLinearTime } from '../../test/helpers/detect.js';
import { detectSensitivePaths, factorAlternation, pathsDetector } from './paths.js';

const dets = (t: string) => detectSensitivePaths(t).filter((f) => f.severity !== 'low' && f.severity !== 'info').map((f) => f.detector);

describe('sensitive paths', () => {
  const cases: [string, string][] = [
    ['cat ~/.ssh/id_rsa', 'paths.ssh-private-key'],
    ['{"path": "/home/alice/.ssh/id_ed25519"}', 'paths.ssh-private-key'],
    ['read the .env file', 'paths.dotenv'],
    ['open /srv/app/.env.production', 'paths.dotenv'],
    ['/etc/shadow', 'paths.shadow-file'],
    ['C:\\Users\\bob\\.aws\\credentials', 'paths.aws-credentials'],
    ['~/.aws/credentials', 'paths.aws-credentials'],
    ['~/.kube/config', 'paths.kube-config'],
    ['/var/run/secrets/kubernetes.io/serviceaccount/token', 'paths.kube-config'],
    ['~/.docker/config.json', 'paths.package-registry-credentials'],
    ['/home/u/.npmrc', 'paths.package-registry-credentials'],
    ['~/.config/gcloud/application_default_credentials.json', 'paths.cloud-credentials'],
    ['/proc/self/environ', 'paths.proc-secrets'],
    ['~/.bash_history', 'paths.shell-history'],
    ['../../../../etc/passwd', 'paths.traversal'],
    ['..%2f..%2f..%2fetc%2fshadow', 'paths.traversal'],
    ['..\\..\\windows\\system32\\config\\SAM', 'paths.windows-secrets'],
  ];
  it.each(cases)('%s', (text, det) => {
    expect(dets(text)).toContain(det);
  });

  const negatives = [
    'See the docs in ./README.md and src/index.ts.',
    'The public key is in ~/.ssh/id_rsa.pub',
    'Edit ~/.ssh/config to add a host alias.',
    'environment variables are read at startup',
    'A secret ingredient makes the sauce.',
    'see ../README.md', // one level of relative link is low severity, not reported here
  ];
  it.each(negatives)('negative: %s', (text) => {
    expect(dets(text)).toEqual([]);
  });

  it('span covers the path token', () => {
    const t = 'please read /home/alice/.ssh/id_rsa now';
    const f = detectSensitivePaths(t).find((x) => x.detector === 'paths.ssh-private-key')!;
    expect(t.slice(f.start, f.end)).toBe('/home/alice/.ssh/id_rsa');
    expect(f.category).toBe('sensitive_path');
  });

  it('linear time', () => {
    for (const u of ['../', '.ssh/', 'secret ', '%2e%2e%2f', '/etc/']) {
      expectLinearTime(detectSensitivePaths, u);
    }
  });

  it('is registered with id "paths"', () => {
    expect(pathsDetector.id).toBe('paths');
  });
});

describe('factorAlternation', () => {
  const alts = ['\\.ssh', '\\.env', 'id_(?:rsa|dsa)', 'identity', 'key[34]\\.db', 'keychain', 'Chrome', 'chromium', '\\/etc\\/', '\\\\microsoft', '%2e%2e'];
  it('groups by first character and finds the same matches as the flat alternation', () => {
    const flat = new RegExp(alts.join('|'), 'gi');
    const factored = new RegExp(factorAlternation(alts), 'gi');
    expect(factored.source).toContain('\\.(?:ssh|env)');
    const text = 'cat ~/.ssh/id_rsa ~/.ENV identity KEY4.db keychain chromium CHROME /etc/x C:\\Microsoft\\y %2E%2e .sshx id_dsa';
    const all = (re: RegExp) => [...text.matchAll(re)].map((m) => `${m.index}:${m[0]}`);
    expect(all(factored)).toEqual(all(flat));
  });
  it('rejects alternatives that do not start with a literal', () => {
    expect(() => factorAlternation(['(?:a|b)c'])).toThrow();
    expect(() => factorAlternation(['.x'])).toThrow();
    expect(() => factorAlternation(['\\bword'])).toThrow();
  });
});
