/**
 * `policy explain` decides as the gateway does: with the tool's real annotations (as the gateway
 * listed and pinned them) and the same labels, not with an empty context that makes a policy on
 * `context.annotations.readOnlyHint` answer DENY for a call the gateway allows.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfigText } from '../../src/config/load.js';
import { startRuntime } from '../../src/gateway/runtime.js';
import { silentLogger } from '../../src/observability/log.js';
import { ROOT, httpClient } from '../helpers/gateway.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pcx-explain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = `auth: none
listen: { port: 0 }
admin: { enabled: false }
mcpServers:
  everything:
    command: mcp-server-everything
    args: [stdio]
servers:
  everything: { toolLabels: { echo: [egress] } }
policy:
  cedar: ./cedar
`;
const CEDAR = `@id("readers")
permit (principal, action == Action::"call_tool", resource)
when { context.annotations.readOnlyHint };
@id("no-egress")
forbid (principal, action == Action::"call_tool", resource)
when { context.labels.contains("egress") };
`;

describe('policy explain runs the runtime path', () => {
  it('uses the annotations the gateway saw and the labels it computes', async () => {
    mkdirSync(path.join(dir, 'cedar'));
    writeFileSync(path.join(dir, 'cedar', 'p.cedar'), CEDAR);
    const file = path.join(dir, 'portcullis.yaml');
    writeFileSync(file, CONFIG);
    const dataDir = path.join(dir, '.portcullis');

    // The gateway lists the tools once (the registry pins them with their annotations) and decides.
    const rt = await startRuntime({ config: parseConfigText(CONFIG, file), dataDir, log: silentLogger });
    let readOnly: string;
    let gatewaySays: boolean;
    try {
      const c = await httpClient(rt.mcpUrl!);
      const tools = (await c.listTools()).tools;
      const ro = tools.find((t) => t.annotations?.readOnlyHint === true && t.name !== 'everything__echo');
      expect(ro, 'server-everything has a read-only tool').toBeDefined();
      readOnly = ro!.name;
      const r = await c.callTool({ name: readOnly, arguments: {} }).catch((e: Error) => ({ isError: true, content: [{ type: 'text', text: e.message }] }));
      gatewaySays = !JSON.stringify(r.content).includes('PCX_POLICY') && !/denied|forbid/i.test(JSON.stringify(r.content));
      await c.close();
    } finally {
      await rt.close();
    }
    expect(gatewaySays).toBe(true);

    const explain = (tool: string) =>
      spawnSync(process.execPath, [path.join(ROOT, 'dist/cli/index.js'), 'policy', 'explain', '-c', file, '--principal', 'user:alice', '--tool', tool, '--json'], { cwd: os.tmpdir(), encoding: 'utf8' });
    const ro = explain(readOnly);
    expect(ro.status, ro.stderr).toBe(0);
    const out = JSON.parse(ro.stdout) as { result: { decision: string }; definition: { found: boolean } };
    expect(out.definition.found).toBe(true);
    expect(out.result.decision).toBe('allow');

    // The config's toolLabels reach explain as they reach the gateway: echo is egress → forbidden.
    const echo = JSON.parse(explain('everything__echo').stdout) as { result: { decision: string } };
    expect(echo.result.decision).toBe('deny');
  }, 60_000);
});
