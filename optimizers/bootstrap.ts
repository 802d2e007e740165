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
import { predictSamples, type Outcome } from "../src/eval/runner.ts";
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
  signal?: AbortSignal;
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
    const setRng = rng.fork(`set/${i}`);
    const order = setRng.shuffle(train);
    const augmented = setRng.int(1, size);
    return { order, augmented };
  });

  const wanted = new Map<string, Sample>();
  for (const plan of plans) for (const s of plan.order.slice(0, size + 4)) wanted.set(s.id, s); // spares for parse failures
  const augmentations = new Map<string, Outcome>();
  await predictSamples(
    { program, instruction: program.defaultInstruction, demos: program.defaultDemos, reasoning: false },
    [...wanted.values()],
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
