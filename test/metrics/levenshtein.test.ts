import { describe, expect, it } from "vitest";
import { codePointLength, hasSurrogate, isNfcStable, levenshtein, normalizedSimilarity, normalizeSpan, similarityKnowingSurrogates, spanSimilarity } from "../../src/metrics/levenshtein.ts";
import { createRng } from "../../src/util/random.ts";

/** Textbook O(nm) DP over code points: the reference the fast paths must agree with. */
function referenceLevenshtein(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const d = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
  }
  return d[x.length]![y.length]!;
}

describe("normalizeSpan", () => {
  it("applies NFC and trims", () => {
    expect(normalizeSpan("  Cafe\u0301 \n")).toBe("Caf\u00e9");
    expect(normalizeSpan("Bure")).toBe("Bure");
  });

  // The fast path skips ICU for strings of "NFC-stable" characters; these tests check that
  // claim against ICU itself, character by character, so the skip can never change a span.
  const stableChars: number[] = [];
  for (let c = 0; c <= 0x10ffff; c++) if ((c < 0xd800 || c > 0xdfff) && isNfcStable(String.fromCodePoint(c))) stableChars.push(c);

  it("treats as stable only characters NFC leaves alone next to anything", () => {
    expect(stableChars.length).toBeGreaterThan(20_000); // Latin, Cyrillic, Arabic, CJK
    // Astral ones too: emoji, CJK extension B, mathematical letters.
    for (const ch of ["😀", "🚀", "🍷", "𠀀", "𝔘"]) expect(stableChars).toContain(ch.codePointAt(0));
    // Not the CJK compatibility ideographs (they decompose), nor a lone surrogate.
    expect(isNfcStable("\u{2F800}")).toBe(false);
    expect(isNfcStable("\ud83d")).toBe(false);
    expect(isNfcStable("a\ude00")).toBe(false);
    const stable = new Set(stableChars);
    for (const c of stableChars) {
      const ch = String.fromCodePoint(c);
      expect(ch.normalize("NFC")).toBe(ch);
      expect(/\p{M}/u.test(ch)).toBe(false);
      // Combining class 0: a mark of class 240 (U+0345) before it is never reordered after it.
      expect(("\u0345" + ch).normalize("NFD")).toBe("\u0345" + ch.normalize("NFD"));
    }
    // Never the second character of a composition: no character decomposes into
    // something followed by a stable character.
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const parts = [...String.fromCodePoint(cp).normalize("NFD")];
      for (const part of parts.slice(1)) if (stable.has(part.codePointAt(0)!)) expect.fail(`U+${cp.toString(16)} decomposes with stable ${part}`);
    }
  });

  it("gives ICU's answer on mixed random strings (fast and slow paths agree)", () => {
    const rng = createRng("nfc-stable");
    const pool = [...stableChars.filter((_, i) => i % 7 === 0), 0x301, 0x308, 0x345, 0x653, 0x1100, 0x1161, 0x11a8, 0xf900, 0x2126, 0x20, 0x3000, 0x2f800, 0x1d15e];
    let fast = 0;
    for (let n = 0; n < 20_000; n++) {
      const length = rng.int(0, 6);
      const s = Array.from({ length }, () => String.fromCodePoint(rng.choice(pool))).join("");
      if (isNfcStable(s)) fast++;
      expect(normalizeSpan(s)).toBe(s.normalize("NFC").trim());
    }
    expect(fast).toBeGreaterThan(1000);
  });
});

describe("levenshtein", () => {
  it("matches textbook values", () => {
    expect(levenshtein("kitten", "sitting")).toBe(3);
    expect(levenshtein("", "abc")).toBe(3);
    expect(levenshtein("abc", "")).toBe(3);
    expect(levenshtein("", "")).toBe(0);
    expect(levenshtein("flaw", "lawn")).toBe(2);
  });

  it("counts an astral character as one code point", () => {
    // "😀a" is 3 UTF-16 units but 2 code points: delete 😀 → "a", one edit.
    expect(levenshtein("😀a", "a")).toBe(1);
    expect(levenshtein("𠀀𠀁", "𠀀")).toBe(1);
    // 😀 → 😁 differ in the low surrogate only; still one substitution of one character.
    expect(levenshtein("😀", "😁")).toBe(1);
    expect(codePointLength("😀a")).toBe(2);
  });

  it("works on CJK, Cyrillic and Arabic", () => {
    expect(levenshtein("北京大学", "北京")).toBe(2);
    expect(levenshtein("Москва", "Москве")).toBe(1);
    expect(levenshtein("القاهرة", "قاهرة")).toBe(2);
  });

  it("agrees with the reference on the bit-parallel boundary (32/33 units) and long strings", () => {
    const a32 = "a".repeat(31) + "b";
    const b33 = "a".repeat(32) + "c";
    expect(levenshtein(a32, b33)).toBe(referenceLevenshtein(a32, b33)); // 2
    expect(levenshtein(b33, b33 + "x")).toBe(1);
  });

  it("agrees with the reference on random strings of mixed scripts", () => {
    const rng = createRng("lev-property");
    // The last: 40 distinct emoji, so a pattern of up to 32 code points may hold 32 different astral ones.
    const manyEmoji = Array.from({ length: 40 }, (_, i) => String.fromCodePoint(0x1f600 + i));
    const alphabets = [["a", "b", "c"], ["ж", "и", "a"], ["北", "京", "a"], ["😀", "𠀀", "a", "😁", "\uD800"], [...manyEmoji, "a"]];
    for (let t = 0; t < 600; t++) {
      const alphabet = rng.choice(alphabets);
      const other = rng.choice(alphabets);
      const make = (chars: string[]) => Array.from({ length: rng.int(0, 70) }, () => rng.choice(chars)).join("");
      const a = make(alphabet);
      const b = make(rng.next() < 0.5 ? alphabet : other);
      expect(levenshtein(a, b), `${a} | ${b}`).toBe(referenceLevenshtein(a, b));
      // LF1 passes the surrogate check per unit: the code-point path must agree on any spans.
      const expected = a === b ? 1 : 1 - referenceLevenshtein(a, b) / Math.max([...a].length, [...b].length);
      expect(similarityKnowingSurrogates(a, b, true), `${a} | ${b}`).toBeCloseTo(expected, 12);
      expect(similarityKnowingSurrogates(a, b, hasSurrogate(a) || hasSurrogate(b))).toBe(normalizedSimilarity(a, b));
    }
  });
});

describe("spanSimilarity", () => {
  it("is 1 − lev/max length", () => {
    // lev("Mr Bure", "Bure") = 3 (delete "Mr "), max length 7 → 1 − 3/7 = 4/7
    expect(spanSimilarity("Mr Bure", "Bure")).toBeCloseTo(4 / 7, 12);
    // lev = 1, max = 2 code points → 0.5
    expect(spanSimilarity("😀a", "a")).toBe(0.5);
    // lev = 2, max = 4 → 0.5
    expect(spanSimilarity("北京大学", "北京")).toBe(0.5);
  });

  it("treats composed and decomposed accents and surrounding space as identical", () => {
    expect(spanSimilarity("Caf\u00e9", "Cafe\u0301")).toBe(1);
    expect(spanSimilarity("  Bure ", "Bure")).toBe(1);
  });

  it("scores two empty spans 1 and empty vs non-empty 0", () => {
    expect(spanSimilarity("", "  ")).toBe(1);
    expect(spanSimilarity("", "abc")).toBe(0);
  });
});

describe("lone surrogates", () => {
  it("count as one character each", () => {
    // "\uD800" is an unpaired high surrogate: one code point, one substitution away from "a"
    expect(levenshtein("\uD800", "a")).toBe(1);
    expect(codePointLength("\uD800\uD800")).toBe(2);
    // "\uDC00\uD800" is low-then-high: not a pair, so two code points
    expect(codePointLength("\uDC00\uD800")).toBe(2);
    expect(codePointLength("😀\uD800")).toBe(2);
  });
});
