import { describe, expect, it } from "vitest";
import { frozenValidationScore } from "../../optimizers/optimize.ts";

describe("frozenValidationScore: the validation figure of what was frozen", () => {
  it("is the default's score when the default prompt was kept", () => {
    expect(frozenValidationScore({ chosen: "default", bestScore: 0.31, baselineScore: 0.42 })).toBe(0.42);
  });
  it("is the pick's score when the search's pick was frozen, even below the baseline (reasoning searches)", () => {
    expect(frozenValidationScore({ chosen: "search", bestScore: 0.31, baselineScore: 0.42 })).toBe(0.31);
    expect(frozenValidationScore({ chosen: "search", bestScore: 0.55, baselineScore: 0.42 })).toBe(0.55);
  });
});
