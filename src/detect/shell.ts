/**
 * Shell-injection detector for arguments of tools that take commands or file names which end up in
 * a shell: command chaining (`;`, `&&`, `||`, `&`), pipes, command substitution (`$(...)`,
 * backticks), variable / process substitution (`${...}`, `<(...)`), redirections, and newline
 * injection. A small quote-aware scanner (single quotes disable everything; double quotes keep
 * `$(`, `${` and backticks live) walks the text once.
 *
 * Meant for values that a tool passes to a shell. Severity rises when what follows the
 * metacharacter looks like a command that fetches, executes or destroys.
 */
import type { Finding, Severity, TextDetector } from './types.js';

const DANGEROUS_CMD_RE = /^\s*(?:sudo\s+)?(?:curl|wget|nc|ncat|netcat|socat|telnet|bash|sh|zsh|dash|ksh|python[0-9.]*|perl|ruby|php|node|powershell|pwsh|cmd(?:\.exe)?|rm|mkfs|dd|chmod|chown|chattr|crontab|ssh|scp|rsync|base64|openssl|eval|exec|env|printenv|cat\s+\/etc\/|cat\s+~|xargs|awk|sed\s+-i|kill|pkill|shutdown|reboot|useradd|passwd|iptables|nohup|mkfifo|tee|id\b|whoami|uname)\b/i;

function mk(kind: string, start: number, end: number, severity: Severity, score: number, message: string): Finding {
  return { category: 'shell_injection', detector: `shell.${kind}`, severity, score, start, end, label: kind, message };
}

/** indexOf within a bounded window (an unclosed `$(` must not make later ones rescan the rest of the text). */
function indexWithin(text: string, ch: string, from: number, max: number): number {
  const r = text.slice(from, from + max).indexOf(ch);
  return r < 0 ? -1 : from + r;
}

function following(text: string, i: number): string {
  return text.slice(i, i + 60);
}

export function detectShellInjection(text: string): Finding[] {
  const out: Finding[] = [];
  const n = text.length;
  let quote: '"' | "'" | '' = '';
  for (let i = 0; i < n; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = '';
      continue;
    }
    if (c === '\\') {
      i++; // escaped character
      continue;
    }
    if (c === '"') {
      quote = quote === '"' ? '' : '"';
      continue;
    }
    if (c === "'" && quote === '') {
      quote = "'";
      continue;
    }
    // live inside double quotes too
    if (c === '$' && text[i + 1] === '(') {
      const isArith = text[i + 2] === '(';
      const close = indexWithin(text, ')', i + 2, 400);
      const end = close >= 0 ? close + 1 : Math.min(n, i + 2);
      if (!isArith) out.push(mk('command-substitution', i, end, 'high', 0.9, 'command substitution $(...)'));
      continue;
    }
    if (c === '`') {
      const close = indexWithin(text, '`', i + 1, 400);
      if (close > i + 1) {
        out.push(mk('backtick-substitution', i, close + 1, 'high', 0.9, 'command substitution with backticks'));
        i = close;
      }
      continue;
    }
    if (c === '$' && text[i + 1] === '{') {
      const close = indexWithin(text, '}', i + 2, 200);
      const end = close >= 0 ? close + 1 : i + 2;
      out.push(mk('variable-expansion', i, end, 'medium', 0.6, 'parameter expansion ${...}'));
      continue;
    }
    if (quote === '"') continue;
    // unquoted metacharacters
    if (c === '\n' || c === '\r') {
      const rest = following(text, i + 1);
      if (rest.trim().length > 0) {
        const sev: Severity = DANGEROUS_CMD_RE.test(rest) ? 'critical' : 'high';
        out.push(mk('newline-injection', i, i + 1, sev, 0.85, 'newline starts a new command'));
      }
      continue;
    }
    if (c === ';') {
      const rest = following(text, i + 1);
      if (rest.trim().length === 0) continue;
      out.push(mk('command-chaining', i, i + 1, DANGEROUS_CMD_RE.test(rest) ? 'critical' : 'high', 0.85, '";" chains another command'));
      continue;
    }
    if (c === '&') {
      if (text[i + 1] === '&') {
        const rest = following(text, i + 2);
        out.push(mk('command-chaining', i, i + 2, DANGEROUS_CMD_RE.test(rest) ? 'critical' : 'high', 0.85, '"&&" chains another command'));
        i++;
        continue;
      }
      if (text[i + 1] === '>' || text[i - 1] === '>' || text[i - 1] === '<') continue; // &> and >& redirections
      const rest = following(text, i + 1);
      if (rest.trim().length > 0) out.push(mk('background', i, i + 1, DANGEROUS_CMD_RE.test(rest) ? 'critical' : 'medium', 0.7, '"&" runs a command in the background'));
      continue;
    }
    if (c === '|') {
      if (text[i + 1] === '|') {
        const rest = following(text, i + 2);
        out.push(mk('command-chaining', i, i + 2, DANGEROUS_CMD_RE.test(rest) ? 'critical' : 'high', 0.85, '"||" chains another command'));
        i++;
        continue;
      }
      const rest = following(text, i + 1);
      out.push(mk('pipe', i, i + 1, DANGEROUS_CMD_RE.test(rest) ? 'critical' : 'medium', 0.75, 'output piped into another command'));
      continue;
    }
    if ((c === '<' || c === '>') && text[i + 1] === '(') {
      out.push(mk('process-substitution', i, i + 2, 'high', 0.85, 'process substitution'));
      i++;
      continue;
    }
    if (c === '>' || c === '<') {
      let j = i + 1;
      if (text[j] === c) j++; // >> or <<
      if (text[j] === '&') j++;
      const target = /^\s*([^\s;|&<>]{1,200})/.exec(text.slice(j, j + 220))?.[1] ?? '';
      const sensitive = /^(?:\/etc\/|\/dev\/tcp|\/dev\/udp|~\/\.|\/root|\/proc\/|\.ssh|\.bashrc|\.profile|\.zshrc|authorized_keys)/.test(target);
      out.push(mk('redirection', i, j, sensitive ? 'critical' : 'medium', sensitive ? 0.9 : 0.6, `redirection ${text.slice(i, j)} ${target ? 'to ' + (sensitive ? target : 'a file') : ''}`.trim()));
      i = j - 1;
      continue;
    }
  }
  return out;
}

export const shellDetector: TextDetector = { id: 'shell', detect: detectShellInjection };
