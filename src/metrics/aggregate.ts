/**
 * Aggregation of per-instance scores into the reported figures (method.md §3).
 *
 * A split (task, dataset, lang) scores the mean over its instances; splits are combined
 * weighted by their instance counts. The weighted mean of split means is the plain mean
 * over all instances of the group, which is how it is computed here — so no figure
 * depends on `split_num` (how many samples an instance was batched into).
 *
 * Inputs are in [0, 1]; reported scores are in [0, 100]. A group with no instances has
 * `lf1`/`f1` null (e.g. `non_english` of an English-only evaluation) rather than a
 * made-up 0.
 */
import { ENGLISH } from "../data/sample.ts";

export interface InstanceResult {
  instance_id: string;
  task: string;
  dataset: string;
  lang: string;
  /** Soft LF1 in [0, 1]. */
  lf1: number;
  /** Exact F1 in [0, 1]. */
  f1: number;
  /** Samples (queries) the instance was batched into. */
  samples: number;
  /** How many of those samples failed (no prediction, unparseable, invalid records). */
  failures: number;
}

export interface GroupSummary {
  /** Mean soft LF1 × 100; null when the group has no instances. */
  lf1: number | null;
  /** Mean exact F1 × 100; null when the group has no instances. */
  f1: number | null;
  instances: number;
  samples: number;
  failures: number;
}

export interface ScoreSummary {
  overall: GroupSummary;
  by_lang: Record<string, GroupSummary>;
  by_dataset: Record<string, GroupSummary>;
  by_task: Record<string, GroupSummary>;
  /** Every instance whose lang is not "eng". */
  non_english: GroupSummary;
}

/** What aggregation reads of an instance's result (its id is not needed). */
export type AggregatedInstance = Omit<InstanceResult, "instance_id">;

export function aggregate(instances: Iterable<AggregatedInstance>): ScoreSummary {
  const overall = new Accumulator();
  const nonEnglish = new Accumulator();
  const byLang = new Map<string, Accumulator>();
  const byDataset = new Map<string, Accumulator>();
  const byTask = new Map<string, Accumulator>();
  for (const r of instances) {
    overall.add(r);
    if (r.lang !== ENGLISH) nonEnglish.add(r);
    accumulatorFor(byLang, r.lang).add(r);
    accumulatorFor(byDataset, r.dataset).add(r);
    accumulatorFor(byTask, r.task).add(r);
  }
  return {
    overall: overall.summary(),
    by_lang: summaries(byLang),
    by_dataset: summaries(byDataset),
    by_task: summaries(byTask),
    non_english: nonEnglish.summary(),
  };
}

class Accumulator {
  lf1Sum = 0;
  f1Sum = 0;
  instances = 0;
  samples = 0;
  failures = 0;

  add(r: AggregatedInstance): void {
    this.lf1Sum += r.lf1;
    this.f1Sum += r.f1;
    this.instances++;
    this.samples += r.samples;
    this.failures += r.failures;
  }

  summary(): GroupSummary {
    const n = this.instances;
    return {
      lf1: n === 0 ? null : (100 * this.lf1Sum) / n,
      f1: n === 0 ? null : (100 * this.f1Sum) / n,
      instances: n,
      samples: this.samples,
      failures: this.failures,
    };
  }
}

function accumulatorFor(map: Map<string, Accumulator>, key: string): Accumulator {
  let acc = map.get(key);
  if (!acc) map.set(key, (acc = new Accumulator()));
  return acc;
}

/** Keys sorted, so JSON output is stable whatever order the data came in. */
function summaries(map: Map<string, Accumulator>): Record<string, GroupSummary> {
  // Null prototype: a group named __proto__ or constructor is a key like any other.
  const out: Record<string, GroupSummary> = Object.create(null) as Record<string, GroupSummary>;
  for (const key of [...map.keys()].sort()) out[key] = map.get(key)!.summary();
  return out;
}
