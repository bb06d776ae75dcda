/**
 * The Ed25519 key that signs audit checkpoints. Default file `<dataDir>/audit-signing-key.pem`
 * (PKCS#8 PEM, mode 0600), created on first start; the public half is written beside it as
 * `audit-signing-key.pub.pem` so verifiers need no access to the private key.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Load the key at `file`, or create it (0600) when it does not exist. */
export function loadOrCreateSigningKey(file: string): SigningKey {
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
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
  const key = signingKeyFromPem(readFileSync(file, 'utf8'));
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
