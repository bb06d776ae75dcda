/**
 * Upstream stdio transport: one supervised child process speaking newline-delimited JSON-RPC.
 *
 * Written here rather than using the SDK's StdioClientTransport because the gateway needs
 * things a client library does not: a bound on line length (a flooding child must not grow
 * our memory), garbage lines reported and skipped, the child in its own process group so the
 * whole tree is killed on close, the configured env passed explicitly, stderr to the log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Logger } from '../observability/log.js';
import { LineSplitter } from './lines.js';

export interface StdioChildOptions {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Longest line accepted from the child; a longer one is discarded and reported. */
  maxLineBytes: number;
  /** Extra directories searched for `command` (the package's node_modules/.bin). */
  extraPath?: string[];
  log: Logger;
  name: string;
  /** Each stderr line (the gateway logs it, rate-limited and redacted); without it, lines go to the debug log. */
  onStderr?(line: string): void;
}

/** Variables a child gets from the gateway's environment (as the SDK does), plus the configured env. */
const INHERITED_ENV = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'LANG', 'TMPDIR', 'NODE_OPTIONS_PASSTHROUGH'];

/** Every live child, so the process can kill them all on exit (no orphans). */
const LIVE = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of LIVE) killGroup(c, 'SIGKILL');
  });
}

export function liveChildCount(): number {
  return LIVE.size;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

export class StdioChildTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** Exit code / signal once the child has exited. */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  /** Why the gateway closed the connection, when it did so because of the child's behaviour. */
  closeReason?: { code: 'PCX_MESSAGE_TOO_LARGE'; message: string };

  private child?: ChildProcess;
  private readonly lines: LineSplitter;
  private closed = false;
  /** Resolves at the next 'drain' of stdin: every send that met back-pressure waits on this one listener. */
  private drained: Promise<void> | undefined;

  constructor(private readonly opts: StdioChildOptions) {
    this.lines = new LineSplitter(
      opts.maxLineBytes,
      (line) => this.onLine(line),
      () => {
        // The stream cannot be trusted past an unbounded line (its answers may be inside it): restart the child.
        this.closeReason = { code: 'PCX_MESSAGE_TOO_LARGE', message: `sent a message over ${opts.maxLineBytes} bytes (limits.maxMessageBytes); the server was stopped and will be restarted` };
        this.onerror?.(new Error(`${opts.name} ${this.closeReason.message}`));
        void this.close();
      },
    );
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    installExitHook();
    const o = this.opts;
    const env: Record<string, string> = {};
    for (const k of INHERITED_ENV) {
      const v = process.env[k];
      if (v !== undefined) env[k] = v;
    }
    if (o.extraPath?.length) env.PATH = [env.PATH ?? '', ...o.extraPath].filter(Boolean).join(path.delimiter);
    Object.assign(env, o.env);
    const child = spawn(o.command, o.args, {
      env,
      cwd: o.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group: close() kills the whole tree
      windowsHide: true,
    });
    this.child = child;
    LIVE.add(child);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (err) => {
        LIVE.delete(child);
        this.exit = { code: null, signal: null };
        reject(new Error(`cannot start ${o.name} (${o.command}): ${err.message}`));
      });
    });
    child.on('error', (err) => this.onerror?.(err));
    child.stdout!.on('data', (d: Buffer) => this.lines.push(d));
    child.stdin!.on('error', () => {
      /* EPIPE when the child died: reported through exit */
    });
    child.stderr!.setEncoding('utf8');
    // Lines are cut at 2,000 characters; what a noisy child writes past that is the caller's rate limit to bound.
    let partial = '';
    const emit = (line: string) => {
      if (!line.trim()) return;
      if (o.onStderr) o.onStderr(line.slice(0, 2000));
      else o.log.debug({ server: o.name, stderr: line.slice(0, 2000) }, 'upstream stderr');
    };
    child.stderr!.on('data', (s: string) => {
      const parts = (partial + s).split('\n');
      partial = parts.pop() ?? '';
      if (partial.length > 2000) {
        emit(partial);
        partial = '';
      }
      for (const line of parts) emit(line);
    });
    child.stderr!.once('end', () => emit(partial));
    child.once('exit', (code, signal) => {
      this.exit = { code, signal };
      LIVE.delete(child);
      // The child is gone but its group may not be; make sure nothing is left behind.
      killGroup(child, 'SIGKILL');
      this.finish();
    });
  }

  private onLine(line: string): void {
    const text = line.trim();
    if (!text) return;
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.onerror?.(new Error(`${this.opts.name} printed a line that is not JSON: ${text.slice(0, 120)}`));
      return;
    }
    if (!msg || typeof msg !== 'object' || (msg as { jsonrpc?: unknown }).jsonrpc !== '2.0') {
      this.onerror?.(new Error(`${this.opts.name} printed JSON that is not JSON-RPC 2.0: ${text.slice(0, 120)}`));
      return;
    }
    this.onmessage?.(msg as JSONRPCMessage);
  }

  send(message: JSONRPCMessage): Promise<void> {
    const child = this.child;
    if (!child || this.closed || !child.stdin || child.stdin.destroyed) {
      return Promise.reject(new Error(`${this.opts.name} is not running`));
    }
    const stdin = child.stdin;
    // One write per message: corking writes until the end of the event-loop turn (one wake-up of the
    // child for several sessions' requests) was measured slower on 2 cores, since the child then
    // waits for the whole turn instead of working beside the gateway (bench/README.md, "The hot path").
    let failed: unknown;
    const ok = stdin.write(JSON.stringify(message) + '\n', (err) => (err ? (failed = err) : undefined));
    if (ok) return Promise.resolve();
    this.drained ??= new Promise<void>((resolve) =>
      stdin.once('drain', () => {
        this.drained = undefined;
        resolve();
      }),
    );
    return this.drained.then(() => (failed ? Promise.reject(failed) : undefined));
  }

  async close(): Promise<void> {
    const child = this.child;
    if (this.closeReason && this.closed) return;
    if (!child || this.exit || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return this.finish();
    this.closed = true;
    try {
      child.stdin?.end();
    } catch {
      /* ignore */
    }
    killGroup(child, 'SIGTERM');
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  private finish(): void {
    if (this.closed && !this.onclose) return;
    this.closed = true;
    const cb = this.onclose;
    this.onclose = undefined;
    cb?.();
  }
}
