/**
 * examples/fleet/: the compose file, the Kubernetes manifest, the nginx config and the replica
 * config they run are parsed and checked against each other and against the config schema, so an
 * example that drifts from the code (a renamed variable, a probe on the wrong port, a config the
 * gateway would refuse) fails here rather than for a user.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { ROOT } from '../helpers/gateway.js';

const DIR = path.join(ROOT, 'examples', 'fleet');
const read = (f: string) => readFileSync(path.join(DIR, f), 'utf8');
const REPLICA = read('replica.yaml');

type Obj = Record<string, any>;

/** `${env:NAME}` references without a default: what the environment must provide. */
function requiredEnv(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!))].sort();
}

const PEM = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** The replica config as a replica with this environment would load it. */
function replicaConfig(env: Record<string, string>) {
  return parseConfigText(REPLICA, path.join(DIR, 'replica.yaml'), { PORTCULLIS_AUDIT_KEY: PEM, PORTCULLIS_ADMIN_TOKEN: 'x'.repeat(32), ...env });
}

describe('examples/fleet', () => {
  it('replica.yaml is a valid fleet config: PostgreSQL store, Redis coord, one audit key, probes reachable, auth on', () => {
    const c = replicaConfig({ PORTCULLIS_PG_URL: 'postgres://u@db/p', PORTCULLIS_REDIS_URL: 'redis://r:6379/0' });
    expect(c.store.postgres?.url).toBe('postgres://u@db/p');
    expect(c.coord.redis?.url).toBe('redis://r:6379/0');
    expect(c.audit.signingKey).toContain('PRIVATE KEY');
    expect(c.listen.host).toBe('0.0.0.0');
    expect(c.admin.host).toBe('0.0.0.0');
    expect(c.auth).not.toBe('none');
    // The upstream it runs exists where the image puts it (/app is the repository root in the image).
    const args = (c.mcpServers.everything as { args: string[] }).args;
    expect(existsSync(path.join(ROOT, args[0]!.replace(/^\/app\//, '')))).toBe(true);
    expect(read('Dockerfile')).toMatch(/WORKDIR \/app[\s\S]*COPY --from=build \/src\/node_modules \.\/node_modules/);
  });

  it('portcullis.yaml (the fuller production config) is valid with its environment', () => {
    const text = read('portcullis.yaml');
    // Loads as it is (test/config checks every example that way), and takes its URLs from the environment.
    expect(parseConfigText(text, path.join(DIR, 'portcullis.yaml'), {}).store.postgres?.url).toMatch(/^postgres:/);
    const c = parseConfigText(text, path.join(DIR, 'portcullis.yaml'), { PORTCULLIS_PG_URL: 'postgres://u@db/p', PORTCULLIS_REDIS_URL: 'redis://r:6379/0', PORTCULLIS_AUDIT_KEY: PEM });
    expect(c.store.postgres?.url).toBe('postgres://u@db/p');
    expect(c.coord.redis?.url).toBe('redis://r:6379/0');
    expect(c.audit.signingKey).toBe(PEM);
  });

  it('compose.yaml: three replicas on the shared PostgreSQL and Redis, ready-checked, behind a round-robin nginx', () => {
    const doc = parse(read('compose.yaml'), { merge: true }) as Obj;
    const services = doc.services as Obj;
    const replicas = Object.keys(services).filter((n) => n.startsWith('portcullis-'));
    expect(replicas.length).toBeGreaterThanOrEqual(3);
    const config = replicaConfig({ PORTCULLIS_PG_URL: 'postgres://u@db/p', PORTCULLIS_REDIS_URL: 'redis://r/0' });
    for (const name of replicas) {
      const s = services[name] as Obj;
      const env = s.environment as Record<string, string>;
      // Every variable the config needs is set, and the URLs name this file's own services.
      for (const v of requiredEnv(REPLICA)) expect(env[v], `${name}: ${v}`).toBeDefined();
      const pg = new URL(env.PORTCULLIS_PG_URL!);
      expect(pg.protocol).toBe('postgres:');
      expect(String(services[pg.hostname]?.image)).toMatch(/^postgres:/);
      const redis = new URL(env.PORTCULLIS_REDIS_URL!);
      expect(String(services[redis.hostname]?.image)).toMatch(/^redis:/);
      // The mounted config is replica.yaml, where the command reads it.
      const mount = (s.volumes as string[]).find((v) => v.startsWith('./replica.yaml:'))!;
      expect(mount).toBeDefined();
      expect(s.command).toContain(mount.split(':')[1]);
      // Health: /readyz on the admin port the config binds.
      expect(s.healthcheck.test.join(' ')).toContain(`:${config.admin.port}/readyz`);
      expect(Object.keys(s.depends_on).sort()).toEqual([pg.hostname, redis.hostname].sort());
    }
    // nginx: every replica, at the MCP port, round robin (no ip_hash / sticky), SSE unbuffered.
    const nginx = read('nginx.conf');
    const upstreams = [...nginx.matchAll(/^\s*server\s+([\w-]+):(\d+)/gm)].map((m) => ({ host: m[1], port: Number(m[2]) }));
    expect(upstreams.map((u) => u.host).sort()).toEqual(replicas.sort());
    for (const u of upstreams) expect(u.port).toBe(config.listen.port);
    expect(nginx).not.toMatch(/ip_hash|sticky|hash \$/);
    expect(nginx).toMatch(/proxy_buffering off/);
    expect(services.lb.volumes).toContain('./nginx.conf:/etc/nginx/nginx.conf:ro');
  });

  it('kubernetes.yaml: a Deployment of 3 with /readyz and /healthz probes on the admin port, env from a Secret, the same replica config', () => {
    const docs = parseAllDocuments(read('kubernetes.yaml')).map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJS() as Obj;
    });
    const byKind = (k: string) => docs.filter((d) => d.kind === k);
    const cm = byKind('ConfigMap')[0]!;
    const dep = byKind('Deployment')[0]!;
    const svc = byKind('Service')[0]!;
    // The ConfigMap carries replica.yaml unchanged.
    expect(cm.data['portcullis.yaml']).toBe(REPLICA);
    const config = replicaConfig({ PORTCULLIS_PG_URL: 'postgres://u@db/p', PORTCULLIS_REDIS_URL: 'redis://r/0' });

    expect(dep.spec.replicas).toBeGreaterThanOrEqual(3);
    expect(dep.spec.selector.matchLabels).toEqual(dep.spec.template.metadata.labels);
    const pod = dep.spec.template.spec;
    const c = pod.containers[0] as Obj;
    const ports = Object.fromEntries((c.ports as Obj[]).map((p) => [p.name, p.containerPort]));
    expect(ports).toEqual({ mcp: config.listen.port, admin: config.admin.port });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'admin' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'admin' });
    // /readyz waits up to 5 s for upstreams that are starting: the probe must wait longer.
    expect(c.readinessProbe.timeoutSeconds).toBeGreaterThan(5);
    const env = Object.fromEntries((c.env as Obj[]).map((e) => [e.name, e]));
    for (const v of requiredEnv(REPLICA)) expect(env[v], v).toBeDefined();
    for (const v of ['PORTCULLIS_PG_URL', 'PORTCULLIS_REDIS_URL', 'PORTCULLIS_AUDIT_KEY', 'PORTCULLIS_ADMIN_TOKEN']) expect(env[v].valueFrom?.secretKeyRef?.name, v).toBe('portcullis');
    // The config is mounted where the container reads it, from this ConfigMap.
    const mount = (c.volumeMounts as Obj[]).find((m) => m.name === 'config')!;
    expect(c.args.join(' ')).toContain(`${mount.mountPath}/portcullis.yaml`);
    expect((pod.volumes as Obj[]).find((v) => v.name === 'config')!.configMap.name).toBe(cm.metadata.name);
    // The Service reaches the pods' MCP port, with no affinity.
    expect(svc.spec.selector).toEqual(dep.spec.template.metadata.labels);
    expect(svc.spec.ports[0].targetPort).toBe('mcp');
    expect(svc.spec.sessionAffinity).toBe('None');
  });
});
