/**
 * LF1 (soft) and exact F1 over routed units (method.md §3):
 *
 *     P = (1/|Y|) Σ_{y∈Y} max_{g∈G, dir(g)=dir(y)} sim(y, g)
 *     R = (1/|G|) Σ_{g∈G} max_{y∈Y, dir(y)=dir(g)} sim(y, g)
 *     F = 2PR / (P + R), 0 when P + R = 0
 *
 * Both sides empty → P = R = F = 1 (a correct "nothing here"); exactly one side empty →
 * all 0. A unit with no same-direction counterpart contributes 0. A unit's soft similarity
 * is the mean of its parts' span similarities (RE: head and tail); its exact similarity
 * is 1 when every part is equal after normalization, else 0.
 *
 * Failed outputs (unparseable, wrong structure, no prediction) are `null` and score 0,
 * even against empty gold: "nothing here" only earns credit when the model said so.
 */
import type { IERecord, SchemaItem } from "../tasks/definition.ts";
import type { TaskRef } from "../tasks/registry.ts";
import { hasSurrogate, similarityKnowingSurrogates } from "./levenshtein.ts";
import { poolUnits, toUnits, type Unit } from "./routing.ts";

export type MatchMode = "soft" | "exact";

export interface Prf {
  precision: number;
  recall: number;
  f1: number;
}

/** Both metrics for one sample or instance, each in [0, 1]. `lf1`/`f1` are the F-scores. */
export interface PairScore {
  lf1: number;
  f1: number;
  soft: Prf;
  exact: Prf;
}

const ZERO: Prf = Object.freeze({ precision: 0, recall: 0, f1: 0 });
const ONE: Prf = Object.freeze({ precision: 1, recall: 1, f1: 1 });

/** The score of a failed output (unparseable, invalid records, no prediction). */
export const FAILED_SCORE: PairScore = Object.freeze(pairOf(ZERO, ZERO));

export function scoreUnits(pred: readonly Unit[], gold: readonly Unit[], mode: MatchMode): Prf {
  const both = scoreBoth(pred, gold);
  return mode === "soft" ? both.soft : both.exact;
}

/**
 * One sample: `pred` null means the output failed (unparseable etc.) and scores 0. With
 * the sample's `schema`, predicted type names are resolved against it (routing.ts); pass
 * it whenever the sample is known.
 */
export function scoreSample(
  task: TaskRef,
  pred: readonly IERecord[] | null,
  gold: readonly IERecord[],
  schema?: readonly SchemaItem[],
): PairScore {
  if (pred === null) return FAILED_SCORE;
  return scoreBoth(toUnits(task, pred, schema), toUnits(task, gold));
}

export interface InstanceSample {
  pred: readonly IERecord[] | null;
  gold: readonly IERecord[];
  /** The sample's schema: its predictions are routed against it (routing.ts). */
  schema?: readonly SchemaItem[];
}

/**
 * One instance: the units of all its (batched) samples are pooled, then scored once, so
 * the figure does not depend on how the schema was batched.
 *
 * A failed sample (pred null) contributes no predicted units but its gold units still
 * count, so it costs recall exactly like a model that answered "nothing". If the pooled
 * sets are both empty but some sample failed, the instance scores 0 rather than the
 * "correct nothing" 1: a failure is never rewarded.
 */
export function scoreInstance(task: TaskRef, samples: readonly InstanceSample[]): PairScore {
  const predLists: Unit[][] = [];
  const goldLists: Unit[][] = [];
  let failed = false;
  for (const s of samples) {
    if (s.pred === null) failed = true;
    else predLists.push(toUnits(task, s.pred, s.schema));
    goldLists.push(toUnits(task, s.gold));
  }
  return scorePooledUnits(poolUnits(predLists), poolUnits(goldLists), failed);
}

/**
 * Scores already-routed, already-pooled unit sets (each de-duplicated); `anyFailed` makes
 * the both-empty case 0. The building block `scoreInstance` and bulk scorers share.
 */
export function scorePooledUnits(pred: readonly Unit[], gold: readonly Unit[], anyFailed: boolean): PairScore {
  if (anyFailed && pred.length === 0 && gold.length === 0) return FAILED_SCORE;
  return scoreBoth(pred, gold);
}

/** Above this many unit pairs, gold units are grouped by direction instead of scanned. */
const PAIR_SCAN_LIMIT = 256;

// Per-gold best similarities, reused across calls (allocating typed arrays per sample
// cost more than the scoring itself).
let goldBestSoft = new Float64Array(64);
let goldBestExact = new Float64Array(64);
/** Per gold unit: whether a part has a surrogate (SURROGATES_*), found when first compared. */
let goldSurrogates = new Uint8Array(64);
const SURROGATES_UNKNOWN = 0;
const SURROGATES_NONE = 1;
const SURROGATES_SOME = 2;

/**
 * Soft and exact in one pass. A unit pair is exact-equal iff its soft similarity is
 * exactly 1: normalized spans have sim 1 only when identical (lev ≥ 1 otherwise), and a
 * mean of parts is 1 only when every part is.
 */
function scoreBoth(pred: readonly Unit[], gold: readonly Unit[]): PairScore {
  if (pred.length === 0 && gold.length === 0) return pairOf(ONE, ONE);
  if (pred.length === 0 || gold.length === 0) return pairOf(ZERO, ZERO);

  if (goldBestSoft.length < gold.length) {
    goldBestSoft = new Float64Array(gold.length * 2);
    goldBestExact = new Float64Array(gold.length * 2);
    goldSurrogates = new Uint8Array(gold.length * 2);
  }
  goldBestSoft.fill(0, 0, gold.length);
  goldBestExact.fill(0, 0, gold.length);
  goldSurrogates.fill(SURROGATES_UNKNOWN, 0, gold.length);
  // Small samples (the usual case) scan all gold units; big ones index them by direction.
  const groups = pred.length * gold.length > PAIR_SCAN_LIMIT ? groupByDirection(gold) : undefined;

  let predSoftSum = 0;
  let predExactSum = 0;
  for (const y of pred) {
    let best = 0;
    let ySurrogates = SURROGATES_UNKNOWN;
    if (groups === undefined) {
      for (let j = 0; j < gold.length; j++) {
        const g = gold[j]!;
        if (g.direction !== y.direction) continue;
        if (ySurrogates === SURROGATES_UNKNOWN) ySurrogates = surrogatesOf(y.parts);
        best = Math.max(best, visitPair(y, ySurrogates, g, j));
      }
    } else {
      // No group: the unit routes to nothing and contributes 0.
      const group = groups.get(y.direction) ?? [];
      if (group.length > 0) ySurrogates = surrogatesOf(y.parts);
      for (const j of group) best = Math.max(best, visitPair(y, ySurrogates, gold[j]!, j));
    }
    predSoftSum += best;
    if (best === 1) predExactSum += 1;
  }
  let goldSoftSum = 0;
  let goldExactSum = 0;
  for (let j = 0; j < gold.length; j++) {
    goldSoftSum += goldBestSoft[j]!;
    goldExactSum += goldBestExact[j]!;
  }
  return pairOf(
    prf(predSoftSum / pred.length, goldSoftSum / gold.length),
    prf(predExactSum / pred.length, goldExactSum / gold.length),
  );
}

/** Similarity of a same-direction pair; also records it as gold unit j's best so far. */
function visitPair(y: Unit, ySurrogates: number, g: Unit, j: number): number {
  if (goldSurrogates[j] === SURROGATES_UNKNOWN) goldSurrogates[j] = surrogatesOf(g.parts);
  const surrogates = ySurrogates === SURROGATES_SOME || goldSurrogates[j] === SURROGATES_SOME;
  const sim = partsSimilarity(y.parts, g.parts, surrogates);
  if (sim > goldBestSoft[j]!) goldBestSoft[j] = sim;
  if (sim === 1) goldBestExact[j] = 1;
  return sim;
}

function groupByDirection(units: readonly Unit[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  units.forEach((u, j) => {
    const list = groups.get(u.direction);
    if (list) list.push(j);
    else groups.set(u.direction, [j]);
  });
  return groups;
}

/** Whether a unit's parts have a surrogate: checked once per unit and call, not per pair. */
function surrogatesOf(parts: readonly string[]): number {
  for (const part of parts) if (hasSurrogate(part)) return SURROGATES_SOME;
  return SURROGATES_NONE;
}

/** `surrogates`: whether a part of either unit has one (the similarity then counts code points). */
function partsSimilarity(a: readonly string[], b: readonly string[], surrogates: boolean): number {
  // Same direction implies same unit kind, hence the same number of parts.
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += similarityKnowingSurrogates(a[i]!, b[i] ?? "", surrogates);
  return sum / a.length;
}

function prf(precision: number, recall: number): Prf {
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

function pairOf(soft: Prf, exact: Prf): PairScore {
  return { lf1: soft.f1, f1: exact.f1, soft, exact };
}
