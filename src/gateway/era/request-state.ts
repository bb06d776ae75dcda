/**
 * `requestState` the gateway mints for per-request clients (MRTR). It travels through the client
 * and comes back as attacker-controlled input, so it is sealed: an HMAC-SHA256 under a gateway key
 * over the principal, a digest of the request it belongs to (method, target, arguments), the parked
 * call it resumes, and an expiry. A state presented by another principal, for another call, after
 * it expired, or altered in any byte is refused before anything else happens.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { nameSource } from './envelope.js';

type Json = Record<string, unknown>;

export interface StatePayload {
  /** Principal id the state was minted for. */
  p: string;
  /** Digest of method + target + arguments of the call. */
  d: string;
  /** The parked call it resumes. */
  c: string;
  /** Expiry, epoch ms. */
  e: number;
  /** The gateway replica holding the parked call (`host:pid`). */
  i?: string;
}

/** What identifies a call across MRTR rounds: its method, its target and its arguments (not the retry's inputResponses). */
export function requestDigest(method: string, params: Json | undefined): string {
  const args = params?.arguments ?? null;
  return createHash('sha256')
    .update(method)
    .update('\0')
    .update(nameSource(method, params) ?? '')
    .update('\0')
    .update(stableJson(args))
    .digest('base64url');
}

/** JSON with sorted keys, so that a client re-serialising the same arguments gets the same digest. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Json;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

export class RequestStateSealer {
  private readonly key: Buffer;
  constructor(key?: Buffer) {
    this.key = key ?? randomBytes(32);
  }

  seal(payload: StatePayload): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `pcx1.${body}.${this.mac(body)}`;
  }

  /** The payload, when the state is ours, intact, unexpired, and presented by `principal` for the call of `digest`. */
  open(state: unknown, principal: string, digest: string, now = Date.now()): StatePayload | { error: string } {
    if (typeof state !== 'string' || state.length > 4096) return { error: 'requestState is not a gateway state' };
    const [tag, body, mac] = state.split('.');
    if (tag !== 'pcx1' || !body || !mac) return { error: 'requestState is not a gateway state' };
    const want = Buffer.from(this.mac(body));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return { error: 'requestState failed its integrity check' };
    let p: StatePayload;
    try {
      p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StatePayload;
    } catch {
      return { error: 'requestState is malformed' };
    }
    if (p.p !== principal) return { error: 'requestState was issued to another principal' };
    if (p.d !== digest) return { error: 'requestState belongs to another call' };
    if (!(p.e > now)) return { error: 'requestState expired' };
    return p;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
