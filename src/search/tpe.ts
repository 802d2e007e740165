/**
 * Tree-structured Parzen Estimator sampler, following Optuna's TPESampler defaults
 * (with multivariate on, as DSPy's MIPROv2 uses it).
 *
 * Per ask, after `nStartupTrials` completed trials:
 *  1. split the completed trials into "below" — the best γ(n) — and "above" (the rest);
 *     failed trials take no part. Trials asked but not yet told (running) join "above" as
 *     if they had the worst score (constant liar, on by default), so parallel asks steer
 *     away from what is already being tried instead of proposing it again; with one trial
 *     in flight there are none and this is plain TPE;
 *  2. fit a Parzen estimator l(x) to below and g(x) to above, each observation weighted by
 *     `weights(n_side)` in trial-number order (older trials count less once n ≥ 25);
 *  3. draw `nEiCandidates` joint candidates from l and return the one maximizing
 *     log l(x) − log g(x) (Optuna's acquisition is a monotone function of this ratio when
 *     there are no constraints, so the argmax is the same).
 * Before that, and for parameters with a single possible value, it samples like RandomSampler.
 */
import type { Rng } from "../util/random.ts";
import type { ParzenOptions } from "./parzen.ts";
import { buildParzenEstimator, logPdf, sample as sampleParzen } from "./parzen.ts";
import type { Sampler } from "./sampler.ts";
import { sampleUniformParams, trialRng } from "./sampler.ts";
import type { Distribution, Params, ParamValue, SearchSpace } from "./space.ts";
import { isSingle, singleValue, toExternal, toInternal, validateSpace } from "./space.ts";
import type { Direction, FrozenTrial } from "./trial.ts";
import { completedTrials } from "./trial.ts";

/** Optuna's default γ: the best 10% of trials form l(x), capped at 25. */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** numpy.linspace(start, stop, num): num evenly spaced values, both ends included. */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num <= 0) return [];
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : start + i * step));
}

/**
 * Optuna's default observation weights, oldest first: all ones below 25 observations; from 25
 * on, the newest 25 weigh 1 and the older ones ramp linearly from 1/n up to 1, so the model
 * slowly forgets early (mostly random) trials.
 */
export function defaultWeights(n: number): number[] {
  if (n <= 0) return [];
  if (n < 25) return new Array<number>(n).fill(1);
  return [...linspace(1 / n, 1, n - 25), ...new Array<number>(25).fill(1)];
}

export interface TPESamplerOptions {
  readonly seed: string | number;
  /** Completed trials sampled at random before TPE starts. Default 10. */
  readonly nStartupTrials?: number;
  /** Candidates drawn from l(x) per ask. Default 24. */
  readonly nEiCandidates?: number;
  /** n completed trials → size of the "below" (good) group. Default `defaultGamma`. */
  readonly gamma?: (n: number) => number;
  /** n observations → their weights, oldest first. Default `defaultWeights`. */
  readonly weights?: (n: number) => readonly number[];
  readonly priorWeight?: number;
  readonly considerMagicClip?: boolean;
  readonly considerEndpoints?: boolean;
  /** Joint sampling over all parameters (true, default) or one independent TPE per parameter. */
  readonly multivariate?: boolean;
  /** Running trials count as the worst observations (in "above"). Default true. */
  readonly constantLiar?: boolean;
}

/** Sort key under which smaller is better. */
function loss(t: FrozenTrial, direction: Direction): number {
  const v = t.value as number;
  return direction === "maximize" ? -v : v;
}

/**
 * Optuna's split: stable sort by objective (best first; ties keep trial order), the first
 * nBelow go below, and each side is returned in trial-number order so the weights function
 * sees observations oldest first.
 */
export function splitTrials(
  completed: readonly FrozenTrial[],
  nBelow: number,
  direction: Direction,
): { below: FrozenTrial[]; above: FrozenTrial[] } {
  const byNumber = [...completed].sort((a, b) => a.number - b.number);
  const ranked = [...byNumber].sort((a, b) => loss(a, direction) - loss(b, direction) || a.number - b.number);
  const k = Math.max(0, Math.min(nBelow, ranked.length));
  const below = new Set(ranked.slice(0, k));
  return { below: byNumber.filter((t) => below.has(t)), above: byNumber.filter((t) => !below.has(t)) };
}

/** `above` plus the trials still running (other than the one being sampled), in number order. */
export function withRunning(above: readonly FrozenTrial[], trials: readonly FrozenTrial[], trialNumber: number): FrozenTrial[] {
  const running = trials.filter((t) => t.state === "running" && t.number !== trialNumber);
  return running.length === 0 ? [...above] : [...above, ...running].sort((a, b) => a.number - b.number);
}

export class TPESampler implements Sampler {
  readonly seed: string | number;
  readonly nStartupTrials: number;
  readonly nEiCandidates: number;
  readonly gamma: (n: number) => number;
  readonly weights: (n: number) => readonly number[];
  readonly multivariate: boolean;
  readonly constantLiar: boolean;
  readonly parzenOptions: Required<ParzenOptions>;

  constructor(options: TPESamplerOptions) {
    this.seed = options.seed;
    this.nStartupTrials = options.nStartupTrials ?? 10;
    this.nEiCandidates = options.nEiCandidates ?? 24;
    this.gamma = options.gamma ?? defaultGamma;
    this.weights = options.weights ?? defaultWeights;
    this.multivariate = options.multivariate ?? true;
    this.constantLiar = options.constantLiar ?? true;
    this.parzenOptions = {
      priorWeight: options.priorWeight ?? 1,
      considerMagicClip: options.considerMagicClip ?? true,
      considerEndpoints: options.considerEndpoints ?? false,
      multivariate: this.multivariate,
    };
    if (!Number.isInteger(this.nStartupTrials) || this.nStartupTrials < 0) {
      throw new RangeError(`nStartupTrials must be a non-negative integer, got ${this.nStartupTrials}`);
    }
    if (!Number.isInteger(this.nEiCandidates) || this.nEiCandidates < 1) {
      throw new RangeError(`nEiCandidates must be a positive integer, got ${this.nEiCandidates}`);
    }
    if (!(this.parzenOptions.priorWeight >= 0) || !Number.isFinite(this.parzenOptions.priorWeight)) {
      throw new RangeError(`priorWeight must be a finite non-negative number, got ${this.parzenOptions.priorWeight}`);
    }
  }

  sample(space: SearchSpace, trials: readonly FrozenTrial[], trialNumber: number, direction: Direction = "minimize"): Params {
    validateSpace(space);
    const rng = trialRng(this.seed, trialNumber);
    const completed = completedTrials(trials);
    // Startup: exactly what RandomSampler with the same seed would propose.
    if (completed.length < this.nStartupTrials) return sampleUniformParams(space, rng);

    const out: Record<string, ParamValue> = {};
    const searched: string[] = [];
    for (const [name, d] of Object.entries(space)) {
      if (isSingle(d)) out[name] = singleValue(d);
      else searched.push(name);
    }
    if (searched.length === 0) return out;

    const n = completed.length;
    const nBelow = this.gamma(n);
    if (!Number.isInteger(nBelow) || nBelow < 0) throw new RangeError(`gamma(${n}) must be a non-negative integer, got ${nBelow}`);
    const split = splitTrials(completed, nBelow, direction);
    const below = split.below;
    // γ counts finished trials only; the lies are added after the split, in number order.
    const above = this.constantLiar ? withRunning(split.above, trials, trialNumber) : split.above;

    const groups = this.multivariate ? [searched] : searched.map((name) => [name]);
    for (const group of groups) {
      const dists = group.map((name) => space[name] as Distribution);
      const chosen = this.sampleGroup(dists, group, below, above, rng);
      group.forEach((name, j) => {
        out[name] = toExternal(dists[j]!, chosen[j]!);
      });
    }
    // Keep the space's key order in the result.
    return Object.fromEntries(Object.keys(space).map((name) => [name, out[name] as ParamValue]));
  }

  /** One (joint) TPE step over `names`: internal values of the best candidate. */
  private sampleGroup(
    dists: readonly Distribution[],
    names: readonly string[],
    below: readonly FrozenTrial[],
    above: readonly FrozenTrial[],
    rng: Rng,
  ): number[] {
    const lx = buildParzenEstimator(...this.estimatorInputs(dists, names, below), this.parzenOptions);
    const gx = buildParzenEstimator(...this.estimatorInputs(dists, names, above), this.parzenOptions);
    const candidates = sampleParzen(lx, rng, this.nEiCandidates);
    const logL = logPdf(lx, candidates);
    const logG = logPdf(gx, candidates);
    let best = 0;
    let bestScore = -Infinity;
    candidates.forEach((_, i) => {
      const score = logL[i]! - logG[i]!;
      // First maximum wins (numpy argmax); NaN (−∞ − −∞) never wins.
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    });
    return candidates[best]!;
  }

  /** Observation rows for trials holding a usable value for every parameter, and their weights. */
  private estimatorInputs(
    dists: readonly Distribution[],
    names: readonly string[],
    trials: readonly FrozenTrial[],
  ): [number[][], readonly Distribution[], number[]] {
    const rows: number[][] = [];
    for (const t of trials) {
      const row = names.map((name, j) => toInternal(dists[j]!, t.params[name]));
      if (row.every((v) => v !== undefined)) rows.push(row as number[]);
    }
    const w = Array.from(this.weights(rows.length)).slice(0, rows.length);
    if (w.length !== rows.length) throw new RangeError(`weights(${rows.length}) returned ${w.length} values`);
    return [rows, dists, w];
  }
}
