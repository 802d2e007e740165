/**
 * MIPRO step 1: bootstrap candidate demonstration sets (method.md §5).
 *
 * m sets of size K from the train split. Each set mixes labeled samples (x, y) with
 * augmented ones (x, y′), y′ = Φ(x) under the default prompt; the number of augmented
 * samples per set is uniform in 1..K. The empty set (zero-shot) is candidate 0.
 * An augmented output that fails to parse is not used: another train sample takes its place.
 */
import type { Sample } from "../src/data/sample.ts";
import type { LM } from "../src/lm/types.ts";
import type { Rng } from "../src/util/random.ts";
import { defaultPrompt, predictSamples, type Outcome } from "../src/eval/runner.ts";
import type { Demo, IEProgram } from "../programs/index.ts";

export interface DemoSet {
  /** 0 is the empty set. */
  index: number;
  demos: Demo[];
}

export interface BootstrapOptions {
  program: IEProgram;
  train: readonly Sample[];
  /** Number of non-empty sets (m). */
  sets: number;
  /** Demos per set (K). */
  size: number;
  /** Φ, the prompt teacher that augments. */
  teacher: LM;
  rng: Rng;
  /** Zero-shot optimization: only the empty set. */
  zeroShot?: boolean;
  concurrency?: number;
  signal?: AbortSignal | undefined;
}

/** Train samples each set may draw on beyond its K, for augmentations that fail. */
export const SPARES = 4;

/**
 * Set i's order of the train samples, and the set's generator for its further draws. Both
 * depend only on the seed, so AutoThought-4 plans the same sets as a plain run.
 */
export function planSet(rng: Rng, train: readonly Sample[], i: number): { order: Sample[]; setRng: Rng } {
  const setRng = rng.fork(`set/${i}`);
  return { order: setRng.shuffle(train), setRng };
}

/** The distinct samples among the first K + SPARES of each order: the ones the teacher augments. */
export function augmentationPool(orders: readonly (readonly Sample[])[], size: number): Sample[] {
  const pool = new Map<string, Sample>();
  for (const order of orders) for (const s of order.slice(0, size + SPARES)) pool.set(s.id, s);
  return [...pool.values()];
}

export function labeledDemo(sample: Sample): Demo {
  return {
    input: { text: sample.text, schema: sample.schema, schema_descriptions: sample.schema_descriptions },
    records: sample.labels,
    source: "labeled",
    sample_id: sample.id,
  };
}

export async function bootstrapDemoSets(options: BootstrapOptions): Promise<DemoSet[]> {
  const empty: DemoSet = { index: 0, demos: [] };
  if (options.zeroShot || options.sets === 0) return [empty];
  const { program, train, size, rng } = options;

  // Plan every set first (which samples, how many augmented), so all augmentation calls
  // run as one concurrent batch and the plan depends only on the seed.
  const plans = Array.from({ length: options.sets }, (_, i) => {
    const { order, setRng } = planSet(rng, train, i);
    return { order, augmented: setRng.int(1, size) };
  });

  const augmentations = new Map<string, Outcome>();
  await predictSamples(
    defaultPrompt(program),
    augmentationPool(plans.map((p) => p.order), size),
    { lm: options.teacher, concurrency: options.concurrency, signal: options.signal, onOutcome: (o) => augmentations.set(o.id, o) },
  );

  return [
    empty,
    ...plans.map((plan, i): DemoSet => {
      const demos: Demo[] = [];
      // The first `augmented` slots take model outputs (skipping unparseable ones), the rest labels.
      const used = new Set<string>();
      let needAugmented = plan.augmented;
      for (const sample of plan.order) {
        if (demos.length === size) break;
        if (needAugmented > 0) {
          const outcome = augmentations.get(sample.id);
          if (!outcome || !outcome.ok) continue;
          demos.push({ ...labeledDemo(sample), records: outcome.records, source: "augmented" });
          needAugmented--;
        } else {
          demos.push(labeledDemo(sample));
        }
        used.add(sample.id);
      }
      // Too few parseable augmentations among the candidates: fill with labeled samples.
      for (const sample of plan.order) {
        if (demos.length === size) break;
        if (!used.has(sample.id)) demos.push(labeledDemo(sample)), used.add(sample.id);
      }
      return { index: i + 1, demos };
    }),
  ];
}
