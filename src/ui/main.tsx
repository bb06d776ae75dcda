/**
 * The Portcullis console: one page on the admin port. Screens are hash routes (#/approvals …);
 * the approvals queue comes first because it is the one a security engineer keeps open.
 * Keyboard: every action is a button or link (Tab / Enter / Space); 1–7 switch screens; `t` flips
 * the theme. Light and dark follow the system unless chosen.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { get, onUnauthorized, subscribe, takeTokenFromUrl, token, type FeedBus, type FeedMessage } from './api.js';
import { ApprovalsScreen, AuditScreen, FeedScreen, OverviewScreen, PolicyScreen, RegistryScreen, SessionsScreen } from './screens.js';

const SCREENS = [
  { id: 'approvals', label: 'Approvals', C: ApprovalsScreen },
  { id: 'overview', label: 'Overview', C: OverviewScreen },
  { id: 'feed', label: 'Live feed', C: FeedScreen },
  { id: 'registry', label: 'Registry', C: RegistryScreen },
  { id: 'sessions', label: 'Sessions', C: SessionsScreen },
  { id: 'audit', label: 'Audit', C: AuditScreen },
  { id: 'policy', label: 'Policy', C: PolicyScreen },
] as const;

type Theme = 'light' | 'dark' | 'system';

function currentRoute(): { screen: string; params: URLSearchParams } {
  const h = location.hash.replace(/^#\/?/, '');
  const [screen = 'approvals', query = ''] = h.split('?');
  return { screen: SCREENS.some((s) => s.id === screen) ? screen : 'approvals', params: new URLSearchParams(query) };
}

const feedListeners = new Set<(m: FeedMessage) => void>();
const feedBus: FeedBus = {
  listen(l) {
    feedListeners.add(l);
    return () => feedListeners.delete(l);
  },
};

function Login({ onDone, failed }: { onDone(): void; failed: boolean }) {
  const [value, setValue] = useState('');
  return (
    <main class="login" id="main">
      <h1>Portcullis console</h1>
      <p>Paste the admin token to continue. It was printed when the gateway first started and is kept in the data directory:</p>
      <pre>cat .portcullis/admin-token</pre>
      <p class="muted">
        Lost it? <code>portcullis admin token</code> prints a new one (the old one stops working). A read-only viewer token: <code>portcullis admin token --viewer</code>.
      </p>
      {failed && <p class="error" role="alert">That token was not accepted.</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          token.set(value);
          onDone();
        }}
      >
        <label for="token">Admin token</label>
        <input id="token" type="password" autoComplete="off" spellcheck={false} value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} autoFocus />
        <button type="submit" class="primary" disabled={!value.trim()}>
          Open the console
        </button>
      </form>
    </main>
  );
}

function App() {
  const [route, setRoute] = useState(currentRoute());
  const [authed, setAuthed] = useState<'checking' | 'yes' | 'no' | 'rejected'>(token.get() ? 'checking' : 'no');
  const [live, setLive] = useState(false);
  const [pending, setPending] = useState<number | undefined>();
  const [theme, setTheme] = useState<Theme>((localStorage.getItem('portcullis.theme') as Theme | null) ?? 'system');

  useEffect(() => {
    const on = () => {
      // A console link with a token opened in a tab that already shows the console.
      if (/(?:^#|&)token=/.test(location.hash)) {
        takeTokenFromUrl();
        setAuthed('checking');
      }
      setRoute(currentRoute());
    };
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);

  useEffect(() => onUnauthorized(() => setAuthed('rejected')), []);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('portcullis.theme', theme);
  }, [theme]);

  useEffect(() => {
    if (authed !== 'checking') return;
    get<{ approvals: unknown[] }>('/api/approvals?status=pending').then(
      (r) => {
        setPending(r.approvals.length);
        setAuthed('yes');
      },
      () => setAuthed('rejected'),
    );
  }, [authed]);

  useEffect(() => {
    if (authed !== 'yes') return;
    const refreshCount = () => void get<{ approvals: unknown[] }>('/api/approvals?status=pending').then((r) => setPending(r.approvals.length), () => undefined);
    return subscribe(
      (m) => {
        for (const l of feedListeners) l(m);
        if (m.type === 'approval' || (m.type === 'decision' && m.event.rule?.startsWith('approval.'))) refreshCount();
      },
      setLive,
    );
  }, [authed]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.ctrlKey || e.metaKey || e.altKey || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)) return;
      const n = Number(e.key);
      if (n >= 1 && n <= SCREENS.length) location.hash = `#/${SCREENS[n - 1]!.id}`;
      if (e.key === 't') setTheme((x) => (x === 'dark' ? 'light' : x === 'light' ? 'system' : 'dark'));
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  if (authed === 'no' || authed === 'rejected') return <Login failed={authed === 'rejected'} onDone={() => setAuthed('checking')} />;
  if (authed === 'checking') return <p class="loading">Connecting…</p>;

  const Screen = SCREENS.find((s) => s.id === route.screen)!.C;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <div class="brand">
          <span class="logo" aria-hidden="true">
            ▦
          </span>{' '}
          Portcullis
        </div>
        <nav aria-label="Screens">
          {SCREENS.map((s, i) => (
            <a href={`#/${s.id}`} aria-current={route.screen === s.id ? 'page' : undefined} title={`${s.label} (${i + 1})`} key={s.id}>
              {s.label}
              {s.id === 'approvals' && pending ? (
                <span class="badge" aria-label={`${pending} pending`}>
                  {pending}
                </span>
              ) : null}
            </a>
          ))}
        </nav>
        <div class="tools">
          <span class={`live ${live ? 'on' : 'off'}`} role="status" title={live ? 'Receiving live updates' : 'Live updates disconnected; reconnecting'}>
            {live ? '● live' : '○ offline'}
          </span>
          <button type="button" class="ghost" onClick={() => setTheme((x) => (x === 'dark' ? 'light' : x === 'light' ? 'system' : 'dark'))} title="Theme (t)">
            Theme: {theme}
          </button>
          <button
            type="button"
            class="ghost"
            onClick={() => {
              token.clear();
              setAuthed('no');
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Screen params={route.params} bus={feedBus} />
      </main>
    </>
  );
}

takeTokenFromUrl();
render(<App />, document.getElementById('app')!);
