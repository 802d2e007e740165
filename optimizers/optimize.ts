/**
 * One optimization run, end to end: check the inputs, open (or resume) the run folder,
 * run MIPRO, freeze the winner and write the report. `ieopt optimize`, `ieopt demo` and
 * library users all come through here.
 *
 * Inputs are checked before the run folder is created, so bad input leaves nothing behind;
 * a failure later marks the folder "failed", a stop marks it "stopped" (resumable).
 *
 *   optimize({ program, train, val, models, metric?, tips?, sampler?, inMemory?, ... })
 *
 * `program` is any IEProgram (a built-in or one from defineProgram); `metric` a name or a
 * `{ name, score }` object; `tips` the proposer's tips; `sampler` the search's sampler
 * (default TPE). With `inMemory` nothing is written to disk (no resume after exit).
 */
import type { Sample } from "../src/data/sample.ts";
import { UserInputError, RunStopped, RunFailed } from "../src/errors.ts";
import { RunHealth, type HealthSummary } from "./run-health.ts";
import { MemoryRunFolder, RunFolder, newRunId, DEFAULT_RUNS_DIR } from "../src/runs/run-folder.ts";
import { freezePrompt, parseFrozenPrompt, type FrozenPrompt } from "../src/runs/frozen.ts";
import { RunUsageJournal } from "../src/runs/run-usage.ts";
import { resolveMetric, type Metric } from "../src/eval/metric.ts";
import type { Sampler } from "../src/search/index.ts";
import type { Tip } from "../tips/index.ts";
import { lockFolder, type FolderLock } from "../src/runs/lock.ts";
import { writeRunReport } from "./run-report.ts";
import type { DefaultComparison } from "./select.ts";
import { evaluateHeldOut, renderHeldOut, type HeldOutScores } from "./held-out.ts";
import { renderRunHtml } from "./run-report-html.ts";
import { stoppingCleanly } from "../src/eval/runner.ts";
import { usesSim } from "../sim/index.ts";
import type { RecordedModels, RoleModels } from "../src/lm/roles.ts";
import { isDeepStrictEqual } from "node:util";
import { getProgram, type IEProgram } from "../programs/index.ts";
import { defaultParallelTrials } from "./trial-scheduler.ts";
import { runMipro, dataFingerprints, baselinePromptFor, enterPhase, MIPRO_DEFAULTS, type MiproEvents, type MiproResult, type MiproSettings } from "./mipro.ts";
import { runAutoThought, loadSourcePrompt, needsSourceRun, autoThoughtOptimizer, type AutoThoughtVariant, type SourcePrompt } from "./autothought.ts";
import { appendAutoThoughtReport } from "./autothought-report.ts";
import { createPipeline, type Pipeline } from "../src/pipelines/pipelines.ts";

export interface OptimizeRequest {
  /** The program to optimize (carries its task definition). */
  program?: IEProgram;
  /** Or a registered task's name, for its registered program. */
  task?: string;
  /** μ: a metric name ("lf1", "f1", a registered one) or a `{ name, score }` object; default settings.metric (lf1). */
  metric?: string | Metric;
  /** The proposer's prompting tips (default: tips/index.ts). */
  tips?: readonly Tip[];
  /** The search's sampler (default: TPE seeded from settings.seed). */
  sampler?: Sampler;
  /** Keep the run in memory: nothing is written to disk (outcome.frozenPath is undefined). */
  inMemory?: boolean;
  train: readonly Sample[];
  val: readonly Sample[];
  /** Where the data came from, for config.json. */
  dataPaths?: { train?: string; val?: string; test?: string };
  /**
   * A held-out test split: after freezing, the default and the frozen prompt are scored on
   * it with θ (held-out.ts); the result is the frozen prompt's `scores.test`.
   */
  test?: readonly Sample[];
  settings?: Partial<MiproSettings>;
  models: RoleModels;
  runsDir?: string;
  /** Continue this run instead of starting a new one (on the models it recorded). */
  resume?: string;
  /**
   * On resume, `models` may differ from the ones the run recorded: the run then records
   * the switch in config.json (`model_changes`). Without it a difference is refused.
   */
  overrideModels?: boolean;
  /**
   * On resume: the study's new number of trials, to extend a finished or stopped run (or
   * shorten one that has not run that far). The result equals a fresh run with this many
   * trials and the same seed; config.json records the change (`trial_changes`).
   */
  trials?: number;
  /** The config file the flags came from (`--config`), recorded in config.json. */
  configFile?: { path: string; values: Record<string, unknown> };
  runId?: string;
  signal?: AbortSignal;
  events?: MiproEvents;
  /**
   * A reasoning variant (method.md §6) instead of plain MIPRO. Variants 1–3 continue the
   * frozen prompt of run `from` (a run id or folder); see autothought-run.ts for running
   * the plain optimization first when there is none.
   */
  autothought?: { variant: AutoThoughtVariant; from?: string | undefined };
}

export interface OptimizeOutcome {
  run: RunFolder;
  /** The run's settings (on resume, the ones it started with). */
  settings: MiproSettings;
  result: MiproResult;
  frozen: FrozenPrompt;
  /** Where frozen.json was written; undefined for an in-memory run. */
  frozenPath: string | undefined;
  /** LM failures per phase; "degraded" when a phase lost a significant share of its calls. */
  health: HealthSummary;
}

interface RunConfig {
  format: "ieopt.run/v1";
  run_id: string;
  task: string;
  optimizer: string;
  created_at: string;
  program_version: string;
  settings: MiproSettings;
  models: RecordedModels;
  /** Model switches made on resume with --override-models, oldest first. */
  model_changes?: { at: string; from: RecordedModels; to: RecordedModels }[];
  /** The --config file of the command that started the run, and the values it set. */
  config_file?: { path: string; values: Record<string, unknown> };
  /** Trial counts changed on resume (--trials), oldest first. */
  trial_changes?: { at: string; from: number; to: number }[];
  data: { train?: string; val?: string; test?: string; fingerprints: Record<string, string> };
  /** AutoThought runs: the variant and the run I_top, S_top came from. */
  autothought?: { variant: AutoThoughtVariant; source_run?: string };
}

/** Bad input is reported before anything is written. */
/** A test split, when given, must be non-empty and of the program's task. */
function checkTestSplit(program: IEProgram, test: readonly Sample[] | undefined): void {
  if (test === undefined) return;
  if (test.length === 0) throw new UserInputError("the test split is empty; pass a file with at least one sample via --test");
  const other = test.find((s) => s.task !== program.task);
  if (other) throw new UserInputError(`the test data holds ${other.task} samples (e.g. id '${other.id}'), but the program is ${program.task}`);
}

export function checkOptimizeInputs(program: IEProgram, train: readonly Sample[], val: readonly Sample[], settings: MiproSettings): void {
  if (val.length === 0) throw new UserInputError("the validation split is empty; pass a file with at least one sample via --val");
  if (train.length === 0 && !settings.zeroShot) {
    throw new UserInputError("the train split is empty; pass samples via --train, or use --zero-shot to search instructions only");
  }
  for (const [name, split] of [["train", train], ["validation", val]] as const) {
    const other = split.find((s) => s.task !== program.task);
    if (other) throw new UserInputError(`the ${name} data holds ${other.task} samples (e.g. id '${other.id}'), but the program is ${program.task}`);
  }
  if (val.length < settings.minibatch) {
    throw new UserInputError(`the validation split has ${val.length} samples, fewer than the minibatch size ${settings.minibatch}; lower --minibatch or add validation samples`);
  }
  if (!settings.zeroShot && train.length < settings.demos) {
    throw new UserInputError(`the train split has ${train.length} samples, fewer than --demos ${settings.demos}`);
  }
  for (const [flag, value] of [["--trials", settings.trials], ["--minibatch", settings.minibatch], ["--full-eval-every", settings.fullEvalEvery], ["--instructions", settings.instructions], ["--parallel-trials", settings.parallelTrials ?? 1]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new UserInputError(`${flag} must be a whole number of at least 1, got ${value}`);
  }
}

function describeModels(models: RecordedModels): string {
  return Object.entries(models)
    .map(([role, m]) => `${role} ${m.model}${m.base_url ? ` at ${m.base_url}` : ""}`)
    .join(", ");
}

/** The pipeline validation samples are answered with; its translator is the translate role (built, and so recorded, here). */
function pipelineOf(settings: MiproSettings, models: RoleModels): Pipeline | undefined {
  if (!settings.pipeline || settings.pipeline === "direct") return undefined;
  return createPipeline(settings.pipeline, { translator: models.translate ?? models.inference });
}

/** A comparison on the metric's [0, 1] scale, in points (0–100) like every reported score. */
export function pointsComparison(c: DefaultComparison): DefaultComparison {
  const pts = (x: number) => Math.round(x * 1e6) / 1e4;
  return { estimate: pts(c.estimate), ci_low: pts(c.ci_low), ci_high: pts(c.ci_high), p_value: c.p_value, samples: c.samples };
}

/**
 * The frozen prompt's own full-validation score, on [0, 1]. Not the larger of pick and
 * baseline: a reasoning search freezes its pick even when the thought-less baseline frame
 * scored higher.
 */
export function frozenValidationScore(result: Pick<MiproResult, "chosen" | "bestScore" | "baselineScore">): number {
  return result.chosen === "default" ? result.baselineScore : result.bestScore;
}

export async function optimize(request: OptimizeRequest): Promise<OptimizeOutcome> {
  const locks: FolderLock[] = [];
  try {
    return await optimizeLocked(request, (run) => {
      if (!(run instanceof MemoryRunFolder)) locks.push(lockFolder(run.dir, "run", `optimize${request.resume ? ` --resume ${run.id}` : ""}`));
    });
  } finally {
    for (const lock of locks) lock.release();
  }
}

async function optimizeLocked(request: OptimizeRequest, lock: (run: RunFolder) => void): Promise<OptimizeOutcome> {
  const program = request.program ?? (request.task !== undefined ? getProgram(request.task) : undefined);
  if (program === undefined) throw new UserInputError("optimize needs a program (or the name of a registered task)");
  if (request.inMemory && request.resume) throw new UserInputError("an in-memory run cannot be resumed; resume a run folder instead");
  // A metric object is registered first, so a resumed run that recorded its name finds it.
  const requestedMetric = request.metric === undefined ? undefined : resolveMetric(request.metric);
  const runsDir = request.runsDir ?? DEFAULT_RUNS_DIR;
  const fingerprints = dataFingerprints(request.train, request.val);

  let run: RunFolder;
  let config: RunConfig;
  let source: SourcePrompt | undefined;
  if (request.resume) {
    run = RunFolder.open(runsDir, request.resume);
    lock(run);
    config = run.readJson<RunConfig>("config.json");
    if (config.program_version !== program.version) {
      throw new UserInputError(`run ${run.id} was made with program ${config.program_version}; this ieopt has ${program.version}, so it cannot resume it`);
    }
    if (config.data.fingerprints.train !== fingerprints.train || config.data.fingerprints.val !== fingerprints.val) {
      throw new UserInputError(`the train/validation data differ from the data run ${run.id} started with; resume with the same files`);
    }
    checkOptimizeInputs(program, request.train, request.val, config.settings);
    if (requestedMetric && requestedMetric.name !== config.settings.metric) {
      throw new UserInputError(`run ${run.id} optimizes metric '${config.settings.metric}'; it cannot resume with metric '${requestedMetric.name}'`);
    }
    checkTestSplit(program, request.test);
    pipelineOf(config.settings, request.models); // a pipeline's translator is one of the recorded models
    const now = request.models.describe();
    if (!isDeepStrictEqual(now, config.models)) {
      if (!request.overrideModels) {
        throw new UserInputError(`run ${run.id} was made with models ${describeModels(config.models)}; resuming with ${describeModels(now)} needs overrideModels (--override-models)`);
      }
      config = { ...config, models: now, model_changes: [...(config.model_changes ?? []), { at: new Date().toISOString(), from: config.models, to: now }] };
      run.writeJson("config.json", config);
    }
    if (request.trials !== undefined && request.trials !== config.settings.trials) {
      const done = run.readLog<{ kind: string }>("trials.jsonl").filter((r) => r.kind === "trial").length;
      if (!Number.isInteger(request.trials) || request.trials < Math.max(1, done)) {
        throw new UserInputError(`--trials ${request.trials}: run ${run.id} has already made ${done} trials; give at least ${Math.max(1, done)}`);
      }
      config = {
        ...config,
        settings: { ...config.settings, trials: request.trials },
        trial_changes: [...(config.trial_changes ?? []), { at: new Date().toISOString(), from: config.settings.trials, to: request.trials }],
      };
      run.writeJson("config.json", config);
    }
    // The source is only needed until the thought-carrying candidates are written.
    if (config.autothought?.source_run && !run.has("candidates.json")) source = loadSourcePrompt(runsDir, config.autothought.source_run, program);
  } else {
    const merged: MiproSettings = { ...MIPRO_DEFAULTS, ...request.settings, ...(requestedMetric ? { metric: requestedMetric.name } : {}) };
    // Recorded, so a resume replays the same schedule whatever --concurrency it is given.
    const settings: MiproSettings = { ...merged, parallelTrials: merged.parallelTrials ?? defaultParallelTrials(merged.concurrency, merged.minibatch) };
    resolveMetric(settings.metric);
    checkOptimizeInputs(program, request.train, request.val, settings);
    checkTestSplit(program, request.test);
    pipelineOf(settings, request.models); // records the translator in config.json's models
    const at = request.autothought;
    if (at) {
      if (settings.zeroShot) throw new UserInputError("AutoThought puts thoughts into demos; it cannot run with --zero-shot");
      if (needsSourceRun(at.variant) && !at.from) throw new UserInputError(`AutoThought-${at.variant} continues an optimized prompt; pass its run with --from`);
      // A bad source is reported before the run folder exists.
      if (needsSourceRun(at.variant)) source = loadSourcePrompt(runsDir, at.from!, program);
    }
    const runId = request.runId ?? newRunId(program.task);
    run = request.inMemory ? new MemoryRunFolder(runId) : RunFolder.create(runsDir, runId);
    lock(run);
    config = {
      format: "ieopt.run/v1",
      run_id: run.id,
      task: program.task,
      optimizer: at ? autoThoughtOptimizer(at.variant) : settings.zeroShot ? "mipro-zero-shot" : "mipro",
      created_at: new Date().toISOString(),
      program_version: program.version,
      settings,
      models: request.models.describe(),
      data: { ...request.dataPaths, fingerprints },
      ...(request.configFile ? { config_file: request.configFile } : {}),
      ...(at ? { autothought: { variant: at.variant, ...(source ? { source_run: source.run_id } : {}) } } : {}),
    };
    run.writeJson("config.json", config);
  }

  // A finished run resumed again is replayed from its log; unless that makes new calls
  // (more trials), its frozen prompt, report, usage and status are left as they are.
  run.onNotice = (message) => request.events?.phase?.("note", message);
  const before = run.status();
  const alreadyFinished = (before?.state === "finished" || before?.state === "degraded") && run.has("frozen.json");
  const journal = new RunUsageJournal(run, request.models.meter);
  try {
    // The budget is the run's: what earlier processes paid counts against it.
    const spent = journal.earlier.total;
    request.models.budget?.carry({ calls: spent.calls, tokens: spent.prompt_tokens + spent.completion_tokens, cost: spent.cost });
    if (!alreadyFinished) run.setStatus("running");
    const health = new RunHealth({ onFailure: (notice) => request.events?.failure?.(notice) });
    const resumeHint = `ieopt optimize --resume ${run.id}${runsDir === DEFAULT_RUNS_DIR ? "" : ` --runs-dir ${runsDir}`}`;
    try {
      const ctx = {
        program,
        train: request.train,
        val: request.val,
        settings: config.settings,
        taskModel: health.wrap(request.models.inference),
        promptModel: health.wrap(request.models.prompt),
        metric: resolveMetric(config.settings.metric).score,
        run,
        signal: request.signal,
        events: request.events,
        tips: request.tips,
        sampler: request.sampler,
        pipeline: pipelineOf(config.settings, request.models),
        health,
      };
      const result = config.autothought
        ? await runAutoThought(ctx, { variant: config.autothought.variant, thoughtModel: health.wrap(request.models.thought), source })
        : await runMipro(ctx);
      const frozenPath = run instanceof MemoryRunFolder ? undefined : run.path("frozen.json");
      if (alreadyFinished && !journal.active) {
        const summary = health.summary();
        const status = before!.state === "degraded" ? "degraded" : "finished";
        return { run, settings: config.settings, result, frozen: parseFrozenPrompt(run.readJson("frozen.json"), run.path("frozen.json")), frozenPath, health: { ...summary, status, problems: status === "degraded" ? [before!.message ?? "degraded"] : [] } };
      }
      let heldOut: HeldOutScores | undefined;
      if (request.test) {
        enterPhase(ctx, "test", `default vs frozen prompt on ${request.test.length} held-out test samples`);
        heldOut = await stoppingCleanly(
          () =>
            evaluateHeldOut({
              test: request.test!, defaultPrompt: baselinePromptFor(program, config.settings), optimizedPrompt: result.prompt,
              lm: ctx.taskModel, pipeline: ctx.pipeline, metric: config.settings.metric, seed: config.settings.seed,
              concurrency: config.settings.concurrency, signal: request.signal, onProgress: request.events?.progress,
            }),
          request.signal,
        );
        health.check("test");
      }
      const pipeline = config.settings.pipeline;
      const frozen = freezePrompt(program, { instruction: result.prompt.instruction, demos: result.prompt.demos, reasoning: result.prompt.reasoning, ...(pipeline && pipeline !== "direct" ? { pipeline } : {}), renderer: result.renderer, guidelines: result.guidelines }, {
        run_id: run.id,
        optimizer: config.optimizer,
        ...(config.autothought?.source_run ? { source_run: config.autothought.source_run } : {}),
        settings: { ...config.settings },
        seed: config.settings.seed,
        data: fingerprints,
        // 0–100, like every score ieopt shows (the search itself keeps per-sample means in [0, 1]).
        scores: {
          metric: config.settings.metric,
          scale: "0-100",
          [`val_${config.settings.metric}`]: 100 * frozenValidationScore(result),
          [`search_best_val_${config.settings.metric}`]: 100 * result.bestScore,
          chosen: result.chosen,
          [`baseline_val_${config.settings.metric}`]: 100 * result.baselineScore,
          combination: result.best,
          // The validation scores above are selection-biased (the pick is the best of several
          // noisy evaluations); this is the honest comparison: the pick minus the default on
          // the same validation samples, in points (0–100 scale), with a paired 95% bootstrap CI.
          selection: {
            rule: config.settings.selection ?? "best-full",
            validation_is_selection_biased: true,
            vs_default: pointsComparison(result.comparison),
          },
          ...(heldOut ? { test: heldOut } : {}),
        },
        models: config.models,
      });
      const summary = health.summary();
      run.writeJson("frozen.json", frozen);
      const usage = journal.usage();
      run.writeJson("usage.json", usage);
      writeRunReport(run, { config, result, usage });
      if (config.autothought) appendAutoThoughtReport(run, result);
      if (heldOut) run.writeText("report.md", `${run.readText("report.md")}\n${renderHeldOut(heldOut, usesSim(config.models) ? " (sim)" : "")}`);
      run.writeText("report.html", renderRunHtml({
        runId: run.id, task: config.task, optimizer: config.optimizer, metric: config.settings.metric, selection: config.settings.selection ?? "best-full",
        sim: usesSim(config.models), result, test: heldOut,
      }));
      run.setStatus(summary.status, summary.problems.length > 0 ? summary.problems.join("; ") : undefined, { phases: summary.phases });
      return { run, settings: config.settings, result, frozen, frozenPath, health: summary };
    } catch (err) {
      run.writeJson("usage.json", journal.usage());
      const phases = { phases: health.summary().phases };
      if (err instanceof RunStopped) {
        run.setStatus("stopped", err.message, phases);
        throw err.withMessage(`${err.message}; finished work is saved in ${run.dir}. Resume with: ${resumeHint}`);
      }
      if (err instanceof RunFailed) {
        run.setStatus("failed", err.message, phases);
        throw new RunFailed(`run ${run.id} failed: ${err.message}. Finished work is saved in ${run.dir}; fix the endpoint or model, then resume with: ${resumeHint}`);
      }
      run.setStatus("failed", err instanceof Error ? err.message : String(err), phases);
      throw err;
    }
  } finally {
    journal.close();
  }
}
