/**
 * Negative schema mining for train/dev instances (method.md §2). The query for an
 * instance holds its positive schema items (those with labels), for each of them the K
 * most similar other items as hard negatives, and up to `splitNum` random other negatives.
 * Without any positive item, each schema item is included independently with p = 0.5
 * (a Binomial(n, 0.5) draw); if that picks nothing, one random item is taken so the
 * instance still yields a query whose correct answer is "nothing".
 */
import type { Rng } from "../util/random.ts";
import { schemaItemText, type Similarity } from "./similarity.ts";

export interface MiningOptions {
  /** Hard negatives per positive item (K). */
  hardNegatives: number;
  /** Random negatives added on top (the study: up to split_num). */
  randomNegatives: number;
  similarity: Similarity;
}

/** For each schema name, the other names from most to least similar (ties: schema order). */
export function rankBySimilarity(
  names: readonly string[],
  descriptions: Readonly<Record<string, string>> | undefined,
  similarity: Similarity,
): Map<string, string[]> {
  const texts = names.map((n) => schemaItemText(n, descriptions?.[n]));
  const ranked = new Map<string, string[]>();
  names.forEach((name, i) => {
    const others = names
      .flatMap((other, j) => (j === i ? [] : [{ other, j, score: similarity.score(texts[i]!, texts[j]!) }]))
      .sort((a, b) => b.score - a.score || a.j - b.j);
    ranked.set(name, others.map((o) => o.other));
  });
  return ranked;
}

/**
 * The schema names to query for one train/dev instance, shuffled (so positives are not
 * always first). `ranked` is rankBySimilarity over the same names.
 */
export function mineSchemaNames(
  names: readonly string[],
  positives: ReadonlySet<string>,
  ranked: ReadonlyMap<string, readonly string[]>,
  options: Pick<MiningOptions, "hardNegatives" | "randomNegatives">,
  rng: Rng,
): string[] {
  const present = names.filter((n) => positives.has(n));
  if (present.length === 0) {
    const drawn = names.filter(() => rng.next() < 0.5);
    return drawn.length > 0 ? rng.shuffle(drawn) : names.length > 0 ? [rng.choice(names)] : [];
  }
  const chosen = new Set(present);
  for (const positive of present) {
    const hard = (ranked.get(positive) ?? []).filter((n) => !positives.has(n)).slice(0, options.hardNegatives);
    for (const n of hard) chosen.add(n);
  }
  const rest = names.filter((n) => !chosen.has(n));
  for (const n of rng.sample(rest, options.randomNegatives)) chosen.add(n);
  return rng.shuffle([...chosen]);
}
