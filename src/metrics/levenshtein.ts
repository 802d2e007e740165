/**
 * Code-point Levenshtein distance and the span similarity LF1 is built on (method.md §3):
 *
 *     sim(a, b) = 1 − lev(a, b) / max(|a|, |b|)
 *
 * Characters are Unicode code points after NFC and trimming, so an astral character
 * (😀, 𠀀) is one character, and composed/decomposed accents are the same span.
 *
 * Speed matters (the score bench scores ≥ 50,000 samples/s), so strings without
 * surrogates — nearly all spans — are compared on UTF-16 units directly (one unit = one
 * code point there): Myers/Hyyrö bit-parallel when the shorter side fits in 32 bits,
 * otherwise the classic two-row DP over a reused buffer. Only strings with surrogates
 * are decoded into code-point arrays first.
 */

/** NFC, then trim: the canonical form every span is compared in. */
export function normalizeSpan(span: string): string {
  // Text made only of NFC-stable characters is already NFC; skipping ICU for it is a
  // measurable win on the hot path (most spans: Latin, Cyrillic, Arabic letters, CJK).
  return (isNfcStable(span) ? span : span.normalize("NFC")).trim();
}

/**
 * True when every UTF-16 unit of `s` is a character that NFC leaves alone whatever its
 * neighbours: NFC_Quick_Check=Yes, canonical combining class 0, and never the second
 * character of a canonical composition. A string of such characters is its own NFC.
 * The ranges are conservative (a test checks every character in them against ICU);
 * anything else, combining marks, Hangul jamo and lone surrogates included, goes through
 * normalize().
 */
export function isNfcStable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x300) continue; // ASCII, Latin-1, Latin Extended-A/B, IPA, spacing modifiers
    if (c < 0x4e00) {
      if (isStableMidBmp(c)) continue;
      return false;
    }
    if (c <= 0x9fff) continue; // CJK unified ideographs
    if (c >= 0xd800 && c <= 0xdbff) {
      const low = s.charCodeAt(i + 1); // NaN past the end
      if (low >= 0xdc00 && low <= 0xdfff && isStableAstral(((c - 0xd800) << 10) + (low - 0xdc00) + 0x10000)) {
        i++;
        continue;
      }
    }
    return false;
  }
  return true;
}

/** Emoji and symbols (U+1F000–1FAFF), mathematical letters (U+1D400–1D7FF), CJK extensions B–F and I (not the compatibility ideographs). */
function isStableAstral(cp: number): boolean {
  return (cp >= 0x1f000 && cp <= 0x1faff) || (cp >= 0x1d400 && cp <= 0x1d7ff) || (cp >= 0x20000 && cp <= 0x2a6df) || (cp >= 0x2a700 && cp <= 0x2ee5f);
}

/** Cyrillic letters (not its combining marks U+0483–0489) and Arabic letters and digits. */
function isStableMidBmp(c: number): boolean {
  return (c >= 0x400 && c <= 0x482) || (c >= 0x48a && c <= 0x52f) || (c >= 0x621 && c <= 0x64a) || (c >= 0x660 && c <= 0x669);
}

/** Edit distance (insert, delete, substitute; all cost 1) over Unicode code points. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (hasSurrogate(a) || hasSurrogate(b)) {
    fitPoints(a, b);
    return distancePoints(decodeInto(a, pointsA), decodeInto(b, pointsB));
  }
  return levenshteinUnits(a, b);
}

/** Similarity of two spans in [0, 1] after normalizing both; two empty spans are equal (1). */
export function spanSimilarity(a: string, b: string): number {
  return normalizedSimilarity(normalizeSpan(a), normalizeSpan(b));
}

/**
 * `spanSimilarity` for spans already passed through `normalizeSpan` (routing does that
 * once per unit, so the scorer does not re-normalize per pair).
 */
export function normalizedSimilarity(a: string, b: string): number {
  return similarityKnowingSurrogates(a, b, hasSurrogate(a) || hasSurrogate(b));
}

/**
 * `normalizedSimilarity` for a caller that already knows whether either span has a
 * surrogate (`hasSurrogate`): LF1 checks each unit once, not once per pair it is in.
 * `surrogates` may be true for spans without any (the code-point path is right for all).
 */
export function similarityKnowingSurrogates(a: string, b: string, surrogates: boolean): number {
  if (a === b) return 1;
  if (surrogates) {
    fitPoints(a, b);
    const n = decodeInto(a, pointsA);
    const m = decodeInto(b, pointsB);
    return 1 - distancePoints(n, m) / Math.max(n, m);
  }
  // Here a !== b, so at least one is non-empty and the max length is > 0.
  return 1 - levenshteinUnits(a, b) / Math.max(a.length, b.length);
}

/** Number of code points (what |a| means in the similarity). */
export function codePointLength(s: string): number {
  if (!hasSurrogate(s)) return s.length;
  if (pointsA.length < s.length) pointsA = new Int32Array(s.length * 2);
  return decodeInto(s, pointsA);
}

/** Whether `s` has a UTF-16 surrogate (an astral character, or a lone half). */
export function hasSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) if ((s.charCodeAt(i) & 0xf800) === 0xd800) return true;
  return false;
}

// Decoded code points of the two strings being compared, reused across calls.
let pointsA = new Int32Array(64);
let pointsB = new Int32Array(64);

/** Decodes `s` into `out` (which must hold s.length items); returns the code-point count. */
function decodeInto(s: string, out: Int32Array): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const hi = s.charCodeAt(i);
    const lo = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    // A pair decodes to one code point; a lone surrogate stays itself, counted once.
    if (hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) {
      out[n++] = ((hi - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
      i++;
    } else {
      out[n++] = hi;
    }
  }
  return n;
}

/** Grows pointsA and pointsB to hold `a` and `b` decoded. */
function fitPoints(a: string, b: string): void {
  if (pointsA.length < a.length) pointsA = new Int32Array(a.length * 2);
  if (pointsB.length < b.length) pointsB = new Int32Array(b.length * 2);
}

/** Distance between the first n points of pointsA and the first m of pointsB. */
function distancePoints(n: number, m: number): number {
  return n <= m ? dpPoints(pointsA, n, pointsB, m) : dpPoints(pointsB, m, pointsA, n);
}

/** Distance over UTF-16 units; callers guarantee no surrogates, so units are code points. */
function levenshteinUnits(a: string, b: string): number {
  // The shorter string is the bit-parallel pattern / the DP row.
  const short = a.length <= b.length ? a : b;
  const long = short === a ? b : a;
  if (short.length === 0) return long.length;
  if (short.length <= 32) return myers32(short, long);
  return dpUnits(short, long);
}

/**
 * Per-character match masks for Myers' algorithm, indexed by UTF-16 unit. Shared and
 * cleared after each call, so there is no allocation per comparison.
 */
const peq = new Uint32Array(0x10000);

/** Myers (1999) / Hyyrö bit-vector edit distance; pattern `a` has 1..32 units. */
function myers32(a: string, b: string): number {
  const n = a.length;
  const last = 1 << (n - 1);
  for (let i = 0; i < n; i++) {
    const c = a.charCodeAt(i);
    peq[c] = peq[c]! | (1 << i);
  }
  let pv = -1;
  let mv = 0;
  let score = n;
  for (let j = 0; j < b.length; j++) {
    let eq = peq[b.charCodeAt(j)]!;
    const xv = eq | mv;
    eq |= ((eq & pv) + pv) ^ pv;
    mv |= ~(eq | pv);
    pv &= eq;
    if (mv & last) score++;
    if (pv & last) score--;
    mv = (mv << 1) | 1;
    pv = (pv << 1) | ~(xv | mv);
    mv &= xv;
  }
  for (let i = 0; i < n; i++) peq[a.charCodeAt(i)] = 0;
  return score;
}

// One DP row, grown on demand and reused across calls.
let row = new Int32Array(64);

function rowFor(length: number): Int32Array {
  if (row.length < length) row = new Int32Array(Math.max(length, row.length * 2));
  return row;
}

function dpUnits(a: string, b: string): number {
  const n = a.length;
  const r = rowFor(n + 1);
  for (let i = 0; i <= n; i++) r[i] = i;
  for (let j = 1; j <= b.length; j++) {
    const cb = b.charCodeAt(j - 1);
    let diag = r[0]!;
    r[0] = j;
    for (let i = 1; i <= n; i++) {
      const up = r[i]!;
      const cost = a.charCodeAt(i - 1) === cb ? 0 : 1;
      r[i] = Math.min(up + 1, r[i - 1]! + 1, diag + cost);
      diag = up;
    }
  }
  return r[n]!;
}

/** DP over code points; `a` (length n) is the shorter side and the row. */
function dpPoints(a: Int32Array, n: number, b: Int32Array, m: number): number {
  if (n === 0) return m;
  const r = rowFor(n + 1);
  for (let i = 0; i <= n; i++) r[i] = i;
  for (let j = 1; j <= m; j++) {
    const cb = b[j - 1]!;
    let diag = r[0]!;
    r[0] = j;
    for (let i = 1; i <= n; i++) {
      const up = r[i]!;
      const cost = a[i - 1] === cb ? 0 : 1;
      r[i] = Math.min(up + 1, r[i - 1]! + 1, diag + cost);
      diag = up;
    }
  }
  return r[n]!;
}
