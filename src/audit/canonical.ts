/** Canonical JSON and sha256 helpers live in the shared vocabulary (the store hashes with them too). */
export * from '../shared/canonical.js';
