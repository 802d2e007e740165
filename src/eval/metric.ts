/**
 * The optimizer's metric μ: a per-sample score in [0, 1]. LF1 by default (method.md §5:
 * LF1 as the guide gave better exact and soft scores); exact F1 or a user function also fit.
 */
import type { IERecord, Sample, Task } from "../data/sample.ts";
import { scoreSample } from "../metrics/lf1.ts";
import { UserInputError } from "../errors.ts";
import type { Outcome } from "./runner.ts";

export type SampleMetric = (task: Task, pred: readonly IERecord[] | null, gold: readonly IERecord[]) => number;

export const METRICS: Readonly<Record<string, SampleMetric>> = {
  lf1: (task, pred, gold) => scoreSample(task, pred, gold).lf1,
  f1: (task, pred, gold) => scoreSample(task, pred, gold).f1,
};

export function metricByName(name: string): SampleMetric {
  const metric = METRICS[name.toLowerCase()];
  if (!metric) throw new UserInputError(`unknown metric '${name}'; expected one of ${Object.keys(METRICS).join(", ")}`);
  return metric;
}

/** Score one sample's outcome (a failure scores 0). */
export function scoreOutcome(metric: SampleMetric, sample: Sample, outcome: Outcome | undefined): number {
  return metric(sample.task, outcome && outcome.ok ? outcome.records : null, sample.labels);
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}
