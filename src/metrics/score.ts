/**
 * The shared scoring entry point: gold samples + per-sample outcomes → per-sample,
 * per-instance and aggregated scores. The eval runner and `ieopt score` both call this,
 * so there is one definition of how predictions are scored.
 *
 * Samples are grouped into instances by (task, dataset, lang, instance_id) — not by
 * instance_id alone, so two datasets that both number their texts "1", "2", … are never
 * pooled together. Per-sample and per-instance scores are in [0, 1] (the optimizer's
 * scale); the summary is in [0, 100] (the reporting scale).
 */
import { UserInputError } from "../errors.ts";
import type { IERecord, Sample } from "../data/sample.ts";
import { aggregate, type InstanceResult, type ScoreSummary } from "./aggregate.ts";
import { FAILED_SCORE, scorePooledUnits, type PairScore } from "./lf1.ts";
import { poolUnits, toUnits, type Unit } from "./routing.ts";

/** The fields of a sample that scoring reads (a caller may hold only these). */
export type ScoredSample = Pick<Sample, "id" | "instance_id" | "lang" | "dataset" | "task" | "schema" | "labels">;

/** The scoring fields of a sample, without its text and the rest (a large file's memory is mostly texts). */
export function scoredFields(s: Sample): ScoredSample {
  return { id: s.id, instance_id: s.instance_id, lang: s.lang, dataset: s.dataset, task: s.task, schema: s.schema, labels: s.labels };
}

/** What became of one sample: parsed records, or why there are none. */
export type SampleOutcome = { records: IERecord[] } | { failure: string };

export interface SampleScoreRow {
  id: string;
  instance_id: string;
  lang: string;
  dataset: string;
  task: string;
  /** In [0, 1]. */
  lf1: number;
  /** In [0, 1]. */
  f1: number;
  /** Why the sample scored 0 without being compared (unparseable, no prediction, …). */
  failure?: string;
}

export interface ScoreReport {
  perSample: SampleScoreRow[];
  perInstance: InstanceResult[];
  summary: ScoreSummary;
  failures: { id: string; reason: string }[];
}

export const NO_PREDICTION = "no prediction";
const MISSING: SampleOutcome = Object.freeze({ failure: NO_PREDICTION });

/**
 * Scores every sample; a sample with no entry in `outcomes` is a failure "no prediction"
 * (score 0). Throws UserInputError for duplicate sample ids, or for outcomes whose id
 * is not a sample (a prediction for the wrong gold file must not pass silently).
 */
export function scorePredictions(
  samples: readonly ScoredSample[],
  outcomes: ReadonlyMap<string, SampleOutcome>,
): ScoreReport {
  checkIds(samples, outcomes);
  const perSample = new Array<SampleScoreRow>(samples.length);
  // Instance by instance, so units never outlive their instance (memory stays flat).
  const perInstance = groupByInstance(samples).map((indices) => scoreOneInstance(samples, indices, outcomes, perSample));
  const failures: { id: string; reason: string }[] = [];
  for (const row of perSample) if (row.failure !== undefined) failures.push({ id: row.id, reason: row.failure });
  return { perSample, perInstance, summary: aggregate(perInstance), failures };
}

/** Scores the samples at `indices` (one instance), filling their rows in `perSample`. */
function scoreOneInstance(
  samples: readonly ScoredSample[],
  indices: readonly number[],
  outcomes: ReadonlyMap<string, SampleOutcome>,
  perSample: SampleScoreRow[],
): InstanceResult {
  const first = samples[indices[0]!]!;
  const predLists: Unit[][] = [];
  const goldLists: Unit[][] = [];
  let failures = 0;
  let score: PairScore | undefined;
  for (const i of indices) {
    const sample = samples[i]!;
    const outcome = outcomes.get(sample.id) ?? MISSING;
    const goldUnits = toUnits(sample.task, sample.labels as IERecord[]);
    goldLists.push(goldUnits);
    const row: SampleScoreRow = {
      id: sample.id,
      instance_id: sample.instance_id,
      lang: sample.lang,
      dataset: sample.dataset,
      task: sample.task,
      lf1: 0,
      f1: 0,
    };
    if ("failure" in outcome) {
      failures++;
      score = FAILED_SCORE;
      row.failure = outcome.failure;
    } else {
      const predUnits = toUnits(sample.task, outcome.records, sample.schema);
      predLists.push(predUnits);
      score = scorePooledUnits(predUnits, goldUnits, false);
      row.lf1 = score.lf1;
      row.f1 = score.f1;
    }
    perSample[i] = row;
  }
  // One sample: pooling changes nothing, so its score is the instance's (the common case).
  if (indices.length > 1) score = scorePooledUnits(poolUnits(predLists), poolUnits(goldLists), failures > 0);
  return {
    instance_id: first.instance_id,
    task: first.task,
    dataset: first.dataset,
    lang: first.lang,
    lf1: score!.lf1,
    f1: score!.f1,
    samples: indices.length,
    failures,
  };
}

/**
 * Sample indices per instance, instances in order of first appearance. One map lookup
 * per sample, by instance_id; the rare instance_id shared across (task, dataset, lang)
 * is told apart by scanning the few groups filed under it.
 */
function groupByInstance(samples: readonly ScoredSample[]): number[][] {
  const groups: number[][] = [];
  const byInstanceId = new Map<string, number[][]>();
  samples.forEach((s, i) => {
    const candidates = byInstanceId.get(s.instance_id);
    if (candidates === undefined) {
      const created = [i];
      byInstanceId.set(s.instance_id, [created]);
      groups.push(created);
      return;
    }
    for (const group of candidates) {
      const first = samples[group[0]!]!;
      if (first.task === s.task && first.dataset === s.dataset && first.lang === s.lang) {
        group.push(i);
        return;
      }
    }
    const created = [i];
    candidates.push(created);
    groups.push(created);
  });
  return groups;
}

function checkIds(samples: readonly ScoredSample[], outcomes: ReadonlyMap<string, SampleOutcome>): void {
  const ids = new Set<string>();
  for (const s of samples) {
    if (ids.has(s.id)) throw new UserInputError(`duplicate sample id '${s.id}'`, { field: "id" });
    ids.add(s.id);
  }
  const unknown: string[] = [];
  for (const id of outcomes.keys()) if (!ids.has(id)) unknown.push(id);
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).map((id) => `'${id}'`).join(", ");
    const more = unknown.length > 5 ? ` and ${unknown.length - 5} more` : "";
    throw new UserInputError(`predictions for ids that are not gold samples: ${shown}${more}`, { field: "id" });
  }
}

/**
 * Scores instances as their samples' units arrive, in any order: an instance is scored
 * once all its samples are in (only its units are kept until then). The pooling is
 * `scorePredictions`': a failed sample (pred undefined) contributes no predicted units,
 * its gold units still count, and it makes an all-empty instance 0. Streaming scorers
 * (eval's InstanceScorer, `ieopt score`) hold one score per instance.
 *
 * How many samples an instance has is given up front (`expected`), or, for a reader that
 * learns it as it goes, told per instance with `close` (the pool then grows as needed).
 */
export class InstancePool {
  #lf1: Float64Array;
  #f1: Float64Array;
  #failures: Uint32Array;
  readonly #expected: ArrayLike<number> | undefined;
  readonly #pending = new Map<number, PendingInstance>();

  /** `expected[at]`: how many samples instance `at` has; without it, `close` says so per instance. */
  constructor(expected?: ArrayLike<number>) {
    this.#expected = expected;
    const size = expected?.length ?? 1024;
    this.#lf1 = new Float64Array(size).fill(Number.NaN);
    this.#f1 = new Float64Array(size).fill(Number.NaN);
    this.#failures = new Uint32Array(size);
  }

  /** Per instance, in [0, 1]; NaN until the instance is complete. (A pool without `expected` may replace these arrays as it grows.) */
  get lf1(): Float64Array {
    return this.#lf1;
  }
  get f1(): Float64Array {
    return this.#f1;
  }
  /** Failed samples per instance. */
  get failures(): Uint32Array {
    return this.#failures;
  }

  /**
   * One sample of instance `at`: its gold units and its predicted units (undefined: the
   * sample failed). `samples`: the instance's sample count, if the caller knows it by now
   * (a pool without `expected`; or use `close`).
   */
  add(at: number, gold: readonly Unit[], pred: readonly Unit[] | undefined, samples?: number): void {
    const expected = this.#expected?.[at] ?? samples;
    if (expected === 1) {
      this.#finish(at, scoreOne(gold, pred), pred === undefined ? 1 : 0);
      return;
    }
    let p = this.#pending.get(at);
    if (!p) this.#pending.set(at, (p = { expected: expected ?? Infinity, pred: [], gold: [], failures: 0 }));
    else if (expected !== undefined) p.expected = expected;
    p.gold.push(gold);
    if (pred === undefined) p.failures++;
    else p.pred.push(pred);
    if (p.gold.length === p.expected) this.#complete(at, p);
  }

  /** Instance `at` has `samples` samples in all (a pool built without `expected`); scored once they are all added. */
  close(at: number, samples: number): void {
    const p = this.#pending.get(at);
    if (p === undefined) {
      this.#pending.set(at, { expected: samples, pred: [], gold: [], failures: 0 });
      return;
    }
    p.expected = samples;
    if (p.gold.length === samples) this.#complete(at, p);
  }

  #complete(at: number, p: PendingInstance): void {
    this.#pending.delete(at);
    // One sample's units are already de-duplicated (toUnits): pooling them changes nothing.
    const score =
      p.gold.length === 1
        ? scoreOne(p.gold[0]!, p.pred[0])
        : scorePooledUnits(poolUnits(p.pred), poolUnits(p.gold), p.failures > 0);
    this.#finish(at, score, p.failures);
  }

  #finish(at: number, score: PairScore, failures: number): void {
    if (at >= this.#lf1.length) this.#grow(at);
    this.#lf1[at] = score.lf1;
    this.#f1[at] = score.f1;
    this.#failures[at] = failures;
  }

  #grow(at: number): void {
    const size = Math.max(2 * this.#lf1.length, at + 1);
    const lf1 = new Float64Array(size).fill(Number.NaN);
    const f1 = new Float64Array(size).fill(Number.NaN);
    const failures = new Uint32Array(size);
    lf1.set(this.#lf1);
    f1.set(this.#f1);
    failures.set(this.#failures);
    [this.#lf1, this.#f1, this.#failures] = [lf1, f1, failures];
  }
}

interface PendingInstance {
  /** Samples the instance has (Infinity until known). */
  expected: number;
  pred: (readonly Unit[])[];
  gold: (readonly Unit[])[];
  failures: number;
}

/** A one-sample instance: its units as they are (pred undefined: the sample failed). */
function scoreOne(gold: readonly Unit[], pred: readonly Unit[] | undefined): PairScore {
  return pred === undefined ? FAILED_SCORE : scorePooledUnits(pred, gold, false);
}
