/**
 * A text prepared once for every detector that reads it.
 *
 * `detectText` runs several detectors over the same string; each used to normalise it on its own
 * (the injection rules and the learned scorer each ran NFKC / confusable folding / invisible-character
 * removal, each undid spacing and leetspeak, and the rules decoded embedded base64 / hex / percent /
 * HTML-entity runs). A PreparedText computes each of these at most once, on first use (a detector
 * that needs none of them costs nothing extra), and hands the same result to every detector.
 *
 *   norm          normalizeForMatching(text): NFKC, confusables folded, zero-width / bidi / tag
 *                 characters removed (tag text kept in norm.hiddenTagText), lower case, no diacritics;
 *   deobfuscated  deobfuscate() of the first DEOBFUSCATE_LIMIT characters of norm.text: spelled-out
 *                 letters and leetspeak collapsed (undefined when the text uses neither);
 *   encoded       findEncodedSegments(text): decoded base64 / hex / percent / HTML-entity / tag runs;
 *   modelView     the learned scorer's view: norm.text, plus the de-obfuscated copy when it differs.
 *
 * Detectors keep `detect(text)` for callers that hold a plain string; `detectPrepared(p)` is the
 * same function on a prepared text (types.ts). Everything here is pure and linear in the text.
 */
import { deobfuscate, findEncodedSegments, normalizeForMatching, type DecodedSegment, type Normalized } from './normalize.js';

/** Normalised text beyond this length is not de-obfuscated (instructions are short; the cost stays bounded). */
export const DEOBFUSCATE_LIMIT = 65536;
/** Encoded segments decoded per text. */
export const ENCODED_LIMIT = 16;

export interface ModelView {
  /** normalised text, then `\n` and the de-obfuscated copy when there is one */
  text: string;
  /** view index → original index (indices past normLength are in the de-obfuscated copy: mapped to the end of the normalised text) */
  map: (i: number) => number;
  normLength: number;
}

export class PreparedText {
  readonly text: string;
  #norm: Normalized | undefined;
  #deobf: string | undefined | null = null;
  #encoded: DecodedSegment[] | undefined;
  #view: ModelView | undefined;

  constructor(text: string) {
    this.text = text;
  }

  get norm(): Normalized {
    return (this.#norm ??= normalizeForMatching(this.text));
  }

  /** The de-obfuscated head of the normalised text, or undefined when it has no spacing / leetspeak to undo. */
  get deobfuscated(): string | undefined {
    if (this.#deobf === null) {
      const n = this.norm.text;
      this.#deobf = deobfuscate(n.length > DEOBFUSCATE_LIMIT ? n.slice(0, DEOBFUSCATE_LIMIT) : n);
    }
    return this.#deobf;
  }

  get encoded(): DecodedSegment[] {
    return (this.#encoded ??= this.text.length >= 24 ? findEncodedSegments(this.text, ENCODED_LIMIT) : []);
  }

  get modelView(): ModelView {
    if (this.#view === undefined) {
      const norm = this.norm;
      const n = norm.text;
      // only a text short enough to be de-obfuscated whole gets the copy (as the scorer was trained)
      const d = n.length <= DEOBFUSCATE_LIMIT ? this.deobfuscated : undefined;
      this.#view = { text: d === undefined ? n : n + '\n' + d, map: (i) => norm.map(Math.min(i, n.length)), normLength: n.length };
    }
    return this.#view;
  }
}

/** Prepare `text` (nothing is computed until a detector asks). */
export function prepareText(text: string): PreparedText {
  return new PreparedText(text);
}
