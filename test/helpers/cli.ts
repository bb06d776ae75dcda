/** Run one CLI command module in process, capturing what it writes and its exit code. */
import { Command } from 'commander';
import { vi } from 'vitest';

export interface CliResult {
  out: string;
  err: string;
  code: number;
}

/**
 * `register` is a command module's export; `args` are what follows `portcullis`. With `catchErrors`,
 * an error the command throws becomes exit code 1 and its message lands in `err` (as the real CLI
 * prints it); without, it propagates to the test.
 */
export async function runCommand(register: (program: Command) => void, args: string[], opts: { catchErrors?: boolean } = {}): Promise<CliResult> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  process.exitCode = 0;
  try {
    const program = new Command().exitOverride();
    register(program);
    await program.parseAsync(['node', 'portcullis', ...args]);
  } catch (x) {
    if (!opts.catchErrors) throw x;
    err += String(x);
    process.exitCode = 1;
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, err, code };
}
