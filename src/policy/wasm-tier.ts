/**
 * Cedar's WebAssembly runs on V8's baseline compiler (Liftoff) only, never tiered up to TurboFan.
 * Imported by engine.ts before `@cedar-policy/cedar-wasm`, whose module is compiled when it loads:
 * the flag must be set before that and is read at compile time.
 *
 * Why (bench/README.md, "The hot path"): tiering the 4.3 MB Cedar module up compiles its hot
 * functions in V8's background threads during the first thousands of decisions; measured on the
 * bench machine, that took 2.6–2.9 s of CPU at start (policy compile and validation), ~500 µs of CPU
 * per decision over the first ~2,000 decisions, and left 60–75 MB more resident memory for good.
 * Baseline code decides in 75–135 µs from the first decision, against 63–108 µs once tiered up, and
 * most decisions are memoised (PolicyEngine.authorize) anyway. The flag is process-wide: undici's
 * small HTTP parser (llhttp, for upstream HTTP servers) runs on baseline code too.
 */
import v8 from 'node:v8';

v8.setFlagsFromString('--liftoff-only');
