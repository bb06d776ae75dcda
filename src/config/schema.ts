/**
 * The configuration schema: the one source of truth. `schema/portcullis.schema.json` is generated
 * from it (`npm run schema`; a test fails when it is stale). Unknown keys are errors everywhere
 * (`z.strictObject`), so a typo never silently turns a control off.
 *
 * A user's existing client config works as is: `mcpServers` in the Claude Desktop / Cursor shape.
 * Portcullis' own per-server keys go in `servers.<name>` (or directly in the mcpServers entry).
 */
import { z } from 'zod';

const Duration = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration like 500ms, 30s, 5m, 2h or 30d')]);

/** Portcullis keys that may sit beside a server's command/url. */
const ServerOptions = {
  /** Per-call timeout for this server. */
  timeout: Duration.optional(),
  /** Stop an idle child after this long without calls (stdio only). 0 = never. */
  idleTimeout: Duration.optional(),
  /** Most concurrent children of this server (one per downstream session unless `shared`). */
  maxInstances: z.number().int().positive().optional(),
  /** Name prefix for this server's tools and prompts; default the server name. `""` keeps names unchanged. */
  prefix: z.string().max(40).optional(),
  /** A stateless server whose one upstream session may serve every downstream session. */
  shared: z.boolean().optional(),
  /** Owner recorded in the registry. */
  owner: z.string().optional(),
  /** Labels for every tool of this server (`untrusted_source`, `private_data`, `egress`, `command`). */
  labels: z.array(z.string()).optional(),
  /** Labels per upstream tool name. */
  toolLabels: z.record(z.string(), z.array(z.string())).optional(),
  /** Skip this server. */
  disabled: z.boolean().optional(),
};

const StdioServer = z.strictObject({
  type: z.literal('stdio').optional(),
  command: z.string().min(1, 'is required: the program to start, e.g. "npx"'),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().optional(),
  ...ServerOptions,
});

const RemoteServer = z.strictObject({
  type: z.enum(['http', 'sse', 'streamable-http', 'streamableHttp']).optional(),
  url: z.url({ message: 'must be an http(s) URL' }),
  headers: z.record(z.string(), z.string()).default({}),
  ...ServerOptions,
});

export const ServerEntry = z.union([StdioServer, RemoteServer], {
  error: () => 'a server needs either "command" (stdio) or "url" (Streamable HTTP / SSE)',
});

/** Options only (for `servers.<name>` entries that add Portcullis keys to an `mcpServers` entry). */
const ServerOverride = z.strictObject({
  ...ServerOptions,
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
  url: z.url().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  type: z.enum(['stdio', 'http', 'sse', 'streamable-http', 'streamableHttp']).optional(),
});

const Listen = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(7400),
  path: z.string().startsWith('/').default('/mcp'),
  /** Public URL of the MCP endpoint (the OAuth resource identifier); default from host/port/path. */
  publicUrl: z.url().optional(),
  /** Allowed Host / Origin headers (DNS-rebinding protection); loopback names are always allowed on loopback binds. */
  allowedHosts: z.array(z.string()).optional(),
  allowedOrigins: z.array(z.string()).optional(),
});

const Admin = z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(7401),
  /** Bearer token for the admin API; required when admin binds beyond loopback. */
  token: z.string().optional(),
});

const Jwt = z.strictObject({
  issuer: z.string(),
  audience: z.union([z.string(), z.array(z.string())]),
  jwks: z.string().optional(),
  jwksUrl: z.url().optional(),
  algorithms: z.array(z.string()).default(['RS256', 'ES256', 'EdDSA', 'PS256']),
  clockSkew: Duration.default('30s'),
  requiredScopes: z.array(z.string()).default([]),
  claims: z
    .strictObject({
      subject: z.string().default('sub'),
      groups: z.string().default('groups'),
      roles: z.string().optional(),
      agent: z.string().default('azp'),
    })
    .default({ subject: 'sub', groups: 'groups', agent: 'azp' }),
  authorizationServers: z.array(z.url()).optional(),
});

const Auth = z.union([
  z.literal('none'),
  z.strictObject({
    jwt: Jwt.optional(),
    apiKeys: z.boolean().default(false),
    /** Principal for stdio sessions; default the local OS user. */
    stdio: z.strictObject({ principal: z.string().optional(), groups: z.array(z.string()).default([]) }).optional(),
  }),
]);

const PolicyRule = z.strictObject({
  principal: z.union([z.string(), z.array(z.string())]).default('*'),
  tools: z.array(z.string()).optional(),
  resources: z.array(z.string()).optional(),
  prompts: z.array(z.string()).optional(),
  /** Other JSON-RPC methods (not tools, resources or prompts) this rule allows or denies by name: `x/admin_reset`, `x/*`. Unknown methods are denied unless a rule allows them. */
  methods: z.array(z.string()).optional(),
  where: z.record(z.string(), z.unknown()).optional(),
  obligations: z.array(z.string()).optional(),
  id: z.string().optional(),
});

const Policy = z.strictObject({
  allow: z.array(PolicyRule).default([]),
  deny: z.array(PolicyRule).default([]),
  /** A directory of .cedar files, used with or instead of the lists above. */
  cedar: z.string().optional(),
  /** Reload policies when the .cedar files, or this section in the config file, change. */
  watch: z.boolean().default(true),
  /**
   * Cedar types of tool arguments your policies read (`{ path: String, depth: Long, opts: "{ recursive?: Bool }" }`).
   * YAML `where` conditions declare their own; .cedar policies get simple types inferred.
   */
  arguments: z.record(z.string().regex(/^[A-Za-z_$][\w$-]*$/, 'an argument name'), z.string()).optional(),
  /** A Cedar schema to use instead of the shipped `policy/portcullis.cedarschema` (it must keep its types). */
  schema: z.string().optional(),
});

const Action = z.enum(['block', 'redact', 'annotate', 'log', 'off']);

const DetectorSettings = z.strictObject({
  /** What to do with findings in tool results and resource contents. */
  results: Action.optional(),
  /** What to do with findings in tool arguments. */
  arguments: Action.optional(),
  /** Lowest severity that triggers the action. */
  minSeverity: z.enum(['low', 'medium', 'high', 'critical']).optional(),
});

const Inspect = z.strictObject({
  injection: DetectorSettings.default({ results: 'annotate', arguments: 'log' }),
  secrets: DetectorSettings.default({ results: 'redact', arguments: 'block' }),
  pii: DetectorSettings.default({ results: 'log', arguments: 'log' }),
  unicode: DetectorSettings.default({ results: 'redact', arguments: 'log' }),
  paths: DetectorSettings.default({ results: 'off', arguments: 'log' }),
  ssrf: z.strictObject({ arguments: Action.default('block'), allowPrivate: z.array(z.string()).default([]) }).default({ arguments: 'block', allowPrivate: [] }),
  shell: DetectorSettings.default({ arguments: 'log' }),
  /** Per `server__tool` glob overrides, e.g. `{ "web__*": { injection: { results: block } } }`. */
  overrides: z.record(z.string(), z.record(z.string(), DetectorSettings)).default({}),
});

const Flow = z.strictObject({
  /** Deny egress tools in a session that has read private data and seen untrusted content. */
  trifecta: z.enum(['block', 'log', 'off']).default('block'),
});

const Registry = z.strictObject({
  /** observe: new servers/tools are admitted and recorded; enforce: they arrive pending and stay hidden until approved. */
  mode: z.enum(['observe', 'enforce']).default('observe'),
  /** Quarantine a definition the poisoning scanner flags (always in enforce mode). */
  quarantinePoisoned: z.boolean().optional(),
});

/** Human approval of calls a policy marks `@obligation("approve")` (see pipeline/interceptors/approval.ts). */
const Approvals = z.strictObject({
  /** How long a ticket waits for a decision, and how long an approval stays usable for the retried call. */
  ttl: Duration.default('15m'),
  /**
   * Ask the person at the client first, through MCP elicitation, when the client supports it: they
   * approve or decline that one call (self-approval; off by default). Falls back to a ticket.
   */
  elicit: z.boolean().default(false),
  /** How long to wait for that answer before falling back to a ticket. */
  elicitTimeout: Duration.default('2m'),
});

const Audit = z.strictObject({
  /** Deny calls while the audit store cannot write. */
  failClosed: z.boolean().default(true),
  /**
   * SQLite: fsync every commit (synchronous=FULL), so an acknowledged event survives a power cut,
   * at ~0.75 ms per commit here. Off (the default), commits survive a crash or kill -9 of the
   * gateway (WAL, synchronous=NORMAL) and cost ~20 µs. Group commit shares one commit per batch.
   */
  fsync: z.boolean().default(false),
  /** Also append events to this JSONL file. */
  jsonl: z.string().optional(),
  /** Store redacted copies of arguments and results (digests are always stored). */
  redactedCopies: z.boolean().default(false),
  retention: Duration.optional(),
  /**
   * Write a signed checkpoint after at most this many events (also at shutdown). `audit verify`
   * reports a gap longer than this (+ one batch) between checkpoints as deleted checkpoints.
   */
  checkpointEvery: z.number().int().positive().default(1000).describe('Write a signed audit checkpoint after at most this many events; verify flags longer gaps as deleted checkpoints.'),
  /**
   * ...and at most this long after the first event not yet covered by a checkpoint, so a quiet log
   * is anchored too. `audit verify` flags events spanning more than twice this (+10 min) without a checkpoint.
   */
  checkpointInterval: Duration.default('60s').describe('Write a signed audit checkpoint at most this long after the first event not yet covered by one (e.g. 60s, 5m).'),
  /**
   * The Ed25519 private key (PKCS#8 PEM) that signs checkpoints: a file path (relative to the config
   * file) or the PEM itself, e.g. `${env:PORTCULLIS_AUDIT_KEY}`. Default `<dataDir>/audit-signing-key.pem`,
   * created on first start. Production: keep it outside the data dir (see docs/audit.md); a key file
   * readable by group or others is refused.
   */
  signingKey: z
    .string()
    .optional()
    .describe('Ed25519 private key (PEM) signing audit checkpoints: a file path outside the data dir, or ${env:VAR} holding the PEM. Default <dataDir>/audit-signing-key.pem. Files must be mode 0600.'),
});

const Store = z.strictObject({
  sqlite: z.strictObject({ path: z.string().optional() }).optional(),
  postgres: z.strictObject({ url: z.string() }).optional(),
});

const Coord = z.strictObject({
  redis: z.strictObject({ url: z.string() }).optional(),
});

const Limits = z.strictObject({
  /** Largest JSON-RPC message accepted from a client or an upstream. */
  maxMessageBytes: z.number().int().positive().default(4 * 1024 * 1024),
  /** Default per-call timeout. */
  requestTimeout: Duration.default('60s'),
  /** Most stdio children across all servers. */
  maxChildren: z.number().int().positive().default(64),
  /** Most concurrent downstream sessions. */
  maxSessions: z.number().int().positive().default(10_000),
  /** Most concurrent downstream sessions of one principal (anti-exhaustion; stdio sessions are not counted). */
  maxSessionsPerPrincipal: z
    .number()
    .int()
    .positive()
    .default(32)
    .describe(
      'Most concurrent downstream sessions one principal may hold. At the cap its own least-recently-used idle session is closed to make room; with none idle it gets HTTP 429 (PCX_RATE_LIMITED). Protects other users from one credential opening sessions in a loop.',
    ),
  /** Most stdio children started for one principal's sessions (shared servers are not counted). */
  maxChildrenPerPrincipal: z
    .number()
    .int()
    .positive()
    .default(16)
    .describe(
      "Most upstream child processes (stdio servers that are not `shared`) one principal's sessions may hold in all. Past it the principal's own idle sessions are reclaimed, else the call gets PCX_UPSTREAM_UNAVAILABLE with a retry hint; other principals' children are never taken for it.",
    ),
  /** Under pressure (a cap reached), sessions idle this long may be closed, least recently used first. */
  reclaimIdleAfter: Duration.default('1m').describe(
    'When a session or child cap is reached, sessions without a call in flight and idle at least this long are closed, least recently used first, instead of refusing the new one.',
  ),
  /** Most bytes queued for one client stream that is not reading; past it that session is closed. */
  maxStreamBufferBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024)
    .describe(
      'Most bytes the gateway queues for one downstream stream (an SSE response or the standalone GET stream) whose client does not read. Past it the slow session is closed (its calls cancelled); gateway memory stays bounded. Keep it above twice maxMessageBytes.',
    ),
  /** Drop a downstream HTTP session after this long without requests. */
  sessionIdleTimeout: Duration.default('30m'),
  /** A pipeline interceptor that takes longer than this denies (fail closed). */
  interceptorTimeout: Duration.default('5s'),
  /** Calls per minute per principal (0 = unlimited). */
  callsPerMinute: z.number().int().nonnegative().default(0),
  /** Deepest JSON nesting accepted in a message's params or result; deeper is refused (rule validate.depth) and audited. */
  maxDepth: z.number().int().min(8).max(1000).default(64),
  /** Items per page of tools/prompts/resources lists sent to clients, with `nextCursor` for the rest (0 = one page). */
  listPageSize: z.number().int().nonnegative().default(1000),
});

const Observability = z.strictObject({
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  otlp: z.strictObject({ endpoint: z.url(), headers: z.record(z.string(), z.string()).default({}) }).optional(),
});

export const ConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  listen: Listen.default(Listen.parse({})),
  admin: Admin.default(Admin.parse({})),
  dataDir: z.string().optional(),
  auth: Auth.default({ apiKeys: true }),
  mcpServers: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'server names may use letters, digits, _ . -'), ServerEntry).default({}),
  servers: z.record(z.string(), ServerOverride).default({}),
  namespace: z.strictObject({ separator: z.string().min(1).max(4).default('__') }).default({ separator: '__' }),
  /** Interceptor names to disable (the order is fixed in src/pipeline/chain.ts). */
  pipeline: z.strictObject({ disable: z.array(z.string()).default([]) }).default({ disable: [] }),
  limits: Limits.default(Limits.parse({})),
  policy: Policy.optional(),
  inspect: Inspect.default(Inspect.parse({})),
  flow: Flow.default({ trifecta: 'block' }),
  approvals: Approvals.default(Approvals.parse({})),
  registry: Registry.default({ mode: 'observe' }),
  audit: Audit.default(Audit.parse({})),
  store: Store.default({}),
  coord: Coord.default({}),
  observability: Observability.default(Observability.parse({})),
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
