import { describe, expect, it } from "vitest";
import { batchSchema } from "../../src/data/batch-schema.ts";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const sizes = (n: number, splitNum?: number): number[] => batchSchema(range(n), splitNum).map((b) => b.length);

describe("batchSchema (tail rule)", () => {
  it("keeps a short last batch with at least splitNum/2 items, merges a shorter one", () => {
    expect(sizes(13)).toEqual([6, 7]); // 1 left over < 3: merged
    expect(sizes(15)).toEqual([6, 6, 3]); // 3 left over = 6/2: kept
    expect(sizes(8)).toEqual([8]); // 2 left over: merged into the only batch
    expect(sizes(9)).toEqual([6, 3]);
    expect(sizes(12)).toEqual([6, 6]);
    expect(sizes(35)).toEqual([6, 6, 6, 6, 6, 5]);
  });

  it("leaves a schema of at most splitNum as one batch, and an empty one as none", () => {
    expect(sizes(5)).toEqual([5]);
    expect(sizes(6)).toEqual([6]);
    expect(sizes(1)).toEqual([1]);
    expect(sizes(0)).toEqual([]);
  });

  it("with an odd splitNum, half is rounded up for keeping", () => {
    expect(sizes(7, 5)).toEqual([7]); // 2 < 2.5
    expect(sizes(8, 5)).toEqual([5, 3]);
  });

  it("keeps item order and every item exactly once", () => {
    expect(batchSchema(["a", "b", "c", "d", "e", "f", "g"], 3)).toEqual([
      ["a", "b", "c"],
      ["d", "e", "f", "g"],
    ]);
  });

  it("rejects a splitNum that is not a positive integer", () => {
    expect(() => batchSchema([1], 0)).toThrow(RangeError);
    expect(() => batchSchema([1], 2.5)).toThrow(RangeError);
  });
});
