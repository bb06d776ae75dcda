/** The console's screens. Each loads from the admin API and listens to the live feed where it helps. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import {
  ApiError,
  get,
  post,
  qs,
  type Approval,
  type AuditEvent,
  type Definition,
  type Diff,
  type Explanation,
  type FeedBus,
  type Overview,
  type PolicyView,
  type RegistryServer,
  type Session,
} from './api.js';
import { pretty, sideBySide } from './diff.js';

export interface ScreenProps {
  params: URLSearchParams;
  bus: FeedBus;
}

// ───────── small pieces ─────────

function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data?: T; error?: string; reload(): void; loading: boolean } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [n, setN] = useState(0);
  useEffect(() => {
    let alive = true;
    setLoading(true);
    load().then(
      (d) => alive && (setData(d), setError(undefined), setLoading(false)),
      (e: unknown) => alive && (setError(e instanceof Error ? e.message : String(e)), setLoading(false)),
    );
    return () => {
      alive = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, n]);
  return { data, error, loading, reload: useCallback(() => setN((x) => x + 1), []) };
}

function Err({ error }: { error?: string }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

function when(iso?: string): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { hour12: false });
}

function ago(iso: string, now = Date.now()): string {
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ago`;
}

function left(iso: string | undefined, now: number): string {
  if (!iso) return 'no deadline';
  const s = Math.round((Date.parse(iso) - now) / 1000);
  if (s <= 0) return 'expired';
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')} left`;
}

function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

function Decision({ d }: { d: string }) {
  return <span class={`pill d-${d}`}>{d}</span>;
}

function Status({ s }: { s: string }) {
  return <span class={`pill s-${s}`}>{s}</span>;
}

function Findings({ list }: { list?: AuditEvent['findings'] }) {
  if (!list?.length) return <span class="muted">none</span>;
  return (
    <ul class="findings">
      {list.map((f, i) => (
        <li key={i} class={`sev-${f.severity}`}>
          <strong>{f.severity}</strong> {f.category} <span class="muted">({f.detector})</span>
          {f.message ? ` ${f.message}` : ''}
        </li>
      ))}
    </ul>
  );
}

function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="panel" aria-label={title}>
      <div class="panel-head">
        <h2>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ───────── approvals ─────────

function Ticket({ a, onDecided, now, client }: { a: Approval; onDecided(): void; now: number; client?: string }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const decide = async (verdict: 'approve' | 'deny') => {
    setBusy(true);
    setError(undefined);
    try {
      await post(`/api/approvals/${encodeURIComponent(a.ticket)}/${verdict}`, { by: 'console', ...(reason.trim() ? { reason: reason.trim() } : {}) });
      onDecided();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
      setBusy(false);
    }
  };
  const urgent = a.expiresAt !== undefined && Date.parse(a.expiresAt) - now < 120_000;
  return (
    <article class="ticket" aria-labelledby={`t-${a.ticket}`} data-ticket={a.ticket}>
      <header>
        <h3 id={`t-${a.ticket}`}>
          <span class="target">{a.target ?? a.server ?? 'call'}</span>
        </h3>
        <span class={`deadline ${urgent ? 'urgent' : ''}`} title={`expires ${when(a.expiresAt)}`}>
          {left(a.expiresAt, now)}
        </span>
      </header>
      <dl class="facts">
        <dt>Principal</dt>
        <dd>{a.principal}</dd>
        <dt>Client</dt>
        <dd>{client ?? '–'}</dd>
        <dt>Server</dt>
        <dd>{a.server ?? '–'}</dd>
        <dt>Held by</dt>
        <dd>
          <code>{a.rule ?? 'approval.required'}</code>
        </dd>
        <dt>Asked</dt>
        <dd title={when(a.createdAt)}>{ago(a.createdAt, now)}</dd>
        <dt>Session</dt>
        <dd>
          <code class="small">{a.session ?? '–'}</code>
        </dd>
      </dl>
      <div class="summary">
        <div class="label">Call (secrets and personal data masked)</div>
        <pre>{highlightMasks(a.summary)}</pre>
      </div>
      {a.findings?.length ? (
        <div class="flagged">
          <div class="label">Detector findings</div>
          <Findings list={a.findings} />
        </div>
      ) : null}
      <div class="decide">
        <label for={`r-${a.ticket}`}>Reason (recorded in the audit log)</label>
        <input id={`r-${a.ticket}`} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} placeholder="optional" maxLength={500} />
        <div class="buttons">
          <button type="button" class="approve" disabled={busy} onClick={() => void decide('approve')}>
            Approve once
          </button>
          <button type="button" class="deny" disabled={busy} onClick={() => void decide('deny')}>
            Deny
          </button>
        </div>
        <Err error={error} />
      </div>
    </article>
  );
}

/** `[REDACTED:…]` markers stand out in a summary. */
function highlightMasks(s: string): ComponentChildren {
  const parts = s.split(/(\[REDACTED:[^\]]*\])/g);
  return parts.map((p, i) => (p.startsWith('[REDACTED:') ? <mark key={i}>{p}</mark> : p));
}

export function ApprovalsScreen({ bus }: ScreenProps) {
  const pending = useLoad(() => get<{ approvals: Approval[] }>('/api/approvals?status=pending'), []);
  const recent = useLoad(() => get<{ approvals: Approval[] }>('/api/approvals'), []);
  const sessions = useLoad(() => get<{ sessions: Session[] }>('/api/sessions'), []);
  const now = useNow();
  const reload = () => {
    pending.reload();
    recent.reload();
    sessions.reload();
  };
  const clientOf = (id?: string) => {
    const c = sessions.data?.sessions.find((x) => x.id === id)?.client;
    return c ? `${c.name} ${c.version}` : undefined;
  };
  useEffect(() => bus.listen((m) => (m.type === 'approval' || (m.type === 'decision' && (m.event.rule?.startsWith('approval.') || m.event.approver)) ? reload() : undefined)), [bus]);
  const list = pending.data?.approvals ?? [];
  const decided = (recent.data?.approvals ?? []).filter((a) => a.status !== 'pending').slice(0, 20);
  return (
    <div class="screen">
      <h1>
        Approvals <span class="count">{list.length} waiting</span>
      </h1>
      <Err error={pending.error} />
      {list.length === 0 && !pending.loading ? (
        <p class="empty" role="status">
          No call is waiting for a decision. New ones appear here as soon as a policy holds them.
        </p>
      ) : (
        <div class="tickets" role="list" aria-live="polite">
          {list.map((a) => (
            <div role="listitem" key={a.ticket}>
              <Ticket a={a} now={now} onDecided={reload} client={clientOf(a.session)} />
            </div>
          ))}
        </div>
      )}
      <Section title="Recently decided">
        {decided.length === 0 ? (
          <p class="muted">Nothing decided yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Status</th>
                <th>Principal</th>
                <th>Call</th>
                <th>Decided by</th>
                <th>When</th>
              </tr>
            </thead>
            <tbody>
              {decided.map((a) => (
                <tr key={a.ticket}>
                  <td>
                    <Status s={a.usedAt ? `${a.status}, used` : a.status} />
                  </td>
                  <td>{a.principal}</td>
                  <td>{a.target ?? '–'}</td>
                  <td>{a.decidedBy ?? '–'}</td>
                  <td>{when(a.decidedAt ?? a.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}

// ───────── overview ─────────

function Bars({ values, label, cls }: { values: number[]; label: string; cls: string }) {
  const max = Math.max(1, ...values);
  const w = 600;
  const h = 90;
  const bw = w / Math.max(1, values.length);
  return (
    <figure class="chart">
      <figcaption>
        {label} <span class="muted">(max {max}/min)</span>
      </figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`${label} per minute, last ${values.length} minutes, total ${values.reduce((a, b) => a + b, 0)}`} preserveAspectRatio="none">
        {values.map((v, i) => (
          <rect key={i} class={cls} x={i * bw + 0.5} y={h - (v / max) * (h - 4)} width={Math.max(1, bw - 1)} height={(v / max) * (h - 4)}>
            <title>{v}</title>
          </rect>
        ))}
      </svg>
    </figure>
  );
}

export function OverviewScreen({ bus }: ScreenProps) {
  const o = useLoad(() => get<Overview>('/api/overview'), []);
  useEffect(() => {
    let t: ReturnType<typeof setTimeout> | undefined;
    const off = bus.listen(() => {
      t ??= setTimeout(() => ((t = undefined), o.reload()), 2000);
    });
    return () => (off(), t && clearTimeout(t));
  }, [bus]);
  const d = o.data;
  return (
    <div class="screen">
      <h1>Overview</h1>
      <Err error={o.error} />
      {d && (
        <>
          <div class="tiles">
            <a class="tile" href="#/approvals">
              <span class="n">{d.pendingApprovals}</span> waiting for approval
            </a>
            <a class="tile" href="#/sessions">
              <span class="n">{d.sessions}</span> open sessions
            </a>
            <a class="tile" href="#/registry">
              <span class="n">{d.quarantined}</span> quarantined
            </a>
            <div class="tile">
              <span class="n">{d.series.reduce((a, b) => a + b.calls, 0)}</span> calls, last hour
            </div>
            <div class="tile">
              <span class="n">{d.series.reduce((a, b) => a + b.denials, 0)}</span> denials, last hour
            </div>
          </div>
          <Section title="Last hour">
            <div class="charts">
              <Bars label="Calls" cls="c-calls" values={d.series.map((b) => b.calls)} />
              <Bars label="Denials" cls="c-deny" values={d.series.map((b) => b.denials)} />
              <Bars label="Findings" cls="c-find" values={d.series.map((b) => b.findings)} />
              <Bars label="Average latency (ms)" cls="c-lat" values={d.series.map((b) => b.avgLatencyMs ?? 0)} />
            </div>
          </Section>
          <div class="cols">
            <Section title="Upstreams">
              <table>
                <thead>
                  <tr>
                    <th>Server</th>
                    <th>Health</th>
                    <th>Transport</th>
                    <th>Registry</th>
                    <th>Restarts</th>
                  </tr>
                </thead>
                <tbody>
                  {d.upstreams.map((u) => (
                    <tr key={u.name}>
                      <td>
                        <strong>{u.name}</strong>
                        <div class="muted small">{u.target}</div>
                      </td>
                      <td>
                        <span class={`pill h-${u.up === null ? 'idle' : u.up ? 'up' : 'down'}`}>{u.up === null ? 'not started' : u.up ? 'up' : 'down'}</span>
                      </td>
                      <td>{u.transport}</td>
                      <td>{u.registryStatus ? <Status s={u.registryStatus} /> : '–'}</td>
                      <td>{u.restarts}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Section>
            <Section title="Rules that held or denied calls">
              {d.topRules.length ? (
                <ol class="bars">
                  {d.topRules.map((r) => (
                    <li key={r.rule}>
                      <a href={`#/audit?decision=deny`}>
                        <code>{r.rule}</code>
                      </a>{' '}
                      <span class="muted">{r.count}</span>
                    </li>
                  ))}
                </ol>
              ) : (
                <p class="muted">No denials in the last hour.</p>
              )}
              <h3>Findings by category</h3>
              {d.findingsByCategory.length ? (
                <ol class="bars">
                  {d.findingsByCategory.map((r) => (
                    <li key={r.category}>
                      {r.category} <span class="muted">{r.count}</span>
                    </li>
                  ))}
                </ol>
              ) : (
                <p class="muted">No findings in the last hour.</p>
              )}
            </Section>
          </div>
          <p class="muted small">
            Portcullis {d.version}, up {Math.floor(d.uptimeSeconds / 60)} min.
          </p>
        </>
      )}
    </div>
  );
}

// ───────── live feed ─────────

function EventDetail({ e, onClose }: { e: AuditEvent; onClose(): void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), [e.id]);
  return (
    <div class="detail" role="dialog" aria-modal="false" aria-label={`Audit event ${e.id}`} tabIndex={-1} ref={ref} onKeyDown={(k) => k.key === 'Escape' && onClose()}>
      <div class="panel-head">
        <h2>Event {e.id}</h2>
        <button type="button" class="ghost" onClick={onClose}>
          Close (Esc)
        </button>
      </div>
      <dl class="facts">
        <dt>Decision</dt>
        <dd>
          <Decision d={e.decision} /> {e.rule ? <code>{e.rule}</code> : null}
        </dd>
        <dt>Why</dt>
        <dd>{e.reason ?? '–'}</dd>
        <dt>Principal</dt>
        <dd>{e.principal.id}</dd>
        <dt>Client</dt>
        <dd>{e.client ? `${e.client.name} ${e.client.version}` : '–'}</dd>
        <dt>Call</dt>
        <dd>
          {e.method} {e.target ?? ''}
        </dd>
        <dt>Findings</dt>
        <dd>
          <Findings list={e.findings} />
        </dd>
      </dl>
      <pre class="json">{JSON.stringify(e, null, 2)}</pre>
      <a href={`#/audit?session=${encodeURIComponent(e.session ?? '')}`}>All events of this session in the audit log →</a>
    </div>
  );
}

function EventsTable({ events, onPick }: { events: AuditEvent[]; onPick(e: AuditEvent): void }) {
  return (
    <table class="events">
      <thead>
        <tr>
          <th>Time</th>
          <th>Decision</th>
          <th>Principal</th>
          <th>Call</th>
          <th>Rule</th>
          <th>Findings</th>
          <th>ms</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.id} class={`row-${e.decision}`}>
            <td>
              <button type="button" class="link" onClick={() => onPick(e)} title="Show the audit event">
                {new Date(e.time).toLocaleTimeString(undefined, { hour12: false })}
              </button>
            </td>
            <td>
              <Decision d={e.decision} />
            </td>
            <td>{e.principal.id}</td>
            <td>
              <span class="muted">{e.method}</span> {e.target ?? ''}
            </td>
            <td>{e.rule ? <code>{e.rule}</code> : ''}</td>
            <td>{e.findings.length ? <span class="pill sev-high">{e.findings.length}</span> : ''}</td>
            <td>{e.latencyMs?.toFixed(1) ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function FeedScreen({ bus }: ScreenProps) {
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [paused, setPaused] = useState(false);
  const [filter, setFilter] = useState({ decision: '', text: '' });
  const [picked, setPicked] = useState<AuditEvent>();
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  useEffect(() => {
    void get<{ events: Array<{ event: AuditEvent }> }>('/api/audit?limit=50').then((r) => setEvents(r.events.map((c) => c.event)), () => undefined);
    return bus.listen((m) => {
      if (m.type === 'decision' && !pausedRef.current) setEvents((xs) => [m.event, ...xs].slice(0, 500));
    });
  }, [bus]);
  const shown = events.filter(
    (e) => (!filter.decision || e.decision === filter.decision) && (!filter.text || `${e.principal.id} ${e.target ?? ''} ${e.method} ${e.rule ?? ''}`.toLowerCase().includes(filter.text.toLowerCase())),
  );
  return (
    <div class="screen">
      <h1>Live feed</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Decision{' '}
          <select value={filter.decision} onChange={(e) => setFilter({ ...filter, decision: (e.target as HTMLSelectElement).value })}>
            <option value="">any</option>
            {['allow', 'deny', 'modify', 'approve', 'error'].map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </label>
        <label>
          Search <input value={filter.text} onInput={(e) => setFilter({ ...filter, text: (e.target as HTMLInputElement).value })} placeholder="principal, tool, rule" />
        </label>
        <button type="button" onClick={() => setPaused(!paused)} aria-pressed={paused}>
          {paused ? 'Resume' : 'Pause'}
        </button>
      </form>
      <div class="split">
        <div class="grow">{shown.length ? <EventsTable events={shown} onPick={setPicked} /> : <p class="empty">No decisions yet. They appear here as agents call tools.</p>}</div>
        {picked && <EventDetail e={picked} onClose={() => setPicked(undefined)} />}
      </div>
    </div>
  );
}

// ───────── registry ─────────

function DiffView({ id, onChanged }: { id: string; onChanged(): void }) {
  const d = useLoad(() => get<Diff>(`/api/registry/diff${qs({ id })}`), [id]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const act = async (verb: 'approve' | 'quarantine' | 'retire') => {
    setBusy(true);
    try {
      await post(`/api/registry/${encodeURIComponent(id)}/${verb}`, { by: 'console' });
      onChanged();
      d.reload();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
    setBusy(false);
  };
  const rows = useMemo(() => (d.data ? sideBySide(d.data.previous ? pretty(d.data.previous.definition) : [], pretty(d.data.current.definition)) : []), [d.data]);
  return (
    <Section
      title={`Definition of ${id}`}
      actions={
        <div class="buttons">
          <button type="button" class="approve" disabled={busy || d.data?.status === 'approved'} onClick={() => void act('approve')}>
            Approve this definition
          </button>
          <button type="button" class="deny" disabled={busy || d.data?.status === 'quarantined'} onClick={() => void act('quarantine')}>
            Quarantine
          </button>
          <button type="button" disabled={busy || d.data?.status === 'retired'} onClick={() => void act('retire')}>
            Retire
          </button>
        </div>
      }
    >
      <Err error={d.error ?? error} />
      {d.data && (
        <>
          <p>
            <Status s={d.data.status} /> {d.data.reason ?? ''}
          </p>
          <table class="diff" aria-label="Definition diff, previous on the left, current on the right">
            <thead>
              <tr>
                <th>{d.data.previous?.label ?? '(no earlier version)'}</th>
                <th>{d.data.current.label}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i} class={`k-${r.kind}`}>
                  <td class="l">
                    <pre>{r.left ?? ''}</pre>
                  </td>
                  <td class="r">
                    <pre>{r.right ?? ''}</pre>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Section>
  );
}

export function RegistryScreen({ params, bus }: ScreenProps) {
  const [status, setStatus] = useState(params.get('status') ?? '');
  const r = useLoad(() => get<{ servers: RegistryServer[]; definitions: Definition[] }>(`/api/registry${qs({ status })}`), [status]);
  const [picked, setPicked] = useState<string | undefined>(params.get('id') ?? undefined);
  useEffect(() => bus.listen((m) => (m.type === 'registry' ? r.reload() : undefined)), [bus]);
  const defs = r.data?.definitions ?? [];
  const order = { quarantined: 0, pending: 1, approved: 2, retired: 3 } as Record<string, number>;
  const sorted = [...defs].sort((a, b) => (order[a.status] ?? 9) - (order[b.status] ?? 9) || a.id.localeCompare(b.id));
  return (
    <div class="screen">
      <h1>Registry</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status{' '}
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="">all</option>
            {['quarantined', 'pending', 'approved', 'retired'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </form>
      <Err error={r.error} />
      <div class="split">
        <div class="grow">
          <Section title="Servers">
            <table>
              <thead>
                <tr>
                  <th>Server</th>
                  <th>Status</th>
                  <th>Transport</th>
                  <th>Target</th>
                </tr>
              </thead>
              <tbody>
                {(r.data?.servers ?? []).map((s) => (
                  <tr key={s.name}>
                    <td>{s.name}</td>
                    <td>
                      <Status s={s.status} />
                    </td>
                    <td>{s.transport}</td>
                    <td class="small">{s.target}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          <Section title="Tools, prompts and resource templates">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Kind</th>
                  <th>Status</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                {sorted.map((d) => (
                  <tr key={`${d.kind}:${d.id}`} aria-selected={picked === d.id}>
                    <td>
                      <button type="button" class="link" onClick={() => setPicked(d.id)}>
                        {d.id}
                      </button>
                    </td>
                    <td>{d.kind}</td>
                    <td>
                      <Status s={d.status} />
                    </td>
                    <td class="small">{d.reason ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
        </div>
        {picked && (
          <div class="grow">
            <DiffView id={picked} onChanged={r.reload} />
          </div>
        )}
      </div>
    </div>
  );
}

// ───────── sessions and principals ─────────

export function SessionsScreen({ bus }: ScreenProps) {
  const s = useLoad(() => get<{ sessions: Session[] }>('/api/sessions'), []);
  const [msg, setMsg] = useState<string>();
  const [error, setError] = useState<string>();
  const [principal, setPrincipal] = useState('');
  const [dur, setDur] = useState('1h');
  useEffect(() => {
    const t = setInterval(s.reload, 5000);
    const off = bus.listen((m) => (m.type === 'decision' && m.event.method === 'initialize' ? s.reload() : undefined));
    return () => (clearInterval(t), off());
  }, [bus]);
  const revoke = async (what: 'sessions' | 'principals', id: string) => {
    if (!confirm(`Revoke ${what === 'sessions' ? 'session' : 'principal'} ${id} for ${dur}?`)) return;
    setError(undefined);
    try {
      const r = await post<Record<string, unknown>>(`/api/${what}/${encodeURIComponent(id)}/revoke`, { for: dur, by: 'console' });
      setMsg(`Revoked ${String(r.revoked)} for ${String(r.forSeconds)} s.`);
      s.reload();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div class="screen">
      <h1>Sessions and principals</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Revocations hold for{' '}
          <select value={dur} onChange={(e) => setDur((e.target as HTMLSelectElement).value)}>
            {['15m', '1h', '8h', '24h', '7d'].map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </label>
      </form>
      {msg && (
        <p class="ok" role="status">
          {msg}
        </p>
      )}
      <Err error={s.error ?? error} />
      <Section title={`Open sessions (${s.data?.sessions.length ?? 0})`}>
        {s.data?.sessions.length ? (
          <table>
            <thead>
              <tr>
                <th>Principal</th>
                <th>Client</th>
                <th>Protocol</th>
                <th>Transport</th>
                <th>Taint</th>
                <th>Idle</th>
                <th>Session</th>
                <th>
                  <span class="sr">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {s.data.sessions.map((x) => (
                <tr key={x.id}>
                  <td>
                    {x.principal}
                    {x.groups.length ? <div class="muted small">{x.groups.join(', ')}</div> : null}
                  </td>
                  <td>{x.client ? `${x.client.name} ${x.client.version}` : '–'}</td>
                  <td>{x.protocolVersion ?? '–'}</td>
                  <td>{x.transport}</td>
                  <td>{x.taint.length ? x.taint.map((t) => <span class="pill sev-medium" key={t}>{t}</span>) : '–'}</td>
                  <td>{x.idleSeconds}s</td>
                  <td>
                    <code class="small">{x.id}</code>
                  </td>
                  <td class="buttons">
                    <button type="button" class="deny" onClick={() => void revoke('sessions', x.id)} aria-label={`Revoke session ${x.id}`}>
                      Revoke session
                    </button>
                    <button type="button" onClick={() => void revoke('principals', x.principal)} aria-label={`Revoke principal ${x.principal}`}>
                      Revoke {x.principal}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">No open sessions.</p>
        )}
      </Section>
      <Section title="Revoke a principal">
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            if (principal.trim()) void revoke('principals', principal.trim());
          }}
        >
          <label>
            Principal <input value={principal} onInput={(e) => setPrincipal((e.target as HTMLInputElement).value)} placeholder="user:alice" />
          </label>
          <button type="submit" class="deny" disabled={!principal.trim()}>
            Revoke
          </button>
        </form>
      </Section>
    </div>
  );
}

// ───────── audit ─────────

export function AuditScreen({ params }: ScreenProps) {
  const [f, setF] = useState({ principal: params.get('principal') ?? '', tool: params.get('tool') ?? '', server: '', decision: params.get('decision') ?? '', session: params.get('session') ?? '', since: '24h', limit: '200' });
  const [query, setQuery] = useState(f);
  const r = useLoad(() => get<{ events: Array<{ seq: number; event: AuditEvent }> }>(`/api/audit${qs(query)}`), [JSON.stringify(query)]);
  const [verify, setVerify] = useState<{ ok: boolean; text: string } | string>();
  const [picked, setPicked] = useState<AuditEvent>();
  const field = (k: keyof typeof f, label: string, ph = '') => (
    <label>
      {label} <input value={f[k]} onInput={(e) => setF({ ...f, [k]: (e.target as HTMLInputElement).value })} placeholder={ph} />
    </label>
  );
  const events = r.data?.events ?? [];
  return (
    <div class="screen">
      <h1>Audit</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(f);
        }}
      >
        {field('principal', 'Principal', 'user:alice')}
        {field('tool', 'Tool', 'server__tool')}
        {field('server', 'Server')}
        <label>
          Decision{' '}
          <select value={f.decision} onChange={(e) => setF({ ...f, decision: (e.target as HTMLSelectElement).value })}>
            <option value="">any</option>
            {['allow', 'deny', 'modify', 'approve', 'error'].map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </label>
        {field('since', 'Since', '24h or 2026-01-31')}
        <button type="submit" class="primary">
          Search
        </button>
        <button type="button" disabled={!events.length} onClick={() => download('portcullis-audit.jsonl', events.map((c) => JSON.stringify(c)).join('\n') + '\n', 'application/x-ndjson')}>
          Export JSONL
        </button>
        <button
          type="button"
          onClick={() => {
            setVerify('Verifying…');
            post<{ ok: boolean; text: string }>('/api/audit/verify').then(setVerify, (e: unknown) => setVerify(e instanceof Error ? e.message : String(e)));
          }}
        >
          Verify the log
        </button>
      </form>
      {verify && (
        <p class={typeof verify === 'string' ? 'muted' : verify.ok ? 'ok' : 'error'} role="status">
          {typeof verify === 'string' ? verify : verify.text}
        </p>
      )}
      <Err error={r.error} />
      <p class="muted small">
        {events.length} events{events.length >= Number(query.limit) ? ' (the newest; narrow the search for older ones)' : ''}
      </p>
      <div class="split">
        <div class="grow">{events.length ? <EventsTable events={events.map((c) => c.event)} onPick={setPicked} /> : !r.loading && <p class="empty">No events match.</p>}</div>
        {picked && <EventDetail e={picked} onClose={() => setPicked(undefined)} />}
      </div>
    </div>
  );
}

// ───────── policy ─────────

export function PolicyScreen(_: ScreenProps) {
  const p = useLoad(() => get<PolicyView>('/api/policy'), []);
  const [form, setForm] = useState({ principal: 'user:alice', groups: '', tool: '', args: '{}' });
  const [result, setResult] = useState<Explanation | string>();
  const run = async () => {
    let args: Record<string, unknown>;
    try {
      args = JSON.parse(form.args || '{}') as Record<string, unknown>;
    } catch {
      setResult('Arguments must be a JSON object.');
      return;
    }
    try {
      setResult(
        await post<Explanation>('/api/policy/explain', {
          principal: form.principal,
          groups: form.groups.split(',').map((g) => g.trim()).filter(Boolean),
          ...(form.tool ? { tool: form.tool } : {}),
          arguments: args,
        }),
      );
    } catch (e) {
      setResult(e instanceof Error ? e.message : String(e));
    }
  };
  const d = p.data;
  return (
    <div class="screen">
      <h1>Policy</h1>
      <Err error={p.error} />
      <div class="cols">
        <Section title="What if…">
          <form
            class="stack"
            onSubmit={(e) => {
              e.preventDefault();
              void run();
            }}
          >
            <label>
              Principal <input value={form.principal} onInput={(e) => setForm({ ...form, principal: (e.target as HTMLInputElement).value })} />
            </label>
            <label>
              Groups <input value={form.groups} onInput={(e) => setForm({ ...form, groups: (e.target as HTMLInputElement).value })} placeholder="eng, oncall" />
            </label>
            <label>
              Tool <input value={form.tool} onInput={(e) => setForm({ ...form, tool: (e.target as HTMLInputElement).value })} placeholder="server__tool" />
            </label>
            <label>
              Arguments (JSON) <textarea rows={4} value={form.args} onInput={(e) => setForm({ ...form, args: (e.target as HTMLTextAreaElement).value })} />
            </label>
            <button type="submit" class="primary" disabled={!d?.configured}>
              Explain the decision
            </button>
          </form>
          {typeof result === 'string' ? (
            <p class="error" role="alert">
              {result}
            </p>
          ) : result ? (
            <div class="explain" role="status">
              <p>
                <Decision d={result.result.decision} /> {result.result.reason}
              </p>
              {result.result.obligations.length ? <p>Obligations: {result.result.obligations.join(', ')}</p> : null}
              {result.determining.map((x) => (
                <details key={x.id} open>
                  <summary>
                    {x.effect} <code>{x.id}</code> <span class="muted">{x.source}</span>
                  </summary>
                  <pre>{x.text}</pre>
                </details>
              ))}
              {result.errored.map((x) => (
                <p class="error" key={x.id}>
                  {x.id}: {x.error}
                </p>
              ))}
            </div>
          ) : null}
        </Section>
        <Section title={d?.configured ? `Policies in force (${d.policies.length}${d.generation !== undefined ? `, generation ${d.generation}` : ''})` : 'Policies'}>
          {d && !d.configured && <p>No policy is configured: every call not refused by another stage is allowed.</p>}
          {d?.lastReload && (
            <p class={d.lastReload.ok ? 'ok' : 'error'}>
              Last reload {when(d.lastReload.time)}: {d.lastReload.ok ? `OK, ${d.lastReload.policies} policies` : `rejected (the previous set stays): ${d.lastReload.problems?.join('; ') ?? ''}`}
            </p>
          )}
          {d?.policies.map((x) => (
            <details key={x.id}>
              <summary>
                <span class={`pill e-${x.effect}`}>{x.effect}</span> <code>{x.id}</code> <span class="muted small">{x.source}</span>
                {x.obligations.length ? <span class="pill sev-medium">{x.obligations.join(', ')}</span> : null}
              </summary>
              <pre>{x.text}</pre>
            </details>
          ))}
        </Section>
      </div>
    </div>
  );
}
