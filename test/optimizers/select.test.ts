/** The noise-aware selection rule (optimizers/select.ts), with hand-computed values. */
import { describe, expect, it } from "vitest";
import {
  cellsWithPooledDifficulty, compareWithDefault, controlSlope, describeRace, effectVariance, estimateCombos, finalPick, nextToEvaluate, PRIOR_EFFECT_VARIANCE,
  raceSamples, raceSchedule, selectionInput, shrinkFactor, toldScore, topByEstimate, type SelectionInput,
} from "../../optimizers/select.ts";

// Eight validation samples: the default gets the four easy ones right and the hard ones wrong.
const EASY = ["e1", "e2", "e3", "e4"];
const HARD = ["h1", "h2", "h3", "h4"];
const baseline = new Map([...EASY.map((id) => [id, 1] as const), ...HARD.map((id) => [id, 0] as const)]);
const A = { instruction: 1, demos: 1 };
const B = { instruction: 2, demos: 2 };
const C = { instruction: 3, demos: 3 };
// A drew the easy samples and missed one the default gets (raw 0.75, default on them 1.0);
// B drew the hard ones and got one the default misses (raw 0.25, default on them 0.0);
// C was fully evaluated and answers exactly like the default.
const input: SelectionInput = {
  baseline,
  evidence: [
    { combo: A, sampleIds: EASY, scores: [1, 1, 1, 0] },
    { combo: B, sampleIds: HARD, scores: [1, 0, 0, 0] },
    { combo: C, sampleIds: [...EASY, ...HARD], scores: [1, 1, 1, 1, 0, 0, 0, 0] },
  ],
};

describe("the pieces", () => {
  it("shrinkFactor = nτ² / (nτ² + σ²)", () => {
    expect(shrinkFactor(4, 1, 4)).toBe(0.5);
    expect(shrinkFactor(0, 1, 4)).toBe(0);
  });

  it("effectVariance = mean(r² − σ²/n), floored by the prior", () => {
    // (0.01 − 0.25/100 + 0.01 − 0.25/100) / 2 = 0.0075
    expect(effectVariance([{ raw: 0.1, n: 100 }, { raw: -0.1, n: 100 }], 0.25)).toBeCloseTo(0.0075, 12);
    expect(effectVariance([{ raw: 0, n: 100 }, { raw: 0, n: 100 }], 0.25)).toBe(PRIOR_EFFECT_VARIANCE);
  });

  it("controlSlope is the within-combination regression slope of y on the default's score", () => {
    // x = (−1, 1), y = (0, 1): Σ(x−x̄)(y−ȳ) = 0.5 + 0.5 = 1, Σ(x−x̄)² = 2 → 0.5
    expect(controlSlope([{ x: [-1, 1], y: [0, 1] }])).toBe(0.5);
    // Only C varies in x (±0.5) and its y equals the default's: slope 1.
    expect(controlSlope([{ x: [0.5, 0.5], y: [1, 0] }, { x: [0.5, -0.5], y: [1, 0] }])).toBe(1);
  });
});

describe("sample difficulty pooled over every prompt", () => {
  it("is each sample's mean residual over the other prompts (leave-one-out), hand-computed on a balanced design", () => {
    // Default [1,1,0,0], A [1,1,1,0], B [1,0,0,0] on s1..s4; prompt means .5, .75, .25.
    // Residuals y − mean: default [.5,.5,−.5,−.5], A [.25,.25,.25,−.75], B [.75,−.25,−.25,−.25];
    // per-sample sums 1.5, .5, −.5, −1.5 (the design is balanced, so one round settles it).
    // A's covariate leaves A out: (1.5 − .25)/2, (.5 − .25)/2, (−.5 − .25)/2, (−1.5 + .75)/2.
    const ids = ["s1", "s2", "s3", "s4"];
    const cells = cellsWithPooledDifficulty({
      baseline: new Map(ids.map((id, i) => [id, [1, 1, 0, 0][i]!])),
      evidence: [
        { combo: A, sampleIds: ids, scores: [1, 1, 1, 0] },
        { combo: B, sampleIds: ids, scores: [1, 0, 0, 0] },
      ],
    });
    const close = (xs: readonly number[], want: number[]) => xs.forEach((x, i) => expect(x).toBeCloseTo(want[i]!, 12));
    close(cells.find((c) => c.combo === A)!.x, [0.625, 0.125, -0.375, -0.375]);
    close(cells.find((c) => c.combo === B)!.x, [0.375, 0.375, -0.125, -0.625]);
    expect(cells.find((c) => c.combo === A)!.y).toEqual([1, 1, 1, 0]);
  });

  it("a sample no other prompt answered has difficulty 0", () => {
    const cells = cellsWithPooledDifficulty({ baseline: new Map([["s1", 1]]), evidence: [{ combo: A, sampleIds: ["s1", "new"], scores: [1, 0] }] });
    expect(cells[0]!.x[1]).toBe(0);
  });
});

describe("choosing under noise", () => {
  it("the old rule follows the lucky minibatch; the noise-aware rule the prompt that beat the default on its samples", () => {
    const full = new Set(["3/3"]);
    expect(nextToEvaluate("best-full", input, full)).toEqual(A);
    expect(nextToEvaluate("noise-aware", input, full)).toEqual(B);
  });

  it("tells TPE the control-variate score: raw − β·(default's minibatch mean − its split mean)", () => {
    // β = 1 (only C's samples vary in difficulty, and C scores like the default), B̄ = 0.5:
    // A: 0.75 − (1 − 0.5) = 0.25; B: 0.25 − (0 − 0.5) = 0.75. The old rule tells the raw mean.
    expect(toldScore("noise-aware", input, { score: 0.75, minibatch: EASY })).toBeCloseTo(0.25, 12);
    expect(toldScore("noise-aware", input, { score: 0.25, minibatch: HARD })).toBeCloseTo(0.75, 12);
    expect(toldScore("best-full", input, { score: 0.75, minibatch: EASY })).toBe(0.75);
  });

  it("estimates sit between the adjusted means and the grand mean, ordered B > C > A", () => {
    const est = new Map(estimateCombos(input).map((e) => [`${e.combo.instruction}`, e]));
    // Adjusted means: A 0.25, B 0.75, C 0.5; grand mean (16 values) = (1 + 3 + 4) / 16 = 0.5.
    expect(est.get("2")!.estimate).toBeGreaterThan(est.get("3")!.estimate);
    expect(est.get("3")!.estimate).toBeGreaterThan(est.get("1")!.estimate);
    expect(est.get("2")!.estimate).toBeLessThan(0.75);
    expect(est.get("1")!.estimate).toBeGreaterThan(0.25);
    expect(est.get("1")!.rawMean).toBe(0.75);
    expect(est.get("3")!.samples).toBe(8);
  });

  it("freezes only a fully evaluated combination", () => {
    expect(finalPick("noise-aware", input, new Set(["3/3"]))!.combo).toEqual(C);
    expect(finalPick("noise-aware", input, new Set(["1/1", "3/3"]))!.combo).toEqual(C);
    expect(finalPick("noise-aware", input, new Set())).toBeUndefined();
  });

  it("builds its input from the run log, falling back to means for logs without per-sample scores", () => {
    const val = [...EASY, ...HARD].map((id) => ({ id }));
    const built = selectionInput(val, { score: 0.5 }, [{ params: A, minibatch: EASY, score: 0.75 }], [{ params: C, score: 0.5, scores: [1, 1, 1, 1, 0, 0, 0, 0] }]);
    expect([...built.baseline.values()]).toEqual(new Array(8).fill(0.5));
    expect(built.evidence[0]!.scores).toEqual([0.75, 0.75, 0.75, 0.75]);
    expect(built.evidence[1]!.sampleIds).toHaveLength(8);
  });
});

describe("the final race (successive halving)", () => {
  it("spends the due points' budget: fullEvaluations × (|val| − minibatch) new calls at most", () => {
    // Study defaults on xSID's English dev: budget 5 × 209 = 1045. Two rungs: 2 finalists on
    // 234 cost 2 × (234 − 117) = 234 after the first rung; the first rung on 117 samples then
    // takes ⌊(1045 − 234) / (117 − 25)⌋ = 8 (≥ 3 × 2). Three rungs (59, 117, 234) would need
    // 18 first-rung combinations but leave room for ⌊(1045 − 6·58 − 2·117) / 34⌋ = 13.
    expect(raceSchedule({ valSize: 234, minibatch: 25, fullEvaluations: 5 })).toEqual([{ combinations: 8, samples: 117 }, { combinations: 2, samples: 234 }]);
    // Budget 3900: three rungs (100, 200, 400) fit 2 + 6 and ⌊(3900 − 6·100 − 2·200) / 90⌋ = 32 ≥ 18;
    // four rungs (50 …) would leave ⌊(3900 − 18·50 − 6·100 − 2·200) / 40⌋ = 50 < 54.
    expect(raceSchedule({ valSize: 400, minibatch: 10, fullEvaluations: 10 })).toEqual([
      { combinations: 32, samples: 100 }, { combinations: 6, samples: 200 }, { combinations: 2, samples: 400 },
    ]);
    // A rung must have at least twice the minibatch: 30 samples, minibatch 10 → no rung of 15.
    expect(raceSchedule({ valSize: 30, minibatch: 10, fullEvaluations: 4 })).toEqual([{ combinations: 2, samples: 30 }]);
    expect(raceSchedule({ valSize: 30, minibatch: 5, fullEvaluations: 4 })).toEqual([{ combinations: 7, samples: 15 }, { combinations: 2, samples: 30 }]);
    // Too little budget for two finalists: the best estimate alone, as one due point would.
    expect(raceSchedule({ valSize: 234, minibatch: 25, fullEvaluations: 1 })).toEqual([{ combinations: 1, samples: 234 }]);
    expect(raceSchedule({ valSize: 234, minibatch: 25, fullEvaluations: 0 })).toEqual([]);
  });

  it("describes its plan", () => {
    expect(describeRace([{ combinations: 8, samples: 117 }, { combinations: 2, samples: 234 }], 234)).toBe("the best 8 combinations on 117 samples, then the best 2 on all 234 samples");
    expect(describeRace([{ combinations: 1, samples: 41 }], 41)).toBe("the best combination on all 41 samples");
  });

  it("adds samples in one shared order, after the ones a combination was already scored on", () => {
    const order = ["a", "b", "c", "d", "e"].map((id) => ({ id }));
    expect(raceSamples(order, new Set(["c", "e"]), 4).map((s) => s.id)).toEqual(["c", "e", "a", "b"]);
    expect(raceSamples(order, new Set(["c", "e"]), 1).map((s) => s.id)).toEqual(["c", "e"]);
  });

  it("keeps the best by estimate, among the survivors when given", () => {
    expect(topByEstimate(input, 2)).toEqual([B, C]);
    expect(topByEstimate(input, 1, [A, C])).toEqual([C]);
  });
});

describe("compareWithDefault", () => {
  it("reports the paired difference, its bootstrap CI and an exact permutation p-value", () => {
    // Differences (1, 0, 0, 0): mean 0.25; every sign pattern has |sum| = 1, so p = 1.
    const c = compareWithDefault([1, 1, 0, 1], [0, 1, 0, 1], 7);
    expect(c).toMatchObject({ estimate: 0.25, p_value: 1, samples: 4 });
    expect(c.ci_low).toBeGreaterThanOrEqual(0);
    expect(c.ci_high).toBeLessThanOrEqual(1);
    expect(c.ci_low).toBeLessThanOrEqual(0.25);
    expect(c.ci_high).toBeGreaterThanOrEqual(0.25);
  });
});
