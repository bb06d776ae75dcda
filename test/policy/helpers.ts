import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Principal } from '../../src/pipeline/types.js';
import type { PolicyConfig } from '../../src/policy/engine.js';

export function user(name: string, groups: string[] = [], extra: Partial<Principal> = {}): Principal {
  return { id: `user:${name}`, kind: 'User', groups, method: 'jwt', ...extra };
}
export function agent(name: string, groups: string[] = []): Principal {
  return { id: `agent:${name}`, kind: 'Agent', groups, method: 'jwt' };
}
export const anonymous: Principal = { id: 'anonymous', kind: 'Anonymous', groups: [], method: 'none' };

export function policyConfig(p: Partial<PolicyConfig>): PolicyConfig {
  return { allow: [], deny: [], watch: false, ...p } as PolicyConfig;
}

export function tempDir(files: Record<string, string> = {}): { dir: string; write(name: string, text: string): void; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'pcx-policy-'));
  const write = (name: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  };
  for (const [k, v] of Object.entries(files)) write(k, v);
  return { dir, write, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
