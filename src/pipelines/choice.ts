/**
 * Per-language choice between pipelines (method.md §8: translate-test helped some languages
 * and hurt others, so the choice is per language). Under one model, every evaluated
 * (prompt, pipeline) is a candidate; per language the candidate with the best mean LF1 over
 * that language's instances wins, and paired bootstrap CIs (the same instances under both)
 * say by how much it beats the runner-up and the baseline (the first direct candidate).
 *
 * The route a language gets is the winner only when it beats the baseline clearly (the
 * CI of the difference lies above 0); otherwise the baseline, since a difference the data
 * cannot tell from noise is no reason to pay for translation.
 *
 * Pure: instance scores in, plain JSON out (src/report/eval-report.ts attaches it).
 */
import { pairedBootstrap } from "../metrics/stats.ts";
import type { PipelineName } from "./names.ts";
import { fmtDiff, fmtScore } from "../report/format.ts";

export interface ChoiceCandidate {
  /** The pair's prompt label (e.g. `default:SF@translate-test`). */
  name: string;
  pipeline: PipelineName | "routed";
  /** Per-instance LF1 in [0, 1], positions as in the task's instance index. */
  lf1: Float64Array;
}

export interface Difference {
  against: string;
  /** mean(winner − other) × 100 over the language's instances. */
  mean_diff: number;
  ci_low: number;
  ci_high: number;
}

export interface LanguageChoice {
  lang: string;
  instances: number;
  /** Mean LF1 × 100 per candidate. */
  lf1: Record<string, number>;
  winner: string;
  /** Winner vs the second best (absent with one candidate). */
  vs_runner_up?: Difference;
  /** Winner vs the baseline (absent when the winner is the baseline). */
  vs_baseline?: Difference;
  /** The candidate this language is routed to (the winner if it clearly beats the baseline). */
  route: string;
}

export interface PipelineChoice {
  task: string;
  model: string;
  simulated: boolean;
  baseline: string;
  candidates: { name: string; pipeline: PipelineName | "routed" }[];
  by_lang: LanguageChoice[];
}

export interface ChoiceOptions {
  iterations: number;
  confidence: number;
  seed: string;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

function difference(a: ChoiceCandidate, b: ChoiceCandidate, positions: readonly number[], options: ChoiceOptions, seed: string): Difference {
  const xa = positions.map((i) => a.lf1[i]!);
  const xb = positions.map((i) => b.lf1[i]!);
  const boot = pairedBootstrap(xa, xb, { iterations: options.iterations, confidence: options.confidence, seed });
  return { against: b.name, mean_diff: 100 * boot.meanDiff, ci_low: 100 * boot.ciLow, ci_high: 100 * boot.ciHigh };
}

/**
 * The choice per language for one model's candidates (the baseline is the first direct
 * one, else the first). `byLang` maps each language to its instance positions.
 */
export function choosePerLanguage(
  candidates: readonly ChoiceCandidate[],
  byLang: ReadonlyMap<string, readonly number[]>,
  options: ChoiceOptions,
): { baseline: string; by_lang: LanguageChoice[] } {
  const baseline = candidates.find((c) => c.pipeline === "direct") ?? candidates[0]!;
  if (candidates.length === 0) throw new Error("internal: a pipeline choice needs candidates");
  const out: LanguageChoice[] = [];
  for (const [lang, positions] of [...byLang].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const means = candidates.map((c) => mean(positions.map((i) => c.lf1[i]!)));
    // Best first; ties keep the baseline, then the candidate order.
    const order = candidates
      .map((c, i) => ({ c, m: means[i]!, i }))
      .sort((x, y) => y.m - x.m || Number(y.c === baseline) - Number(x.c === baseline) || x.i - y.i);
    const winner = order[0]!.c;
    const seed = `${options.seed}/choice/${lang}`;
    const choice: LanguageChoice = {
      lang,
      instances: positions.length,
      lf1: Object.fromEntries(candidates.map((c, i) => [c.name, 100 * means[i]!])),
      winner: winner.name,
      route: baseline.name,
    };
    if (order.length > 1) choice.vs_runner_up = difference(winner, order[1]!.c, positions, options, `${seed}/runner-up`);
    if (winner !== baseline) {
      choice.vs_baseline = difference(winner, baseline, positions, options, `${seed}/baseline`);
      if (choice.vs_baseline.ci_low > 0) choice.route = winner.name;
    }
    out.push(choice);
  }
  return { baseline: baseline.name, by_lang: out };
}

/** "+12.3 [4.5, 20.1]": a difference with its CI. */
function fmtDifference(d: Difference | undefined): string {
  return d === undefined ? "—" : `${fmtDiff(d.mean_diff)} [${fmtDiff(d.ci_low)}, ${fmtDiff(d.ci_high)}]`;
}

/** The choice as table rows: language, LF1 per candidate, winner, its margins, route. */
export function choiceRows(choice: PipelineChoice): { header: string[]; rows: string[][] } {
  const names = choice.candidates.map((c) => c.name);
  return {
    header: ["lang", "instances", ...names.map((n) => `LF1 ${n}`), "winner", "Δ vs runner-up [95% CI]", `Δ vs ${choice.baseline} [95% CI]`, "route"],
    rows: choice.by_lang.map((l) => [
      l.lang,
      String(l.instances),
      ...names.map((n) => fmtScore(l.lf1[n])),
      l.winner,
      fmtDifference(l.vs_runner_up),
      fmtDifference(l.vs_baseline),
      l.route,
    ]),
  };
}
