/**
 * Noise-aware selection (docs/selection.md argues the design): which combinations to score
 * beyond their minibatches (the final race; the old rule's due points), and which to freeze.
 *
 * Per-sample scores are noisy (an LF1 of 0 or 1 on most samples) while candidates differ by
 * a few points, so a raw minibatch mean mostly measures *which samples* the minibatch drew.
 * The estimate here removes that and pools what the search saw:
 *
 * 1. Control variate. Every validation sample's score under the default prompt (b_s) is
 *    known from the baseline. A score y_{c,s} is adjusted to y − β·(b_s − B̄), with β the
 *    within-combination regression slope of y on b (pooled over all evidence). A sample
 *    that is easy for the default is easy for every prompt, so this cancels most of the
 *    minibatch's luck; with β fitted, it never adds variance. The estimates that rank
 *    combinations take b_s from every prompt that answered s instead (leave-one-out,
 *    cellsWithPooledDifficulty): several witnesses of a sample's difficulty, not one.
 * 2. Additive shrinkage. The adjusted scores are fitted by an additive random-effects model
 *    over the search space: grand mean + instruction effect + demo-set effect + the
 *    combination's own deviation, each a shrunken mean (empirical Bayes: the raw effect
 *    times n·τ² / (n·τ² + σ²), τ² by the method of moments). A combination tried once
 *    borrows strength from every trial that shared its instruction or its demo set, and a
 *    lucky single minibatch is pulled toward what the rest of the evidence says.
 * 3. A final race. Instead of one full evaluation per due point, the same budget of calls is
 *    spent after the search as successive halving over the best estimates (raceSchedule):
 *    more samples for a few, then the best of those, then two finalists on the full split.
 *
 * The final pick is the finalist with the best estimate, which on the full split is its
 * full mean nudged by the pooled evidence. The old rule (a full evaluation of the best raw
 * minibatch mean at each due point, best full mean to freeze) stays available as
 * "best-full" for comparison (bench/selection.ts).
 */
import { comboKey, type Combo } from "./mipro.ts";
import { pairedBootstrap, pairedPermutationTest } from "../src/metrics/stats.ts";

export const SELECTION_RULES = ["noise-aware", "best-full"] as const;
export type SelectionRule = (typeof SELECTION_RULES)[number];

/** Per-sample scores a combination earned (minibatches and full evaluations). */
export interface ComboEvidence {
  combo: Combo;
  sampleIds: readonly string[];
  scores: readonly number[];
}

export interface SelectionInput {
  /** The default prompt's score on every validation sample (the baseline). */
  baseline: ReadonlyMap<string, number>;
  evidence: readonly ComboEvidence[];
}

export interface ComboEstimate {
  combo: Combo;
  /** Posterior mean quality, on the metric's scale. */
  estimate: number;
  /** Distinct samples the combination was scored on. */
  samples: number;
  /** Its raw mean over those samples. */
  rawMean: number;
}

// Called lazily: select.ts and mipro.ts import each other.
const key = (c: Combo) => comboKey(c);
const FLOOR = 1e-12;

/** Shrinkage factor of a mean over n samples toward 0 for effect variance τ² and noise σ². */
export function shrinkFactor(n: number, tau2: number, sigma2: number): number {
  if (n <= 0) return 0;
  return (n * tau2) / (n * tau2 + sigma2);
}

/**
 * The prior variance of an effect: candidates are taken to differ by about a point (on the
 * [0, 1] scale, 0.01). Without such a floor, a method-of-moments τ² of 0 (all differences
 * within the noise) would shrink every estimate to the grand mean and leave the ranking
 * to chance; with it, ranking follows the evidence, weighted by how much there is.
 */
export const PRIOR_EFFECT_VARIANCE = 0.01 ** 2;

/** τ² by the method of moments from raw effects r_g over n_g samples: mean(r² − σ²/n), floored by the prior. */
export function effectVariance(effects: readonly { raw: number; n: number }[], sigma2: number): number {
  if (effects.length < 2) return PRIOR_EFFECT_VARIANCE;
  let s = 0;
  for (const e of effects) s += e.raw * e.raw - sigma2 / e.n;
  return Math.max(PRIOR_EFFECT_VARIANCE, s / effects.length);
}

interface Cell {
  combo: Combo;
  x: number[]; // b_s − B̄
  y: number[];
}

/** The control-variate slope: Σ(y − ȳ_c)(x − x̄_c) / Σ(x − x̄_c)², within combinations. */
export function controlSlope(cells: readonly { x: readonly number[]; y: readonly number[] }[]): number {
  let sxy = 0;
  let sxx = 0;
  for (const { x, y } of cells) {
    const mx = mean(x);
    const my = mean(y);
    for (let i = 0; i < x.length; i++) {
      sxy += (x[i]! - mx) * (y[i]! - my);
      sxx += (x[i]! - mx) ** 2;
    }
  }
  return sxx > FLOOR ? sxy / sxx : 0;
}

/** Posterior mean quality of every combination with evidence. */
export function estimateCombos(input: SelectionInput): ComboEstimate[] {
  const cells = cellsWithPooledDifficulty(input);
  if (cells.length === 0) return [];
  const beta = controlSlope(cells);
  const adjusted = cells.map((c) => ({ combo: c.combo, values: c.y.map((y, i) => y - beta * c.x[i]!), raw: mean(c.y) }));

  // σ²: pooled within-combination variance of the adjusted scores.
  let ss = 0;
  let dof = 0;
  let total = 0;
  let count = 0;
  for (const a of adjusted) {
    const m = mean(a.values);
    for (const v of a.values) ss += (v - m) ** 2;
    dof += a.values.length - 1;
    for (const v of a.values) total += v;
    count += a.values.length;
  }
  const grand = total / count;
  const sigma2 = Math.max(FLOOR, dof > 0 ? ss / dof : variance(adjusted.flatMap((a) => a.values)));

  // One backfitting pass: instruction effects, then demo-set effects on what is left, then
  // each combination's own deviation.
  const resid = adjusted.map((a) => ({ ...a, values: a.values.map((v) => v - grand) }));
  const alpha = groupEffects(resid, (c) => c.instruction, sigma2);
  for (const r of resid) r.values = r.values.map((v) => v - alpha.get(r.combo.instruction)!);
  const delta = groupEffects(resid, (c) => c.demos, sigma2);
  for (const r of resid) r.values = r.values.map((v) => v - delta.get(r.combo.demos)!);
  const own = groupEffects(resid, (c) => key(c), sigma2);

  return adjusted.map((a) => ({
    combo: a.combo,
    estimate: grand + alpha.get(a.combo.instruction)! + delta.get(a.combo.demos)! + own.get(key(a.combo))!,
    samples: a.values.length,
    rawMean: a.raw,
  }));
}

/** Shrunken mean effect per group of the residuals. */
function groupEffects<K>(cells: readonly { combo: Combo; values: readonly number[] }[], groupOf: (c: Combo) => K, sigma2: number): Map<K, number> {
  const groups = new Map<K, { sum: number; n: number }>();
  for (const c of cells) {
    const g = groups.get(groupOf(c.combo)) ?? { sum: 0, n: 0 };
    for (const v of c.values) g.sum += v;
    g.n += c.values.length;
    groups.set(groupOf(c.combo), g);
  }
  const raws = [...groups.values()].map((g) => ({ raw: g.sum / g.n, n: g.n }));
  const tau2 = effectVariance(raws, sigma2);
  const out = new Map<K, number>();
  for (const [k, g] of groups) out.set(k, (g.sum / g.n) * shrinkFactor(g.n, tau2, sigma2));
  return out;
}

/** Each combination's score per distinct sample, over all its evidence (a later score of a sample wins). */
function scoresByCombo(evidence: readonly ComboEvidence[]): { combo: Combo; scores: Map<string, number> }[] {
  const byCombo = new Map<string, { combo: Combo; scores: Map<string, number> }>();
  for (const e of evidence) {
    const entry = byCombo.get(key(e.combo)) ?? { combo: e.combo, scores: new Map<string, number>() };
    e.sampleIds.forEach((id, i) => entry.scores.set(id, e.scores[i]!));
    byCombo.set(key(e.combo), entry);
  }
  return [...byCombo.values()];
}

/** One cell per combination: its distinct samples' scores and their default-centred difficulty. */
function collectCells(input: SelectionInput): Cell[] {
  const baselineMean = mean([...input.baseline.values()]);
  const cells: Cell[] = [];
  for (const { combo, scores } of scoresByCombo(input.evidence)) {
    const x: number[] = [];
    const y: number[] = [];
    for (const [id, score] of scores) {
      const b = input.baseline.get(id);
      x.push(b === undefined ? 0 : b - baselineMean);
      y.push(score);
    }
    if (y.length > 0) cells.push({ combo, x, y });
  }
  return cells;
}

/**
 * The combination to fully evaluate next: not yet fully evaluated, tried by the search,
 * best by the rule's estimate (ties: the lower combination key, for reproducibility).
 */
export function nextToEvaluate(rule: SelectionRule, input: SelectionInput, fullyEvaluated: ReadonlySet<string>): Combo | undefined {
  const candidates = rank(rule, input).filter((e) => !fullyEvaluated.has(key(e.combo)));
  return candidates[0]?.combo;
}

/** One rung of the final race: the best `combinations` by estimate are scored on `samples` samples each. */
export interface RaceRung {
  combinations: number;
  samples: number;
}

/**
 * The noise-aware rule's final race (successive halving, docs/selection.md §2): instead of
 * one full evaluation at each of the `fullEvaluations` due points, the same budget of new
 * calls — fullEvaluations × (valSize − minibatch), what those evaluations cost at most — is
 * spent once the search is over, when the estimates are best. The last rung fully evaluates
 * two finalists; each rung before it has half the samples and three times the
 * combinations; the first rung takes as many combinations as the budget leaves (at least
 * three times the next rung's), and rungs start at twice the minibatch or more. The plan
 * assumes every candidate arrives with one minibatch of samples, so it never costs more
 * than the budget. A budget too small for two finalists fully evaluates the best estimate.
 */
export function raceSchedule(options: { valSize: number; minibatch: number; fullEvaluations: number }): RaceRung[] {
  const { valSize: n, fullEvaluations } = options;
  const m = Math.min(options.minibatch, n);
  const budget = fullEvaluations * (n - m);
  if (fullEvaluations < 1) return [];
  if (budget < 2 * (n - m) || n <= m) return [{ combinations: 1, samples: n }];
  let best: RaceRung[] = [{ combinations: 2, samples: n }];
  for (let rungs = 2; ; rungs++) {
    const samples = Array.from({ length: rungs }, (_, j) => Math.ceil(n / 2 ** (rungs - 1 - j)));
    if (samples[0]! < 2 * m) break;
    // Later rungs: 2 finalists, ×3 per rung going back; each adds samples to the survivors.
    const counts = Array.from({ length: rungs }, (_, j) => 2 * 3 ** (rungs - 1 - j));
    let later = 0;
    for (let j = 1; j < rungs; j++) later += counts[j]! * (samples[j]! - samples[j - 1]!);
    const first = Math.floor((budget - later) / (samples[0]! - m));
    if (first < counts[1]! * 3) break;
    best = samples.map((s, j) => ({ combinations: j === 0 ? first : counts[j]!, samples: s }));
  }
  return best;
}

/** "the best 8 combinations on 117 samples, then the best 2 on all 234" */
export function describeRace(rungs: readonly RaceRung[], valSize: number): string {
  return rungs
    .map((r, i) => {
      const who = r.combinations === 1 ? "the best combination" : `the best ${r.combinations}${i === 0 ? " combinations" : ""}`;
      return `${i === 0 ? "" : "then "}${who} on ${r.samples >= valSize ? `all ${valSize}` : r.samples} samples`;
    })
    .join(", ");
}

/**
 * The samples a race rung scores a combination on: the ones it was already scored on, then
 * more in `order` (one shuffled order of the split for every combination, so rungs compare
 * prompts on largely the same samples) until there are `count`.
 */
export function raceSamples<S extends { id: string }>(order: readonly S[], scored: ReadonlySet<string>, count: number): S[] {
  const out = order.filter((s) => scored.has(s.id));
  for (const s of order) {
    if (out.length >= count) break;
    if (!scored.has(s.id)) out.push(s);
  }
  return out;
}

/** The best `count` combinations by the noise-aware estimate, among `among` when given. */
export function topByEstimate(input: SelectionInput, count: number, among?: readonly Combo[]): Combo[] {
  const allowed = among ? new Set(among.map(key)) : undefined;
  return rank("noise-aware", input)
    .filter((e) => !allowed || allowed.has(key(e.combo)))
    .slice(0, count)
    .map((e) => e.combo);
}

/**
 * The fully evaluated combination to freeze, by the rule's estimate; ties go to the one
 * evaluated first (`fullyEvaluated` in evaluation order), as the old rule had it.
 */
export function finalPick(rule: SelectionRule, input: SelectionInput, fullyEvaluated: ReadonlySet<string>): ComboEstimate | undefined {
  const order = [...fullyEvaluated];
  return rank(rule, input)
    .filter((e) => fullyEvaluated.has(key(e.combo)))
    .sort((a, b) => b.estimate - a.estimate || order.indexOf(key(a.combo)) - order.indexOf(key(b.combo)))[0];
}

function rank(rule: SelectionRule, input: SelectionInput): ComboEstimate[] {
  const estimates = rule === "noise-aware" ? estimateCombos(input) : rawMeans(input);
  return estimates.sort((a, b) => b.estimate - a.estimate || key(a.combo).localeCompare(key(b.combo)));
}

/**
 * The old rule's ranking: the plain mean of a combination's scores. Before its full
 * evaluation that is the mean of its minibatch means (a sample drawn twice counts twice,
 * as the old rule did); after it, the full-validation mean.
 */
function rawMeans(input: SelectionInput): ComboEstimate[] {
  const byCombo = new Map<string, { combo: Combo; batchMeans: number[]; full?: number; samples: Set<string> }>();
  const fullSize = input.baseline.size;
  for (const e of input.evidence) {
    const entry = byCombo.get(key(e.combo)) ?? { combo: e.combo, batchMeans: [], samples: new Set<string>() };
    const m = mean(e.scores);
    if (e.sampleIds.length >= fullSize) entry.full = m;
    else entry.batchMeans.push(m);
    for (const id of e.sampleIds) entry.samples.add(id);
    byCombo.set(key(e.combo), entry);
  }
  return [...byCombo.values()].map((e) => {
    const estimate = e.full ?? mean(e.batchMeans);
    return { combo: e.combo, estimate, samples: e.samples.size, rawMean: estimate };
  });
}

function mean(values: readonly number[]): number {
  if (values.length === 0) return 0;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

function variance(values: readonly number[]): number {
  const m = mean(values);
  let s = 0;
  for (const v of values) s += (v - m) ** 2;
  return values.length > 1 ? s / (values.length - 1) : 0;
}

/** What the log holds about a combination or the baseline (the records of mipro.ts). */
interface ScoredRecord {
  score: number;
  scores?: number[] | undefined;
}

/**
 * Per-sample scores of a full evaluation, in validation order. Logs written before
 * per-sample scores were kept have only the mean: every sample then counts as the mean.
 */
export function fullScores(record: ScoredRecord, samples: number): number[] {
  return record.scores && record.scores.length === samples ? record.scores : new Array<number>(samples).fill(record.score);
}

/** The selection rule's input from the run's log: baseline, trials and full evaluations. */
export function selectionInput(
  val: readonly { id: string }[],
  baseline: ScoredRecord,
  trials: Iterable<ScoredRecord & { params: Combo; minibatch: string[] }>,
  fullEvals: Iterable<ScoredRecord & { params: Combo }>,
): SelectionInput {
  const ids = val.map((s) => s.id);
  const baselineScores = fullScores(baseline, ids.length);
  const evidence: ComboEvidence[] = [];
  for (const t of trials) {
    const scores = t.scores && t.scores.length === t.minibatch.length ? t.scores : t.minibatch.map(() => t.score);
    evidence.push({ combo: t.params, sampleIds: t.minibatch, scores });
  }
  for (const f of fullEvals) evidence.push({ combo: f.params, sampleIds: ids, scores: fullScores(f, ids.length) });
  return { baseline: new Map(ids.map((id, i) => [id, baselineScores[i]!])), evidence };
}

/** The chosen prompt minus the default on the same samples, in [−1, 1] like the metric. */
export interface DefaultComparison {
  estimate: number;
  ci_low: number;
  ci_high: number;
  p_value: number;
  samples: number;
}

/** Paired 95% bootstrap CI and sign-flip permutation p-value of chosen − default. */
export function compareWithDefault(chosen: readonly number[], baseline: readonly number[], seed: string | number): DefaultComparison {
  const boot = pairedBootstrap(chosen, baseline, { seed: `${seed}/vs-default` });
  return {
    estimate: boot.meanDiff,
    ci_low: boot.ciLow,
    ci_high: boot.ciHigh,
    p_value: pairedPermutationTest(chosen, baseline, { seed: `${seed}/vs-default` }),
    samples: chosen.length,
  };
}

/**
 * The score TPE is told for a trial. Under "noise-aware", the minibatch mean with the
 * control variate applied: minus β·(the default's mean on the same minibatch − its mean
 * on the whole split), β fitted on the evidence so far. A minibatch of easy samples then
 * no longer looks like a good prompt, so the search follows prompts rather than draws.
 * Under "best-full", the raw minibatch mean (the old behaviour).
 */
export function toldScore(rule: SelectionRule, input: SelectionInput, trial: { score: number; minibatch: readonly string[] }): number {
  if (rule === "best-full" || input.baseline.size === 0) return trial.score;
  const cells = collectCells(input);
  const beta = controlSlope(cells);
  const baselineMean = mean([...input.baseline.values()]);
  let batchBaseline = 0;
  for (const id of trial.minibatch) batchBaseline += input.baseline.get(id) ?? baselineMean;
  return trial.score - beta * (batchBaseline / Math.max(1, trial.minibatch.length) - baselineMean);
}

/**
 * The cells of estimateCombos: each combination's scores with, as covariate, each sample's
 * difficulty estimated from *every* prompt that answered it — the default on the whole split,
 * every trial's and the race's combinations — by a two-way additive fit (score = prompt
 * mean + sample effect), leaving out the combination's own answer so a prompt never makes
 * its own samples look easy. The default alone tells a sample's difficulty through one
 * noisy answer; a sample seen by k prompts is told by k, so the noise left in a
 * combination's adjusted mean falls from about 2σ² (prompt and default each add their own)
 * toward σ²(1 + 1/k). The trials' told scores keep the default-only control variate
 * (collectCells): measured with bench/selection, the pooled one helped the final ranking but
 * not the search.
 */
export function cellsWithPooledDifficulty(input: SelectionInput): Cell[] {
  // The default first (no combination), then every combination with evidence.
  const prompts: { combo?: Combo; scores: ReadonlyMap<string, number>; mean: number }[] = [{ scores: input.baseline }, ...scoresByCombo(input.evidence)].map((p) => ({
    ...p,
    mean: mean([...p.scores.values()]),
  }));

  // Backfitting: sample effects from the prompts' residuals, prompt means from the samples'.
  const residualSums = () => {
    const sum = new Map<string, number>();
    const count = new Map<string, number>();
    for (const p of prompts) {
      for (const [id, y] of p.scores) {
        sum.set(id, (sum.get(id) ?? 0) + y - p.mean);
        count.set(id, (count.get(id) ?? 0) + 1);
      }
    }
    return { sum, count };
  };
  for (let round = 0; round < DIFFICULTY_ROUNDS; round++) {
    const { sum, count } = residualSums();
    const effect = new Map<string, number>();
    let centre = 0;
    for (const [id, total] of sum) centre += total / count.get(id)!;
    centre /= Math.max(1, sum.size);
    for (const [id, total] of sum) effect.set(id, total / count.get(id)! - centre);
    for (const p of prompts) {
      let t = 0;
      for (const [id, y] of p.scores) t += y - effect.get(id)!;
      p.mean = t / p.scores.size;
    }
  }
  const { sum, count } = residualSums();
  const cells: Cell[] = [];
  for (const p of prompts) {
    if (!p.combo || p.scores.size === 0) continue;
    const x: number[] = [];
    const y: number[] = [];
    for (const [id, score] of p.scores) {
      const others = count.get(id)! - 1;
      x.push(others > 0 ? (sum.get(id)! - (score - p.mean)) / others : 0);
      y.push(score);
    }
    cells.push({ combo: p.combo, x, y });
  }
  return cells;
}

/** Backfitting rounds of the two-way fit; the prompt means settle within a few. */
const DIFFICULTY_ROUNDS = 5;
