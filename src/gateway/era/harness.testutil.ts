/**
 * A downstream era on its own, for the tests beside each era: a real Gateway (no servers, no stages)
 * behind a plain node:http server that does what the listener does before it hands a request to an
 * era (one parse, checkPost), with the principal named per request by the test.
 */
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseConfigText } from '../../config/load.js';
import { silentLogger } from '../../observability/log.js';
import { Pipeline } from '../../pipeline/chain.js';
import type { Principal } from '../../pipeline/types.js';
import { checkPost } from '../../transports/http-server.js';
import { Gateway } from '../gateway.js';
import type { DownstreamEra } from './protocol-state.js';

export const principal = (id: string, credential: string): Principal => ({ id, kind: 'User', groups: [], method: 'api-key', credential });

export interface Reply {
  status: number;
  headers: Headers;
  json: any;
}

export interface EraHarness<E extends DownstreamEra> {
  gw: Gateway;
  era: E;
  /** Requests the era did not claim (each answered 501 by the harness). */
  unclaimed: number;
  send(p: Principal, method: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
}

/** `limits` is extra config YAML (a `limits:` section). */
export async function eraHarness<E extends DownstreamEra>(make: (gw: Gateway) => E, o: { limits?: string } = {}): Promise<EraHarness<E>> {
  const config = parseConfigText(`auth: none\nservers: {}\n${o.limits ?? ''}`, path.join(import.meta.dirname, 'inline.yaml'));
  const gw = new Gateway({ config, pipeline: new Pipeline([]), sink: { write: async () => undefined }, log: silentLogger, version: 'test' });
  const era = make(gw);
  const principals = new Map<string, Principal>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const p = principals.get(String(req.headers['x-test-principal']))!;
      const post = req.method === 'POST' ? checkPost(req, res, JSON.parse(Buffer.concat(chunks).toString('utf8'))) : undefined;
      if (req.method === 'POST' && !post) return;
      if (!era.claims(req, post)) {
        h.unclaimed++;
        res.writeHead(501).end();
        return;
      }
      void era.handle(req, res, p, post);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  const h: EraHarness<E> = {
    gw,
    era,
    unclaimed: 0,
    async send(p, method, body, headers = {}) {
      const key = `${p.id} ${p.credential}`;
      principals.set(key, p);
      const r = await fetch(url, {
        method,
        headers: { 'x-test-principal': key, accept: 'application/json, text/event-stream', 'content-type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await r.text();
      return { status: r.status, headers: r.headers, json: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await era.close();
      await gw.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return h;
}
