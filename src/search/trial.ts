/** Trial records shared by the study and the samplers. */
import type { Params } from "./space.ts";

export type Direction = "maximize" | "minimize";
export type TrialState = "complete" | "failed" | "running";

/**
 * A trial as samplers and callers see it. `params` hold external values (the categorical
 * choice itself, not its index). `value` is set exactly when `state` is "complete".
 * Plain data: JSON-serializable, so a run log can replay it into `Study.restore`.
 */
export interface FrozenTrial {
  readonly number: number;
  readonly state: TrialState;
  readonly params: Params;
  readonly value?: number | undefined;
}

/** Completed trials with a usable objective value (NaN never gets here: tell() fails it). */
export function completedTrials(trials: readonly FrozenTrial[]): FrozenTrial[] {
  return trials.filter((t) => t.state === "complete" && typeof t.value === "number" && !Number.isNaN(t.value));
}
