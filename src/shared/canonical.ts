/**
 * Canonical JSON (RFC 8785-like: object keys sorted by UTF-16 code units, no whitespace,
 * `undefined` members dropped as JSON.stringify does) and sha256 helpers.
 *
 * The audit chain hashes `prevHash + canonical(event)`, so the canonical form must be stable
 * across a round trip through the store (JSON text in, JSON.parse out).
 */
import { createHash } from 'node:crypto';

export function canonical(value: unknown): string {
  return write(value) ?? 'null';
}

const skip = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/** Strings that JSON.stringify would write unchanged between quotes (printable ASCII without " and \). */
const PLAIN = /^[^"\\\u0000-\u001f\u007f-\uffff]*$/;
/** `"key":` prefixes; keys repeat across events, so quoting each once saves most of the work. */
const keyCache = new Map<string, string>();

function quoteKey(k: string): string {
  let q = keyCache.get(k);
  if (q === undefined) {
    q = JSON.stringify(k) + ':';
    if (keyCache.size < 10_000) keyCache.set(k, q);
  }
  return q;
}

/** The canonical text, or undefined for values JSON omits (undefined, functions, symbols). */
function write(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return v.length < 256 && PLAIN.test(v) ? '"' + v + '"' : JSON.stringify(v);
    case 'number':
      // Same digits as JSON.stringify (Number::toString); -0 → "0".
      return Number.isFinite(v) ? '' + v : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'object': {
      if (v === null) return 'null';
      const o = v as { toJSON?: () => unknown };
      if (typeof o.toJSON === 'function') return write(o.toJSON()) ?? 'null';
      if (Array.isArray(v)) {
        let s = '[';
        for (let i = 0; i < v.length; i++) {
          if (i > 0) s += ',';
          // JSON.stringify writes undefined / functions in arrays as null.
          s += write(v[i]) ?? 'null';
        }
        return s + ']';
      }
      const rec = v as Record<string, unknown>;
      const keys = Object.keys(rec).sort();
      let s = '{';
      let first = true;
      for (const k of keys) {
        const item = rec[k];
        if (skip(item)) continue;
        const w = write(item);
        if (w === undefined) continue;
        s += (first ? '' : ',') + quoteKey(k) + w;
        first = false;
      }
      return s + '}';
    }
    default:
      return undefined;
  }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 hex of the canonical JSON of a value: for argument and result digests. */
export function digest(value: unknown): string {
  return sha256Hex(canonical(value));
}

export const ZERO_HASH = '0'.repeat(64);

/** The chain link: sha256(prevHash + canonical(event)). */
export function chainHash(prevHash: string, event: unknown): string {
  return chainHashText(prevHash, canonical(event));
}

/** chainHash when the canonical text is already at hand. */
export function chainHashText(prevHash: string, canonicalText: string): string {
  return createHash('sha256').update(prevHash).update(canonicalText).digest('hex');
}
