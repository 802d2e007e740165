/**
 * The eval report (report.json): per (prompt, model) the scores of method.md §3 —
 * overall, per language, per dataset, per (dataset, language) split and non-English, LF1
 * and exact F1 on the [0, 100] scale, each with a 95% percentile-bootstrap CI over
 * instances — plus failure rates, tokens and cost, and paired comparisons on the same
 * instances: prompts under the same model, models under the same prompt (paired bootstrap
 * CI of the mean difference and a sign-flip permutation p-value).
 *
 * Pure: numbers in, a plain JSON-able object out. Point values come from `aggregate`
 * (src/metrics/aggregate.ts), the one definition of how instances are combined; every
 * resampling is seeded from (seed, task, the group's instances, metric) — the same resamples of the same
 * instances for every prompt and model, so a report is reproducible and equal scores
 * get equal intervals.
 */
import { ENGLISH } from "../data/sample.ts";
import { aggregate, type InstanceResult } from "../metrics/aggregate.ts";
import { bootstrapCI, pairedBootstrap, pairedPermutationTest } from "../metrics/stats.ts";
import type { UsageCounts } from "../lm/usage.ts";
import type { InstanceIndex, DataFileInfo } from "../eval/eval-data.ts";
import { instanceResults, type InstanceScores, type OutcomeCounts } from "../eval/instance-scorer.ts";
import type { PipelineSummary } from "../eval/eval-run.ts";
import type { FailureExample } from "../eval/failure-examples.ts";
import { choosePerLanguage, type PipelineChoice } from "../pipelines/choice.ts";

export const REPORT_FORMAT = "ieopt.eval-report/v1";
export type Metric = "lf1" | "f1";
export const METRICS: readonly Metric[] = ["lf1", "f1"];

export interface MetricValue {
  /** Mean × 100; null for a group without instances. */
  value: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

export interface GroupScores {
  lf1: MetricValue;
  f1: MetricValue;
  instances: number;
  samples: number;
  /** Samples that failed (no parse, LM error, missing result). */
  failures: number;
}

export interface PairReport {
  prompt: string;
  model: string;
  task: string;
  /** True when the model is the offline sim: these are sim numbers, not LLM results. */
  simulated: boolean;
  overall: GroupScores;
  non_english: GroupScores;
  by_lang: Record<string, GroupScores>;
  by_dataset: Record<string, GroupScores>;
  /** dataset → lang → scores: the data splits of method.md §3. */
  by_split: Record<string, Record<string, GroupScores>>;
  outcomes: OutcomeCounts;
  /** Share of samples whose answer did not parse, in [0, 1]. */
  parse_failure_rate: number;
  /** Share of samples that failed for any reason, in [0, 1]. */
  failure_rate: number;
  /** What the pair cost over every process that worked on this --out folder (resumes included). */
  usage: Pick<UsageCounts, "calls" | "cache_hits" | "failures" | "prompt_tokens" | "completion_tokens" | "cost" | "unpriced_calls">;
  /** The part of it this process paid (no calls when every answer was reused). */
  session_usage?: PairReport["usage"];
  predictions: string;
  /** translate-test / transfusion: the translator and the projection counts. */
  pipeline?: PipelineSummary;
  /** A few of the worst instances (LF1 < 100), with text, gold and the answer. */
  failure_examples?: FailureExample[];
}

export interface Comparison {
  /** "prompts": two prompts under one model; "models": two models under one prompt. */
  kind: "prompts" | "models";
  task: string;
  /** The fixed side: the model (kind prompts) or the prompt (kind models). */
  fixed: string;
  a: string;
  b: string;
  scope: "overall" | "non_english" | "language";
  /** The language of a "language" comparison. */
  lang?: string;
  metric: Metric;
  simulated: boolean;
  /** Paired instances. */
  n: number;
  /** mean(a − b) × 100. */
  mean_diff: number;
  ci_low: number;
  ci_high: number;
  p_bootstrap: number;
  p_permutation: number;
}

export interface EvalReport {
  format: typeof REPORT_FORMAT;
  created_at: string;
  /** True when any number comes from the offline sim model. */
  simulated: boolean;
  mode: "online" | "batch";
  settings: { split_num: number; seed: string; bootstrap_iterations: number; confidence: number };
  data: DataFileInfo[];
  prompts: { name: string; kind: string; task: string; source: Record<string, string>; instruction?: string; demos?: { text: string; output: string }[] }[];
  models: { name: string; simulated: boolean; endpoint?: string }[];
  results: PairReport[];
  comparisons: Comparison[];
  /** The same paired comparisons within each language (CI of the difference per language). */
  comparisons_by_lang: Comparison[];
  /** Per model, all its prompts together. */
  usage_by_model: Record<string, PairReport["usage"]>;
  /** Per model and task evaluated under several pipelines: which one wins per language (src/pipelines/choice.ts). */
  pipeline_choice?: PipelineChoice[];
}

export interface PairInput {
  prompt: string;
  model: string;
  task: string;
  simulated: boolean;
  scores: InstanceScores;
  usage: UsageCounts;
  sessionUsage?: UsageCounts | undefined;
  predictions: string;
  pipeline?: PipelineSummary | undefined;
  failureExamples?: FailureExample[] | undefined;
}

export interface ReportInput {
  mode: EvalReport["mode"];
  splitNum: number;
  seed: string;
  iterations: number;
  data: DataFileInfo[];
  prompts: EvalReport["prompts"];
  models: EvalReport["models"];
  indexes: ReadonlyMap<string, InstanceIndex>;
  pairs: PairInput[];
  now?: Date;
}

const CONFIDENCE = 0.95;

/** Instance positions of every reported group of one task's index. */
interface Groups {
  all: number[];
  nonEnglish: number[];
  byLang: Map<string, number[]>;
  byDataset: Map<string, number[]>;
  bySplit: Map<string, Map<string, number[]>>;
}

function groupsOf(index: InstanceIndex): Groups {
  const g: Groups = { all: [], nonEnglish: [], byLang: new Map(), byDataset: new Map(), bySplit: new Map() };
  const push = <K>(map: Map<K, number[]>, key: K, i: number) => {
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  };
  for (let i = 0; i < index.instanceId.length; i++) {
    const lang = index.lang[i]!;
    const dataset = index.dataset[i]!;
    g.all.push(i);
    if (lang !== ENGLISH) g.nonEnglish.push(i);
    push(g.byLang, lang, i);
    push(g.byDataset, dataset, i);
    let byLang = g.bySplit.get(dataset);
    if (!byLang) g.bySplit.set(dataset, (byLang = new Map()));
    push(byLang, lang, i);
  }
  return g;
}

/**
 * A seed part for a set of instance positions (sorted ascending): equal sets get equal
 * seeds. Different sets can share one (same size, ends and sum), so it is not an identity.
 */
function groupSeed(positions: readonly number[]): string {
  let sum = 0;
  for (const p of positions) sum += p;
  return `${positions.length}:${positions[0] ?? -1}:${positions[positions.length - 1] ?? -1}:${sum}`;
}

function samePositions(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

function pick(values: Float64Array, positions: readonly number[]): number[] {
  return positions.map((i) => values[i]!);
}

function groupScores(results: readonly InstanceResult[], scores: InstanceScores, positions: readonly number[], seed: string, iterations: number): GroupScores {
  const summary = aggregate(positions.map((i) => results[i]!)).overall;
  const metric = (m: Metric, point: number | null): MetricValue => {
    if (positions.length === 0 || point === null) return { value: null, ci_low: null, ci_high: null };
    const ci = bootstrapCI(pick(scores[m], positions), { iterations, confidence: CONFIDENCE, seed: `${seed}/${m}` });
    return { value: point, ci_low: 100 * ci.low, ci_high: 100 * ci.high };
  };
  return {
    lf1: metric("lf1", summary.lf1),
    f1: metric("f1", summary.f1),
    instances: summary.instances,
    samples: summary.samples,
    failures: summary.failures,
  };
}

function sortedRecord<T>(map: Map<string, T>): Record<string, T> {
  // Null prototype: a group named __proto__ or constructor is a key like any other.
  const out: Record<string, T> = Object.create(null) as Record<string, T>;
  for (const key of [...map.keys()].sort()) out[key] = map.get(key)!;
  return out;
}

function usageOf(u: UsageCounts): PairReport["usage"] {
  return {
    calls: u.calls,
    cache_hits: u.cache_hits,
    failures: u.failures,
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    cost: u.cost,
    unpriced_calls: u.unpriced_calls,
  };
}

function pairReport(pair: PairInput, index: InstanceIndex, groups: Groups, seed: string, iterations: number): PairReport {
  const incomplete = pair.scores.lf1.findIndex((v) => Number.isNaN(v));
  if (incomplete !== -1) throw new Error(`internal: instance '${index.instanceId[incomplete]}' of ${pair.prompt} × ${pair.model} was never scored`);
  const results = instanceResults(index, pair.scores);
  const base = `${seed}/${pair.task}`;
  // Seeded by the group's instances, not its name: a dataset holding every instance gets
  // the same interval as "overall". Groups with the same instances (a single dataset =
  // overall) are computed once; the memo checks the positions, as seeds can collide.
  const memo = new Map<string, { positions: readonly number[]; scores: GroupScores }>();
  const score = (positions: readonly number[]) => {
    const seed = groupSeed(positions);
    const hit = memo.get(seed);
    if (hit && samePositions(hit.positions, positions)) return structuredClone(hit.scores);
    const scores = groupScores(results, pair.scores, positions, `${base}/${seed}`, iterations);
    if (!hit) memo.set(seed, { positions, scores });
    return structuredClone(scores);
  };
  const mapScores = (map: Map<string, number[]>) => sortedRecord(new Map([...map].map(([k, pos]) => [k, score(pos)])));
  const c = pair.scores.counts;
  return {
    prompt: pair.prompt,
    model: pair.model,
    task: pair.task,
    simulated: pair.simulated,
    overall: score(groups.all),
    non_english: score(groups.nonEnglish),
    by_lang: mapScores(groups.byLang),
    by_dataset: mapScores(groups.byDataset),
    by_split: sortedRecord(new Map([...groups.bySplit].map(([dataset, byLang]) => [dataset, mapScores(byLang)]))),
    outcomes: { ...c },
    parse_failure_rate: c.samples === 0 ? 0 : c.parse_failures / c.samples,
    failure_rate: c.samples === 0 ? 0 : (c.parse_failures + c.lm_failures + c.missing) / c.samples,
    usage: usageOf(pair.usage),
    ...(pair.sessionUsage ? { session_usage: usageOf(pair.sessionUsage) } : {}),
    predictions: pair.predictions,
    ...(pair.pipeline ? { pipeline: structuredClone(pair.pipeline) } : {}),
    ...(pair.failureExamples ? { failure_examples: pair.failureExamples } : {}),
  };
}

function compare(
  kind: Comparison["kind"],
  fixed: string,
  a: PairInput,
  b: PairInput,
  groups: Groups,
  seed: string,
  iterations: number,
  byLang = false,
): Comparison[] {
  const out: Comparison[] = [];
  const scopes: [Comparison["scope"], number[], string?][] = [];
  if (byLang) {
    // Within each language (only when there are several: else it is the overall comparison).
    if (groups.byLang.size > 1) for (const lang of [...groups.byLang.keys()].sort()) scopes.push(["language", groups.byLang.get(lang)!, lang]);
  } else {
    scopes.push(["overall", groups.all]);
    if (groups.nonEnglish.length > 0 && groups.nonEnglish.length < groups.all.length) scopes.push(["non_english", groups.nonEnglish]);
  }
  for (const [scope, positions, lang] of scopes) {
    for (const metric of METRICS) {
      const xa = pick(a.scores[metric], positions);
      const xb = pick(b.scores[metric], positions);
      const s = `${seed}/${a.task}/cmp/${groupSeed(positions)}/${metric}`;
      const boot = pairedBootstrap(xa, xb, { iterations, confidence: CONFIDENCE, seed: s });
      const pPerm = pairedPermutationTest(xa, xb, { iterations, seed: `${s}/perm` });
      out.push({
        kind,
        task: a.task,
        fixed,
        a: kind === "prompts" ? a.prompt : a.model,
        b: kind === "prompts" ? b.prompt : b.model,
        scope,
        ...(lang !== undefined ? { lang } : {}),
        metric,
        simulated: a.simulated || b.simulated,
        n: positions.length,
        mean_diff: 100 * boot.meanDiff,
        ci_low: 100 * boot.ciLow,
        ci_high: 100 * boot.ciHigh,
        p_bootstrap: boot.pValue,
        p_permutation: pPerm,
      });
    }
  }
  return out;
}

export function buildEvalReport(input: ReportInput): EvalReport {
  const groupsByTask = new Map<string, Groups>();
  for (const [task, index] of input.indexes) groupsByTask.set(task, groupsOf(index));
  const results = input.pairs.map((p) => pairReport(p, input.indexes.get(p.task)!, groupsByTask.get(p.task)!, input.seed, input.iterations));

  const comparisons: Comparison[] = [];
  const comparisonsByLang: Comparison[] = [];
  const pairs = input.pairs;
  for (let i = 0; i < pairs.length; i++) {
    for (let j = i + 1; j < pairs.length; j++) {
      const a = pairs[i]!;
      const b = pairs[j]!;
      if (a.task !== b.task) continue;
      const groups = groupsByTask.get(a.task)!;
      for (const byLang of [false, true]) {
        const into = byLang ? comparisonsByLang : comparisons;
        if (a.model === b.model && a.prompt !== b.prompt) into.push(...compare("prompts", a.model, a, b, groups, input.seed, input.iterations, byLang));
        if (a.prompt === b.prompt && a.model !== b.model) into.push(...compare("models", a.prompt, a, b, groups, input.seed, input.iterations, byLang));
      }
    }
  }

  const usageByModel: Record<string, PairReport["usage"]> = {};
  for (const r of results) {
    const u = (usageByModel[r.model] ??= { calls: 0, cache_hits: 0, failures: 0, prompt_tokens: 0, completion_tokens: 0, cost: 0, unpriced_calls: 0 });
    for (const k of Object.keys(u) as (keyof typeof u)[]) u[k] += r.usage[k];
  }

  return {
    format: REPORT_FORMAT,
    created_at: (input.now ?? new Date()).toISOString(),
    simulated: input.models.some((m) => m.simulated),
    mode: input.mode,
    settings: { split_num: input.splitNum, seed: input.seed, bootstrap_iterations: input.iterations, confidence: CONFIDENCE },
    data: input.data,
    prompts: input.prompts,
    models: input.models,
    results,
    comparisons,
    comparisons_by_lang: comparisonsByLang,
    usage_by_model: usageByModel,
    ...pipelineChoices(input, groupsByTask),
  };
}

/** The per-language pipeline choice of every (task, model) evaluated under two or more pipelines. */
function pipelineChoices(input: ReportInput, groupsByTask: ReadonlyMap<string, Groups>): { pipeline_choice?: PipelineChoice[] } {
  const out: PipelineChoice[] = [];
  const keys = [...new Set(input.pairs.map((p) => `${p.task}\u0000${p.model}`))];
  for (const key of keys) {
    const [task, model] = key.split("\u0000") as [string, string];
    const pairs = input.pairs.filter((p) => p.task === task && p.model === model);
    const candidates = pairs.map((p) => ({ name: p.prompt, pipeline: p.pipeline?.pipeline ?? ("direct" as const), lf1: p.scores.lf1 }));
    if (new Set(candidates.map((c) => c.pipeline)).size < 2) continue;
    const chosen = choosePerLanguage(candidates, groupsByTask.get(task)!.byLang, { iterations: input.iterations, confidence: CONFIDENCE, seed: `${input.seed}/${task}/${model}` });
    out.push({ task, model, simulated: pairs.some((p) => p.simulated), candidates: candidates.map(({ name, pipeline }) => ({ name, pipeline })), ...chosen });
  }
  return out.length > 0 ? { pipeline_choice: out } : {};
}

/** Every language of the report, sorted (English first: it is the source language). */
export function reportLanguages(report: EvalReport): string[] {
  const langs = new Set<string>();
  for (const r of report.results) for (const l of Object.keys(r.by_lang)) langs.add(l);
  return [...langs].sort((a, b) => (a === ENGLISH ? -1 : b === ENGLISH ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

/** "sim-small (sim)": how a model is named wherever a number of it is shown. */
export function modelLabel(report: EvalReport, model: string): string {
  return report.models.find((m) => m.name === model)?.simulated ? `${model} (sim)` : model;
}
