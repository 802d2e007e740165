import { describe, expect, it } from "vitest";
import { bootstrapCI, pairedBootstrap, pairedPermutationTest } from "../../src/metrics/stats.ts";

describe("bootstrapCI", () => {
  it("has zero width on constant data", () => {
    expect(bootstrapCI([0.5, 0.5, 0.5, 0.5], { seed: 1 })).toEqual({ mean: 0.5, low: 0.5, high: 0.5 });
  });

  it("brackets the mean, stays within the data range and is reproducible", () => {
    const values = [0, 0.2, 0.4, 0.6, 0.8, 1, 0.3, 0.7];
    const ci = bootstrapCI(values, { seed: "x", iterations: 500 });
    expect(ci.mean).toBeCloseTo(0.5, 12); // sum 4 / 8
    expect(ci.low).toBeGreaterThanOrEqual(0);
    expect(ci.low).toBeLessThan(ci.mean);
    expect(ci.high).toBeGreaterThan(ci.mean);
    expect(ci.high).toBeLessThanOrEqual(1);
    expect(bootstrapCI(values, { seed: "x", iterations: 500 })).toEqual(ci);
  });

  it("narrows as confidence drops", () => {
    const values = [0, 1, 0, 1, 1, 0, 1, 0, 0.5, 0.5];
    const wide = bootstrapCI(values, { seed: 3, confidence: 0.99 });
    const narrow = bootstrapCI(values, { seed: 3, confidence: 0.5 });
    expect(narrow.high - narrow.low).toBeLessThan(wide.high - wide.low);
  });

  it("rejects empty input", () => {
    expect(() => bootstrapCI([])).toThrow(RangeError);
  });
});

describe("pairedBootstrap", () => {
  it("finds no difference between identical systems (p = 1)", () => {
    const a = [0.1, 0.5, 0.9, 0.3];
    expect(pairedBootstrap(a, a, { seed: 1 })).toEqual({ meanDiff: 0, ciLow: 0, ciHigh: 0, pValue: 1 });
  });

  it("gives a small p for a consistent shift", () => {
    // every difference is positive, so no resampled mean is ≤ 0:
    // p = 2·(0 + 1)/(1000 + 1) = 2/1001
    const b = [0.1, 0.2, 0.3, 0.4, 0.5, 0.2, 0.1, 0.3];
    const a = b.map((x) => x + 0.3);
    const r = pairedBootstrap(a, b, { seed: 2 });
    expect(r.meanDiff).toBeCloseTo(0.3, 12);
    expect(r.ciLow).toBeCloseTo(0.3, 12);
    expect(r.ciHigh).toBeCloseTo(0.3, 12);
    expect(r.pValue).toBeCloseTo(2 / 1001, 12);
  });

  it("rejects unpaired input", () => {
    expect(() => pairedBootstrap([1, 2], [1])).toThrow(RangeError);
  });
});

describe("pairedPermutationTest", () => {
  it("gives p = 1 for identical systems", () => {
    const a = [0.2, 0.4, 0.9];
    expect(pairedPermutationTest(a, a)).toBe(1);
  });

  it("is exact when all sign patterns can be enumerated", () => {
    // diffs [1, 1, 1, 1, 1]: only the all-plus and all-minus patterns (of 2^5 = 32)
    // reach |sum| = 5 → p = 2/32 = 0.0625
    expect(pairedPermutationTest([2, 2, 2, 2, 2], [1, 1, 1, 1, 1])).toBe(0.0625);
    // diffs [1, 2, 3]: |±1 ±2 ±3| = 6 only for +++ and −−− (of 8) → p = 0.25
    expect(pairedPermutationTest([1, 2, 3], [0, 0, 0])).toBe(0.25);
  });

  it("gives a small p for a strong shift when sampling", () => {
    // 30 equal diffs: an as-extreme pattern has probability 2/2^30, so almost surely
    // no hit in 1000 draws → p = (0 + 1)/(1000 + 1)
    const b = Array.from({ length: 30 }, (_, i) => (i % 7) / 10);
    const a = b.map((x) => x + 0.2);
    expect(pairedPermutationTest(a, b, { seed: 5 })).toBeCloseTo(1 / 1001, 12);
  });
});
