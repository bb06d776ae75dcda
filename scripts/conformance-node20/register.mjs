// Node 20 shim for @modelcontextprotocol/conformance >= 0.1.16 — DELETE this folder (and the
// `--import` in scripts/conformance.mjs) when the project's engines move to Node >= 22.
//
// Why: every conformance release with the 2026-07-28 scenarios does
//   import { globSync, ... } from "fs"
// and `fs.globSync` only exists from Node 22, so on Node 20 the module fails to link before any
// scenario runs. globSync is only used by the tier-check / requirements-summary code, never by a
// scenario, so the suite itself runs unchanged once the import links.
//
// How: `node --import ./scripts/conformance-node20/register.mjs …/conformance/dist/index.js` registers a
// resolve hook (hooks.mjs) that hands the conformance package — and only it — an `fs` module
// (fs-glob.mjs) that re-exports node:fs and adds a small globSync. Every other importer of `fs`,
// including the SDKs the suite uses, gets the real node:fs.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
