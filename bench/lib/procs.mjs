// Process management for the benchmark: every process we start leads its own process group, is
// tracked, and is killed (group SIGTERM, then SIGKILL) at the end, on error and on Ctrl-C. Every
// command line carries the run id, so a final sweep of /proc finds anything that escaped a group
// (e.g. children the SDK's stdio client spawned) and kills it.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

const tracked = new Set();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Start `cmd args` in its own process group. Waits until `ready(output)` returns a truthy value
 * (checked on every stdout/stderr chunk) or `probe()` resolves true (polled), up to `timeoutMs`.
 */
export async function startProcess(name, cmd, args, { env, cwd, ready, probe, timeoutMs = 30_000, stdin = 'ignore' } = {}) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: [stdin, 'pipe', 'pipe'], detached: true });
  let out = '';
  const keep = (d) => {
    out += d;
    if (out.length > 64_000) out = out.slice(-32_000); // drained, bounded
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const p = {
    name,
    child,
    pid: child.pid,
    output: () => out,
    alive: () => child.exitCode === null && child.signalCode === null,
    exited,
    match: undefined,
    async close() {
      tracked.delete(p);
      await killGroup(child, exited);
    },
  };
  tracked.add(p);
  const deadline = Date.now() + timeoutMs;
  let died;
  exited.then((e) => (died = e));
  while (Date.now() < deadline) {
    if (died) throw new Error(`${name} exited (${died.code ?? died.signal}) before it was ready:\n${tail(out)}`);
    if (ready) {
      const m = ready(out);
      if (m) {
        p.match = m;
        if (!probe) return p;
      }
    }
    if (probe && (!ready || p.match)) {
      if (await probe(p).catch(() => false)) return p;
    }
    await sleep(25);
  }
  await p.close();
  throw new Error(`${name}: not ready after ${timeoutMs} ms:\n${tail(out)}`);
}

export function tail(s, lines = 12) {
  return s.split('\n').slice(-lines).join('\n');
}

async function killGroup(child, exited) {
  if (child.exitCode !== null || child.signalCode !== null) {
    signalGroup(child.pid, 'SIGKILL'); // leftovers in the group
    return;
  }
  signalGroup(child.pid, 'SIGTERM');
  const t = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 2000);
  await exited;
  clearTimeout(t);
  signalGroup(child.pid, 'SIGKILL'); // children that ignored SIGTERM
}

function signalGroup(pid, sig) {
  try {
    process.kill(-pid, sig);
  } catch {
    /* gone */
  }
}

export async function closeAll() {
  await Promise.all([...tracked].map((p) => p.close()));
}

/** Synchronous last resort (process 'exit'). */
export function killAllNow() {
  for (const p of tracked) signalGroup(p.pid, 'SIGKILL');
  tracked.clear();
}

/** Kill every process whose command line contains `marker` (our run id). Returns how many. */
export function sweep(marker) {
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    let cmd;
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmd.includes(marker)) {
      try {
        process.kill(Number(d), 'SIGKILL');
        n++;
      } catch {
        /* gone */
      }
    }
  }
  return n;
}

/** PIDs whose command line contains `marker`. */
export function pidsMatching(marker) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function tcpOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** VmRSS in KB of one process (its own memory only; children are separate processes). */
export function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const CLK_TCK = 100; // Linux USER_HZ

/** utime + stime of one process, in milliseconds. */
export function cpuMs(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}
