import { describe, expect, it } from "vitest";
import { createRng } from "../../src/util/random.ts";
import { buildParzenEstimator, categoricalKernels, categoricalProb, logPdf, numericalBandwidths, sample } from "../../src/search/parzen.ts";
import { categorical, float, int } from "../../src/search/space.ts";
import { defaultGamma, defaultWeights } from "../../src/search/tpe.ts";
import { erfc, logGaussMass, logNdtr, ndtr, ndtriExp, truncnormPpf } from "../../src/search/truncnorm.ts";

const rows = (xs: number[]) => xs.map((x) => [x]);

describe("categorical Parzen estimator (3 choices, observations [0, 0, 2], weights [1, 1, 1], prior weight 1)", () => {
  // Optuna's rule: nKernels = 3 observations + 1 prior = 4; every entry starts at
  // priorWeight / nKernels = 1/4 and the observed choice gets +1, then each row is normalized:
  //   obs 0 : [1.25, 0.25, 0.25] / 1.75 = [5/7, 1/7, 1/7]
  //   obs 0 : [5/7, 1/7, 1/7]
  //   obs 2 : [1/7, 1/7, 5/7]
  //   prior : [1/4, 1/4, 1/4] / 0.75   = [1/3, 1/3, 1/3]
  // Mixture weights [1, 1, 1, prior 1] / 4. Mixture probabilities:
  //   P(0) = (5/7 + 5/7 + 1/7 + 1/3) / 4 = (33/21 + 7/21) / 4 = 10/21
  //   P(1) = (1/7 + 1/7 + 1/7 + 1/3) / 4 = (9/21 + 7/21) / 4  = 4/21
  //   P(2) = (1/7 + 1/7 + 5/7 + 1/3) / 4 = (21/21 + 7/21) / 4 = 7/21
  const dists = [categorical(["a", "b", "c"])];
  const pe = buildParzenEstimator(rows([0, 0, 2]), dists, [1, 1, 1], { priorWeight: 1 });

  it("has Optuna's per-component distributions", () => {
    const kern = pe.kernels[0]!;
    if (kern.kind !== "categorical") throw new Error("expected categorical kernels");
    const expected = [
      [5 / 7, 1 / 7, 1 / 7],
      [5 / 7, 1 / 7, 1 / 7],
      [1 / 7, 1 / 7, 5 / 7],
      [1 / 3, 1 / 3, 1 / 3],
    ];
    expect(kern.probs).toHaveLength(4 * 3);
    expected.forEach((row, k) => row.forEach((p, c) => expect(categoricalProb(kern, k, c)).toBeCloseTo(p, 12)));
    Array.from(pe.weights).forEach((w) => expect(w).toBeCloseTo(1 / 4, 12));
  });

  it("gives the hand-computed mixture probabilities", () => {
    const lp = logPdf(pe, rows([0, 1, 2]));
    expect(Math.exp(lp[0]!)).toBeCloseTo(10 / 21, 12);
    expect(Math.exp(lp[1]!)).toBeCloseTo(4 / 21, 12);
    expect(Math.exp(lp[2]!)).toBeCloseTo(7 / 21, 12);
  });

  it("samples with those frequencies", () => {
    const draws = sample(pe, createRng("parzen-cat"), 20_000);
    const freq = [0, 1, 2].map((c) => draws.filter((r) => r[0] === c).length / draws.length);
    expect(freq[0]).toBeCloseTo(10 / 21, 1.5);
    expect(freq[1]).toBeCloseTo(4 / 21, 1.5);
    expect(freq[2]).toBeCloseTo(7 / 21, 1.5);
  });

  it("weights observations: weights [2, 0, 1] put mixture mass 2/4, 0, 1/4 and prior 1/4", () => {
    const w = buildParzenEstimator(rows([0, 0, 2]), dists, [2, 0, 1]);
    expect(Array.from(w.weights)).toEqual([0.5, 0, 0.25, 0.25]);
    // P(1) = 0.5·1/7 + 0.25·1/7 + 0.25·1/3 = 3/28 + 1/12 = 16/84
    expect(Math.exp(logPdf(w, rows([1]))[0]!)).toBeCloseTo(16 / 84, 12);
  });

  it("is the uniform prior alone with no observations", () => {
    const empty = buildParzenEstimator([], dists, []);
    expect(Array.from(empty.weights)).toEqual([1]);
    logPdf(empty, rows([0, 1, 2])).forEach((lp) => expect(lp).toBeCloseTo(Math.log(1 / 3), 12));
  });

  it("spreads priorWeight / nKernels, not priorWeight / nChoices (prior weight 2, one observation)", () => {
    // nKernels = 2: entries start at 2/2 = 1, observed +1 → [2, 1, 1] / 4.
    const k = categoricalKernels([0], 3, 2);
    expect([0, 1, 2].map((c) => categoricalProb(k, 0, c))).toEqual([0.5, 0.25, 0.25]);
    expect([0, 1, 2].map((c) => categoricalProb(k, 1, c))).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });
});

describe("float Parzen estimator (range [0, 10], observations [2, 6])", () => {
  const dists = [float(0, 10)];

  it("multivariate bandwidth: Scott-like 0.2·n^(-1/(d+4))·range, raised by the magic clip", () => {
    // 0.2 · 2^(-1/5) · 10 = 1.7411; magic clip floor = 10 / min(100, 1 + 3 kernels) = 2.5 → 2.5.
    expect(Array.from(numericalBandwidths([2, 6], 0, 10, 1))).toEqual([2.5, 2.5]);
    expect(numericalBandwidths([2, 6], 0, 10, 1, { considerMagicClip: false })[0]).toBeCloseTo(0.2 * 2 ** (-1 / 5) * 10, 12);
  });

  it("univariate bandwidth: larger neighbour gap, prior centre 5 and bounds as neighbours", () => {
    // Sorted with prior: 0 | 2, 5, 6 | 10. Gaps: 2 → max(2, 3) = 3; 6 → max(1, 4) = 4, but without
    // considerEndpoints the outermost kernels use their inner gap: 2 → 5 − 2 = 3, 6 → 6 − 5 = 1;
    // then the magic clip floor 2.5 lifts 1 to 2.5.
    expect(Array.from(numericalBandwidths([2, 6], 0, 10, 1, { multivariate: false }))).toEqual([3, 2.5]);
    expect(Array.from(numericalBandwidths([2, 6], 0, 10, 1, { multivariate: false, considerEndpoints: true }))).toEqual([3, 4]);
  });

  it("has the hand-computed mixture density", () => {
    // Components: N(2, 2.5), N(6, 2.5), prior N(5, 10), each truncated to [0, 10], weight 1/3.
    // density_k(x) = φ((x − μ)/σ) / σ / (Φ((10 − μ)/σ) − Φ((0 − μ)/σ)).
    // Table values: φ(0.4) = 0.36827014030332333, φ(−1.2) = 0.19418605498321298,
    // φ(−0.2) = 0.3910426939754559, Φ(3.2) = 0.9993128620620841, Φ(−0.8) = 0.2118553985833967,
    // Φ(1.6) = 0.945200708300442, Φ(−2.4) = 0.008197535924596138, Φ(±0.5) = 0.6914624612740131 / 0.3085375387259869.
    const pe = buildParzenEstimator(rows([2, 6]), dists, [1, 1]);
    const at3 =
      (0.36827014030332333 / 2.5 / (0.9993128620620841 - 0.2118553985833967) +
        0.19418605498321298 / 2.5 / (0.945200708300442 - 0.008197535924596138) +
        0.3910426939754559 / 10 / (0.6914624612740131 - 0.3085375387259869)) /
      3;
    expect(at3).toBeCloseTo(0.12402817980081957, 14);
    const lp = logPdf(pe, rows([3, -0.1, 10.1]));
    expect(lp[0]!).toBeCloseTo(Math.log(at3), 10);
    expect(lp[1]).toBe(-Infinity);
    expect(lp[2]).toBe(-Infinity);
  });

  it("integrates to 1 over its support, and samples stay inside", () => {
    const pe = buildParzenEstimator(rows([2, 6, 9.9]), dists, [1, 1, 1]);
    const n = 4000;
    const xs = Array.from({ length: n + 1 }, (_, i) => (10 * i) / n);
    const dens = logPdf(pe, rows(xs)).map(Math.exp);
    const integral = dens.reduce((acc, d, i) => acc + (i === 0 || i === n ? d / 2 : d), 0) * (10 / n);
    expect(integral).toBeCloseTo(1, 5);
    const draws = sample(pe, createRng("parzen-float"), 5000).map((r) => r[0]!);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThanOrEqual(10);
    // Empirical P(X ≤ 3) matches the integrated density.
    const cdf3 = dens.slice(0, 1201).reduce((acc, d, i) => acc + (i === 0 || i === 1200 ? d / 2 : d), 0) * (10 / n);
    expect(draws.filter((x) => x <= 3).length / draws.length).toBeCloseTo(cdf3, 1.5);
  });

  it("log scale: a density over log x that integrates to 1 in log space", () => {
    const pe = buildParzenEstimator(rows([0.01, 0.5]), [float(1e-3, 1, { log: true })], [1, 1]);
    const lo = Math.log(1e-3);
    const n = 4000;
    const ts = Array.from({ length: n + 1 }, (_, i) => lo + (-lo * i) / n);
    const dens = logPdf(pe, rows(ts.map(Math.exp))).map(Math.exp);
    const integral = dens.reduce((acc, d, i) => acc + (i === 0 || i === n ? d / 2 : d), 0) * (-lo / n);
    expect(integral).toBeCloseTo(1, 4);
  });
});

describe("int Parzen estimator", () => {
  it("gives bin masses over the grid (int 0..4, observation [1])", () => {
    // Support widened to [−0.5, 4.5] (range 5). Bandwidth 0.2·1^(−1/5)·5 = 1, clipped up to
    // 5 / min(100, 1 + 2) = 5/3. Components N(1, 5/3) and prior N(2, 5), weight 1/2 each;
    // P(x) = Σ_k ½ (Φ((x + ½ − μ)/σ) − Φ((x − ½ − μ)/σ)) / (Φ((4.5 − μ)/σ) − Φ((−0.5 − μ)/σ)).
    const pe = buildParzenEstimator(rows([1]), [int(0, 4)], [1]);
    const p = logPdf(pe, rows([0, 1, 2, 3, 4])).map(Math.exp);
    const expected = [0.22010470595328888, 0.24970148553916377, 0.22807576647917027, 0.1754165794614926, 0.12670146256688444];
    p.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 10));
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(logPdf(pe, rows([5]))[0]).toBe(-Infinity);
  });

  it("samples only grid points (step 5, log int)", () => {
    const stepPe = buildParzenEstimator(rows([10]), [int(0, 20, { step: 5 })], [1]);
    for (const [x] of sample(stepPe, createRng("grid"), 200)) expect([0, 5, 10, 15, 20]).toContain(x);
    const logPe = buildParzenEstimator(rows([3, 90]), [int(1, 100, { log: true })], [1, 1]);
    const draws = sample(logPe, createRng("logint"), 500).map((r) => r[0]!);
    for (const x of draws) {
      expect(Number.isInteger(x)).toBe(true);
      expect(x).toBeGreaterThanOrEqual(1);
      expect(x).toBeLessThanOrEqual(100);
    }
    const masses = logPdf(logPe, rows(Array.from({ length: 100 }, (_, i) => i + 1))).map(Math.exp);
    expect(masses.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
  });
});

describe("multivariate (product kernels)", () => {
  it("scores a pair by the mixture of per-component products", () => {
    // Two categorical params with 2 choices each, observations (0, 0) and (1, 1), prior weight 1.
    // nKernels 3: observed rows [1/3 + 1, 1/3] / (5/3) = [4/5, 1/5]; prior row [1/2, 1/2].
    // P(0, 0) = (4/5·4/5 + 1/5·1/5 + 1/2·1/2) / 3 = (0.64 + 0.04 + 0.25) / 3 = 0.31
    // P(0, 1) = (4/5·1/5 + 1/5·4/5 + 1/4) / 3 = (0.16 + 0.16 + 0.25) / 3 = 0.19
    const d = categorical([0, 1]);
    const pe = buildParzenEstimator([[0, 0], [1, 1]], [d, d], [1, 1]);
    const [p00, p01] = logPdf(pe, [[0, 0], [0, 1]]).map(Math.exp);
    expect(p00).toBeCloseTo(0.31, 12);
    expect(p01).toBeCloseTo(0.19, 12);
  });

  it("rejects bad weights", () => {
    const d = [categorical([0, 1])];
    expect(() => buildParzenEstimator(rows([0]), d, [])).toThrow(/expected 1 weights/);
    expect(() => buildParzenEstimator(rows([0]), d, [-1])).toThrow(/non-negative/);
    expect(() => buildParzenEstimator(rows([0, 1]), d, [0, 0])).toThrow(/all be zero/);
  });
});

describe("TPE weights and gamma (Optuna defaults)", () => {
  it("defaultWeights: ones below 25, then a ramp from 1/n followed by 25 ones", () => {
    expect(defaultWeights(0)).toEqual([]);
    expect(defaultWeights(10)).toEqual(new Array(10).fill(1));
    // n = 25: linspace(1/25, 1, 0) is empty, so 25 ones.
    expect(defaultWeights(25)).toEqual(new Array(25).fill(1));
    // n = 30: linspace(1/30, 1, 5) = 1/30 + i·(29/30)/4 = [4, 33, 62, 91, 120] / 120, then 25 ones.
    const w30 = defaultWeights(30);
    expect(w30).toHaveLength(30);
    [4 / 120, 33 / 120, 62 / 120, 91 / 120, 1].forEach((v, i) => expect(w30[i]).toBeCloseTo(v, 14));
    expect(w30.slice(5)).toEqual(new Array(25).fill(1));
  });

  it("defaultGamma = min(ceil(0.1 n), 25)", () => {
    expect(defaultGamma(1)).toBe(1);
    expect(defaultGamma(10)).toBe(1);
    expect(defaultGamma(99)).toBe(10); // ceil(9.9)
    expect(defaultGamma(300)).toBe(25); // capped
  });
});

describe("normal distribution helpers", () => {
  it("match reference values", () => {
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 14);
    expect(erfc(2) / 0.004677734981047266).toBeCloseTo(1, 12);
    expect(erfc(10) / 2.088487583762545e-45).toBeCloseTo(1, 12);
    expect(ndtr(-1)).toBeCloseTo(0.15865525393145707, 14);
    expect(logNdtr(-40)).toBeCloseTo(-804.6084420137538, 9);
    expect(Math.exp(logGaussMass(-1, 1))).toBeCloseTo(0.6826894921370859, 14);
    // Far in a tail the mass is tiny but its log stays finite.
    expect(Number.isFinite(logGaussMass(30, 31))).toBe(true);
  });

  it("inverts the normal CDF across both tails", () => {
    for (const x of [-50, -10, -3, -0.5, 0, 0.7, 3, 8]) expect(ndtriExp(logNdtr(x))).toBeCloseTo(x, 9);
    expect(truncnormPpf(0.5, -1, 1)).toBeCloseTo(0, 12);
    // P(2 ≤ Z ≤ z) = 0.3·P(2 ≤ Z ≤ 3) at z = 2.136236723579323.
    expect(truncnormPpf(0.3, 2, 3)).toBeCloseTo(2.136236723579323, 9);
  });
});
