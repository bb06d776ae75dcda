// Module resolve hook, registered by register.mjs (see there for why; delete with Node >= 22).
// Resolves `fs` / `node:fs` to fs-glob.mjs for modules inside @modelcontextprotocol/conformance/
// and leaves every other resolution alone.
const SHIM = new URL('./fs-glob.mjs', import.meta.url).href;
const NEEDS_GLOB = /[\\/]node_modules[\\/]@modelcontextprotocol[\\/]conformance[\\/]/;

export async function resolve(specifier, context, nextResolve) {
  if ((specifier === 'fs' || specifier === 'node:fs') && context.parentURL && NEEDS_GLOB.test(decodeURIComponent(context.parentURL))) {
    return { url: SHIM, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
