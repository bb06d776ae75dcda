#!/usr/bin/env node
/**
 * `portcullis <noun> <verb>`: one file per command; each exports `register(program)`.
 */
import { Command } from 'commander';
import { VERSION } from '../gateway/runtime.js';
import * as start from './start.js';
import * as stdio from './stdio.js';
import * as config from './config.js';
import * as registry from './registry.js';
import * as scan from './scan.js';
import * as wrap from './wrap.js';
import * as audit from './audit.js';
import * as detect from './detect.js';
import * as evalCmd from './eval.js';
import * as revoke from './revoke.js';
import * as policy from './policy.js';
import * as keys from './keys.js';

const COMMANDS: Array<{ register(program: Command): void }> = [start, stdio, config, registry, scan, wrap, audit, detect, evalCmd, revoke, policy, keys];

const program = new Command()
  .name('portcullis')
  .description('Runtime security gateway for the Model Context Protocol')
  .version(VERSION)
  .showHelpAfterError();

for (const c of COMMANDS) c.register(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`portcullis: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
