import { describe, expect, it } from 'vitest';
import type { ResolvedServer } from '../config/load.js';
import { checkSecretRefs, hasSecretRefs, resolveSecretRefs, SecretRefError } from './refs.js';

const stdio = (env: Record<string, string>, args: string[] = []): ResolvedServer => ({ name: 'gh', spec: { command: 'node', args, env } as never });
const remote = (headers: Record<string, string>, url = 'https://x.example/mcp'): ResolvedServer => ({ name: 'api', spec: { url, headers } as never });
const vault = { get: async (n: string) => ({ TOKEN: 'tok-123', KEY: 'k$1' })[n] };

describe('${secret:NAME} references', () => {
  it('are replaced in stdio env and remote headers, text around them kept', async () => {
    const out = await resolveSecretRefs([stdio({ GITHUB_TOKEN: '${secret:TOKEN}', PLAIN: 'x' }), remote({ Authorization: 'Bearer ${secret:TOKEN}', 'X-Key': '${secret:KEY}/${secret:TOKEN}' })], vault);
    expect((out[0]!.spec as { env: Record<string, string> }).env).toEqual({ GITHUB_TOKEN: 'tok-123', PLAIN: 'x' });
    expect((out[1]!.spec as { headers: Record<string, string> }).headers).toEqual({ Authorization: 'Bearer tok-123', 'X-Key': 'k$1/tok-123' });
  });

  it.each([
    ['in args (shows in ps)', [stdio({}, ['--token', '${secret:TOKEN}'])], /servers\.gh\.args\[1\]: .*may only be used/],
    ['in a URL', [remote({}, 'https://x.example/mcp?k=${secret:TOKEN}')], /servers\.api\.url: .*may only be used/],
    ['with a bad name', [stdio({ A: '${secret:bad name}' })], /not a valid secret name/],
  ])('are refused %s', (_n, servers, msg) => {
    expect(checkSecretRefs(servers).join('\n')).toMatch(msg);
  });

  it('a missing secret is an error naming it and how to set it, never a literal', async () => {
    const err = await resolveSecretRefs([stdio({ A: '${secret:MISSING}' })], vault).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretRefError);
    expect(String((err as Error).message)).toMatch(/servers\.gh\.env\.A: secret "MISSING" is not in the vault .*portcullis secrets set MISSING/);
  });

  it('hasSecretRefs is false for configs without any', () => {
    expect(hasSecretRefs([stdio({ A: '${env:X}' }), remote({ B: 'c' })])).toBe(false);
    expect(hasSecretRefs([remote({ B: '${secret:TOKEN}' })])).toBe(true);
  });
});
