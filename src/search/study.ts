/**
 * A study: the ask/tell loop around a sampler (Optuna's Study, single objective, in memory).
 *
 *   const study = new Study({ sampler: new TPESampler({ seed }), direction: "maximize", space });
 *   const { number, params } = study.ask();
 *   study.tell(number, score);            // or study.tell(number, { failed: true })
 *
 * Resuming: `Study.restore(finishedTrials, options)` rebuilds a study from its trial log.
 * Because samplers draw from a generator seeded by (seed, trial number) and see only the
 * finished trials, the restored study's next asks equal those of the uninterrupted study.
 */
import { UserInputError } from "../errors.ts";
import type { Sampler } from "./sampler.ts";
import type { Distribution, Params, ParamValue, SearchSpace } from "./space.ts";
import { toInternal, validateSpace } from "./space.ts";
import type { Direction, FrozenTrial, TrialState } from "./trial.ts";

export interface StudyOptions {
  readonly sampler: Sampler;
  /** Which objective values are better. Required: a silent default would be a trap for scores. */
  readonly direction: Direction;
  /** Space used by ask() when none is passed. */
  readonly space?: SearchSpace;
}

export interface AskedTrial {
  readonly number: number;
  readonly params: Params;
}

export type TellResult = number | { readonly failed: true };

/** A finished trial as read back from a log: `value` may be null/absent for failed trials. */
export interface RestorableTrial {
  readonly number: number;
  readonly state: TrialState;
  readonly params: Params;
  readonly value?: number | null | undefined;
}

function freeze(t: FrozenTrial): FrozenTrial {
  return Object.freeze({ ...t, params: Object.freeze({ ...t.params }) });
}

export class Study {
  readonly sampler: Sampler;
  readonly direction: Direction;
  readonly space: SearchSpace | undefined;
  #trials: FrozenTrial[] = [];
  #queue: Params[] = [];
  #nextNumber = 0;

  constructor(options: StudyOptions) {
    if (options.direction !== "maximize" && options.direction !== "minimize") {
      throw new UserInputError(`direction must be "maximize" or "minimize", got ${JSON.stringify(options.direction)}`);
    }
    this.sampler = options.sampler;
    this.direction = options.direction;
    this.space = options.space === undefined ? undefined : validateSpace(options.space);
  }

  /**
   * Rebuild a study from finished ("complete" | "failed") trials, e.g. replayed from a
   * trials.jsonl. Trial numbers must be unique; the next ask gets max(number) + 1. Running
   * trials are rejected: a trial killed mid-evaluation is simply asked again (same number,
   * same params) by the restored study.
   */
  static restore(trials: readonly RestorableTrial[], options: StudyOptions): Study {
    const study = new Study(options);
    const seen = new Set<number>();
    const restored = trials.map((t, i): FrozenTrial => {
      const where = `restored trial #${i} (number ${String(t.number)})`;
      if (!Number.isInteger(t.number) || t.number < 0) throw new UserInputError(`${where}: number must be a non-negative integer`);
      if (seen.has(t.number)) throw new UserInputError(`${where}: duplicate trial number`);
      seen.add(t.number);
      if (t.params === null || typeof t.params !== "object") throw new UserInputError(`${where}: params must be an object`);
      if (t.state === "complete") {
        if (typeof t.value !== "number" || Number.isNaN(t.value)) throw new UserInputError(`${where}: a complete trial needs a numeric value`);
        return freeze({ number: t.number, state: "complete", params: t.params, value: t.value });
      }
      if (t.state === "failed") return freeze({ number: t.number, state: "failed", params: t.params });
      throw new UserInputError(`${where}: state must be "complete" or "failed" (got ${JSON.stringify(t.state)}); drop unfinished trials before restoring`);
    });
    study.#trials = restored.sort((a, b) => a.number - b.number);
    study.#nextNumber = restored.length === 0 ? 0 : Math.max(...restored.map((t) => t.number)) + 1;
    return study;
  }

  /** All trials in number order (running ones included). */
  get trials(): readonly FrozenTrial[] {
    return this.#trials.slice();
  }

  /** Best complete trial (ties: the earliest); undefined before any trial completes. */
  get bestTrial(): FrozenTrial | undefined {
    let best: FrozenTrial | undefined;
    for (const t of this.#trials) {
      if (t.state !== "complete" || t.value === undefined) continue;
      if (best === undefined || (this.direction === "maximize" ? t.value > best.value! : t.value < best.value!)) best = t;
    }
    return best;
  }

  /**
   * Make the next ask() return these params (any parameter left out is sampled), like Optuna's
   * enqueue_trial, e.g. to evaluate the default prompt first. Values are checked at ask time.
   */
  enqueue(params: Params): void {
    this.#queue.push({ ...params });
  }

  ask(space?: SearchSpace): AskedTrial {
    const s = space === undefined ? this.space : validateSpace(space);
    if (s === undefined) throw new UserInputError("ask() needs a search space: pass one here or in the Study options");
    const number = this.#nextNumber;
    const fixed = this.#queue[0];
    if (fixed !== undefined) checkParams(fixed, s);
    const sampled = this.sampler.sample(s, this.#trials, number, this.direction);
    const params: Record<string, ParamValue> = {};
    for (const name of Object.keys(s)) {
      const v = fixed?.[name] ?? sampled[name];
      if (v === undefined) throw new Error(`sampler returned no value for '${name}'`);
      params[name] = v;
    }
    this.#queue.shift();
    this.#nextNumber++;
    const trial = freeze({ number, state: "running", params });
    this.#trials.push(trial);
    return { number, params: trial.params };
  }

  /**
   * Finish a running trial with its objective value, or `{ failed: true }`. A NaN value marks
   * the trial failed (as Optuna does); ±Infinity is a valid value.
   */
  tell(number: number, result: TellResult): FrozenTrial {
    const i = this.#trials.findIndex((t) => t.number === number);
    const trial = this.#trials[i];
    if (trial === undefined) throw new UserInputError(`tell(): no trial number ${number}`);
    if (trial.state !== "running") throw new UserInputError(`tell(): trial ${number} is already ${trial.state}`);
    let done: FrozenTrial;
    if (typeof result === "number") {
      done = Number.isNaN(result)
        ? freeze({ number, state: "failed", params: trial.params })
        : freeze({ number, state: "complete", params: trial.params, value: result });
    } else if (result !== null && typeof result === "object" && result.failed === true) {
      done = freeze({ number, state: "failed", params: trial.params });
    } else {
      throw new UserInputError(`tell(): result must be a number or { failed: true }, got ${JSON.stringify(result)}`);
    }
    this.#trials[i] = done;
    return done;
  }
}

function checkParams(params: Params, space: SearchSpace): void {
  for (const [name, value] of Object.entries(params)) {
    const d: Distribution | undefined = space[name];
    if (d === undefined) throw new UserInputError(`enqueued parameter '${name}' is not in the search space`);
    if (toInternal(d, value) === undefined) {
      throw new UserInputError(`enqueued value ${JSON.stringify(value)} for '${name}' is not in its ${d.type} distribution`);
    }
  }
}
