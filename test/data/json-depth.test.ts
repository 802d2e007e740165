import { describe, expect, it } from "vitest";
import { jsonDepth, MAX_JSON_DEPTH } from "../../src/data/jsonl.ts";
import { createRng, type Rng } from "../../src/util/random.ts";

/** Textbook nesting depth: a container is one more than its deepest child. */
function referenceDepth(v: unknown): number {
  if (v === null || typeof v !== "object") return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + Math.max(0, ...children.map(referenceDepth));
}

function randomValue(rng: Rng, depth: number): unknown {
  const r = rng.next();
  if (depth <= 0 || r < 0.3) return rng.choice(["x", 1, null, true, "", 0]);
  const children = Array.from({ length: rng.int(0, 3) }, () => randomValue(rng, depth - rng.int(1, 2)));
  if (r < 0.65) return children;
  return Object.fromEntries(children.map((c, i) => [`k${i}`, c]));
}

describe("jsonDepth", () => {
  it("agrees with a reference on random values, with and without the line limit", () => {
    const rng = createRng("json-depth");
    let over = 0;
    for (let n = 0; n < 3000; n++) {
      // A random small value wrapped in a random chain of containers, some past the limit.
      let value = randomValue(rng, rng.int(0, 6));
      for (let k = rng.int(0, 80); k > 0; k--) value = rng.next() < 0.5 ? [value, rng.choice(["x", null, []])] : { a: value, b: 1 };
      const expected = referenceDepth(value);
      expect(jsonDepth(value)).toBe(expected);
      const limited = jsonDepth(value, MAX_JSON_DEPTH);
      if (expected > MAX_JSON_DEPTH) {
        over++;
        expect(limited).toBeGreaterThan(MAX_JSON_DEPTH);
      } else {
        expect(limited).toBe(expected);
      }
    }
    expect(over).toBeGreaterThan(10);
  });
});
