/**
 * The sampler contract, and the random sampler.
 *
 * A sampler is a pure function of (search space, finished trials, trial number): it keeps no
 * state between calls and draws its randomness from a generator seeded by (seed, trial number)
 * only. So a study restored from its trial log asks exactly what the uninterrupted study would
 * have asked.
 */
import { createRng } from "../util/random.ts";
import type { Rng } from "../util/random.ts";
import type { Distribution, Params, ParamValue, SearchSpace } from "./space.ts";
import { intStep, isSingle, singleValue, validateSpace } from "./space.ts";
import type { Direction, FrozenTrial } from "./trial.ts";

export interface Sampler {
  /**
   * Propose external parameter values for trial `trialNumber`, one per entry of `space`.
   * `trials` is everything the study has (running and failed trials included; samplers
   * filter). `direction` tells which objective values are good; default "minimize" (Optuna's).
   */
  sample(space: SearchSpace, trials: readonly FrozenTrial[], trialNumber: number, direction?: Direction): Params;
}

/** The generator for one trial: depends only on the sampler's seed and the trial number. */
export function trialRng(seed: string | number, trialNumber: number): Rng {
  if (!Number.isInteger(trialNumber) || trialNumber < 0) throw new RangeError(`trial number must be a non-negative integer, got ${trialNumber}`);
  return createRng(`${seed}/trial/${trialNumber}`);
}

/**
 * One uniform draw per parameter, in the space's key order (Optuna's RandomSampler): a
 * uniform choice; ints uniform over the grid (log ints: uniform in log space over
 * [low − ½, high + ½], then rounded); floats uniform (log floats: uniform in log space).
 */
function sampleUniform(d: Distribution, rng: Rng): ParamValue {
  if (isSingle(d)) return singleValue(d);
  switch (d.type) {
    case "categorical":
      return rng.choice(d.choices);
    case "int": {
      if (!d.log) return d.low + intStep(d) * rng.int(0, (d.high - d.low) / intStep(d));
      const lo = Math.log(d.low - 0.5);
      const hi = Math.log(d.high + 0.5);
      const x = Math.round(Math.exp(lo + rng.next() * (hi - lo)));
      return Math.min(d.high, Math.max(d.low, x));
    }
    case "float": {
      if (!d.log) return Math.min(d.high, d.low + rng.next() * (d.high - d.low));
      const lo = Math.log(d.low);
      const hi = Math.log(d.high);
      return Math.min(d.high, Math.max(d.low, Math.exp(lo + rng.next() * (hi - lo))));
    }
  }
}

export function sampleUniformParams(space: SearchSpace, rng: Rng): Params {
  const out: Record<string, ParamValue> = {};
  for (const [name, d] of Object.entries(space)) out[name] = sampleUniform(d, rng);
  return out;
}

export interface RandomSamplerOptions {
  readonly seed: string | number;
}

export class RandomSampler implements Sampler {
  readonly seed: string | number;

  constructor(options: RandomSamplerOptions) {
    this.seed = options.seed;
  }

  sample(space: SearchSpace, _trials: readonly FrozenTrial[], trialNumber: number): Params {
    validateSpace(space);
    return sampleUniformParams(space, trialRng(this.seed, trialNumber));
  }
}
