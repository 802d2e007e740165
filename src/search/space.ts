/**
 * Search spaces: what a sampler may propose for each named parameter.
 *
 * Modeled on Optuna's distributions. A parameter has an *external* value (what the caller
 * sees: the categorical choice itself, the int, the float) and an *internal* representation
 * the samplers compute with (the choice's index for categoricals, the number itself
 * otherwise). Nothing here knows about LMs or information extraction.
 */
import { UserInputError } from "../errors.ts";

export type ChoiceValue = string | number;

export interface CategoricalDistribution {
  readonly type: "categorical";
  readonly choices: readonly ChoiceValue[];
}

export interface IntDistribution {
  readonly type: "int";
  readonly low: number;
  readonly high: number;
  /** Grid spacing, default 1. Must be 1 when `log` is set (as in Optuna). */
  readonly step?: number;
  readonly log?: boolean;
}

export interface FloatDistribution {
  readonly type: "float";
  readonly low: number;
  readonly high: number;
  readonly log?: boolean;
}

export type Distribution = CategoricalDistribution | IntDistribution | FloatDistribution;
export type SearchSpace = Readonly<Record<string, Distribution>>;
export type ParamValue = ChoiceValue;
export type Params = Readonly<Record<string, ParamValue>>;

export function categorical(choices: readonly ChoiceValue[]): CategoricalDistribution {
  return validateDistribution("categorical", { type: "categorical", choices: [...choices] });
}

export function int(low: number, high: number, opts: { step?: number; log?: boolean } = {}): IntDistribution {
  const d: IntDistribution = { type: "int", low, high, ...(opts.step !== undefined ? { step: opts.step } : {}), ...(opts.log ? { log: true } : {}) };
  return validateDistribution("int", d);
}

export function float(low: number, high: number, opts: { log?: boolean } = {}): FloatDistribution {
  return validateDistribution("float", { type: "float", low, high, ...(opts.log ? { log: true } : {}) });
}

export function intStep(d: IntDistribution): number {
  return d.step ?? 1;
}

/** Throws a UserInputError naming the parameter when the distribution cannot be sampled. */
export function validateDistribution<D extends Distribution>(name: string, d: D): D {
  const fail = (msg: string): never => {
    throw new UserInputError(`search space parameter '${name}': ${msg}`, { field: name });
  };
  if (d === null || typeof d !== "object") fail("distribution must be an object");
  switch (d.type) {
    case "categorical": {
      if (!Array.isArray(d.choices)) fail("choices must be an array");
      if (d.choices.length === 0) fail("categorical needs at least one choice");
      const seen = new Set<string>();
      for (const c of d.choices) {
        if (typeof c === "number" && !Number.isFinite(c)) fail(`choice ${String(c)} is not a finite number`);
        if (typeof c !== "number" && typeof c !== "string") fail(`choice ${JSON.stringify(c)} must be a string or number`);
        // 1 and "1" are different choices; key on type as well as value.
        const key = `${typeof c}:${String(c)}`;
        if (seen.has(key)) fail(`duplicate choice ${JSON.stringify(c)}`);
        seen.add(key);
      }
      return d;
    }
    case "int": {
      const step = d.step ?? 1;
      if (!Number.isInteger(d.low) || !Number.isInteger(d.high)) fail(`int bounds must be integers, got [${d.low}, ${d.high}]`);
      if (d.low > d.high) fail(`low (${d.low}) must be <= high (${d.high})`);
      if (!Number.isInteger(step) || step <= 0) fail(`step must be a positive integer, got ${step}`);
      if ((d.high - d.low) % step !== 0) fail(`high - low (${d.high - d.low}) must be a multiple of step (${step})`);
      if (d.log && step !== 1) fail("log-scale int requires step 1");
      if (d.log && d.low < 1) fail(`log-scale int requires low >= 1, got ${d.low}`);
      return d;
    }
    case "float": {
      if (!Number.isFinite(d.low) || !Number.isFinite(d.high)) fail(`float bounds must be finite, got [${d.low}, ${d.high}]`);
      if (d.low > d.high) fail(`low (${d.low}) must be <= high (${d.high})`);
      if (d.log && d.low <= 0) fail(`log-scale float requires low > 0, got ${d.low}`);
      return d;
    }
    default:
      return fail(`unknown distribution type ${JSON.stringify((d as { type?: unknown }).type)}`);
  }
}

export function validateSpace(space: SearchSpace): SearchSpace {
  if (space === null || typeof space !== "object" || Array.isArray(space)) {
    throw new UserInputError("search space must be an object mapping parameter names to distributions");
  }
  for (const [name, d] of Object.entries(space)) validateDistribution(name, d);
  return space;
}

/** A distribution with exactly one possible value (Optuna's `single()`): nothing to search. */
export function isSingle(d: Distribution): boolean {
  switch (d.type) {
    case "categorical":
      return d.choices.length === 1;
    case "int":
      return d.low === d.high;
    case "float":
      return d.low === d.high;
  }
}

/**
 * External value → internal number (choice index / the number itself), or undefined when the
 * value cannot come from this distribution (a trial asked with a different space).
 */
export function toInternal(d: Distribution, value: unknown): number | undefined {
  if (d.type === "categorical") {
    const i = d.choices.findIndex((c) => c === value);
    return i >= 0 ? i : undefined;
  }
  if (typeof value !== "number" || !Number.isFinite(value) || value < d.low || value > d.high) return undefined;
  if (d.type === "int") {
    if (!Number.isInteger(value) || (value - d.low) % intStep(d) !== 0) return undefined;
  }
  return value;
}

/** Internal number → external value. Ints are snapped to the grid, floats clipped to bounds. */
export function toExternal(d: Distribution, internal: number): ParamValue {
  switch (d.type) {
    case "categorical": {
      const c = d.choices[internal];
      if (c === undefined) throw new RangeError(`choice index ${internal} out of range [0, ${d.choices.length})`);
      return c;
    }
    case "int": {
      const step = intStep(d);
      const snapped = d.low + Math.round((internal - d.low) / step) * step;
      return Math.min(d.high, Math.max(d.low, snapped));
    }
    case "float":
      return Math.min(d.high, Math.max(d.low, internal));
  }
}

/** The only value of a single-valued distribution, as an external value. */
export function singleValue(d: Distribution): ParamValue {
  if (d.type === "categorical") return d.choices[0] as ChoiceValue;
  return d.low;
}
