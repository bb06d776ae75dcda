/** Error codes live in the shared vocabulary; this path stays for existing imports. */
export * from './shared/errors.js';
