/** The console's only way to the gateway: the admin API with the bearer token (never a cookie). */

const KEY = 'portcullis.adminToken';

/** A token handed over in the URL fragment (`/#token=…`, never sent to a server) is kept for this tab and removed from the address bar. */
export function takeTokenFromUrl(): void {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(KEY, decodeURIComponent(m[1]!));
  history.replaceState(null, '', location.pathname + location.search + location.hash.replace(/(^#|&)token=[^&]+/, '$1').replace(/^#&?$/, ''));
}

export const token = {
  get: (): string => sessionStorage.getItem(KEY) ?? '',
  set: (t: string) => sessionStorage.setItem(KEY, t.trim()),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly rule?: string,
  ) {
    super(message);
  }
}

const listeners = new Set<() => void>();
/** Called when the server says the token is missing or wrong. */
export function onUnauthorized(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token.get()}` };
  if (method === 'POST') headers['content-type'] = 'application/json';
  const r = await fetch(path, { method, headers, credentials: 'omit', cache: 'no-store', ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}) });
  const text = await r.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { error: text };
  }
  if (!r.ok) {
    const e = json as { error?: string; rule?: string };
    if (r.status === 401) for (const l of listeners) l();
    throw new ApiError(r.status, e.error ?? `HTTP ${r.status}`, e.rule);
  }
  return json as T;
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body);

export function qs(o: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export type FeedMessage =
  | { type: 'decision'; event: AuditEvent }
  | { type: 'registry'; change: { kind: string; server: string; name: string; status: string } }
  | { type: 'approval'; ticket: string; status: string; by: string }
  | { type: 'upstream'; server: string; up: boolean };

/**
 * The live feed (`/api/events`, Server-Sent Events) read with fetch, since EventSource cannot send
 * the Authorization header. Reconnects with backoff; `onState` reports whether it is connected.
 */
export function subscribe(onMessage: (m: FeedMessage) => void, onState: (live: boolean) => void): () => void {
  let stopped = false;
  let ctrl: AbortController | undefined;
  let delay = 500;
  const run = async () => {
    while (!stopped) {
      ctrl = new AbortController();
      try {
        const r = await fetch('/api/events', { headers: { authorization: `Bearer ${token.get()}` }, credentials: 'omit', signal: ctrl.signal });
        if (r.status === 401) for (const l of listeners) l();
        if (!r.ok || !r.body) throw new Error(`HTTP ${r.status}`);
        onState(true);
        delay = 500;
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = block
              .split('\n')
              .filter((l) => l.startsWith('data: '))
              .map((l) => l.slice(6))
              .join('\n');
            if (data) {
              try {
                onMessage(JSON.parse(data) as FeedMessage);
              } catch {
                /* not ours */
              }
            }
          }
        }
      } catch {
        /* reconnect below */
      }
      onState(false);
      if (stopped) break;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  };
  void run();
  return () => {
    stopped = true;
    ctrl?.abort();
  };
}

// ───────── shapes (see /api/openapi.json) ─────────

export interface Finding {
  detector: string;
  category: string;
  severity: string;
  message?: string;
  path?: string;
}
export interface AuditEvent {
  id: string;
  time: string;
  session?: string;
  principal: { id: string; kind: string; groups: string[] };
  client?: { name: string; version: string };
  transport?: string;
  server?: string;
  method: string;
  target?: string;
  decision: string;
  rule?: string;
  reason?: string;
  policyIds?: string[];
  findings: Finding[];
  latencyMs?: number;
  outcome?: string;
  approver?: string;
  error?: string;
}
export interface Approval {
  ticket: string;
  status: 'pending' | 'approved' | 'denied' | 'expired';
  session?: string;
  principal: string;
  server?: string;
  target?: string;
  summary: string;
  createdAt: string;
  expiresAt?: string;
  decidedAt?: string;
  decidedBy?: string;
  usedAt?: string;
  rule?: string;
  findings?: Finding[];
}
export interface Session {
  id: string;
  principal: string;
  groups: string[];
  client?: { name: string; version: string };
  protocolVersion?: string;
  transport: string;
  taint: string[];
  idleSeconds: number;
}
export interface Upstream {
  name: string;
  transport: string;
  target: string;
  up: boolean | null;
  since?: string;
  restarts: number;
  registryStatus?: string;
}
export interface Overview {
  version: string;
  uptimeSeconds: number;
  sessions: number;
  pendingApprovals: number;
  quarantined: number;
  upstreams: Upstream[];
  series: Array<{ time: string; calls: number; denials: number; findings: number; avgLatencyMs: number | null }>;
  topRules: Array<{ rule: string; count: number }>;
  findingsByCategory: Array<{ category: string; count: number }>;
}
export interface Definition {
  id: string;
  kind: string;
  server: string;
  name: string;
  hash: string;
  status: string;
  reason?: string;
  definition: unknown;
  firstSeen: string;
  lastSeen: string;
}
export interface RegistryServer {
  name: string;
  transport: string;
  target: string;
  status: string;
  owner?: string;
  firstSeen: string;
  lastSeen: string;
}
export interface Diff {
  id: string;
  status: string;
  reason?: string;
  previous: { label: string; definition: unknown } | null;
  current: { label: string; definition: unknown };
  text: string;
}
export interface PolicyView {
  configured: boolean;
  generation?: number;
  policies: Array<{ id: string; effect: string; source: string; text: string; obligations: string[] }>;
  lastReload: { ok: boolean; policies: number; problems?: string[]; time: string } | null;
}
export interface Explanation {
  result: { decision: string; policyIds: string[]; reason: string; obligations: string[]; errors: string[] };
  determining: Array<{ id: string; effect: string; source: string; text: string }>;
  errored: Array<{ id: string; error: string }>;
  visible?: boolean;
}

/** Messages of the live feed, for whichever screen is showing. */
export interface FeedBus {
  listen(l: (m: FeedMessage) => void): () => void;
}
