/**
 * MIPRO-style optimization (method.md §5): bootstrap demo sets, propose grounded
 * instructions, then a TPE search over (instruction × demo set) scored on random
 * validation minibatches, with periodic full evaluations. The best fully evaluated
 * combination becomes the frozen prompt.
 *
 * Resumable: every trial and full evaluation is appended to trials.jsonl as it finishes.
 * On resume the logged trials are replayed through the sampler's ask/tell (the sampler's
 * stream depends only on the seed and the trial number, so replay asks the same
 * combinations) and the search continues; finished LM calls come from the cache.
 */
import { setImmediate } from "node:timers/promises";
import type { Sample } from "../src/data/sample.ts";
import type { LM } from "../src/lm/types.ts";
import { createRng } from "../src/util/random.ts";
import { fingerprint } from "../src/util/hash.ts";
import type { Pipeline } from "../src/pipelines/pipelines.ts";
import type { PipelineName } from "../src/pipelines/names.ts";
import { codeStyle, exampleSpans, type RendererName } from "../programs/code-style.ts";
import { withDescriptions } from "../programs/guided.ts";
import { RunFailed, RunStopped } from "../src/errors.ts";
import type { FailureNotice, RunHealth } from "./run-health.ts";
import { asRunStop, defaultPrompt, predictSamples, stoppingCleanly, type Outcome, type Prompt } from "../src/eval/runner.ts";
import { mean, scoreOutcome, type SampleMetric } from "../src/eval/metric.ts";
import type { RunFolder } from "../src/runs/run-folder.ts";
import { Study, TPESampler, categorical, type Sampler, type SearchSpace } from "../src/search/index.ts";
import type { Tip } from "../tips/index.ts";
import type { Demo, IEProgram } from "../programs/index.ts";
import { bootstrapDemoSets, type DemoSet } from "./bootstrap.ts";
import { runTrialsInOrder } from "./trial-scheduler.ts";
import { compareWithDefault, describeRace, finalPick, fullScores, nextToEvaluate, raceSamples, raceSchedule, selectionInput, toldScore, topByEstimate, type DefaultComparison, type RaceRung, type SelectionRule } from "./select.ts";
import { groundProposals, proposeInstructions, type Grounding, type InstructionCandidate, type TeacherExchange } from "./propose.ts";
import { WorkGroup } from "../src/util/work-group.ts";
import { PRIORITY } from "../src/lm/limiter.ts";

export interface MiproSettings {
  trials: number;
  minibatch: number;
  fullEvalEvery: number;
  demoSets: number;
  demos: number;
  instructions: number;
  zeroShot: boolean;
  /** Keep an augmented demo when 100·μ(y′, y) is above this (0–100; DSPy's rule μ > 0). */
  augmentThreshold: number;
  /** How the combinations to fully evaluate and to freeze are chosen (optimizers/select.ts). */
  selection: SelectionRule;
  seed: string | number;
  metric: string;
  concurrency: number;
  /** How validation samples are answered (src/pipelines); absent: direct. */
  pipeline?: PipelineName;
  /** Prompt renderers to search over (programs/code-style.ts); absent or ["json"]: the programs' own. */
  renderers?: RendererName[];
  /** Induced type descriptions (optimizers/guidelines.ts): the search then chooses with vs without them. */
  guidelines?: Record<string, string>;
  /**
   * Trials in flight at once (optimizers/trial-scheduler.ts). New runs record it (default
   * from --concurrency and --minibatch); runs recorded without it ran one at a time.
   */
  parallelTrials?: number;
}

export const MIPRO_DEFAULTS: MiproSettings = {
  trials: 50,
  minibatch: 25,
  fullEvalEvery: 10,
  demoSets: 12,
  demos: 3,
  instructions: 12,
  zeroShot: false,
  augmentThreshold: 0,
  selection: "noise-aware",
  seed: 0,
  metric: "lf1",
  concurrency: 8,
};

/** candidates.json */
export interface Candidates {
  instructions: InstructionCandidate[];
  demo_sets: DemoSet[];
  dataset_summary: string;
  program_summary: string;
  exchanges: TeacherExchange[];
}

export interface Combo {
  instruction: number;
  demos: number;
  /** The renderer, when the search has that dimension (--renderers json,code). */
  renderer?: RendererName;
  /** With or without the induced guidelines, when the search has that dimension (--guidelines). */
  guidelines?: "with" | "without";
}

export interface TrialRecord {
  kind: "trial";
  number: number;
  params: Combo;
  minibatch: string[];
  score: number;
  failures: number;
  /** Per-sample scores, in minibatch order (the selection rule's evidence). */
  scores?: number[];
}

export interface FullEvalRecord {
  kind: "full_eval";
  after_trial: number;
  params: Combo;
  score: number;
  samples: number;
  failures: number;
  /** Per-sample scores, in validation order. */
  scores?: number[];
  /** The final race's rung that fully evaluated it (noise-aware rule); absent at due points. */
  rung?: number;
}

/**
 * A combination scored on more validation samples in a rung of the final race (the
 * noise-aware rule, select.ts raceSchedule): only the samples new to it, since what it
 * was scored on before is already in the log.
 */
export interface RaceEvalRecord {
  kind: "race_eval";
  after_trial: number;
  rung: number;
  params: Combo;
  sample_ids: string[];
  score: number;
  failures: number;
  scores?: number[];
}

export interface BaselineRecord {
  kind: "baseline";
  score: number;
  samples: number;
  failures: number;
  /** Per-sample scores, in validation order. */
  scores?: number[];
}

export type LogRecord = TrialRecord | FullEvalRecord | RaceEvalRecord | BaselineRecord;

/**
 * trials.jsonl on disk: its scores are in [0, 1] (the per-sample mean `score_0_1`, the
 * per-sample scores `scores_0_1`), and their names say so, since every score ieopt shows
 * is 0–100. Lines written before the rename
 * carry `score` and are read the same. The search itself works with `score`.
 */
export function appendTrialLog(run: RunFolder, record: LogRecord): void {
  const { score, scores, ...rest } = record as LogRecord & { scores?: unknown };
  run.appendLog("trials.jsonl", { ...rest, score_0_1: score, ...(scores !== undefined ? { scores_0_1: scores } : {}) });
}

export function readTrialLog(run: RunFolder): LogRecord[] {
  return run.readLog<Record<string, unknown>>("trials.jsonl").map((line) => {
    if (!("score_0_1" in line)) return line as unknown as LogRecord;
    const { score_0_1: score, scores_0_1: scores, ...rest } = line;
    return { ...rest, score, ...(scores !== undefined ? { scores } : {}) } as unknown as LogRecord;
  });
}

export interface MiproEvents {
  phase?(name: string, detail?: string): void;
  progress?(done: number, total: number): void;
  trial?(record: TrialRecord, best: { combo: Combo; score: number } | undefined): void;
  fullEval?(record: FullEvalRecord | BaselineRecord): void;
  /** LM calls failed after their retries (1st, 2nd, 4th … failure of a phase). */
  failure?(notice: FailureNotice): void;
}

export interface MiproContext {
  program: IEProgram;
  train: readonly Sample[];
  val: readonly Sample[];
  settings: MiproSettings;
  /** The model the program runs with during the search. */
  taskModel: LM;
  /** Φ, the prompt teacher (augmentation, summaries, proposals). */
  promptModel: LM;
  metric: SampleMetric;
  run: RunFolder;
  signal?: AbortSignal;
  events?: MiproEvents;
  /** Failure accounting per phase (run-health.ts); the role models are wrapped by it. */
  health?: RunHealth;
  /**
   * How the candidates are made (default: prepareCandidates, MIPRO's steps 1–2); AutoThought
   * makes thought-carrying ones. Runs beside the baseline evaluation; a stop in it is clean.
   */
  makeCandidates?: ((ctx: MiproContext) => Promise<Candidates>) | undefined;
  /** The pipeline of settings.pipeline, built with its translator (absent: direct). */
  pipeline?: Pipeline | undefined;
  /** The proposer's prompting tips (default: tips/index.ts). */
  tips?: readonly Tip[] | undefined;
  /**
   * The search's sampler (default: TPE seeded from the run's seed). A resumed run replays
   * its trials through it, so it must ask the same combinations for the same history.
   */
  sampler?: Sampler | undefined;
}

export interface MiproResult {
  /**
   * The fully evaluated combination the selection rule picked, and its full-validation
   * score. That score is selection-biased: it is the best of several noisy evaluations.
   */
  best: Combo;
  bestScore: number;
  baselineScore: number;
  /** The pick against the default on the same validation samples (paired, 95% bootstrap CI). */
  comparison: DefaultComparison;
  /** "default" when no searched combination beat the default prompt on full validation. */
  chosen: "search" | "default";
  prompt: Prompt;
  /** The result's renderer (absent: the program's own, as the default prompt has). */
  renderer?: { name: RendererName; examples?: Record<string, string[]> } | undefined;
  /** The induced descriptions the result's queries carry (absent: searched without, or no --guidelines). */
  guidelines?: Record<string, string> | undefined;
  candidates: Candidates;
  trials: TrialRecord[];
  fullEvals: FullEvalRecord[];
  /** The final race's partial evaluations (noise-aware rule), in rung order. */
  raceEvals: RaceEvalRecord[];
}

export const comboKey = (c: Combo) => `${c.instruction}/${c.demos}${c.renderer ? `/${c.renderer}` : ""}${c.guidelines ? `/${c.guidelines}` : ""}`;

/** The renderer a combination runs with: its own, a run's single renderer, else json. */
export function comboRenderer(settings: Pick<MiproSettings, "renderers">, combo: Combo): RendererName {
  return combo.renderer ?? (settings.renderers?.length === 1 ? settings.renderers[0]! : "json");
}

/** A prompt rendered code-style (examples: spans per type for the class docstrings), or as it is. */
export function withRenderer(prompt: Prompt, renderer: RendererName, examples: Readonly<Record<string, readonly string[]>> | undefined): Prompt {
  return renderer === "code" ? { ...prompt, program: codeStyle(prompt.program, examples ? { examples } : {}) } : prompt;
}

/** Trials grouped by combination, each with its minibatch scores, in first-tried order. */
export function minibatchScoresByCombo(trials: Iterable<TrialRecord>): { combo: Combo; scores: number[] }[] {
  const byCombo = new Map<string, { combo: Combo; scores: number[] }>();
  for (const t of trials) {
    const entry = byCombo.get(comboKey(t.params)) ?? { combo: t.params, scores: [] };
    entry.scores.push(t.score);
    byCombo.set(comboKey(t.params), entry);
  }
  return [...byCombo.values()];
}

export function comboPrompt(program: IEProgram, candidates: Candidates, combo: Combo, reasoning = false): Prompt {
  return {
    program,
    instruction: candidates.instructions[combo.instruction]!.text,
    demos: candidates.demo_sets[combo.demos]!.demos,
    reasoning,
  };
}

/** Announces a phase; LM calls from now on count under it. */
export function enterPhase(ctx: Pick<MiproContext, "health" | "events">, name: string, detail?: string): void {
  ctx.health?.enter(name);
  ctx.events?.phase?.(name, detail);
}

/** Runs `work` with its LM calls counted under phase `name`, also while other phases run beside it. */
export function countedAs<T>(ctx: Pick<MiproContext, "health">, name: string, work: () => Promise<T>): Promise<T> {
  return ctx.health ? ctx.health.within(name, work) : work();
}

/** Announces phase `name` and runs `work` in it (see countedAs). */
export function runPhase<T>(ctx: Pick<MiproContext, "health" | "events">, name: string, detail: string, work: () => Promise<T>): Promise<T> {
  ctx.events?.phase?.(name, detail);
  return countedAs(ctx, name, work);
}

/**
 * Phases run side by side: a failure stops the others at once; a budget stop lets their
 * calls in flight finish (they are paid for, and kept for the resume), and their next
 * call meets the same budget.
 */
export function phaseGroup(signal: AbortSignal | undefined): WorkGroup {
  return new WorkGroup(signal, { stopsOthers: (err) => asRunStop(err, undefined)?.reason !== "budget" });
}

/** Build or load the instruction and demo candidates (steps 1–2). */
export async function prepareCandidates(ctx: MiproContext): Promise<Candidates> {
  if (ctx.run.has("candidates.json")) return ctx.run.readJson<Candidates>("candidates.json");
  const rng = createRng(ctx.settings.seed);
  const proposing = { program: ctx.program, train: ctx.train, teacher: ctx.promptModel, rng: rng.fork("propose") };
  // The demo sets and the proposals' grounding (dataset and program summaries) need nothing
  // from each other, so they are made side by side; the proposals need both.
  const group = phaseGroup(ctx.signal);
  let demoSets: DemoSet[];
  let grounding: Grounding;
  try {
    // The grounding first: its chain of calls is the longer, so it should not queue behind the demos'.
    const groundingWork = group.start((signal) => runPhase(ctx, "propose", `${ctx.settings.instructions} instruction candidates`, () => groundProposals({ ...proposing, signal })));
    [demoSets, grounding] = await Promise.all([
      group.start((signal) =>
        runPhase(ctx, "bootstrap", `${ctx.settings.zeroShot ? 0 : ctx.settings.demoSets} demo sets of ${ctx.settings.demos}`, async () => {
          const sets = await bootstrapDemoSets({
            program: ctx.program,
            train: ctx.train,
            sets: ctx.settings.demoSets,
            size: ctx.settings.demos,
            teacher: ctx.promptModel,
            rng: rng.fork("bootstrap"),
            zeroShot: ctx.settings.zeroShot,
            metric: ctx.metric,
            // Runs made before the filter existed have no threshold in their settings.
            threshold: ctx.settings.augmentThreshold ?? 0,
            concurrency: ctx.settings.concurrency,
            signal,
          });
          ctx.health?.check("bootstrap");
          return sets;
        }),
      ),
      groundingWork,
    ]);
  } catch (err) {
    throw await group.failed(err);
  }
  const proposals = await countedAs(ctx, "propose", () =>
    proposeInstructions({ ...proposing, demoSets, grounding, count: ctx.settings.instructions, signal: ctx.signal, ...(ctx.tips ? { tips: ctx.tips } : {}) }),
  );
  ctx.health?.check("propose");
  if (ctx.settings.instructions > 1 && proposals.instructions.length === 1) {
    throw new RunFailed(`propose: no instruction proposal could be used (${proposals.exchanges.filter((e) => e.reply === undefined).length} of ${proposals.exchanges.length} teacher calls failed)`);
  }
  const candidates: Candidates = {
    instructions: proposals.instructions,
    demo_sets: demoSets,
    dataset_summary: proposals.datasetSummary,
    program_summary: proposals.programSummary,
    exchanges: proposals.exchanges,
  };
  ctx.run.writeJson("candidates.json", candidates);
  return candidates;
}

/**
 * Predicts and scores samples under a prompt, memoizing per (prompt, sample) within the run.
 * The memo holds promises, so trials in flight at once share a prediction instead of
 * paying for it twice.
 */
class Scorer {
  private readonly memo = new Map<string, Promise<{ score: number; failed: boolean }>>();
  private readonly ctx: MiproContext;

  constructor(ctx: MiproContext) {
    this.ctx = ctx;
  }

  /** `priority`: the calls' place in the endpoint's queue (PRIORITY, src/lm/limiter.ts). */
  async score(key: string, prompt: Prompt, samples: readonly Sample[], { signal = this.ctx.signal, priority = PRIORITY.NORMAL }: { signal?: AbortSignal | undefined; priority?: number } = {}): Promise<{ mean: number; failures: number; scores: number[] }> {
    const todo = samples.filter((s) => !this.memo.has(`${key}#${s.id}`));
    if (todo.length > 0) {
      const settle = new Map<string, (r: { score: number; failed: boolean }) => void>();
      const fail = new Map<string, (err: unknown) => void>();
      for (const s of todo) {
        const entry = new Promise<{ score: number; failed: boolean }>((resolve, reject) => {
          settle.set(s.id, resolve);
          fail.set(s.id, reject);
        });
        entry.catch(() => {}); // a stopped prediction is observed by whoever awaits it
        this.memo.set(`${key}#${s.id}`, entry);
      }
      const byId = new Map(todo.map((s) => [s.id, s]));
      let done = 0;
      try {
        await predictSamples(prompt, todo, {
          lm: this.ctx.taskModel,
          pipeline: this.ctx.pipeline,
          concurrency: this.ctx.settings.concurrency,
          signal,
          priority,
          onOutcome: (o) => {
            settle.get(o.id)?.({ score: scoreOutcome(this.ctx.metric, byId.get(o.id)!, o), failed: !o.ok });
            settle.delete(o.id);
            this.ctx.events?.progress?.(++done, todo.length);
          },
        });
        for (const [id, resolve] of settle) resolve({ score: scoreOutcome(this.ctx.metric, byId.get(id)!, undefined), failed: true });
      } catch (err) {
        // Unfinished predictions leave the memo, so a later trial (or a resume) predicts them again.
        for (const id of settle.keys()) {
          this.memo.delete(`${key}#${id}`);
          fail.get(id)!(err);
        }
        throw err;
      }
    }
    const results = await Promise.all(samples.map((s) => this.memo.get(`${key}#${s.id}`)!));
    const scores = results.map((r) => r.score);
    return { mean: mean(scores), failures: results.filter((r) => r.failed).length, scores };
  }
}

export function searchSpace(candidates: Candidates, renderers?: readonly RendererName[], guidelines?: Readonly<Record<string, string>>): SearchSpace {
  return {
    instruction: categorical(candidates.instructions.map((c) => c.index)),
    demos: categorical(candidates.demo_sets.map((s) => s.index)),
    // A third categorical dimension only when there is a choice of renderer.
    ...(renderers && renderers.length > 1 ? { renderer: categorical([...renderers]) } : {}),
    ...(guidelines ? { guidelines: categorical(["without", "with"]) } : {}),
  };
}

/** Steps 3–4: the TPE search with minibatches and periodic full evaluations. */
export async function runMipro(ctx: MiproContext, reasoning = false): Promise<MiproResult> {
  // The phases overlap where their inputs allow; the first failure stops them all.
  const group = phaseGroup(ctx.signal);
  try {
    return await runMiproIn(group, ctx, reasoning);
  } catch (err) {
    throw await group.failed(err);
  }
}

async function runMiproIn(group: WorkGroup, ctx: MiproContext, reasoning: boolean): Promise<MiproResult> {
  const { settings, program, val } = ctx;
  // Every evaluation stops with the group (a failed phase elsewhere, or the user).
  const scorer = new Scorer({ ...ctx, signal: group.signal });
  const log = readTrialLog(ctx.run);
  const checkStop = () => {
    if (ctx.signal?.aborted) throw new RunStopped("stopped by the user");
  };

  // Baseline: the default prompt on the whole validation split (zero-shot: without demos).
  // It needs no candidates, so it runs while they are made; only the first tell waits for it.
  const baselinePrompt = baselinePromptFor(program, settings, reasoning);
  // The candidates' calls go out first: theirs is the longer chain.
  const candidatesReady = group.start((signal) => stoppingCleanly(() => (ctx.makeCandidates ?? prepareCandidates)({ ...ctx, signal }), signal));
  let baseline = log.find((r): r is BaselineRecord => r.kind === "baseline");
  if (baseline) ctx.events?.fullEval?.(baseline);
  const baselineDone: Promise<unknown> = baseline
    ? Promise.resolve()
    : group.start((signal) =>
        runPhase(ctx, "baseline", `default prompt on ${val.length} validation samples`, async () => {
          // Needed only at the first tell: it takes the slots the candidates' calls leave free,
          // and starts once their first calls are queued (a free slot takes any work at once).
          await setImmediate();
          const r = await scorer.score("default", baselinePrompt, val, { signal, priority: PRIORITY.BACKGROUND });
          ctx.health?.check("baseline");
          baseline = { kind: "baseline", score: r.mean, samples: val.length, failures: r.failures, scores: r.scores };
          appendTrialLog(ctx.run, baseline);
          ctx.events?.fullEval?.(baseline);
        }),
      );
  const candidates = await candidatesReady;

  const space = searchSpace(candidates, settings.renderers, settings.guidelines);
  const examples = settings.renderers?.includes("code") ? exampleSpans(program.definition, ctx.train) : undefined;
  const promptOf = (combo: Combo) => {
    const prompt = withRenderer(comboPrompt(program, candidates, combo, reasoning), comboRenderer(settings, combo), examples);
    return combo.guidelines === "with" && settings.guidelines ? { ...prompt, program: withDescriptions(prompt.program, settings.guidelines) } : prompt;
  };
  const sampler = ctx.sampler ?? new TPESampler({ seed: createRng(settings.seed).fork("tpe").seed });
  const study = new Study({ sampler, direction: "maximize" });
  const trials: TrialRecord[] = [];
  const fullEvals = new Map<string, FullEvalRecord>();
  const minibatchSize = Math.min(settings.minibatch, val.length);
  // Runs made before the rule was a setting used the old one.
  const rule: SelectionRule = settings.selection ?? "best-full";
  const isDuePoint = (afterTrial: number) => (afterTrial + 1) % settings.fullEvalEvery === 0 || afterTrial === settings.trials - 1;
  // The noise-aware rule spends the due points' budget in one race after the last trial.
  const racing = rule === "noise-aware";
  const dueCount = Array.from({ length: settings.trials }, (_, i) => i).filter(isDuePoint).length;
  const lastTrial = settings.trials - 1;
  const evaluatesAfter = (afterTrial: number) => (racing ? afterTrial === lastTrial : isDuePoint(afterTrial));
  // A study extended with more trials (--resume --trials) ignores the full evaluations its
  // old last trial got: a fresh run of the new length has none there, and equals this one.
  // The race's records are replayed rung by rung, so each rung sees the evidence it first saw.
  const loggedRace = new Map<string, RaceEvalRecord | FullEvalRecord>();
  for (const r of log) {
    if (r.kind === "race_eval" && r.after_trial === lastTrial) loggedRace.set(`${r.rung}#${comboKey(r.params)}`, r);
    else if (r.kind === "full_eval" && racing && r.after_trial === lastTrial && r.rung !== undefined) loggedRace.set(`${r.rung}#${comboKey(r.params)}`, r);
    else if (r.kind === "full_eval" && !racing && isDuePoint(r.after_trial)) fullEvals.set(comboKey(r.params), r);
  }
  const raceEvals: RaceEvalRecord[] = [];
  const loggedTrials = log.filter((r): r is TrialRecord => r.kind === "trial");
  const evidence = () => selectionInput(val, baseline!, [...trials, ...raceEvals.map((r) => ({ ...r, minibatch: r.sample_ids }))], fullEvals.values());

  const fullyEvaluate = async (combo: Combo, afterTrial: number, rung?: number) => {
    // The next tell (or rung) waits for it: its calls go before the trials'.
    const r = await scorer.score(comboKey(combo), promptOf(combo), val, { priority: PRIORITY.URGENT });
    const record: FullEvalRecord = { kind: "full_eval", after_trial: afterTrial, params: combo, score: r.mean, samples: val.length, failures: r.failures, scores: r.scores, ...(rung !== undefined ? { rung } : {}) };
    return record;
  };
  const commitFullEval = (record: FullEvalRecord) => {
    fullEvals.set(comboKey(record.params), record);
    appendTrialLog(ctx.run, record);
    ctx.events?.fullEval?.(record);
  };

  const loggedDuePoints = new Set([...fullEvals.values()].map((r) => r.after_trial));
  const runFullEvalIfDue = async (afterTrial: number) => {
    if (racing) {
      if (afterTrial === lastTrial) await runFinalRace();
      return;
    }
    if (!isDuePoint(afterTrial)) return;
    if (loggedDuePoints.has(afterTrial)) return; // replayed from the log
    // The selection rule's best combination not yet fully evaluated (select.ts).
    const combo = nextToEvaluate(rule, evidence(), new Set(fullEvals.keys()));
    if (!combo) return;
    checkStop();
    enterPhase(ctx, "full evaluation", `instruction ${combo.instruction} × demo set ${combo.demos} on ${val.length} samples`);
    const mark = ctx.health?.mark();
    const record = await fullyEvaluate(combo, afterTrial);
    ctx.health?.check("full evaluation", mark);
    ctx.health?.enter("search");
    commitFullEval(record);
  };

  /**
   * Successive halving over the search's best estimates (select.ts raceSchedule): each rung
   * scores its combinations on more samples, concurrently, and logs them in rank order; the
   * last rung's are full evaluations. A resumed run replays the logged evaluations.
   */
  const runFinalRace = async () => {
    const rungs = raceSchedule({ valSize: val.length, minibatch: minibatchSize, fullEvaluations: dueCount });
    const order = createRng(settings.seed).fork("race").shuffle(val);
    await runPhase(ctx, "final selection", describeRace(rungs, val.length), () => runRungs(rungs, order));
  };
  const runRungs = async (rungs: readonly RaceRung[], order: readonly Sample[]) => {
    let survivors: Combo[] | undefined;
    for (const [rung, plan] of rungs.entries()) {
      // The evidence as the rung starts: what the rung ranks by, and what each survivor was already scored on.
      const input = evidence();
      survivors = topByEstimate(input, plan.combinations, survivors);
      checkStop();
      const mark = ctx.health?.mark();
      const work = survivors.map((combo): Promise<{ record: RaceEvalRecord | FullEvalRecord; logged: boolean } | undefined> => {
        const logged = loggedRace.get(`${rung}#${comboKey(combo)}`);
        if (logged) return Promise.resolve({ record: logged, logged: true });
        if (plan.samples >= val.length) return fullyEvaluate(combo, lastTrial, rung).then((record) => ({ record, logged: false }));
        const scored = new Set<string>();
        for (const cell of input.evidence) if (comboKey(cell.combo) === comboKey(combo)) for (const id of cell.sampleIds) scored.add(id);
        const fresh = raceSamples(order, scored, plan.samples).filter((s) => !scored.has(s.id));
        if (fresh.length === 0) return Promise.resolve(undefined); // already scored on enough samples
        return scorer.score(comboKey(combo), promptOf(combo), fresh, { signal: group.signal }).then((r) => {
          const record: RaceEvalRecord = { kind: "race_eval", after_trial: lastTrial, rung, params: combo, sample_ids: fresh.map((s) => s.id), score: r.mean, failures: r.failures, scores: r.scores };
          return { record, logged: false };
        });
      });
      for (const w of work) w.catch(() => {}); // awaited in order below
      try {
        for (const w of work) {
          const done = await w;
          if (!done) continue;
          const { record, logged } = done;
          // As in the other phases: a rung whose calls mostly failed stops the run before its results are logged.
          if (!logged) ctx.health?.check("final selection", mark);
          if (record.kind === "full_eval") {
            if (logged) fullEvals.set(comboKey(record.params), record);
            else commitFullEval(record);
          } else {
            if (!logged) appendTrialLog(ctx.run, record);
            raceEvals.push(record);
          }
        }
      } finally {
        await Promise.allSettled(work);
      }
      checkStop(); // what finished is logged; a stop during the rung stops here
      ctx.health?.check("final selection", mark);
    }
  };

  // Runs recorded before parallel trials existed ran one at a time, and resume the same way.
  const parallel = settings.parallelTrials ?? 1;
  // A due point's full evaluation runs beside the next trials (their asks need only the
  // tells so far); the next tell, which may use it, waits for it, and so does its log line.
  let fullEvalDone: Promise<void> = Promise.resolve();
  await runPhase(ctx, "search", `${settings.trials} TPE trials${parallel > 1 ? ` (${parallel} in flight)` : ""}, minibatch ${minibatchSize}, ${racing ? `then a race with the budget of ${dueCount} full evaluations` : `full evaluation every ${settings.fullEvalEvery}`}`, () => runTrialsInOrder<{ record: TrialRecord; logged: boolean; mark?: ReturnType<NonNullable<MiproContext["health"]>["mark"]> }>({
    first: 0,
    count: settings.trials,
    parallel,
    start: async (number, stopOthers) => {
      // The ask happens here, before any await: the scheduler fixes when, not the timing.
      const asked = study.ask(space);
      const combo: Combo = { instruction: Number(asked.params.instruction), demos: Number(asked.params.demos), ...(asked.params.renderer !== undefined ? { renderer: asked.params.renderer as RendererName } : {}), ...(asked.params.guidelines !== undefined ? { guidelines: asked.params.guidelines as "with" | "without" } : {}) };
      const logged = loggedTrials[number];
      if (logged) {
        if (comboKey(logged.params) !== comboKey(combo)) {
          throw new Error(`resume replay diverged at trial ${number}: log has ${comboKey(logged.params)}, sampler asked ${comboKey(combo)}`);
        }
        return { record: logged, logged: true };
      }
      checkStop();
      const minibatch = createRng(settings.seed).fork(`minibatch/${number}`).sample(val, minibatchSize);
      const mark = ctx.health?.mark();
      const signal = AbortSignal.any([group.signal, stopOthers]);
      const r = await scorer.score(comboKey(combo), promptOf(combo), minibatch, { signal });
      const record: TrialRecord = { kind: "trial", number, params: combo, minibatch: minibatch.map((s) => s.id), score: r.mean, failures: r.failures, scores: r.scores };
      return mark === undefined ? { record, logged: false } : { record, logged: false, mark };
    },
    finish: async (number, { record, logged, mark }) => {
      await baselineDone;
      await fullEvalDone;
      if (!logged) {
        ctx.health?.check("search", mark);
        appendTrialLog(ctx.run, record);
      }
      // Only the evidence the trial had when it first ran: on replay the log already holds later full evaluations.
      const evidenceSoFar = [...fullEvals.values()].filter((f) => f.after_trial < number);
      study.tell(number, toldScore(rule, selectionInput(val, baseline!, [...trials, record], evidenceSoFar), record));
      trials.push(record);
      if (!logged) ctx.events?.trial?.(record, bestFull(fullEvals));
      // On replay, a due point's full evaluation is in the log, unless the kill came between the two.
      // (The noise-aware rule's race after the last trial counts as its own phase.)
      fullEvalDone = group.start(() => (racing ? runFullEvalIfDue(number) : countedAs(ctx, "full evaluation", () => runFullEvalIfDue(number))));
    },
  }));
  await fullEvalDone;
  await baselineDone;
  if (!baseline) throw new Error("the search ended without a baseline");

  const pick = finalPick(rule, evidence(), new Set(fullEvals.keys()));
  if (!pick) throw new Error("no combination was fully evaluated");
  const best = fullEvals.get(comboKey(pick.combo))!;
  // Plain MIPRO never hands back a prompt that scored below the default on the same full
  // validation: then the default prompt is the result, and the run says so. Reasoning
  // searches (AutoThought) compare against a thought-less frame, not a usable prompt.
  const chosen = !reasoning && baseline.score > best.score ? "default" : "search";
  return {
    best: best.params,
    bestScore: best.score,
    baselineScore: baseline.score,
    comparison: compareWithDefault(fullScores(best, val.length), fullScores(baseline, val.length), settings.seed),
    chosen,
    prompt: chosen === "default" ? baselinePrompt : promptOf(best.params),
    renderer: chosen === "default" ? undefined : { name: comboRenderer(settings, best.params), ...(examples ? { examples } : {}) },
    guidelines: chosen === "search" && best.params.guidelines === "with" ? settings.guidelines : undefined,
    candidates,
    trials,
    fullEvals: [...fullEvals.values()],
    raceEvals,
  };
}

/**
 * The prompt a search is compared with and falls back to: the default prompt, or for a
 * zero-shot run the default instruction with no demos, so a zero-shot run never freezes
 * demos.
 */
export function baselinePromptFor(program: IEProgram, settings: Pick<MiproSettings, "zeroShot">, reasoning = false): Prompt {
  const prompt = defaultPrompt(program, reasoning);
  return settings.zeroShot ? { ...prompt, demos: [] } : prompt;
}

function bestFull(fullEvals: Map<string, FullEvalRecord>): { combo: Combo; score: number } | undefined {
  let best: FullEvalRecord | undefined;
  for (const r of fullEvals.values()) if (!best || r.score > best.score) best = r;
  return best ? { combo: best.params, score: best.score } : undefined;
}

/** Fingerprints of the data a run was tuned on, for provenance and resume checks. */
export function dataFingerprints(train: readonly Sample[], val: readonly Sample[]): Record<string, string> {
  return { train: fingerprint(train.map((s) => [s.id, s.text, s.labels])), val: fingerprint(val.map((s) => [s.id, s.text, s.labels])) };
}
