/**
 * All randomness in ieopt flows from seeded generators, so every run is reproducible from
 * its seed. Derive independent streams with `rng.fork("purpose")` rather than sharing one.
 */
import seedrandom from "seedrandom";

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number;
  choice<T>(items: readonly T[]): T;
  shuffle<T>(items: readonly T[]): T[];
  /** k distinct items, in random order. */
  sample<T>(items: readonly T[], k: number): T[];
  /** A new generator whose stream depends only on this one's seed and the label. */
  fork(label: string | number): Rng;
  readonly seed: string;
}

export function createRng(seed: string | number): Rng {
  const seedText = String(seed);
  const prng = seedrandom(seedText);
  const rng: Rng = {
    seed: seedText,
    next: () => prng.quick(),
    int(lo, hi) {
      return lo + Math.floor(prng.quick() * (hi - lo + 1));
    },
    choice(items) {
      if (items.length === 0) throw new Error("choice() from an empty list");
      return items[Math.floor(prng.quick() * items.length)] as (typeof items)[number];
    },
    shuffle(items) {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(prng.quick() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
    sample(items, k) {
      return rng.shuffle(items).slice(0, Math.max(0, Math.min(k, items.length)));
    },
    fork(label) {
      return createRng(`${seedText}/${label}`);
    },
  };
  return rng;
}
