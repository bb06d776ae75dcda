/**
 * `portcullis wrap FILE`: rewrite an MCP client config so each stdio server runs through
 * `portcullis stdio --name NAME -- <command> <args…>` (env kept, backup `FILE.bak-<timestamp>`,
 * `--dry-run` prints the diff). Already wrapped servers are left alone; remote servers too.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../config/load.js';
import { defaultPortcullisCmd, wrapConfigFile, type WrapResult } from '../registry/wrap.js';

const VERSION: string = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface WrapFlags {
  dryRun?: boolean;
  portcullisCmd?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('wrap')
    .description('rewrite an MCP client config so every stdio server runs through `portcullis stdio`')
    .argument('<file>', 'client config, e.g. ~/.cursor/mcp.json or ~/.config/Claude/claude_desktop_config.json')
    .option('--dry-run', 'print the change as a diff; write nothing')
    .option('--portcullis-cmd <cmd>', `how the client should start Portcullis (default "${defaultPortcullisCmd(VERSION)}")`)
    .option('--json', 'machine-readable output')
    .action((file: string, flags: WrapFlags) => {
      process.exitCode = runWrap(file, flags, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    });
}

export function runWrap(file: string, flags: WrapFlags, out: (s: string) => void, err: (s: string) => void): number {
  let r: WrapResult;
  try {
    r = wrapConfigFile(file, { portcullisCmd: flags.portcullisCmd ?? defaultPortcullisCmd(VERSION), dryRun: flags.dryRun ?? false });
  } catch (e) {
    err(`portcullis wrap: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  if (flags.json) {
    out(JSON.stringify(r, null, 2) + '\n');
    return 0;
  }
  if (flags.dryRun && r.diff) out(r.diff);
  for (const n of r.wrapped) out(`${flags.dryRun ? 'would wrap' : 'wrapped'}: ${n}\n`);
  for (const s of r.skipped) out(`left alone: ${s.name}: ${s.why}\n`);
  for (const n of r.notes) out(`note: ${n}\n`);
  if (r.written) out(`${r.file} updated; backup at ${r.backup}\nRestart the client to pick up the change.\n`);
  else if (r.wrapped.length === 0) out(`${r.file}: nothing to wrap\n`);
  return 0;
}
