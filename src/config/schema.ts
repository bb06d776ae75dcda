/**
 * The configuration schema: the one source of truth. `schema/portcullis.schema.json` is generated
 * from it (`npm run schema`; a test fails when it is stale). Unknown keys are errors everywhere
 * (`z.strictObject`), so a typo never silently turns a control off.
 *
 * A user's existing client config works as is: `mcpServers` in the Claude Desktop / Cursor shape.
 * Portcullis' own per-server keys go in `servers.<name>` (or directly in the mcpServers entry).
 */
import { z } from 'zod';
import { DISABLEABLE_STAGES } from '../shared/stages.js';

/**
 * A key's documentation: what it does, what it protects, and an example. `docs/config.md` and the
 * JSON Schema are generated from these (`npm run docs:config`); a test fails when a key has none.
 */
function doc(description: string, ...examples: unknown[]): { description: string; examples?: unknown[] } {
  return examples.length > 0 ? { description, examples } : { description };
}

const Duration = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration like 500ms, 30s, 5m, 2h or 30d')]);

const CredentialValues = z
  .record(z.string(), z.string())
  .meta(doc('Environment variables (stdio server) or HTTP headers (remote server) for this principal; values hold `${secret:NAME}` references, opened from the vault for each new child or request, never shown to the client.', { Authorization: 'Bearer ${secret:GITHUB_ALICE}' }));

const UpstreamOAuth = z.strictObject({
  clientId: z.string().optional().meta(doc('A client pre-registered at the upstream\'s authorization server. Without it the gateway uses the server\'s Dynamic Client Registration (RFC 7591) once and keeps the registration in the vault.', 'portcullis-gateway')),
  clientSecret: z.string().optional().meta(doc('The pre-registered client\'s secret, as `${secret:NAME}` (confidential client); leave out for a public client (PKCE only).', '${secret:UPSTREAM_CLIENT_SECRET}')),
  scopes: z.array(z.string()).optional().meta(doc('Scopes to ask for; default the `scopes_supported` of the protected resource metadata, else none.', ['repo', 'read:user'])),
  authorizationServer: z.url().optional().meta(doc('The authorization server (issuer), when the upstream does not publish RFC 9728 protected resource metadata.', 'https://auth.example.com/')),
  redirectUrl: z.url().optional().meta(doc('Where the authorization server sends the user back: the gateway\'s `/oauth/callback` on the MCP port, as the browser reaches it. Default from `listen.publicUrl`, else the listener\'s address.', 'https://mcp.example.com/oauth/callback')),
});

const TokenExchange = z.strictObject({
  tokenEndpoint: z.url().meta(doc('The RFC 8693 token endpoint of the authorization server that issued the users\' inbound tokens.', 'https://auth.example.com/oauth/token')),
  clientId: z.string().meta(doc('The gateway\'s client id at that authorization server.', 'portcullis-gateway')),
  clientSecret: z.string().optional().meta(doc('Its client secret, as `${secret:NAME}` (sent with HTTP Basic).', '${secret:EXCHANGE_CLIENT_SECRET}')),
  audience: z.string().optional().meta(doc('The `audience` to ask the new token for (the upstream).', 'https://mcp.example.com')),
  resource: z.url().optional().meta(doc('The `resource` (RFC 8707) to ask the new token for; default the upstream\'s URL.', 'https://mcp.example.com/mcp')),
  scopes: z.array(z.string()).optional().meta(doc('The `scope` to ask for.', ['tools:read'])),
});

const Credentials = z
  .strictObject({
    byPrincipal: z
      .record(z.string().regex(/^(user|agent|group):.+$|^anonymous$/, 'a principal (user:NAME, agent:NAME, anonymous) or a group (group:NAME)'), CredentialValues)
      .optional()
      .meta(doc('Each principal\'s own credential: the exact principal first, then the first `group:NAME` entry (in the order written) the principal belongs to, then `default`. A principal none of them covers is refused (`credentials.no-credential`). A remote server with credentials is not pooled unless told to (its default isolation is `session`), and `isolation: shared` is refused: a pool would carry one user\'s credential for everyone. A stdio server needs `isolation: principal`.', { 'user:alice': { GITHUB_TOKEN: '${secret:GH_ALICE}' }, 'group:oncall': { GITHUB_TOKEN: '${secret:GH_ONCALL}' } })),
    default: CredentialValues.optional().meta(doc('The credential for principals `byPrincipal` does not name; without it they are refused.', { GITHUB_TOKEN: '${secret:GH_READONLY}' })),
    oauth: UpstreamOAuth.optional().meta(doc('Remote servers: act upstream as each user with their own OAuth tokens. The gateway runs the authorization-code flow with PKCE for the user (discovery by RFC 9728 / RFC 8414), hands them the link in the tool error, keeps their tokens encrypted in the vault, refreshes them, and never shows them to the client.', {})),
    tokenExchange: TokenExchange.optional().meta(doc('Remote servers, JWT auth: exchange the user\'s inbound token (RFC 8693) for one scoped to this upstream, cached until it expires. Nothing the client sent is passed through.')),
  })
  .meta(doc('Credentials per principal for this server, which the agents never hold (docs/credentials.md). One of `byPrincipal` (with an optional `default`), `oauth` or `tokenExchange`.'));

/** Portcullis keys that may sit beside a server's command/url. */
const ServerOptions = {
  timeout: Duration.optional().meta(doc('Per-call timeout for this server (default `limits.requestTimeout`). A hung server cannot hold a client forever.', '30s')),
  idleTimeout: Duration.optional().meta(doc('Stop an idle child (or connection) after this long without calls; 0 = never. For a pooled (`shared`) server this is the last member: the others stop after `pool.shrinkAfter`.', '10m')),
  maxInstances: z.number().int().positive().optional().meta(doc('Most concurrent children (or connections) of this server: the size of its pool when `isolation: shared` (default 4), else the most sessions (or principals) that get one. Bounds the processes clients can make the gateway start for it.', 4)),
  pool: z
    .strictObject({
      callsPerInstance: z.number().int().positive().optional().meta(doc('Calls one pool member takes at once (default 8). When every member has this many in flight the pool grows (up to `maxInstances`); when it cannot, a call waits up to `queueTimeout`. A call of a client that answers sampling / elicitation, to a server seen sending such requests, takes a member to itself.', 8)),
      shrinkAfter: Duration.optional().meta(doc('Stop a pool member idle this long while another remains (default 60s).', '30s')),
      queueTimeout: Duration.optional().meta(doc('How long a call waits for a member when the pool is full and every member busy (default 5s); then PCX_UPSTREAM_UNAVAILABLE (`servers.maxInstances`) with a retry hint.', '2s')),
    })
    .optional()
    .meta(doc('Sizing of the pool of a shared server (`isolation: shared`, the default).', { callsPerInstance: 4, shrinkAfter: '2m' })),
  prefix: z.string().max(40).optional().meta(doc('Name prefix for this server\'s tools and prompts (`<prefix>__<tool>`); default the server name. `""` keeps names unchanged. Keeps two servers\' same-named tools apart.', 'files')),
  shared: z.boolean().optional().meta(doc('Older spelling: `true` = `isolation: shared`, `false` = `isolation: session`.', true)),
  isolation: z
    .enum(['shared', 'principal', 'session'])
    .optional()
    .meta(
      doc(
        "Who shares this server's children (or connections): `shared` (default) a pool of at most `maxInstances`, serving every session, for servers without per-session state; `session` one per downstream session, for servers that keep state per connection (a browser, a shell, log messages or `roots` that must reach one client); `principal` one per principal, shared by its sessions (counted against limits.maxChildrenPerPrincipal). In every mode request ids and progress tokens are remapped and notifications routed to the session that made the call; what cannot be attributed is dropped. `portcullis stdio` defaults to `session`. See docs/upstreams.md.",
        'session',
      ),
    ),
  owner: z.string().optional().meta(doc('Owner recorded in the registry (who to ask about this server).', 'platform-team')),
  labels: z.array(z.string()).optional().meta(doc('Labels for every tool of this server, read by the flow rule: `private_data`, `untrusted_source`, `egress`, `command`.', ['private_data'])),
  toolLabels: z.record(z.string(), z.array(z.string())).optional().meta(doc('Labels per upstream tool name (added to `labels`).', { send_email: ['egress'] })),
  disabled: z.boolean().optional().meta(doc('Skip this server (keep the entry, start nothing).', true)),
  credentials: Credentials.optional(),
};

const Command = z.string().min(1, 'is required: the program to start, e.g. "npx"').meta(doc('Program to start (looked up on PATH, then in Portcullis\' own node_modules/.bin).', 'npx'));
const Args = z.array(z.string()).meta(doc('Arguments. Ones written as relative paths (`./x`, `../x`) resolve against the config file\'s folder; `${dataDir}` is the data directory.', ['-y', '@modelcontextprotocol/server-memory']));
const Env = z.record(z.string(), z.string()).meta(doc('Environment of the child (added to a minimal inherited one). Use `${env:NAME}` for secrets: the gateway holds them, the client never sees them. Values written as relative paths resolve against the config file\'s folder.', { GITHUB_TOKEN: '${env:GITHUB_TOKEN}' }));
const Cwd = z.string().meta(doc('Working directory of the child, relative to the config file\'s folder.', './workspace'));
const Url = z.url({ message: 'must be an http(s) URL' }).meta(doc('URL of a remote server (Streamable HTTP, or SSE with `type: sse`).', 'https://mcp.example.com/mcp'));
const Headers = z.record(z.string(), z.string()).meta(doc('HTTP headers sent to the remote server, e.g. its credentials (`${env:NAME}`), held by the gateway only.', { Authorization: 'Bearer ${env:REMOTE_TOKEN}' }));

const StdioServer = z.strictObject({
  type: z.literal('stdio').optional().meta(doc('Transport: `stdio` (implied by `command`).', 'stdio')),
  command: Command,
  args: Args.default([]),
  env: Env.default({}),
  cwd: Cwd.optional(),
  ...ServerOptions,
});

const RemoteType = z.enum(['http', 'sse', 'streamable-http', 'streamableHttp']).meta(doc('Transport of a remote server: `http` (Streamable HTTP, the default) or `sse` (legacy).', 'http'));
const RemoteServer = z.strictObject({
  type: RemoteType.optional(),
  url: Url,
  headers: Headers.default({}),
  ...ServerOptions,
});

export const ServerEntry = z.union([StdioServer, RemoteServer], {
  error: () => 'a server needs either "command" (stdio) or "url" (Streamable HTTP / SSE)',
});

/** Options only (for `servers.<name>` entries that add Portcullis keys to an `mcpServers` entry). */
const ServerOverride = z.strictObject({
  ...ServerOptions,
  command: Command.optional(),
  args: Args.optional(),
  env: Env.optional(),
  cwd: Cwd.optional(),
  url: Url.optional(),
  headers: Headers.optional(),
  type: z.enum(['stdio', 'http', 'sse', 'streamable-http', 'streamableHttp']).optional().meta(doc('Transport: `stdio`, `http` (Streamable HTTP) or `sse`.', 'http')),
});

const Listen = z.strictObject({
  host: z.string().default('127.0.0.1').meta(doc('Address the MCP listener binds. Beyond loopback, turn on `auth` (`auth: none` is refused there).', '0.0.0.0')),
  port: z.number().int().min(0).max(65535).default(7400).meta(doc('MCP port (0 = any free port).', 7400)),
  path: z.string().startsWith('/').default('/mcp').meta(doc('Path of the Streamable HTTP endpoint (legacy SSE is served beside it at `/sse`).', '/mcp')),
  publicUrl: z.url().optional().meta(doc('Public URL of the MCP endpoint: the OAuth resource identifier tokens must be issued for; default from host, port and path.', 'https://mcp.example.com/mcp')),
  allowedHosts: z.array(z.string()).optional().meta(doc('Allowed `Host` headers (DNS-rebinding protection); loopback names are always allowed on loopback binds.', ['mcp.example.com'])),
  allowedOrigins: z.array(z.string()).optional().meta(doc('Allowed `Origin` headers of browser clients (DNS-rebinding protection).', ['https://app.example.com'])),
});

const Admin = z.strictObject({
  enabled: z.boolean().default(true).meta(doc('Serve the admin port (health, metrics, the admin API and console).', false)),
  host: z.string().default('127.0.0.1').meta(doc('Address the admin port binds. Host and Origin headers are checked on every request (DNS rebinding).', '127.0.0.1')),
  port: z.number().int().min(0).max(65535).default(7401).meta(doc('Admin port (0 = any free port).', 7401)),
  token: z.string().min(16).optional().meta(doc('Admin bearer token. Default: a random token kept in `<dataDir>/admin-token` (0600), created at first start and printed once; `portcullis admin token` rotates it. Every acting route needs it, even on loopback. Set this only to inject a secret instead.', '${env:PORTCULLIS_ADMIN_TOKEN}')),
  viewerToken: z.string().min(16).optional().meta(doc('Read-only token (GET /api/*, /metrics). Default: `<dataDir>/admin-viewer-token`, made by `portcullis admin token --viewer`.', '${env:PORTCULLIS_ADMIN_VIEWER_TOKEN}')),
  allowedHosts: z.array(z.string()).optional().meta(doc('Host headers accepted besides loopback names and the bind address (`name` = any port, or `name:port`), e.g. a reverse proxy\'s name. Others get 421 (DNS-rebinding protection).', ['admin.internal:7401'])),
  allowedOrigins: z.array(z.string()).optional().meta(doc('Origins accepted besides the admin port\'s own; cross-site requests are refused.', ['https://console.example.com'])),
});

const Jwt = z.strictObject({
  issuer: z.string().meta(doc('Expected `iss` of bearer tokens.', 'https://auth.example.com/')),
  audience: z.union([z.string(), z.array(z.string())]).meta(doc('Expected `aud`: tokens issued for another service are refused (no token passthrough).', 'https://mcp.example.com/mcp')),
  jwks: z.string().optional().meta(doc('A local JWKS file (relative to the config file) with the issuer\'s public keys.', './jwks.json')),
  jwksUrl: z.url().optional().meta(doc('URL of the issuer\'s JWKS (fetched and cached).', 'https://auth.example.com/.well-known/jwks.json')),
  algorithms: z.array(z.string()).default(['RS256', 'ES256', 'EdDSA', 'PS256']).meta(doc('Accepted signature algorithms (never `none` or HMAC with a public key).', ['ES256'])),
  clockSkew: Duration.default('30s').meta(doc('Tolerance for `exp` / `nbf`.', '30s')),
  requiredScopes: z.array(z.string()).default([]).meta(doc('Scopes every token must carry.', ['mcp:tools'])),
  claims: z
    .strictObject({
      subject: z.string().default('sub').meta(doc('Claim naming the user.', 'sub')),
      groups: z.string().default('groups').meta(doc('Claim with the user\'s groups (policy `group:NAME`).', 'groups')),
      roles: z.string().optional().meta(doc('Claim with roles, if any.', 'roles')),
      agent: z.string().default('azp').meta(doc('Claim naming the agent / OAuth client.', 'azp')),
    })
    .default({ subject: 'sub', groups: 'groups', agent: 'azp' })
    .meta(doc('Which token claims identify the principal.')),
  authorizationServers: z.array(z.url()).optional().meta(doc('Authorization servers advertised in the protected-resource metadata (default `issuer`).', ['https://auth.example.com/'])),
});

const Auth = z.union([
  z.literal('none'),
  z.strictObject({
    jwt: Jwt.optional().meta(doc('OAuth 2.1 bearer JWTs on HTTP sessions.')),
    apiKeys: z.boolean().default(false).meta(doc('Accept API keys made with `portcullis keys create` (`Authorization: Bearer pcx_…`).', true)),
    stdio: z
      .strictObject({
        principal: z.string().optional().meta(doc('Principal of stdio sessions; default the local OS user.', 'user:alice')),
        groups: z.array(z.string()).default([]).meta(doc('Groups of stdio sessions.', ['eng'])),
      })
      .optional()
      .meta(doc('Identity of stdio sessions (the client that started the gateway).')),
  }),
]);

const PolicyRule = z.strictObject({
  principal: z.union([z.string(), z.array(z.string())]).default('*').meta(doc('Who: `*`, `user:NAME`, `group:NAME`, `agent:NAME`, or a list.', 'group:eng')),
  tools: z.array(z.string()).optional().meta(doc('Namespaced tool names or globs.', ['github__*'])),
  resources: z.array(z.string()).optional().meta(doc('Resource URIs or globs.', ['file:///srv/docs/*'])),
  prompts: z.array(z.string()).optional().meta(doc('Namespaced prompt names or globs.', ['everything__*'])),
  methods: z.array(z.string()).optional().meta(doc('Other JSON-RPC methods (not tools, resources or prompts) this rule allows or denies by name. Unknown methods are denied unless a rule allows them.', ['x/admin_reset', 'x/*'])),
  where: z.record(z.string(), z.unknown()).optional().meta(doc('Conditions on the call\'s arguments and context.', { 'args.path': { startsWith: '/srv/' } })),
  obligations: z.array(z.string()).optional().meta(doc('What an allowed call must also do, e.g. `approve` (a human decides first).', ['approve'])),
  id: z.string().optional().meta(doc('Rule id reported in denials and the audit log.', 'eng-github')),
});

const Policy = z.strictObject({
  allow: z.array(PolicyRule).default([]).meta(doc('Rules that permit calls. With a policy section, anything not allowed is denied.')),
  deny: z.array(PolicyRule).default([]).meta(doc('Rules that forbid calls; a deny wins over every allow.')),
  cedar: z.string().optional().meta(doc('A directory of .cedar files (relative to the config file), used with or instead of the lists above.', './policies')),
  watch: z.boolean().default(true).meta(doc('Reload policies when the .cedar files, or this section of the config file, change (a bad edit keeps the last good policy).', false)),
  arguments: z
    .record(z.string().regex(/^[A-Za-z_$][\w$-]*$/, 'an argument name'), z.string())
    .optional()
    .meta(doc('Cedar types of tool arguments your .cedar policies read. YAML `where` conditions declare their own; .cedar policies get simple types inferred.', { path: 'String', depth: 'Long', opts: '{ recursive?: Bool }' })),
  schema: z.string().optional().meta(doc('A Cedar schema to use instead of the shipped `policy/portcullis.cedarschema` (it must keep its types).', './my.cedarschema')),
});

const Action = z.enum(['block', 'redact', 'annotate', 'log', 'off']);

const DetectorSettings = z.strictObject({
  results: Action.optional().meta(doc('What to do with findings in tool results and resource contents: `block`, `redact`, `annotate` (warn the model), `log`, `off`.', 'redact')),
  arguments: Action.optional().meta(doc('What to do with findings in tool arguments (same actions).', 'block')),
  minSeverity: z.enum(['low', 'medium', 'high', 'critical']).optional().meta(doc('Lowest severity that triggers the action.', 'high')),
});

const Inspect = z.strictObject({
  injection: DetectorSettings.default({ results: 'annotate', arguments: 'log' }).meta(doc('Prompt injection in results (MCP06): instructions aimed at the model hidden in content a tool returns.')),
  secrets: DetectorSettings.default({ results: 'redact', arguments: 'block' }).meta(doc('Credentials (API keys, tokens, private keys) leaving through arguments or coming back in results (MCP01).')),
  pii: DetectorSettings.default({ results: 'log', arguments: 'log' }).meta(doc('Personal data (emails, phone numbers, card and ID numbers) (MCP10).')),
  unicode: DetectorSettings.default({ results: 'redact', arguments: 'log' }).meta(doc('Invisible and bidirectional Unicode used to hide instructions.')),
  paths: DetectorSettings.default({ results: 'off', arguments: 'log' }).meta(doc('Sensitive file paths and traversal in arguments (`~/.ssh`, `../../etc`).')),
  ssrf: z
    .strictObject({
      arguments: Action.default('block').meta(doc('What to do with a URL argument that points at a private, loopback, link-local or metadata address.', 'block')),
      allowPrivate: z.array(z.string()).default([]).meta(doc('Private hosts or CIDRs URL arguments may reach.', ['10.1.2.0/24'])),
    })
    .default({ arguments: 'block', allowPrivate: [] })
    .meta(doc('Server-side request forgery through URL arguments (cloud metadata, internal services).')),
  shell: DetectorSettings.default({ arguments: 'log' }).meta(doc('Shell metacharacters and command injection in arguments (MCP05).')),
  learnedScorer: z
    .boolean()
    .default(true)
    .meta(
      doc(
        'Run the learned scorers (prompt injection in results, tool poisoning in definitions) after the rules. Off: the rules alone, about twice as fast on large results, but rewordings the rules do not know are missed (see `npm run eval`).',
        true,
      ),
    ),
  overrides: z.record(z.string(), z.record(z.string(), DetectorSettings)).default({}).meta(doc('Per `server__tool` glob settings that replace the ones above.', { 'web__*': { injection: { results: 'block' } } })),
});

const Flow = z.strictObject({
  trifecta: z.enum(['block', 'log', 'off']).default('block').meta(doc('Deny egress tools in a session that has read private data and seen untrusted content (the exfiltration "lethal trifecta"). Tools are labelled with `labels` / `toolLabels`.', 'block')),
});

const Registry = z.strictObject({
  mode: z.enum(['observe', 'enforce']).default('observe').meta(doc('`observe`: new servers and tools are admitted and pinned; `enforce`: they arrive pending and stay hidden until approved (`portcullis registry approve`). Either way a changed definition (rug pull), a renamed look-alike of a tool the server no longer lists, and a definition the poisoning scanner flags are quarantined.', 'enforce')),
  quarantinePoisoned: z.boolean().optional().meta(doc('Quarantine a definition the poisoning scanner flags (MCP03), in observe mode too: observe admits the unknown, not the hostile. Default on; `false` only flags them in observe mode. Always on in enforce mode.', true)),
});

/** Human approval of calls a policy marks `@obligation("approve")` (see pipeline/interceptors/approval.ts). */
const Approvals = z.strictObject({
  ttl: Duration.default('15m').meta(doc('How long a ticket waits for a decision, and how long an approval stays usable for the retried call.', '15m')),
  elicit: z.boolean().default(false).meta(doc('Ask the person at the client first, through MCP elicitation, when the client supports it: they approve or decline that one call (self-approval, so off by default). Falls back to a ticket.', true)),
  elicitTimeout: Duration.default('2m').meta(doc('How long to wait for that answer before falling back to a ticket.', '2m')),
});

const Audit = z.strictObject({
  failClosed: z.boolean().default(true).meta(doc('Deny calls while the audit store cannot write, so no call goes unrecorded (MCP08).', true)),
  fsync: z.boolean().default(false).meta(doc('SQLite: fsync every commit (synchronous=FULL), so an acknowledged event survives a power cut, at ~0.75 ms per commit. Off, commits survive a crash or kill -9 of the gateway (WAL) and cost ~20 µs.', true)),
  writerThread: z
    .boolean()
    .optional()
    .meta(doc('SQLite: commit audit batches on a worker thread with its own connection, so the thread relaying calls never waits for the disk (each answer still waits for its commit). Off by default: measured both ways at 1 and 8 concurrent sessions (bench/README.md, "Session 6"), the thread cost 5–18 % more gateway CPU per call (in 4 of 5 pairs at each load) and 5–9 MB (a second V8 isolate and connection), and bought a p50 lower by ~8–12 % (3 of 5 and 4 of 5 pairs); with `fsync: false` a commit costs ~0.05 ms inline. Turn it on when latency under concurrency matters more than CPU and memory, on a slow disk, or with `fsync: true`, where an inline commit can stall the relay for milliseconds.', true)),
  jsonl: z.string().optional().meta(doc('Also append events to this JSONL file (relative to the config file).', './audit.jsonl')),
  redactedCopies: z.boolean().default(false).meta(doc('Store redacted copies of arguments and results (digests are always stored).', true)),
  retention: Duration.optional().meta(doc('How long audit events are kept: older ones are pruned hourly (the chain stays verifiable from a signed checkpoint). Unset = kept forever.', '90d')),
  checkpointEvery: z.number().int().positive().default(1000).meta(doc('Write a signed audit checkpoint after at most this many events (also at shutdown); `audit verify` flags longer gaps between checkpoints as deleted checkpoints.', 1000)),
  checkpointInterval: Duration.default('60s').meta(doc('Write a signed audit checkpoint at most this long after the first event not yet covered by one, so a quiet log is anchored too; verify flags events spanning more than twice this (+10 min) without a checkpoint.', '60s')),
  signingKey: z
    .string()
    .optional()
    .meta(doc('Ed25519 private key (PKCS#8 PEM) signing audit checkpoints: a file path (relative to the config file) or the PEM itself via `${env:VAR}`. Default `<dataDir>/audit-signing-key.pem`, created 0600 on first start. Production: keep it outside the data dir (docs/audit.md); a key file readable by group or others is refused.', '/etc/portcullis/audit.pem', '${env:PORTCULLIS_AUDIT_KEY}')),
});

const Store = z.strictObject({
  sqlite: z
    .strictObject({ path: z.string().optional().meta(doc('Database file, relative to the config file; default `<dataDir>/portcullis.db` (created 0600).', './state/portcullis.db')) })
    .optional()
    .meta(doc('SQLite store (the default).')),
  postgres: z
    .strictObject({ url: z.string().meta(doc('Connection URL; a schema other than the default with `?options=-c%20search_path%3D<schema>`.', 'postgres://portcullis@db/portcullis')) })
    .optional()
    .meta(doc('PostgreSQL store, shared by a fleet of gateways: audit chain, registry, keys, and the sessions any replica can serve (docs/fleet.md).')),
});

const Coord = z.strictObject({
  redis: z
    .strictObject({ url: z.string().meta(doc('Connection URL.', 'redis://127.0.0.1:6379')) })
    .optional()
    .meta(doc('Redis for fleet coordination: revocations, rate limits and approvals seen by every gateway, and messages between replicas (notifications for a client whose stream is on another replica; docs/fleet.md).')),
});

const Limits = z.strictObject({
  maxMessageBytes: z.number().int().positive().default(4 * 1024 * 1024).meta(doc('Largest JSON-RPC message accepted from a client or an upstream; larger ones are refused, so one message cannot exhaust memory.', 1048576)),
  requestTimeout: Duration.default('60s').meta(doc('Default per-call timeout.', '60s')),
  maxChildren: z.number().int().positive().default(64).meta(doc('Most stdio children across all servers.', 64)),
  maxSessions: z.number().int().positive().default(10_000).meta(doc('Most concurrent downstream sessions.', 10000)),
  maxSessionsPerPrincipal: z.number().int().positive().default(32).meta(doc('Most concurrent downstream sessions one principal may hold. At the cap its own least-recently-used idle session is closed to make room; with none idle it gets HTTP 429 (PCX_RATE_LIMITED). Protects other users from one credential opening sessions in a loop.', 32)),
  maxChildrenPerPrincipal: z.number().int().positive().default(16).meta(doc("Most upstream child processes (stdio servers that are not `shared`) one principal's sessions may hold in all. Past it the principal's own idle sessions are reclaimed, else the call gets PCX_UPSTREAM_UNAVAILABLE with a retry hint; other principals' children are never taken for it.", 16)),
  reclaimPooledIdleAfter: Duration.default('5s').meta(
    doc(
      "At a principal's session cap (maxSessionsPerPrincipal), its own least recently used session that holds no child process of its own (every server it uses is pooled, so it is cheap to open again) and has had no call for this long gives way to the new one. Short-lived clients that never send DELETE (the Inspector CLI, an SDK client that only drops its transport) then never lock a principal out. Sessions holding their own children wait for reclaimIdleAfter.",
      '5s',
    ),
  ),
  reclaimIdleAfter: Duration.default('1m').meta(doc('When a session or child cap is reached, sessions without a call in flight and idle at least this long are closed, least recently used first, instead of refusing the new one.', '1m')),
  maxStreamBufferBytes: z.number().int().positive().default(16 * 1024 * 1024).meta(doc('Most bytes the gateway queues for one downstream stream (an SSE response or the standalone GET stream) whose client does not read. Past it the slow session is closed (its calls cancelled); gateway memory stays bounded. Keep it above twice maxMessageBytes.', 16777216)),
  sessionIdleTimeout: Duration.default('30m').meta(doc('Drop a downstream HTTP session after this long without requests.', '30m')),
  interceptorTimeout: Duration.default('5s').meta(doc('A pipeline interceptor that takes longer than this denies the call (fail closed).', '5s')),
  maxCallsInFlightPerPrincipal: z
    .number()
    .int()
    .positive()
    .default(64)
    .meta(
      doc(
        "Most calls one principal may have in flight at once, across all its sessions and both protocol eras. Past it a call is refused before it reaches an upstream (PCX_RATE_LIMITED, rule rate.in-flight, with a retry hint), so one credential flooding slow calls cannot monopolise the upstreams (shared pools above all) that other users share.",
        64,
      ),
    ),
  callsPerMinute: z.number().int().nonnegative().default(0).meta(doc('Calls per minute per principal (0 = unlimited).', 600)),
  maxDepth: z.number().int().min(8).max(1000).default(64).meta(doc('Deepest JSON nesting accepted in a message\'s params or result; deeper is refused (rule validate.depth) and audited.', 64)),
  listPageSize: z.number().int().nonnegative().default(1000).meta(doc('Items per page of tools/prompts/resources lists sent to clients, with `nextCursor` for the rest (0 = one page).', 100)),
});

const Observability = z.strictObject({
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').meta(doc('Log level. Logs go to stderr: one readable line per entry on a terminal, JSON lines otherwise (`PORTCULLIS_LOG_FORMAT=json` or `pretty` overrides).', 'debug')),
  otlp: z
    .strictObject({
      endpoint: z.url().meta(doc('OTLP/HTTP endpoint.', 'http://127.0.0.1:4318')),
      headers: z.record(z.string(), z.string()).default({}).meta(doc('Headers sent with every export.', { Authorization: 'Bearer ${env:OTLP_TOKEN}' })),
    })
    .optional()
    .meta(doc('Export traces and audit logs over OpenTelemetry (OTLP/HTTP).')),
});

export const ConfigSchema = z.strictObject({
  $schema: z.string().optional().meta(doc('Path or URL of the JSON Schema, for editors.', './schema/portcullis.schema.json')),
  listen: Listen.default(Listen.parse({})).meta(doc('Where MCP clients connect (Streamable HTTP, legacy SSE at `/sse`).')),
  admin: Admin.default(Admin.parse({})).meta(doc('The admin port: `/healthz`, `/readyz`, `/metrics` and the admin API (sessions, revocation, approvals).')),
  dataDir: z.string().optional().meta(doc('Data directory (SQLite store, audit signing key), relative to the config file; default `.portcullis` beside it. `--data-dir` and `PORTCULLIS_DATA_DIR` override it.', './.portcullis')),
  auth: Auth.default({ apiKeys: true }).meta(doc('Who may connect over HTTP: `none` (loopback only), or `jwt` and/or `apiKeys`. stdio sessions are the local user.', { apiKeys: true })),
  mcpServers: z
    .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'server names may use letters, digits, _ . -'), ServerEntry)
    .default({})
    .meta(doc('The upstream MCP servers, in the shape Claude Desktop / Cursor use: each `command` (stdio) or `url` (remote), plus optional Portcullis keys.', { memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] } })),
  servers: z.record(z.string(), ServerOverride).default({}).meta(doc('Portcullis keys for an `mcpServers` entry (so that block can stay a verbatim client config), or more servers.', { memory: { timeout: '30s', owner: 'me' } })),
  namespace: z
    .strictObject({ separator: z.string().min(1).max(4).default('__').meta(doc('Between a server\'s prefix and its tool names.', '__')) })
    .default({ separator: '__' })
    .meta(doc('How tool and prompt names are namespaced by server.')),
  pipeline: z
    .strictObject({ disable: z.array(z.enum(DISABLEABLE_STAGES)).default([]).meta(doc('Stages to turn off, by name (each one removed lowers protection; authn cannot be).', ['inspect'])) })
    .default({ disable: [] })
    .meta(doc('The interceptor chain (the order is fixed in src/pipeline/stages.ts).')),
  limits: Limits.default(Limits.parse({})).meta(doc('Sizes, timeouts and rates that keep one client or server from exhausting the gateway.')),
  policy: Policy.optional().meta(doc('Who may call what (Cedar, from these lists and/or .cedar files). Without it every authenticated principal may call every tool.')),
  inspect: Inspect.default(Inspect.parse({})).meta(doc('Content inspection of arguments and results.')),
  flow: Flow.default({ trifecta: 'block' }).meta(doc('Session taint rules across calls.')),
  approvals: Approvals.default(Approvals.parse({})).meta(doc('Human approval of calls a policy marks `obligations: [approve]`.')),
  registry: Registry.default({ mode: 'observe' }).meta(doc('The registry of servers and tools: pinning (rug pulls, MCP04) and admission of new tools (MCP09).')),
  audit: Audit.default(Audit.parse({})).meta(doc('The hash-chained, signed audit log (MCP08).')),
  store: Store.default({}).meta(doc('Where state and the audit log live (SQLite in the data dir by default).')),
  coord: Coord.default({}).meta(doc('Coordination between gateways of a fleet.')),
  observability: Observability.default(Observability.parse({})).meta(doc('Logs, traces and their export.')),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ServerConfig = z.infer<typeof StdioServer> | z.infer<typeof RemoteServer>;
export type StdioServerConfig = z.infer<typeof StdioServer>;
export type RemoteServerConfig = z.infer<typeof RemoteServer>;

export function isStdio(s: ServerConfig): s is StdioServerConfig {
  return 'command' in s;
}

/** `30s` → 30000. Numbers are milliseconds. */
export function ms(d: string | number | undefined, fallback = 0): number {
  if (d === undefined) return fallback;
  if (typeof d === 'number') return d;
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(d);
  if (!m) return fallback;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
  return n * unit;
}
