// What every standalone bench script starts with: the checkout it lives in, and `--name value` options.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout this bench belongs to. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const argv = process.argv.slice(2);

/** The value after `--name` on the command line, or `d` when the option is not given. */
export function opt(name, d) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : d;
}
