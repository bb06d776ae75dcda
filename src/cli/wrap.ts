/**
 * `portcullis wrap FILE`: rewrite an MCP client config so each stdio server runs through
 * `portcullis stdio --name NAME -- <command> <args…>` (env kept, backup `FILE.bak-<timestamp>`,
 * `--dry-run` prints the diff). Already wrapped servers are left alone; remote servers too.
 *
 * The command written is this installation by absolute paths (Node and the CLI script), unless
 * `--portcullis-cmd` says otherwise; either way it is run with `--version` first, and a command
 * that does not start is refused rather than written into the client's config.
 */
import type { Command } from 'commander';
import { checkPortcullisCmd, defaultPortcullisCmd, splitPortcullisCmd, wrapConfigFile, type WrapResult } from '../registry/wrap.js';

interface WrapFlags {
  dryRun?: boolean;
  portcullisCmd?: string;
  json?: boolean;
  /** Write the command even if it does not start here (it is installed only where the client runs). */
  force?: boolean;
}

export function register(program: Command): void {
  program
    .command('wrap')
    .description('rewrite an MCP client config so every stdio server runs through `portcullis stdio`')
    .argument('<file>', 'client config, e.g. ~/.cursor/mcp.json or ~/.config/Claude/claude_desktop_config.json')
    .option('--dry-run', 'print the change as a diff; write nothing')
    .option(
      '--portcullis-cmd <cmd>',
      `how the client should start Portcullis, split on spaces (default: this installation, "${defaultPortcullisCmd().join(' ')}"); e.g. "portcullis" when it is on the client's PATH`,
    )
    .option('--force', 'write the command even if `<cmd> --version` does not run here')
    .option('--json', 'machine-readable output')
    .action((file: string, flags: WrapFlags) => {
      process.exitCode = runWrap(file, flags, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    });
}

export function runWrap(file: string, flags: WrapFlags, out: (s: string) => void, err: (s: string) => void): number {
  const cmd = flags.portcullisCmd !== undefined ? splitPortcullisCmd(flags.portcullisCmd) : defaultPortcullisCmd();
  if (!flags.force) {
    const check = checkPortcullisCmd(cmd);
    if (!check.ok) {
      err(
        `portcullis wrap: refusing to write a command that does not start: ${check.why}\n` +
          'Every wrapped server would fail in the client. Give a working --portcullis-cmd (see `portcullis wrap --help`),\n' +
          'or --force if it runs only where the client runs.\n',
      );
      return 1;
    }
  }
  let r: WrapResult;
  try {
    r = wrapConfigFile(file, { portcullisCmd: cmd, dryRun: flags.dryRun ?? false });
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
