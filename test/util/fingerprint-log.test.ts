import { describe, expect, it } from "vitest";
import { FingerprintLog } from "../../src/util/fingerprint-log.ts";

describe("FingerprintLog", () => {
  it("finds no repeat among distinct strings, and finds one added anywhere, through growth", () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `i${i}#${i % 3}`);
    const log = new FingerprintLog();
    for (const k of keys) log.add(k);
    expect(log.size).toBe(50_000);
    // A "maybe" here would be a fingerprint collision among 50k keys (p ≈ 1e-10).
    expect(log.mayRepeat()).toBe(false);
    for (const at of [0, 4095, 4096, 49_999]) {
      const repeated = new FingerprintLog();
      for (const k of keys) repeated.add(k);
      repeated.add(keys[at]!);
      expect(repeated.mayRepeat()).toBe(true);
    }
  });

  it("keeps working after a check: adding a repeat later is found too", () => {
    const log = new FingerprintLog();
    for (const k of ["c", "a", "b"]) log.add(k);
    expect(log.mayRepeat()).toBe(false);
    log.add("d");
    expect(log.mayRepeat()).toBe(false);
    log.add("a");
    expect(log.mayRepeat()).toBe(true);
  });

  it("tells apart strings that differ only in order, length or a surrogate half, and salts", () => {
    const log = new FingerprintLog();
    for (const k of ["ab", "ba", "a", "", "\0", "\0\0", "😀", "\ud83d", "\ude00", "😀".split("").reverse().join("")]) log.add(k);
    log.add("x", 1);
    log.add("x", 2);
    expect(log.mayRepeat()).toBe(false);
    log.add("x", 1);
    expect(log.mayRepeat()).toBe(true);
  });
});
