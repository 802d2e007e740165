/**
 * The held-out check of `ieopt optimize --test FILE`: after freezing, the default prompt and
 * the frozen prompt answer the test split with θ (the inference model), and are scored the
 * way `ieopt eval` scores (per instance, pooled over batched samples; method.md §3).
 *
 * The result is the frozen prompt's `provenance.scores.test` — contract:
 *   {metric, default: {lf1, f1}, optimized: {lf1, f1},
 *    delta: {estimate, ci_low, ci_high, p_value}, instances}
 * LF1 and F1 in [0, 100] like `ieopt score`; delta is optimized − default on `metric`, in
 * points, with a paired 95% bootstrap CI over instances and a sign-flip permutation
 * p-value. `by_lang` and `non_english` carry the same per group.
 */
import type { Sample } from "../src/data/sample.ts";
import type { LM } from "../src/lm/types.ts";
import type { Pipeline } from "../src/pipelines/pipelines.ts";
import { ENGLISH } from "../src/data/sample.ts";
import { expandSample } from "../src/eval/eval-data.ts";
import { predictSamples, type PromptSpec } from "../src/eval/runner.ts";
import { scorePredictions, type SampleOutcome } from "../src/metrics/score.ts";
import type { InstanceResult } from "../src/metrics/aggregate.ts";
import { pairedBootstrap, pairedPermutationTest } from "../src/metrics/stats.ts";
import { DEFAULT_SPLIT_NUM } from "../src/data/instances-to-samples.ts";

export interface PairScores {
  lf1: number;
  f1: number;
}

export interface HeldOutGroup {
  default: PairScores;
  optimized: PairScores;
  delta: { estimate: number; ci_low: number; ci_high: number; p_value: number };
  instances: number;
}

export interface HeldOutScores extends HeldOutGroup {
  metric: "lf1" | "f1";
  by_lang: Record<string, HeldOutGroup>;
  non_english?: HeldOutGroup;
}

export interface HeldOutOptions {
  test: readonly Sample[];
  defaultPrompt: PromptSpec;
  optimizedPrompt: PromptSpec;
  /** θ. */
  lm: LM;
  pipeline?: Pipeline | undefined;
  metric: string;
  seed: string | number;
  concurrency?: number;
  signal?: AbortSignal | undefined;
  onProgress?: (done: number, total: number) => void;
}

export async function evaluateHeldOut(options: HeldOutOptions): Promise<HeldOutScores> {
  const samples = options.test.flatMap((s) => expandSample(s, DEFAULT_SPLIT_NUM));
  const run = async (prompt: PromptSpec, part: number): Promise<InstanceResult[]> => {
    const outcomes = new Map<string, SampleOutcome>();
    let done = 0;
    await predictSamples(prompt, samples, {
      lm: options.lm,
      pipeline: options.pipeline,
      concurrency: options.concurrency,
      signal: options.signal,
      onOutcome: (o) => {
        outcomes.set(o.id, o.ok ? { records: o.records } : { failure: o.failure });
        options.onProgress?.(part * samples.length + ++done, 2 * samples.length);
      },
    });
    return scorePredictions(samples, outcomes).perInstance;
  };
  const base = await run(options.defaultPrompt, 0);
  const optimized = await run(options.optimizedPrompt, 1);
  const metric = options.metric === "f1" ? "f1" : "lf1";
  const all = base.map((_, i) => i);
  const langs = [...new Set(base.map((r) => r.lang))].sort();
  const nonEnglish = all.filter((i) => base[i]!.lang !== ENGLISH);
  const seed = `${options.seed}/test`;
  return {
    metric,
    ...compareGroup(base, optimized, all, metric, seed),
    by_lang: Object.fromEntries(langs.map((lang) => [lang, compareGroup(base, optimized, all.filter((i) => base[i]!.lang === lang), metric, `${seed}/${lang}`)])),
    ...(nonEnglish.length > 0 ? { non_english: compareGroup(base, optimized, nonEnglish, metric, `${seed}/non-english`) } : {}),
  };
}

/** Instances at `at` (same order for both prompts: scorePredictions groups by first appearance). */
function compareGroup(base: readonly InstanceResult[], optimized: readonly InstanceResult[], at: readonly number[], metric: "lf1" | "f1", seed: string): HeldOutGroup {
  const a = at.map((i) => optimized[i]![metric]);
  const b = at.map((i) => base[i]![metric]);
  const boot = pairedBootstrap(a, b, { seed });
  const pts = (x: number) => round(100 * x);
  return {
    default: { lf1: pts(meanOf(at.map((i) => base[i]!.lf1))), f1: pts(meanOf(at.map((i) => base[i]!.f1))) },
    optimized: { lf1: pts(meanOf(at.map((i) => optimized[i]!.lf1))), f1: pts(meanOf(at.map((i) => optimized[i]!.f1))) },
    delta: { estimate: pts(boot.meanDiff), ci_low: pts(boot.ciLow), ci_high: pts(boot.ciHigh), p_value: pairedPermutationTest(a, b, { seed: `${seed}/perm` }) },
    instances: at.length,
  };
}

const meanOf = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** report.md's held-out section. */
export function renderHeldOut(test: HeldOutScores, tag: string): string {
  const m = test.metric.toUpperCase();
  const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;
  const row = (name: string, g: HeldOutGroup) =>
    `| ${name} | ${g.instances} | ${g.default.lf1.toFixed(2)} | ${g.optimized.lf1.toFixed(2)} | ${g.default.f1.toFixed(2)} | ${g.optimized.f1.toFixed(2)} | ${signed(g.delta.estimate)} [${signed(g.delta.ci_low)}, ${signed(g.delta.ci_high)}] | ${g.delta.p_value.toFixed(3)} |`;
  return [
    "## Held-out test",
    "",
    `Default vs frozen prompt on the test split with the inference model, scored per instance like \`ieopt eval\` (0–100${tag}). Δ is frozen − default on ${m}, with a paired 95% bootstrap CI over instances and a permutation p-value. Unlike the validation figures, this is not selection-biased.`,
    "",
    `| group | instances | default LF1${tag} | frozen LF1${tag} | default F1${tag} | frozen F1${tag} | Δ ${m} [95% CI] | p |`,
    "|---|---|---|---|---|---|---|---|",
    row("overall", test),
    ...Object.entries(test.by_lang).map(([lang, g]) => row(lang, g)),
    ...(test.non_english ? [row("non-English", test.non_english)] : []),
    "",
  ].join("\n");
}
