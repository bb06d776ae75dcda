// The deterministic generator every corpus script draws from (mulberry32): the same seed gives the same
// rows on every machine, so a generated JSONL file can be checked against its script.
/** A mulberry32 stream from `seed` (a 32-bit integer): each call gives the next number in [0, 1). */
export function mulberry32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
