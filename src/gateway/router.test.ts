import { describe, expect, it } from 'vitest';
import { silentLogger } from '../observability/log.js';
import { Router, type ListedByServer } from './router.js';
import type { ListKind } from '../shared/lists.js';

/** A router over fixed lists; `relists` counts how often it asked the session to list again. */
function router(lists: Partial<Record<ListKind, ListedByServer[]>>, resourceServers: string[] = []) {
  const relists: ListKind[] = [];
  const r: Router = new Router({
    relist: async (kind) => {
      relists.push(kind);
      r.index(kind, lists[kind] ?? []);
    },
    exposed: (server, name) => `${server}__${name}`,
    labelsFor: (server) => (server === 'fs' ? ['private_data'] : []),
    resourceServers: () => resourceServers,
    log: silentLogger,
  });
  return { r, relists };
}

const tool = (name: string, extra: Record<string, unknown> = {}) => ({ name, inputSchema: { type: 'object' }, ...extra });

describe('Router', () => {
  it('indexes what each server listed, shows only what the pipeline let through, and routes both', async () => {
    const { r } = router({ tools: [{ server: 'fs', listed: [tool('read'), tool('secret')], visible: [tool('read')] }] });
    const shown = r.index('tools', [{ server: 'fs', listed: [tool('read'), tool('secret')], visible: [tool('read')] }]);
    expect(shown.items.map((t) => t.name)).toEqual(['fs__read']);
    expect(await r.resolveNamed('tools', 'fs__read')).toMatchObject({ kind: 'tool', server: 'fs', upstreamName: 'read', labels: ['private_data'] });
    // hidden, but routed: the pipeline answers for it (quarantine reason, or not-found by policy)
    expect(await r.resolveNamed('tools', 'fs__secret')).toMatchObject({ server: 'fs', upstreamName: 'secret' });
    expect(await r.paramDeclarations('fs__secret')).toBeUndefined();
  });

  it('lists on first use, and once more for a name it does not know, then answers not found', async () => {
    const { r, relists } = router({ tools: [{ server: 'a', listed: [tool('x')], visible: [tool('x')] }] });
    expect(await r.resolveNamed('tools', 'a__x')).toMatchObject({ server: 'a' });
    expect(relists).toEqual(['tools']);
    expect(await r.resolveNamed('tools', 'a__nope')).toBeUndefined();
    expect(relists).toEqual(['tools', 'tools']);
    r.forget('tools');
    await r.resolveNamed('tools', 'a__x');
    expect(relists).toEqual(['tools', 'tools', 'tools']);
  });

  it('renames a collision and reports it; drops a tool whose x-mcp-header no client may accept', () => {
    const { r } = router({});
    const bad = tool('inject', { inputSchema: { type: 'object', properties: { a: { type: 'string', 'x-mcp-header': 'X\r\nEvil: 1' } } } });
    const out = r.index('tools', [
      { server: 'a', listed: [tool('t')], visible: [tool('t')] },
      { server: 'a', listed: [tool('t'), bad], visible: [tool('t'), bad] },
    ]);
    expect(out.items.map((t) => t.name)).toHaveLength(2);
    expect(out.findings.map((f) => f.detector).sort()).toEqual(['router.collision', 'router.x-mcp-header']);
  });

  it('routes a URI by resource, by template, or to the only resource server; a completion by its ref', async () => {
    const lists = {
      resources: [{ server: 'docs', listed: [{ uri: 'docs://a', name: 'a' }], visible: [{ uri: 'docs://a', name: 'a' }] }],
      resourceTemplates: [{ server: 'vault', listed: [{ uriTemplate: 'vault://{id}', name: 'v' }], visible: [] }],
      prompts: [{ server: 'p', listed: [{ name: 'greet' }], visible: [{ name: 'greet' }] }],
    };
    const { r } = router(lists, ['docs', 'vault']);
    expect(await r.resolveResource('docs://a')).toMatchObject({ server: 'docs', name: 'docs://a' });
    expect(await r.resolveResource('vault://7')).toMatchObject({ server: 'vault', templates: ['v'] });
    expect(await r.resolveResource('other://x')).toBeUndefined();
    expect(await router(lists, ['docs']).r.resolveResource('other://x')).toMatchObject({ server: 'docs' });
    expect(await r.resolveCompletion({ type: 'ref/prompt', name: 'p__greet' })).toMatchObject({ kind: 'completion', server: 'p', upstreamName: 'greet' });
    expect(await r.resolveCompletion({ type: 'ref/resource', uri: 'vault://{id}' })).toMatchObject({ kind: 'completion', server: 'vault', templates: ['v'] });
  });
});
