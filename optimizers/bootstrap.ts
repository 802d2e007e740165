/**
 * MIPRO step 1: bootstrap candidate demonstration sets (method.md §5).
 *
 * m sets of size K from the train split. Each set mixes labeled samples (x, y) with
 * augmented ones (x, y′), y′ = Φ(x) under the default prompt; the number of augmented
 * samples per set is uniform in 1..K. The empty set (zero-shot) is candidate 0.
 *
 * Metric filtering (DSPy's rule for bootstrapped demos): an augmented demo is kept only
 * when μ(y′, y), its score against its own label, is above `threshold` (default 0, on the
 * 0–100 scale of every reported score). An output that fails to parse or scores too low
 * is rejected and replaced by a further augmentation attempt: the next train sample in
 * the set's order. A set tries at most its planned number of augmented demos + SPARES
 * samples; when too few pass, labeled samples fill the set. Every demo records its
 * sample_id, source and score; every rejection is recorded with its reason.
 */
import type { Sample } from "../src/data/sample.ts";
import type { SampleMetric } from "../src/eval/metric.ts";
import type { LM } from "../src/lm/types.ts";
import type { Rng } from "../src/util/random.ts";
import { defaultPrompt, predictSamples, type Outcome } from "../src/eval/runner.ts";
import type { Demo, IEProgram } from "../programs/index.ts";

export interface DemoSet {
  /** 0 is the empty set. */
  index: number;
  demos: Demo[];
  /** Augmentation attempts that were not kept, in the order they were tried. */
  rejected?: RejectedDemo[];
}

export interface RejectedDemo {
  sample_id: string;
  /** μ(y′, y) in [0, 1]; absent when the output did not parse or the call failed. */
  score?: number;
  reason: string;
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
  /** μ, the metric augmented demos are checked with against their labels. */
  metric: SampleMetric;
  /** Keep an augmented demo when 100·μ(y′, y) > threshold (0–100; default 0, DSPy's rule). */
  threshold?: number;
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

  // Plan every set first (its order of the train samples, how many augmented demos), so
  // the plan depends only on the seed.
  const sets = Array.from({ length: options.sets }, (_, i) => {
    const { order, setRng } = planSet(rng, train, i);
    return { order, augmented: setRng.int(1, size), tried: 0, kept: [] as Demo[], rejected: [] as RejectedDemo[] };
  });

  // Rounds of augmentation: each round asks Φ (in one concurrent batch) only for the
  // samples the sets still need, the next untried ones in each set's order; rejected
  // attempts make the next round. Judging in plan order keeps the result independent of
  // timing. Outcomes are memoised by sample, as y′ = Φ(x) is the same for every set.
  const outcomes = new Map<string, Outcome>();
  const judge = augmentationJudge(options);
  for (;;) {
    const wanted = sets.map((set) => {
      const missing = set.augmented - set.kept.length;
      const budget = set.augmented + SPARES - set.tried;
      return set.order.slice(set.tried, set.tried + Math.max(0, Math.min(missing, budget)));
    });
    const ask = new Map<string, Sample>();
    for (const list of wanted) for (const s of list) if (!outcomes.has(s.id)) ask.set(s.id, s);
    if (wanted.every((list) => list.length === 0)) break;
    if (ask.size > 0) {
      await predictSamples(defaultPrompt(program), [...ask.values()], {
        lm: options.teacher, concurrency: options.concurrency, signal: options.signal, onOutcome: (o) => outcomes.set(o.id, o),
      });
    }
    sets.forEach((set, i) => {
      for (const sample of wanted[i]!) {
        set.tried++;
        const verdict = judge(sample, outcomes.get(sample.id));
        if ("demo" in verdict) set.kept.push(verdict.demo);
        else set.rejected.push(verdict.rejected);
      }
    });
  }

  return [
    empty,
    ...sets.map((set, i): DemoSet => {
      // Augmented demos first, then labeled ones from the samples no augmentation tried.
      const demos = [...set.kept];
      for (const sample of set.order.slice(set.tried)) {
        if (demos.length >= size) break;
        // A labeled demo's output is its label: μ(y, y) = 1.
        demos.push({ ...labeledDemo(sample), score: 1 });
      }
      return { index: i + 1, demos, ...(set.rejected.length > 0 ? { rejected: set.rejected } : {}) };
    }),
  ];
}

type Verdict = { demo: Demo } | { rejected: RejectedDemo };

/** Keeps an augmentation when it parsed and 100·μ(y′, y) is above the threshold. */
export function augmentationJudge(options: Pick<BootstrapOptions, "metric" | "threshold">): (sample: Sample, outcome: Outcome | undefined) => Verdict {
  const threshold = options.threshold ?? 0;
  return (sample, outcome) => {
    if (!outcome || !outcome.ok) {
      return { rejected: { sample_id: sample.id, reason: outcome ? `output did not parse: ${outcome.failure}` : "no answer" } };
    }
    const score = options.metric(sample.task, outcome.records, sample.labels, sample.schema);
    if (100 * score > threshold) return { demo: { ...labeledDemo(sample), records: outcome.records, source: "augmented", score } };
    return { rejected: { sample_id: sample.id, score, reason: `μ(y′, y) = ${(100 * score).toFixed(2)} is not above the threshold ${threshold}` } };
  };
}
