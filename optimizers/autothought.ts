/**
 * AutoThought (method.md §6): reasoning variants of an optimized prompt.
 *
 *   1–3  Start from an optimized prompt (I_top, S_top) — a finished run's frozen prompt.
 *        When that run kept the default prompt (no searched combination beat it on
 *        validation), I_top is the default instruction and S_top the hand-written default
 *        exemplars; the run records that (candidates.json `source_fallback`) and report.md
 *        says so.
 *        Put a thought into each demo of S_top:
 *          AutoThought-1  T ~ Θ(T | x, y), keep y
 *          AutoThought-2  T ~ Θ(T | x),    keep y (thought and label may disagree)
 *          AutoThought-3  T ~ Θ(T | x),    y replaced by y′ = Θ(x, T) under I_top
 *        The demos changed, so Φ proposes new instructions grounded in the thought-carrying
 *        demos (I_top stays a candidate, as index 0), and TPE searches them over validation
 *        minibatches with that one demo set FIXED, reasoning on → I_top,T.
 *   4    Demo candidates only from augmented (x, T, y′), T ~ Φ(T | x), y′ = Φ(x, T) under
 *        the default instruction: m sets of K, drawn like MIPRO's (same seed stream, so the
 *        same train samples as a plain run with that seed). Then the full grounded proposal
 *        and TPE search over instruction × demo set, reasoning on. The empty set stays a
 *        candidate, as in §5 step 1 (with reasoning on it is zero-shot CoT).
 *
 * The candidates (with every thought, what happened to each demo, and every teacher
 * exchange) are written to candidates.json before the search; on resume they are read
 * back and `runMipro` replays the trial log, so nothing is recomputed or re-paid.
 */
import pLimit from "p-limit";
import type { LM } from "../src/lm/types.ts";
import { UserInputError } from "../src/errors.ts";
import { createRng } from "../src/util/random.ts";
import { RunFolder } from "../src/runs/run-folder.ts";
import { loadFrozenPrompt, promptFromFrozen } from "../src/runs/frozen.ts";
import type { Demo, IEProgram } from "../programs/index.ts";
import { augmentationJudge, augmentationPool, labeledDemo, planSet, SPARES, type BootstrapOptions, type DemoSet } from "./bootstrap.ts";
import { groundProposals, normaliseInstruction, proposeInstructions, type Grounding, type InstructionCandidate, type TeacherExchange } from "./propose.ts";
import { countedAs, minibatchScoresByCombo, phaseGroup, readTrialLog, runMipro, runPhase, type Candidates, type Combo, type FullEvalRecord, type MiproContext, type MiproResult, type TrialRecord } from "./mipro.ts";
import { mean } from "../src/eval/metric.ts";
import { explainDemo, thinkDemo, thinkAndAnswerDemo, type DemoWithNote, type ThoughtNote } from "./thoughts.ts";

export const AUTOTHOUGHT_VARIANTS = [1, 2, 3, 4] as const;
export type AutoThoughtVariant = (typeof AUTOTHOUGHT_VARIANTS)[number];

export function parseAutoThoughtVariant(value: string | number): AutoThoughtVariant {
  const n = Number(value);
  if (!(AUTOTHOUGHT_VARIANTS as readonly number[]).includes(n)) throw new UserInputError(`--autothought must be 1, 2, 3 or 4, got '${value}'`);
  return n as AutoThoughtVariant;
}

/** Variants 1–3 continue an optimized prompt; 4 builds its own demos. */
export function needsSourceRun(variant: AutoThoughtVariant): boolean {
  return variant !== 4;
}

export const autoThoughtOptimizer = (variant: AutoThoughtVariant) => `autothought-${variant}`;

/** The optimized prompt AutoThought-1…3 start from. */
export interface SourcePrompt {
  run_id: string;
  instruction: string;
  /** S_top, without any thoughts it may already carry (they are replaced). */
  demos: Demo[];
  /** The source run's optimizer and scores, for provenance. */
  optimizer: string;
  scores: Record<string, unknown>;
  /**
   * Set when (I_top, S_top) is not an optimized prompt: the source kept the default prompt
   * (S_top is then the default exemplars), or its winner was zero-shot (then the best
   * few-shot combination is used).
   */
  fallback?: string;
}

/**
 * When a run's winner is zero-shot there are no demos to put thoughts into. Then
 * (I_top, S_top) is the run's best few-shot combination: the best fully evaluated one, or
 * failing that the one with the best mean minibatch score. Undefined when the run has none.
 */
function bestFewShotCombination(run: RunFolder): { instruction: string; demos: Demo[]; fallback: string } | undefined {
  if (!run.has("candidates.json")) return undefined;
  const candidates = run.readJson<Candidates>("candidates.json");
  const log = readTrialLog(run);
  const fewShot = (c: Combo) => (candidates.demo_sets[c.demos]?.demos.length ?? 0) > 0 && candidates.instructions[c.instruction] !== undefined;
  const full = log.filter((r): r is FullEvalRecord => r.kind === "full_eval" && fewShot(r.params)).sort((a, b) => b.score - a.score)[0];
  let pick: { combo: Combo; fallback: string } | undefined = full
    ? { combo: full.params, fallback: `the winner was zero-shot; using the best fully evaluated few-shot combination (validation ${full.score.toFixed(4)})` }
    : undefined;
  if (!pick) {
    const fewShotTrials = log.filter((r): r is TrialRecord => r.kind === "trial" && fewShot(r.params));
    const best = minibatchScoresByCombo(fewShotTrials).sort((a, b) => mean(b.scores) - mean(a.scores))[0];
    if (best) pick = { combo: best.combo, fallback: `the winner was zero-shot; using the few-shot combination with the best mean minibatch score (${mean(best.scores).toFixed(4)})` };
  }
  if (!pick) return undefined;
  return { instruction: candidates.instructions[pick.combo.instruction]!.text, demos: candidates.demo_sets[pick.combo.demos]!.demos, fallback: pick.fallback };
}

/** Loads a finished run's frozen prompt as (I_top, S_top); bad sources are user errors. */
export function loadSourcePrompt(runsDir: string, from: string, program: IEProgram): SourcePrompt {
  const run = RunFolder.open(runsDir, from);
  if (!run.has("frozen.json")) {
    throw new UserInputError(`run ${run.id} has no frozen prompt (state: ${run.status()?.state ?? "unknown"}); AutoThought starts from a finished run`);
  }
  const frozen = loadFrozenPrompt(run.path("frozen.json"));
  if (frozen.task !== program.task) throw new UserInputError(`run ${run.id} optimized a ${frozen.task} prompt, not ${program.task}`);
  let top: { instruction: string; demos: readonly Demo[]; fallback?: string } = promptFromFrozen(frozen);
  if (frozen.provenance.scores.chosen === "default" && top.demos.length > 0) {
    top = {
      ...top,
      fallback: `run ${run.id} kept the default prompt (no searched combination beat it on validation), so I_top is the default instruction and S_top the ${top.demos.length} hand-written default exemplars`,
    };
  } else if (top.demos.length === 0) {
    const fewShot = bestFewShotCombination(run);
    if (!fewShot) {
      throw new UserInputError(
        `run ${run.id}'s prompt has no demos (zero-shot) and the run tried no few-shot combination; AutoThought-1…3 put thoughts into the demos of an optimized few-shot prompt. Start from a few-shot run, or use --autothought 4`,
      );
    }
    top = fewShot;
  }
  return {
    run_id: run.id,
    instruction: top.instruction,
    demos: top.demos.map(({ thought: _replaced, ...demo }) => demo),
    optimizer: frozen.provenance.optimizer,
    scores: frozen.provenance.scores,
    ...(top.fallback ? { fallback: top.fallback } : {}),
  };
}

export interface InjectOptions {
  program: IEProgram;
  variant: 1 | 2 | 3;
  /** Θ, the thought teacher. */
  thoughtModel: LM;
  /** I_top: the instruction y′ = Θ(x, T) is answered under (AutoThought-3). */
  instruction: string;
  concurrency?: number;
  signal?: AbortSignal | undefined;
}

/** Puts a thought into each demo of S_top (AutoThought-1…3); demo order is kept. */
export async function injectThoughts(demos: readonly Demo[], options: InjectOptions): Promise<{ demos: Demo[]; notes: ThoughtNote[]; exchanges: TeacherExchange[] }> {
  const { program, thoughtModel, signal } = options;
  const limit = pLimit(Math.max(1, options.concurrency ?? 8));
  // One log per demo, joined in demo order, so candidates.json does not depend on timing.
  const logs = demos.map((): TeacherExchange[] => []);
  const done: DemoWithNote[] = await Promise.all(
    demos.map((demo, i) =>
      limit(() => {
        const opts = { signal, log: logs[i]!, purpose: demo.sample_id ?? `demo ${i + 1}` };
        if (options.variant === 1) return explainDemo(program, thoughtModel, demo, opts);
        if (options.variant === 2) return thinkDemo(program, thoughtModel, demo, opts);
        return thinkAndAnswerDemo(program, thoughtModel, options.instruction, demo, opts);
      }),
    ),
  );
  return { demos: done.map((d) => d.demo), notes: done.map((d) => d.note), exchanges: logs.flat() };
}

/** As for bootstrapDemoSets; the teacher Φ writes T ~ Φ(T | x) and answers y′ = Φ(x, T). */
export type ThoughtBootstrapOptions = Omit<BootstrapOptions, "zeroShot">;

/**
 * AutoThought-4's demo candidates: the empty set, then m sets of K augmented (x, T, y′).
 * A sample whose thought or answer fails, or whose y′ does not pass the metric filter
 * against its label (as in bootstrapDemoSets), is skipped for the next in the set's order; a set
 * with fewer than K good augmentations among its K + SPARES candidates stays short (never
 * filled with labeled demos: this variant's demos are all the teacher's).
 */
export async function bootstrapThoughtDemoSets(options: ThoughtBootstrapOptions): Promise<{ demoSets: DemoSet[]; notes: ThoughtNote[]; exchanges: TeacherExchange[] }> {
  const { program, train, size, rng, teacher, signal } = options;
  // The same sets as bootstrapDemoSets plans for this seed.
  const plans = Array.from({ length: options.sets }, (_, i) => planSet(rng, train, i).order.slice(0, size + SPARES));
  const samples = augmentationPool(plans, size);
  const logs = samples.map((): TeacherExchange[] => []);
  const limit = pLimit(Math.max(1, options.concurrency ?? 8));
  const augmented = await Promise.all(
    samples.map((s, i) => limit(() => thinkAndAnswerDemo(program, teacher, program.defaultInstruction, labeledDemo(s), { signal, log: logs[i]!, purpose: s.id }))),
  );
  const judge = augmentationJudge(options);
  const bySample = new Map(
    samples.map((s, i) => {
      const a = augmented[i]!;
      if (a.note.output !== "replaced") return [s.id, a];
      const score = options.metric(s.task, a.demo.records, s.labels, s.schema);
      const verdict = judge(s, { id: s.id, ok: true, records: a.demo.records, thought: a.demo.thought, raw: "", cached: false });
      if ("demo" in verdict) return [s.id, { ...a, demo: { ...a.demo, score } }];
      return [s.id, { ...a, note: { ...a.note, output: "kept" as const, failure: verdict.rejected.reason } }];
    }),
  );
  const demoSets: DemoSet[] = [{ index: 0, demos: [] }];
  for (const [i, plan] of plans.entries()) {
    const demos = plan
      .map((s) => bySample.get(s.id)!)
      .filter((a) => a.note.output === "replaced")
      .slice(0, size)
      .map((a) => a.demo);
    demoSets.push({ index: i + 1, demos });
  }
  return { demoSets, notes: samples.map((s) => bySample.get(s.id)!.note), exchanges: logs.flat() };
}

/** Instruction text equality as the proposer merges duplicates. */
const sameInstruction = (a: string, b: string) => normaliseInstruction(a) === normaliseInstruction(b);

/** An instruction carried over from the source run (I_top). */
export interface CarriedInstruction extends InstructionCandidate {
  carried_from: string;
}

/** I_top first (index 0), then the new proposals (the default instruction among them); duplicates merged. */
export function withTopInstruction(program: IEProgram, source: SourcePrompt, proposed: readonly InstructionCandidate[]): InstructionCandidate[] {
  const top: CarriedInstruction = {
    index: 0,
    text: source.instruction,
    origin: sameInstruction(source.instruction, program.defaultInstruction) ? "default" : "proposed",
    carried_from: source.run_id,
  };
  const out: InstructionCandidate[] = [top];
  for (const c of proposed) if (!out.some((o) => sameInstruction(o.text, c.text))) out.push({ ...c, index: out.length });
  return out;
}

/** candidates.json of an AutoThought run: MIPRO's candidates plus the thoughts' story. */
export interface ThoughtCandidates extends Candidates {
  autothought: {
    variant: AutoThoughtVariant;
    /** Variants 1–3: the run whose frozen prompt gave I_top and S_top. */
    source_run?: string;
    source_instruction?: string;
    /** Why I_top, S_top are not an optimized prompt (the source kept the default, or its winner was zero-shot). */
    source_fallback?: string;
    /** What happened to each demo (1–3) or each augmented train sample (4). */
    thoughts: ThoughtNote[];
  };
}

export interface AutoThoughtSpec {
  variant: AutoThoughtVariant;
  /** Θ, the thought teacher (variants 1–3). Variant 4 uses Φ (`ctx.promptModel`). */
  thoughtModel: LM;
  /** Required for variants 1–3. */
  source?: SourcePrompt | undefined;
}

/** Builds (or, on resume, reads) the thought-carrying candidates and writes candidates.json. */
export async function prepareThoughtCandidates(ctx: MiproContext, spec: AutoThoughtSpec): Promise<ThoughtCandidates> {
  if (ctx.run.has("candidates.json")) return ctx.run.readJson<ThoughtCandidates>("candidates.json");
  const { program, settings } = ctx;
  const rng = createRng(settings.seed);
  /** I_top and S_top (variants 1–3). */
  const top: SourcePrompt | undefined = spec.variant === 4 ? undefined : spec.source;
  if (spec.variant !== 4 && !top) throw new UserInputError(`AutoThought-${spec.variant} starts from an optimized prompt; pass the run to continue with --from`);
  const proposing = { program, train: ctx.train, teacher: ctx.promptModel, rng: rng.fork(`autothought-${spec.variant}/propose`) };
  const makeThoughts = async (signal: AbortSignal): Promise<{ demoSets: DemoSet[]; notes: ThoughtNote[]; exchanges: TeacherExchange[] }> => {
    if (spec.variant === 4 || !top) {
      return runPhase(ctx, "thoughts", `${settings.demoSets} demo sets of ${settings.demos} augmented (x, T, y′) from the prompt teacher`, () =>
        bootstrapThoughtDemoSets({
          program, train: ctx.train, sets: settings.demoSets, size: settings.demos, teacher: ctx.promptModel,
          rng: rng.fork("bootstrap"), concurrency: settings.concurrency, signal,
          metric: ctx.metric, threshold: settings.augmentThreshold,
        }),
      );
    }
    const variant = spec.variant;
    const injected = await runPhase(ctx, "thoughts", `a thought for each of the ${top.demos.length} demos of run ${top.run_id}`, () => {
      if (top.fallback) ctx.events?.phase?.("note", top.fallback);
      return injectThoughts(top.demos, { program, variant, thoughtModel: spec.thoughtModel, instruction: top.instruction, concurrency: settings.concurrency, signal });
    });
    // The one, fixed demo set: index 0 is its position in the candidates.
    return { demoSets: [{ index: 0, demos: injected.demos }], notes: injected.notes, exchanges: injected.exchanges };
  };
  // The thoughts and the proposals' grounding (dataset and program summaries) need nothing
  // from each other, so they are made side by side; the proposals need both.
  const group = phaseGroup(ctx.signal);
  let thoughts: Awaited<ReturnType<typeof makeThoughts>>;
  let grounding: Grounding;
  try {
    [thoughts, grounding] = await Promise.all([
      group.start(makeThoughts),
      group.start((signal) => runPhase(ctx, "propose", `${settings.instructions} instruction candidates for the thought-carrying demos`, () => groundProposals({ ...proposing, signal }))),
    ]);
  } catch (err) {
    throw await group.failed(err);
  }
  const { demoSets, notes, exchanges: thoughtExchanges } = thoughts;

  const topIsDefault = top !== undefined && sameInstruction(top.instruction, program.defaultInstruction);
  const proposals = await countedAs(ctx, "propose", () =>
    proposeInstructions({
      ...proposing,
      demoSets,
      grounding,
      // The total stays settings.instructions with I_top added in front.
      count: Math.max(1, top && !topIsDefault ? settings.instructions - 1 : settings.instructions),
      signal: ctx.signal,
    }),
  );
  const candidates: ThoughtCandidates = {
    instructions: top ? withTopInstruction(program, top, proposals.instructions) : proposals.instructions,
    demo_sets: demoSets,
    dataset_summary: proposals.datasetSummary,
    program_summary: proposals.programSummary,
    exchanges: [...thoughtExchanges, ...proposals.exchanges],
    autothought: {
      variant: spec.variant,
      ...(top ? { source_run: top.run_id, source_instruction: top.instruction } : {}),
      ...(top?.fallback ? { source_fallback: top.fallback } : {}),
      thoughts: notes,
    },
  };
  ctx.run.writeJson("candidates.json", candidates);
  return candidates;
}

/** The whole AutoThought search: candidates, then MIPRO's TPE loop with reasoning on. */
export async function runAutoThought(ctx: MiproContext, spec: AutoThoughtSpec): Promise<MiproResult> {
  // The thought-carrying candidates are made while the baseline is evaluated.
  return runMipro({ ...ctx, makeCandidates: (c) => prepareThoughtCandidates(c, spec) }, true);
}
