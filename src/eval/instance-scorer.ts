/**
 * Streaming scoring for one (prompt, model): samples arrive in any order with their
 * outcomes; each instance is scored as soon as its last sample is in, and only its
 * routed units are kept until then. The result is one LF1 and one F1 per instance
 * (position in the InstanceIndex), which is all aggregation, CIs and paired tests need.
 *
 * The pooling is InstancePool's (src/metrics/score.ts), exactly `scorePredictions`'.
 */
import type { IERecord, Sample } from "../data/sample.ts";
import { toUnits } from "../metrics/routing.ts";
import { InstancePool } from "../metrics/score.ts";
import type { InstanceResult } from "../metrics/aggregate.ts";
import { instanceKey, type InstanceIndex } from "./eval-data.ts";
import type { Outcome } from "./runner.ts";

export interface OutcomeCounts {
  samples: number;
  /** Answered, but the text did not parse into the task's records. */
  parse_failures: number;
  /** The LM call failed after retries (or the batch result was an error). */
  lm_failures: number;
  /** No answer at all (a batch result file without this request). */
  missing: number;
  /** Taken from an earlier run's predictions file instead of asking again. */
  resumed: number;
}

export interface InstanceScores {
  /** Per instance, in [0, 1]; NaN until the instance is complete. */
  lf1: Float64Array;
  f1: Float64Array;
  /** Failed samples per instance. */
  failures: Uint32Array;
  counts: OutcomeCounts;
}

export type FailureKind = "parse" | "lm" | "missing";

export class InstanceScorer {
  readonly #index: InstanceIndex;
  readonly #pool: InstancePool;
  readonly scores: InstanceScores;

  constructor(index: InstanceIndex) {
    this.#index = index;
    this.#pool = new InstancePool(index.sampleCount);
    const { lf1, f1, failures } = this.#pool;
    this.scores = { lf1, f1, failures, counts: { samples: 0, parse_failures: 0, lm_failures: 0, missing: 0, resumed: 0 } };
  }

  /** Records one sample's outcome (records, or a failure of the given kind). */
  add(sample: Sample, outcome: { records: IERecord[] } | { failure: FailureKind }, resumed = false): void {
    const at = this.#index.position.get(instanceKey(sample));
    if (at === undefined) throw new Error(`internal: sample '${sample.id}' is not in the instance index`);
    const counts = this.scores.counts;
    counts.samples++;
    if (resumed) counts.resumed++;
    const failed = "failure" in outcome;
    if (failed) {
      if (outcome.failure === "parse") counts.parse_failures++;
      else if (outcome.failure === "lm") counts.lm_failures++;
      else counts.missing++;
    }
    const gold = toUnits(sample.task, sample.labels as IERecord[]);
    this.#pool.add(at, gold, failed ? undefined : toUnits(sample.task, outcome.records, sample.schema));
  }

  /** Instances still waiting for samples (0 once every sample was added). */
  get incomplete(): number {
    let n = 0;
    for (const v of this.scores.lf1) if (Number.isNaN(v)) n++;
    return n;
  }
}

/** An outcome of the runner as the scorer sees it. */
export function scorableOutcome(outcome: Outcome): { records: IERecord[] } | { failure: FailureKind } {
  if (outcome.ok) return { records: outcome.records };
  return { failure: outcome.raw === undefined ? "lm" : "parse" };
}

/** The per-instance results in the shape `aggregate` (src/metrics/aggregate.ts) takes. */
export function instanceResults(index: InstanceIndex, scores: InstanceScores): InstanceResult[] {
  const out = new Array<InstanceResult>(index.instanceId.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = {
      instance_id: index.instanceId[i]!,
      task: index.task,
      dataset: index.dataset[i]!,
      lang: index.lang[i]!,
      lf1: scores.lf1[i]!,
      f1: scores.f1[i]!,
      samples: index.sampleCount[i]!,
      failures: scores.failures[i]!,
    };
  }
  return out;
}
