/** Shared helpers of the registry / scan tests. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Finding } from '../../src/detect/types.js';
import { loadDefaultScanner, type PoisoningScanner } from '../../src/registry/registry.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..');
export const FIXTURE_HOME = path.join(REPO, 'test', 'fixtures', 'home');

/** A fixture server: ours in test/registry/fixtures, else the shared ones in test/fixtures. */
export function fixtureServer(name: string): string {
  const own = path.join(HERE, 'fixtures', `${name}.mjs`);
  return existsSync(own) ? own : path.join(REPO, 'test', 'fixtures', `${name}.mjs`);
}

export async function memoryStore(): Promise<Store> {
  return openSqliteStore(':memory:');
}

/** A stand-in for the poisoning scanner: flags the textbook hidden-instruction attack. */
export const stubScanner: PoisoningScanner = {
  scanToolDefinition(tool) {
    const text = JSON.stringify(tool);
    const out: Finding[] = [];
    if (/<important>|~\/\.ssh|do not (tell|mention)/i.test(text)) {
      out.push({ category: 'tool_poisoning', detector: 'stub.hidden-instructions', severity: 'high', score: 0.9, message: 'hidden instructions to the model' });
    }
    return out;
  },
  scanServerInstructions(text) {
    return /<important>|ignore previous/i.test(text)
      ? [{ category: 'tool_poisoning', detector: 'stub.instructions', severity: 'high', score: 0.9, message: 'hidden instructions' }]
      : [];
  },
};

/** The real poisoning scanner, as a registry loads it by default. */
export const scanner = loadDefaultScanner;

/** Connect a real SDK client to a fixture server over stdio. */
export async function connectFixture(name: string, args: string[] = []): Promise<Client> {
  const client = new Client({ name: 'registry-test', version: '0.0.1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [fixtureServer(name), ...args], stderr: 'ignore' }));
  return client;
}

export async function listTools(client: Client): Promise<Array<{ name: string; definition: Record<string, unknown> }>> {
  const r = await client.listTools();
  return r.tools.map((t) => ({ name: t.name, definition: t as unknown as Record<string, unknown> }));
}
