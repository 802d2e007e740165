import { describe, expect, it } from "vitest";
import { FingerprintSet } from "../../src/util/fingerprint-set.ts";

describe("FingerprintSet", () => {
  it("says a string is new the first time and maybe-seen every time after, through growth", () => {
    const set = new FingerprintSet();
    const keys = Array.from({ length: 50_000 }, (_, i) => `i${i}#${i % 3}`);
    // Surely new: any false answer here would be a fingerprint collision among 50k keys (p ≈ 1e-10).
    expect(keys.filter((k) => !set.add(k))).toEqual([]);
    expect(set.size).toBe(50_000);
    expect(keys.filter((k) => set.add(k))).toEqual([]);
    expect(set.size).toBe(50_000);
  });

  it("tells apart strings that differ only in order, length or a surrogate half, and salts", () => {
    const set = new FingerprintSet();
    for (const k of ["ab", "ba", "a", "", "\0", "\0\0", "😀", "\ud83d", "\ude00", "😀".split("").reverse().join("")]) expect(set.add(k)).toBe(true);
    expect(set.add("x", 1)).toBe(true);
    expect(set.add("x", 2)).toBe(true);
    expect(set.add("x", 1)).toBe(false);
    expect(set.add("")).toBe(false);
  });
});
