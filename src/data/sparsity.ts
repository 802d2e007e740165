/**
 * Sparsity-constrained sampling (the LIGHT benchmark, method.md §2): per (task, split,
 * language, dataset), keep at most `empty` samples whose labels are empty (E) and at most
 * `nonEmpty` samples with labels (H), drawn uniformly at random. Kept samples stay in their
 * input order.
 *
 * The unit is one line by default. With `unit: "instance"` whole instances are kept or
 * dropped (an instance counts as H if any of its samples has labels), so batched data is
 * never cut into partial instances.
 */
import type { Split, Sample } from "./sample.ts";
import { createRng } from "../util/random.ts";

export interface SplitCaps {
  /** Cap on samples with empty labels (E). */
  empty: number;
  /** Cap on samples with labels (H). */
  nonEmpty: number;
}
export type SparsityCaps = Record<Split, SplitCaps>;

export const LIGHT_CAPS: SparsityCaps = {
  train: { empty: 10000, nonEmpty: 3000 },
  dev: { empty: 100, nonEmpty: 30 },
  test: { empty: 1000, nonEmpty: 300 },
};

export interface SparsityOptions {
  caps?: SparsityCaps;
  seed?: string | number;
  unit?: "sample" | "instance";
}

function groupKey(sample: Sample): string {
  return [sample.task, sample.split, sample.lang, sample.dataset].join("|");
}

export function sparsitySample(samples: readonly Sample[], options: SparsityOptions = {}): Sample[] {
  const caps = options.caps ?? LIGHT_CAPS;
  const root = createRng(options.seed ?? 0);
  const unitOf = options.unit === "instance" ? (s: Sample) => s.instance_id : (s: Sample) => s.id;
  // Units in first-seen order, each with its group and whether it has any label.
  const units = new Map<string, { group: string; split: Split; hasLabels: boolean }>();
  for (const s of samples) {
    const unit = units.get(unitOf(s));
    if (unit) unit.hasLabels ||= s.labels.length > 0;
    else units.set(unitOf(s), { group: groupKey(s), split: s.split, hasLabels: s.labels.length > 0 });
  }
  const buckets = new Map<string, string[]>();
  for (const [id, unit] of units) {
    const bucket = `${unit.group}|${unit.hasLabels ? "H" : "E"}`;
    (buckets.get(bucket) ?? buckets.set(bucket, []).get(bucket)!).push(id);
  }
  const kept = new Set<string>();
  for (const [bucket, ids] of buckets) {
    const unit = units.get(ids[0]!)!;
    const cap = unit.hasLabels ? caps[unit.split].nonEmpty : caps[unit.split].empty;
    const chosen = ids.length <= cap ? ids : root.fork(bucket).sample(ids, cap);
    for (const id of chosen) kept.add(id);
  }
  return samples.filter((s) => kept.has(unitOf(s)));
}
