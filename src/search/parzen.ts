/**
 * Parzen estimators (kernel density mixtures) for TPE, as pure functions.
 *
 * A Parzen estimator over parameters (x₁ … x_d) is a mixture with one component per
 * observation plus one *prior* component. Each component is a product of per-parameter
 * kernels, so sampling picks one component and then draws every parameter from that
 * component's kernels (this is what makes "multivariate" TPE joint: parameters that were
 * observed together are proposed together).
 *
 * Follows Optuna's `_ParzenEstimator` with its default settings:
 *  - mixture weights: the caller's per-observation weights, then `priorWeight` for the prior
 *    component, normalized; with no observations the prior alone (weight 1);
 *  - categorical kernel for an observation with choice c: every choice gets
 *    priorWeight / nKernels (nKernels = nObservations + 1), c gets +1, then the row is
 *    normalized. The prior component's row is therefore uniform;
 *  - numerical kernels: normal distributions truncated to the bounds (ints: a grid of bins of
 *    width `step`; log scales: everything in log space), with the bandwidth rules below.
 *    One deliberate difference: Optuna scores a log-scale int by the continuous density at
 *    log x (its own "hack" in `_calculate_distributions`); here it gets the mass of its bin
 *    [log(x − step/2), log(x + step/2)], like any other int, so the masses over the grid sum
 *    to 1. Candidates and l/g ratios can differ slightly; ieopt's own spaces are categorical.
 *
 * Values are in *internal* representation: choice index for categoricals, the number itself
 * (not its log) for ints and floats.
 */
import type { Rng } from "../util/random.ts";
import type { Distribution } from "./space.ts";
import { intStep } from "./space.ts";
import { logGaussMass, truncnormLogPdf, truncnormPpf } from "./truncnorm.ts";

/** Optuna's floor for bandwidths when the magic clip is off. */
const EPS = 1e-12;

export interface ParzenOptions {
  /** Weight of the prior component relative to the observation weights. Default 1. */
  readonly priorWeight?: number;
  /** Floor bandwidths at range / min(100, 1 + nKernels) (Optuna default: true). */
  readonly considerMagicClip?: boolean;
  /** Univariate rule only: let the domain endpoints widen the outermost kernels (default: false). */
  readonly considerEndpoints?: boolean;
  /**
   * Bandwidth rule for numerical parameters. true: one Scott-like bandwidth shared by all
   * kernels (Optuna's rule for multivariate TPE). false: per-kernel, from the distances to the
   * neighbouring observations (Optuna's independent TPE). Default true.
   */
  readonly multivariate?: boolean;
}

export interface CategoricalKernels {
  readonly kind: "categorical";
  readonly nChoices: number;
  /** Row-major components × choices: probs[k · nChoices + c]; each row sums to 1 (prior row last). */
  readonly probs: Float64Array;
}

/** Probability of `choice` under component k. */
export function categoricalProb(kern: CategoricalKernels, k: number, choice: number): number {
  return kern.probs[k * kern.nChoices + choice] ?? 0;
}

export interface NumericalKernels {
  readonly kind: "numerical";
  /** Kernel centres, in the transformed (log when `log`) space; the prior's is last. */
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
  /** Support in transformed space: bounds, widened by step/2 for ints. */
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  /** Bounds in the original space. */
  readonly original: { readonly low: number; readonly high: number };
  /** For ints: the grid spacing (values low, low + step, …, high); undefined for floats. */
  readonly step: number | undefined;
}

export type Kernels = CategoricalKernels | NumericalKernels;

export interface ParzenEstimator {
  readonly dists: readonly Distribution[];
  /** Normalized mixture weights; the last one is the prior component's. */
  readonly weights: Float64Array;
  /** One entry per parameter, each holding that parameter's kernel for every component. */
  readonly kernels: readonly Kernels[];
}

/**
 * Build the estimator. `observations` are rows (one per trial, values ordered like `dists`);
 * `weights` one non-negative weight per row (TPE passes `defaultWeights(n)`: older trials count
 * less).
 */
export function buildParzenEstimator(
  observations: readonly (readonly number[])[],
  dists: readonly Distribution[],
  weights: readonly number[],
  options: ParzenOptions = {},
): ParzenEstimator {
  const priorWeight = options.priorWeight ?? 1;
  if (!(priorWeight >= 0) || !Number.isFinite(priorWeight)) {
    throw new RangeError(`priorWeight must be a finite non-negative number, got ${priorWeight}`);
  }
  const n = observations.length;
  if (weights.length !== n) throw new RangeError(`expected ${n} weights (one per observation), got ${weights.length}`);
  for (const w of weights) {
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weights must be finite and non-negative, got ${w}`);
  }
  if (n > 0 && weights.every((w) => w === 0)) throw new RangeError("weights must not all be zero");
  for (const row of observations) {
    if (row.length !== dists.length) throw new RangeError(`observation has ${row.length} values, expected ${dists.length}`);
  }

  // With no observations the prior is the whole estimator, whatever its configured weight.
  const mixture = n === 0 ? Float64Array.of(1) : Float64Array.from([...weights, priorWeight]);
  const total = mixture.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new RangeError("mixture weights sum to zero (priorWeight 0 and zero observation weights)");
  for (let i = 0; i < mixture.length; i++) mixture[i] = mixture[i]! / total;

  const kernels = dists.map((d, j): Kernels => {
    const column = observations.map((row) => row[j] as number);
    return d.type === "categorical"
      ? categoricalKernels(column, d.choices.length, priorWeight)
      : numericalKernels(column, d, dists.length, options);
  });
  return { dists, weights: mixture, kernels };
}

/**
 * Per-component categorical distributions (Optuna's formula): each observation's row is
 * priorWeight / nKernels everywhere plus 1 at the observed index, normalized; the prior row
 * (last) is uniform. With no observations there is only the uniform prior row.
 */
export function categoricalKernels(observed: readonly number[], nChoices: number, priorWeight: number): CategoricalKernels {
  if (observed.length === 0) return { kind: "categorical", nChoices, probs: new Float64Array(nChoices).fill(1 / nChoices) };
  const nKernels = observed.length + 1;
  const base = priorWeight / nKernels;
  // Observation rows: base everywhere, base + 1 at the observed choice, so the sum is known.
  const obsSum = nChoices * base + 1;
  const probs = new Float64Array(nKernels * nChoices).fill(base / obsSum);
  observed.forEach((c, k) => {
    if (!Number.isInteger(c) || c < 0 || c >= nChoices) throw new RangeError(`categorical observation ${c} outside [0, ${nChoices})`);
    probs[k * nChoices + c] = (base + 1) / obsSum;
  });
  // Prior row: uniform. With priorWeight 0 it is all zeros, as in Optuna (its mixture weight is 0 too).
  probs.fill(priorWeight > 0 ? 1 / nChoices : 0, observed.length * nChoices);
  return { kind: "categorical", nChoices, probs };
}

/** Support of a numerical parameter in transformed space (ints widened by half a step). */
function transformedBounds(d: Exclude<Distribution, { type: "categorical" }>): { low: number; high: number } {
  const half = d.type === "int" ? intStep(d) / 2 : 0;
  const low = d.low - half;
  const high = d.high + half;
  return d.log ? { low: Math.log(low), high: Math.log(high) } : { low, high };
}

/**
 * Bandwidths for numerical kernels (before the prior is appended), in transformed space.
 *
 * Multivariate (Optuna's rule for joint TPE): a single Scott-like bandwidth
 *   σ = 0.2 · max(n, 1)^(−1 / (d + 4)) · (high − low),
 * shrinking slowly with n and faster in fewer dimensions d.
 * Univariate: each kernel's σ is the larger gap to its sorted neighbours, where the prior's
 * centre (mid-range) counts as a neighbour and the bounds as outermost points; without
 * `considerEndpoints` the outermost kernels use their inner gap instead.
 * Then the "magic clip": σ ∈ [range / min(100, 1 + nKernels), range] with nKernels = n + 1,
 * so no kernel collapses onto a single point while data are scarce.
 */
export function numericalBandwidths(
  mus: readonly number[],
  low: number,
  high: number,
  nParams: number,
  options: ParzenOptions = {},
): Float64Array {
  const n = mus.length;
  const range = high - low;
  let sigmas: Float64Array;
  if (options.multivariate ?? true) {
    sigmas = new Float64Array(n).fill(0.2 * Math.max(n, 1) ** (-1 / (nParams + 4)) * range);
  } else {
    const withPrior = [...mus, 0.5 * (low + high)];
    // Stable sort of indices by value (ties keep observation order, like a stable argsort).
    const order = withPrior.map((_, i) => i).sort((a, b) => withPrior[a]! - withPrior[b]! || a - b);
    const pts = [low, ...order.map((i) => withPrior[i]!), high];
    const sorted = new Float64Array(order.length);
    for (let i = 0; i < order.length; i++) {
      sorted[i] = Math.max(pts[i + 1]! - pts[i]!, pts[i + 2]! - pts[i + 1]!);
    }
    if (!(options.considerEndpoints ?? false) && pts.length >= 4) {
      sorted[0] = pts[2]! - pts[1]!;
      sorted[order.length - 1] = pts[pts.length - 2]! - pts[pts.length - 3]!;
    }
    sigmas = new Float64Array(n);
    order.forEach((orig, pos) => {
      if (orig < n) sigmas[orig] = sorted[pos]!;
    });
  }
  const maxSigma = range;
  const minSigma = (options.considerMagicClip ?? true) ? range / Math.min(100, 1 + (n + 1)) : EPS;
  for (let i = 0; i < n; i++) sigmas[i] = Math.min(maxSigma, Math.max(minSigma, sigmas[i]!));
  return sigmas;
}

function numericalKernels(
  observed: readonly number[],
  d: Exclude<Distribution, { type: "categorical" }>,
  nParams: number,
  options: ParzenOptions,
): NumericalKernels {
  const { low, high } = transformedBounds(d);
  const log = d.log ?? false;
  const obsMus = observed.map((x) => (log ? Math.log(x) : x));
  const sigmas = numericalBandwidths(obsMus, low, high, nParams, options);
  // The prior: centred mid-range with the whole range as bandwidth.
  return {
    kind: "numerical",
    mus: Float64Array.from([...obsMus, 0.5 * (low + high)]),
    sigmas: Float64Array.from([...sigmas, high - low]),
    low,
    high,
    log,
    original: { low: d.low, high: d.high },
    step: d.type === "int" ? intStep(d) : undefined,
  };
}

/** log Σ_k exp(row[k]) over one row of a row-major matrix, safe when every entry is −∞. */
function logSumExpRow(m: Float64Array, offset: number, width: number): number {
  let max = -Infinity;
  for (let k = 0; k < width; k++) max = Math.max(max, m[offset + k]!);
  if (max === -Infinity || max === Infinity) return max;
  let s = 0;
  for (let k = 0; k < width; k++) s += Math.exp(m[offset + k]! - max);
  return max + Math.log(s);
}

/**
 * Add one parameter's log kernel densities into `acc`, the row-major samples × components
 * matrix. Candidates repeat values often, so each distinct value's column of log densities
 * over the components is computed once.
 */
function addKernelLogDensities(kernels: Kernels, xs: readonly number[], acc: Float64Array): void {
  const nComp = kernels.kind === "categorical" ? kernels.probs.length / kernels.nChoices : kernels.mus.length;
  const columns = new Map<number, Float64Array>();
  const columnFor = kernelColumn(kernels, nComp);
  xs.forEach((x, i) => {
    let col = columns.get(x);
    if (col === undefined) {
      col = columnFor(x);
      columns.set(x, col);
    }
    const offset = i * nComp;
    for (let k = 0; k < nComp; k++) acc[offset + k] = acc[offset + k]! + col[k]!;
  });
}

/** x ↦ log density of x under each component, for one parameter. */
function kernelColumn(kernels: Kernels, nComp: number): (x: number) => Float64Array {
  if (kernels.kind === "categorical") {
    return (x) => {
      const col = new Float64Array(nComp);
      for (let k = 0; k < nComp; k++) col[k] = Math.log(categoricalProb(kernels, k, x));
      return col;
    };
  }
  const { mus, sigmas, low, high, log, original, step } = kernels;
  // Normalizer of each truncated component: log P(low ≤ X ≤ high).
  const logZ = Array.from(mus, (mu, k) => logGaussMass((low - mu) / sigmas[k]!, (high - mu) / sigmas[k]!));
  return (x) => {
    const col = new Float64Array(nComp).fill(-Infinity);
    if (!(x >= original.low && x <= original.high)) return col;
    if (step === undefined) {
      // Clamp: log(exp(high)) may exceed high by an ulp.
      const t = Math.min(high, Math.max(low, log ? Math.log(x) : x));
      for (let k = 0; k < nComp; k++) col[k] = truncnormLogPdf(t, mus[k]!, sigmas[k]!, low, high);
      return col;
    }
    // Ints: probability mass of the bin [x − step/2, x + step/2] (log-transformed if log).
    const left = log ? Math.log(x - step / 2) : x - step / 2;
    const right = log ? Math.log(x + step / 2) : x + step / 2;
    for (let k = 0; k < nComp; k++) {
      const s = sigmas[k]!;
      col[k] = logGaussMass((left - mus[k]!) / s, (right - mus[k]!) / s) - logZ[k]!;
    }
    return col;
  };
}

/**
 * log density (log mass for categoricals and ints) of each sample row under the mixture:
 * log Σ_k w_k Π_j kernel_{k,j}(x_j). Builds the samples × components log-density matrix as a
 * sum over parameters (plus log w_k), then takes a row-wise log-sum-exp.
 */
export function logPdf(pe: ParzenEstimator, samples: readonly (readonly number[])[]): number[] {
  const nComp = pe.weights.length;
  const acc = new Float64Array(samples.length * nComp);
  const logW = Array.from(pe.weights, (w) => Math.log(w));
  for (let i = 0; i < samples.length; i++) for (let k = 0; k < nComp; k++) acc[i * nComp + k] = logW[k]!;
  pe.kernels.forEach((kern, j) => {
    addKernelLogDensities(kern, samples.map((row) => row[j] as number), acc);
  });
  return samples.map((_, i) => logSumExpRow(acc, i * nComp, nComp));
}

/** Index of the first cumulative weight ≥ u (inverse-CDF draw from a discrete distribution). */
function drawIndex(probs: ArrayLike<number>, u: number): number {
  let acc = 0;
  for (let i = 0; i < probs.length; i++) {
    acc += probs[i]!;
    if (u < acc) return i;
  }
  // Rounding left the cumulative sum a hair below 1: take the last index with mass.
  for (let i = probs.length - 1; i >= 0; i--) if (probs[i]! > 0) return i;
  return probs.length - 1;
}

/**
 * Draw n rows from the mixture: a component per row (by mixture weight), then each parameter
 * from that component's kernel. Numerical draws use the truncated-normal quantile function;
 * ints are snapped to the grid.
 */
export function sample(pe: ParzenEstimator, rng: Rng, n: number): number[][] {
  const components = Array.from({ length: n }, () => drawIndex(pe.weights, rng.next()));
  const rows = components.map(() => new Array<number>(pe.kernels.length));
  pe.kernels.forEach((kern, j) => {
    components.forEach((k, i) => {
      rows[i]![j] = sampleKernel(kern, k, rng);
    });
  });
  return rows;
}

function sampleKernel(kern: Kernels, k: number, rng: Rng): number {
  if (kern.kind === "categorical") {
    return drawIndex(kern.probs.subarray(k * kern.nChoices, (k + 1) * kern.nChoices), rng.next());
  }
  const mu = kern.mus[k]!;
  const sigma = kern.sigmas[k]!;
  const z = truncnormPpf(rng.next(), (kern.low - mu) / sigma, (kern.high - mu) / sigma);
  const t = Math.min(kern.high, Math.max(kern.low, mu + sigma * z));
  const x = kern.log ? Math.exp(t) : t;
  const { low, high } = kern.original;
  const snapped = kern.step === undefined ? x : low + Math.round((x - low) / kern.step) * kern.step;
  return Math.min(high, Math.max(low, snapped));
}
