/**
 * `ieopt optimize --repeat N`: the same optimization with N seeds (seed, seed + 1, …; a
 * non-numeric seed gets "-1", "-2", … appended), one run folder each, sharing the models
 * and so the LM cache (a call the seeds have in common is paid once). The summary shows how
 * stable the result is: per run the picked prompt's validation score (selection-biased),
 * its paired difference to the default, and with a test split the frozen prompt's test
 * score and difference; over runs the mean, SD, min and max of each. Scores are 0–100.
 */
import type { OptimizeOutcome, OptimizeRequest } from "./optimize.ts";
import type { HeldOutScores } from "./held-out.ts";

export interface RepeatRun {
  run_id: string;
  seed: string | number;
  chosen: "search" | "default";
  /** The picked combination's validation score (selection-biased). */
  validation: number;
  /** Picked − default on the same validation samples. */
  validation_vs_default: number;
  test?: { frozen: number; delta: number };
}

export interface Spread {
  mean: number;
  sd: number;
  min: number;
  max: number;
}

export interface RepeatSummary {
  task: string;
  metric: string;
  runs: RepeatRun[];
  validation: Spread;
  validation_vs_default: Spread;
  test?: { frozen: Spread; delta: Spread };
}

/** The seeds of N repeats, starting with the given one. */
export function repeatSeeds(seed: string | number, n: number): (string | number)[] {
  const numeric = typeof seed === "number" ? seed : /^-?\d+$/.test(seed) ? Number(seed) : undefined;
  return Array.from({ length: n }, (_, i) => (numeric !== undefined ? numeric + i : i === 0 ? seed : `${seed}-${i}`));
}

/** Mean, sample SD (0 for one value), min and max. */
export function spread(values: readonly number[]): Spread {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  const round = (x: number) => Math.round(x * 100) / 100;
  return { mean: round(mean), sd: round(sd), min: round(Math.min(...values)), max: round(Math.max(...values)) };
}

/** Runs the optimization once per seed, one after another (they share the cache). */
export async function optimizeRepeated(
  request: OptimizeRequest,
  n: number,
  runOne: (request: OptimizeRequest) => Promise<OptimizeOutcome>,
  onFinished?: (outcome: OptimizeOutcome, index: number) => void,
): Promise<{ outcomes: OptimizeOutcome[]; summary: RepeatSummary }> {
  const outcomes: OptimizeOutcome[] = [];
  const seeds = repeatSeeds(request.settings?.seed ?? 0, n);
  for (const [i, seed] of seeds.entries()) {
    const outcome = await runOne({ ...request, settings: { ...request.settings, seed } });
    outcomes.push(outcome);
    onFinished?.(outcome, i);
  }
  return { outcomes, summary: summarizeRepeats(request.program?.task ?? request.task ?? "", outcomes) };
}

export function summarizeRepeats(task: string, outcomes: readonly OptimizeOutcome[]): RepeatSummary {
  const runs = outcomes.map((o): RepeatRun => {
    const test = o.frozen.provenance.scores.test as HeldOutScores | undefined;
    return {
      run_id: o.run.id,
      seed: o.settings.seed,
      chosen: o.result.chosen,
      validation: Math.round(1e4 * o.result.bestScore) / 100,
      validation_vs_default: Math.round(1e4 * o.result.comparison.estimate) / 100,
      ...(test ? { test: { frozen: test.optimized[test.metric], delta: test.delta.estimate } } : {}),
    };
  });
  const tested = runs.filter((r) => r.test !== undefined);
  return {
    task: task.toUpperCase(),
    metric: outcomes[0]?.settings.metric ?? "lf1",
    runs,
    validation: spread(runs.map((r) => r.validation)),
    validation_vs_default: spread(runs.map((r) => r.validation_vs_default)),
    ...(tested.length === runs.length && runs.length > 0
      ? { test: { frozen: spread(tested.map((r) => r.test!.frozen)), delta: spread(tested.map((r) => r.test!.delta)) } }
      : {}),
  };
}

/** The console / Markdown summary. */
export function renderRepeatSummary(summary: RepeatSummary, tag: string): string {
  const m = summary.metric.toUpperCase();
  const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;
  const fmt = (s: Spread, sign = false) => `${sign ? signed(s.mean) : s.mean.toFixed(2)} ± ${s.sd.toFixed(2)} (min ${sign ? signed(s.min) : s.min.toFixed(2)}, max ${sign ? signed(s.max) : s.max.toFixed(2)})`;
  return [
    `# ${summary.runs.length} repeats of ${summary.task} optimization`,
    "",
    `| run | seed | kept | validation ${m}${tag} (selection-biased) | − default | ${summary.test ? `test ${m}${tag} | test Δ |` : ""}`,
    `|---|---|---|---|---|${summary.test ? "---|---|" : ""}`,
    ...summary.runs.map((r) => `| ${r.run_id} | ${r.seed} | ${r.chosen} | ${r.validation.toFixed(2)} | ${signed(r.validation_vs_default)} | ${r.test ? `${r.test.frozen.toFixed(2)} | ${signed(r.test.delta)} |` : ""}`),
    "",
    `Across runs (mean ± SD): validation ${fmt(summary.validation)}; picked − default on validation ${fmt(summary.validation_vs_default, true)}${summary.test ? `; test ${fmt(summary.test.frozen)}; test Δ ${fmt(summary.test.delta, true)}` : ""}.`,
    "",
  ].join("\n");
}
