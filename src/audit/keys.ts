/**
 * The Ed25519 key that signs audit checkpoints. Default file `<dataDir>/audit-signing-key.pem`
 * (PKCS#8 PEM, mode 0600), created on first start; the public half is written beside it as
 * `audit-signing-key.pub.pem` so verifiers need no access to the private key.
 *
 * Production: keep the key OUT of the data dir (`audit.signingKey: /etc/portcullis/audit-key.pem`, or
 * `audit.signingKey: ${env:PORTCULLIS_AUDIT_KEY}` holding the PEM itself), so that whoever can write
 * the database cannot re-sign a rewritten log; and ship `portcullis audit head` elsewhere.
 * A key file readable by group or others is refused.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AuditCheckpoint } from '../store/types.js';
import { canonical, sha256Hex } from './canonical.js';

export const SIGNING_KEY_FILE = 'audit-signing-key.pem';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

/** Short id of a public key: the first 16 hex chars of sha256 over its SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' })).slice(0, 16);
}

export function publicKeyFileOf(privateKeyFile: string): string {
  return privateKeyFile.replace(/\.pem$/, '') + '.pub.pem';
}

export function signingKeyFromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`audit signing key must be Ed25519, got ${privateKey.asymmetricKeyType}`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

/** Refuse a private key file that group or others can read or write (POSIX only). */
export function assertPrivateKeyMode(file: string): void {
  if (process.platform === 'win32') return;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new SigningKeyError(
      `audit signing key ${file} has mode ${mode.toString(8).padStart(4, '0')}: group or others can read it, so anyone who can read it can re-sign a rewritten audit log. Run \`chmod 600 ${file}\` (and keep it outside the data dir).`,
    );
  }
}

/** Read an existing private key file, refusing loose permissions. */
export function readSigningKeyFile(file: string): SigningKey {
  assertPrivateKeyMode(file);
  return signingKeyFromPem(readFileSync(file, 'utf8'));
}

/** Load the key at `file`, or create it (0600) when it does not exist. */
export function loadOrCreateSigningKey(file: string): SigningKey {
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    try {
      writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
    } catch (e) {
      // Another process created it first: use theirs.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const key = readSigningKeyFile(file);
  const pub = publicKeyFileOf(file);
  if (!existsSync(pub)) {
    try {
      writeFileSync(pub, key.publicKey.export({ type: 'spki', format: 'pem' }).toString(), { mode: 0o644 });
    } catch {
      // Read-only data dir: verifiers can still derive the public key from the private one.
    }
  }
  return key;
}

/** A public key from a PEM string or file (a private key PEM works too: its public half is used). */
export function loadPublicKey(pemOrFile: string): KeyObject {
  const pem = pemOrFile.includes('-----BEGIN') ? pemOrFile : readFileSync(pemOrFile, 'utf8');
  if (pem.includes('PRIVATE KEY')) return createPublicKey(createPrivateKey(pem));
  return createPublicKey(pem);
}

export function checkpointPayload(c: Omit<AuditCheckpoint, 'signature'>): string {
  return canonical({ seq: c.seq, hash: c.hash, time: c.time, kind: c.kind, keyId: c.keyId });
}

export function signCheckpoint(key: SigningKey, c: Pick<AuditCheckpoint, 'seq' | 'hash' | 'kind'> & { time?: string }): AuditCheckpoint {
  const base = { seq: c.seq, hash: c.hash, time: c.time ?? new Date().toISOString(), kind: c.kind, keyId: key.keyId };
  const signature = sign(null, Buffer.from(checkpointPayload(base)), key.privateKey).toString('base64');
  return { ...base, signature };
}

export function checkpointSignatureValid(c: AuditCheckpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(checkpointPayload(c)), publicKey, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * The signed head: a checkpoint of the log's current end that the operator ships out of reach of
 * the gateway host (`portcullis audit head`), with the public key that signed it, so that
 * `audit verify --expect-head` can detect truncation, wipes and rewrites later.
 */
export interface SignedHead extends AuditCheckpoint {
  format: 'portcullis-audit-head/1';
  /** SPKI PEM of the key that signed it. */
  publicKey: string;
}

export function makeSignedHead(key: SigningKey, seq: number, hash: string): SignedHead {
  const cp = signCheckpoint(key, { seq, hash, kind: 'checkpoint' });
  return { format: 'portcullis-audit-head/1', ...cp, publicKey: key.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** Parse a signed head (JSON text); checks its shape and its signature against its own public key. */
export function parseSignedHead(text: string): { head: SignedHead; publicKey: KeyObject } {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    throw new Error('--expect-head: not JSON (give the output of `portcullis audit head`, or a file holding it)');
  }
  const h = o as Partial<SignedHead>;
  if (
    !h ||
    typeof h !== 'object' ||
    typeof h.seq !== 'number' ||
    !Number.isInteger(h.seq) ||
    h.seq < 0 ||
    typeof h.hash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(h.hash) ||
    typeof h.time !== 'string' ||
    typeof h.signature !== 'string' ||
    typeof h.keyId !== 'string' ||
    typeof h.publicKey !== 'string' ||
    h.kind !== 'checkpoint'
  ) {
    throw new Error('--expect-head: not a signed head (needs seq, hash, time, kind, keyId, signature, publicKey as printed by `portcullis audit head`)');
  }
  let publicKey: KeyObject;
  try {
    publicKey = loadPublicKey(h.publicKey);
  } catch {
    throw new Error('--expect-head: its publicKey is not a PEM public key');
  }
  if (keyIdOf(publicKey) !== h.keyId) throw new Error(`--expect-head: keyId ${h.keyId} is not the id of its publicKey (${keyIdOf(publicKey)})`);
  if (!checkpointSignatureValid(h as AuditCheckpoint, publicKey)) throw new Error('--expect-head: the signature does not match the head: the file was altered');
  return { head: h as SignedHead, publicKey };
}
