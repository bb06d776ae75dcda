/**
 * Start-up without a grown young generation.
 *
 * Loading the gateway (zod schemas, detector tables, the audit store, Cedar) allocates tens of MB that all
 * live for the life of the process. V8 grows its young generation (semi-spaces, default max 16 MB each)
 * whenever much of what a scavenge finds survives, which is exactly what module loading looks like, so a
 * gateway ended start-up with ~16 MB of young-generation pages resident that held ~4 MB of live objects,
 * and V8 does not give them back while idle. Holding the growth factor at 1 during start-up keeps the young
 * generation at its initial size (what survives goes to the old generation, where it belongs), and the
 * default growth comes back once the gateway serves, so steady-state GC under load is unchanged.
 * Measured: bench/README.md, "Session 6".
 *
 * A user who sets `--semi-space-growth-factor` (node flag or NODE_OPTIONS) keeps their value: nothing is
 * changed then.
 */
import v8 from 'node:v8';

const FLAG = 'semi-space-growth-factor';
const V8_DEFAULT_GROWTH = 2;

function userSetsIt(): boolean {
  const opts = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  return opts.includes(`--${FLAG}`) || opts.includes(`--${FLAG.replaceAll('-', '_')}`);
}

let held: NodeJS.Timeout | undefined;

/**
 * Keep the young generation at its initial size until releaseYoungGeneration() (called by the command when it
 * serves), or at the latest `maxMs` later, so a command that never says it is up is not left with a small one.
 */
export function holdYoungGeneration(maxMs = 30_000): void {
  if (held || userSetsIt()) return;
  v8.setFlagsFromString(`--${FLAG}=1`);
  held = setTimeout(releaseYoungGeneration, maxMs).unref();
}

/** Back to V8's default growth; a no-op unless holdYoungGeneration() is in force. */
export function releaseYoungGeneration(): void {
  if (!held) return;
  clearTimeout(held);
  held = undefined;
  v8.setFlagsFromString(`--${FLAG}=${V8_DEFAULT_GROWTH}`);
}

/** Whether the growth is held now (for tests). */
export const youngGenerationHeld = (): boolean => held !== undefined;
