#!/usr/bin/env node
/**
 * `portcullis <noun> <verb>`: one file per command; each exports `register(program)`.
 * Only the invoked command's module is loaded (startup time: `stdio` must not pay for `scan`,
 * `policy` (Cedar) and friends); help and unknown commands load them all.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { installSafeOutput } from '../util/terminal.js';
import { holdYoungGeneration } from '../util/young-gen.js';

type CommandModule = { register(program: Command): void };

const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  start: () => import('./start.js'),
  stdio: () => import('./stdio.js'),
  config: () => import('./config.js'),
  registry: () => import('./registry.js'),
  scan: () => import('./scan.js'),
  wrap: () => import('./wrap.js'),
  audit: () => import('./audit.js'),
  detect: () => import('./detect.js'),
  eval: () => import('./eval.js'),
  revoke: () => import('./revoke.js'),
  policy: () => import('./policy.js'),
  keys: () => import('./keys.js'),
  approvals: () => import('./approvals.js'),
  init: () => import('./init.js'),
  admin: () => import('./admin.js'),
  secrets: () => import('./secrets.js'),
  grants: () => import('./grants.js'),
  status: () => import('./status.js'),
};

// Read here rather than from gateway/runtime.js, which would load the whole gateway.
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function main(): Promise<void> {
  const program = new Command()
    .name('portcullis')
    .description('Runtime security gateway for the Model Context Protocol')
    .version(VERSION)
    .showHelpAfterError();
  const invoked = process.argv[2];
  // Human-readable output never carries raw control / bidi characters (src/util/terminal.ts); `stdio`
  // speaks MCP on stdout and `start` writes logs there: they are left alone.
  if (invoked !== 'stdio' && invoked !== 'start') installSafeOutput();
  // The long-running commands load everything at once and then serve: keep V8's young generation small
  // while they load; they call releaseYoungGeneration() when they serve (src/util/young-gen.ts).
  if (invoked === 'start' || invoked === 'stdio') holdYoungGeneration();
  const load = invoked !== undefined && Object.hasOwn(COMMANDS, invoked) ? [COMMANDS[invoked]!] : Object.values(COMMANDS);
  for (const m of await Promise.all(load.map((l) => l()))) m.register(program);
  await program.parseAsync(process.argv);
}

main().catch((err: unknown) => {
  process.stderr.write(`portcullis: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
