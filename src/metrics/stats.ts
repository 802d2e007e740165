/**
 * Uncertainty for reported scores: bootstrap confidence intervals and paired tests for
 * "is prompt A better than prompt B on the same instances". All resampling is seeded
 * (createRng), so a report is reproducible.
 *
 * Inputs are per-unit scores (typically per-instance LF1), on any scale; outputs are on
 * the same scale.
 */
import { mean, quantileSorted } from "simple-statistics";
import { createRng, type Rng } from "../util/random.ts";

export interface BootstrapOptions {
  iterations?: number;
  confidence?: number;
  seed?: string | number;
}

export interface ConfidenceInterval {
  mean: number;
  low: number;
  high: number;
}

const DEFAULT_ITERATIONS = 1000;
const DEFAULT_CONFIDENCE = 0.95;
const DEFAULT_SEED = "bootstrap";

/** Percentile bootstrap CI of the mean. */
export function bootstrapCI(values: readonly number[], options: BootstrapOptions = {}): ConfidenceInterval {
  requireNonEmpty(values, "bootstrapCI");
  const { iterations, confidence, rng } = resolve(options);
  const means = bootstrapMeans(values, iterations, rng);
  const [low, high] = percentileInterval(means, confidence);
  return { mean: mean(values as number[]), low, high };
}

export interface PairedBootstrapResult {
  /** mean(a − b). */
  meanDiff: number;
  ciLow: number;
  ciHigh: number;
  /**
   * Two-sided: 2 × the smaller share of resampled mean differences on either side of 0,
   * with a +1 correction so it is never exactly 0, capped at 1.
   */
  pValue: number;
}

/** Bootstrap over paired differences a[i] − b[i] (same instances scored two ways). */
export function pairedBootstrap(
  a: readonly number[],
  b: readonly number[],
  options: BootstrapOptions = {},
): PairedBootstrapResult {
  const diffs = pairedDiffs(a, b, "pairedBootstrap");
  const { iterations, confidence, rng } = resolve(options);
  const means = bootstrapMeans(diffs, iterations, rng);
  const [ciLow, ciHigh] = percentileInterval(means, confidence);
  let atOrBelow = 0;
  let atOrAbove = 0;
  for (const m of means) {
    if (m <= 0) atOrBelow++;
    if (m >= 0) atOrAbove++;
  }
  const pValue = Math.min(1, (2 * (Math.min(atOrBelow, atOrAbove) + 1)) / (iterations + 1));
  return { meanDiff: mean(diffs), ciLow, ciHigh, pValue };
}

export interface PermutationOptions {
  iterations?: number;
  seed?: string | number;
}

/**
 * Two-sided paired sign-flip permutation test of mean(a − b) = 0. When 2^n sign patterns
 * fit in `iterations`, all of them are enumerated and the p-value is exact; otherwise
 * patterns are sampled and p = (hits + 1) / (iterations + 1).
 */
export function pairedPermutationTest(
  a: readonly number[],
  b: readonly number[],
  options: PermutationOptions = {},
): number {
  const diffs = pairedDiffs(a, b, "pairedPermutationTest");
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  const n = diffs.length;
  const observed = Math.abs(sum(diffs));
  // Sums that differ only by rounding count as "as extreme".
  const tolerance = 1e-9 * Math.max(1, observed);
  const extreme = (s: number) => Math.abs(s) >= observed - tolerance;

  if (n <= 20 && 2 ** n <= iterations) {
    const patterns = 2 ** n;
    let hits = 0;
    for (let mask = 0; mask < patterns; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += mask & (1 << i) ? -diffs[i]! : diffs[i]!;
      if (extreme(s)) hits++;
    }
    return hits / patterns;
  }

  const rng = createRng(options.seed ?? "permutation");
  let hits = 0;
  for (let it = 0; it < iterations; it++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += rng.next() < 0.5 ? -diffs[i]! : diffs[i]!;
    if (extreme(s)) hits++;
  }
  return (hits + 1) / (iterations + 1);
}

function resolve(options: BootstrapOptions): { iterations: number; confidence: number; rng: Rng } {
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`iterations must be a positive integer, got ${iterations}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  return { iterations, confidence, rng: createRng(options.seed ?? DEFAULT_SEED) };
}

/** Means of `iterations` resamples (with replacement, same size), sorted ascending. */
function bootstrapMeans(values: readonly number[], iterations: number, rng: Rng): number[] {
  const n = values.length;
  const means = new Array<number>(iterations);
  for (let it = 0; it < iterations; it++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(rng.next() * n)]!;
    means[it] = s / n;
  }
  return means.sort((x, y) => x - y);
}

function percentileInterval(sortedMeans: number[], confidence: number): [number, number] {
  const alpha = (1 - confidence) / 2;
  return [quantileSorted(sortedMeans, alpha), quantileSorted(sortedMeans, 1 - alpha)];
}

function pairedDiffs(a: readonly number[], b: readonly number[], who: string): number[] {
  if (a.length !== b.length) throw new RangeError(`${who}: paired samples differ in length (${a.length} vs ${b.length})`);
  requireNonEmpty(a, who);
  return a.map((x, i) => x - b[i]!);
}

function requireNonEmpty(values: readonly number[], who: string): void {
  if (values.length === 0) throw new RangeError(`${who}: no values`);
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
