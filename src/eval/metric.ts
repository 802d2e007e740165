/**
 * The optimizer's metric μ: a per-sample score in [0, 1]. LF1 by default (method.md §5:
 * LF1 as the guide gave better exact and soft scores); exact F1 or a user function also fit.
 */
import type { IERecord, Sample, SchemaItem } from "../data/sample.ts";
import type { TaskRef } from "../tasks/registry.ts";
import { scoreSample } from "../metrics/lf1.ts";
import { UserInputError } from "../errors.ts";
import type { Outcome } from "./runner.ts";

/** μ(pred, gold) for one sample; `schema` is the sample's own (predicted types are routed against it). */
export type SampleMetric = (
  task: TaskRef,
  pred: readonly IERecord[] | null,
  gold: readonly IERecord[],
  schema: readonly SchemaItem[],
) => number;

/** A named metric μ: what `optimize({ metric })` and `--metric FILE.ts` take. */
export interface Metric {
  /** Recorded in the run's settings; a resumed run finds the metric by it. */
  name: string;
  score: SampleMetric;
}

/** Metrics by name: the built-in lf1 and f1, plus registered ones. */
export const METRICS: Record<string, SampleMetric> = {
  lf1: (task, pred, gold, schema) => scoreSample(task, pred, gold, schema).lf1,
  f1: (task, pred, gold, schema) => scoreSample(task, pred, gold, schema).f1,
};

/** Registers a metric under its name; a name is registered once (re-registering the same is fine). */
export function registerMetric(metric: Metric): Metric {
  const key = metric.name.toLowerCase();
  if (!/^[a-z0-9][\w.-]*$/.test(key)) throw new UserInputError(`metric name '${metric.name}' must be letters, digits, '.', '_' or '-'`);
  const existing = METRICS[key];
  if (existing !== undefined && existing !== metric.score) throw new UserInputError(`a different metric named '${metric.name}' is already registered`);
  METRICS[key] = metric.score;
  return metric;
}

/** A metric given by name or as an object; objects are registered (resume finds them). */
export function resolveMetric(metric: string | Metric): Metric {
  if (typeof metric === "string") return { name: metric.toLowerCase(), score: metricByName(metric) };
  return registerMetric(metric);
}

export function metricByName(name: string): SampleMetric {
  const metric = METRICS[name.toLowerCase()];
  if (!metric) throw new UserInputError(`unknown metric '${name}'; expected one of ${Object.keys(METRICS).join(", ")}`);
  return metric;
}

/** Score one sample's outcome (a failure scores 0). */
export function scoreOutcome(metric: SampleMetric, sample: Sample, outcome: Outcome | undefined): number {
  return metric(sample.task, outcome && outcome.ok ? outcome.records : null, sample.labels, sample.schema);
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}
