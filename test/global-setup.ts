/**
 * Suite-wide check: no child process outlives the suite. Every MCP server a test started
 * (through the gateway or directly) must be gone when the tests end.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const MARKERS = [path.join(ROOT, 'test', 'fixtures'), 'server-everything', 'server-memory', 'server-filesystem', 'mcp-server-'];

function serverProcesses(): Array<{ pid: number; cmd: string }> {
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    let cmd: string;
    let parentCmd = '';
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue; // zombies are already dead
      const ppid = Number(fields[1]);
      // An orphan was re-parented to init; a child still attached to a test worker outlived its test too.
      // Anything else (e.g. a benchmark running beside the tests) belongs to someone else.
      if (ppid !== 1) {
        try {
          parentCmd = readFileSync(`/proc/${ppid}/cmdline`, 'utf8');
        } catch {
          parentCmd = '';
        }
        if (!parentCmd.includes('vitest')) continue;
      }
    } catch {
      continue;
    }
    if (cmd.includes('vitest')) continue;
    if (MARKERS.some((m) => cmd.includes(m))) out.push({ pid: Number(d), cmd });
  }
  return out;
}

let before = new Set<number>();

export function setup(): void {
  before = new Set(serverProcesses().map((p) => p.pid));
}

export async function teardown(): Promise<void> {
  let left: Array<{ pid: number; cmd: string }> = [];
  for (let i = 0; i < 20; i++) {
    left = serverProcesses().filter((p) => !before.has(p.pid));
    if (left.length === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  throw new Error(`orphan MCP server processes after the suite:\n${left.map((p) => `  ${p.pid} ${p.cmd}`).join('\n')}`);
}
