import { Command, Option } from "commander";
import { readSamples } from "../../data/jsonl.ts";
import { UserInputError } from "../../errors.ts";
import { buildRoleModels, nonNegativeInt, resumeModelFlags, type ModelFlags, type RecordedModels } from "../../lm/roles.ts";
import { simModels, usesSim } from "../../../sim/index.ts";
import { RunFolder, DEFAULT_RUNS_DIR, newRunId } from "../../runs/run-folder.ts";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeJsonAtomic } from "../../util/fs.ts";
import { optimizeRepeated, renderRepeatSummary } from "../../../optimizers/repeat.ts";
import { addModelOptions } from "../models.ts";
import { createProgress } from "../progress.ts";
import { searchTracker } from "../search-status.ts";
import { optimize, type OptimizeRequest } from "../../../optimizers/optimize.ts";
import { MIPRO_DEFAULTS, type MiproSettings } from "../../../optimizers/mipro.ts";
import { SELECTION_RULES, type SelectionRule } from "../../../optimizers/select.ts";
import type { HeldOutGroup, HeldOutScores } from "../../../optimizers/held-out.ts";
import { withInterrupt } from "../interrupt.ts";
import { EXIT } from "../../errors.ts";
import { describeFailures } from "../../../optimizers/run-health.ts";
import { announcePlan, checkEndpoints } from "../plan.ts";
import { nonNegativeIntFlag, positiveIntFlag } from "../flags.ts";
import { checkOutputDir } from "../paths.ts";
import { addConfigOption, configFileOf } from "../config-file.ts";
import { estimateOptimizeCalls } from "../optimize-plan.ts";
import { getProgram } from "../../../programs/index.ts";
import { pickedFrom } from "../../../optimizers/run-report.ts";
import { parseAutoThoughtVariant } from "../../../optimizers/autothought.ts";
import { loadMetricFile, loadProgramFile, loadTipsDir } from "../plugins.ts";
import { optimizeAutoThought } from "../../../optimizers/autothought-run.ts";
import { PIPELINE_NAMES } from "../../pipelines/names.ts";
import { loadGuidelines } from "../../../optimizers/guidelines.ts";
import { RENDERER_NAMES, type RendererName } from "../../../programs/code-style.ts";
import { parsePipelineList } from "../../pipelines/cli.ts";

/** The descriptions of an ieopt.guidelines/v1 file for this task (errors name the file and field). */
function readGuidelineDescriptions(path: string, task: string | undefined): Record<string, string> {
  const guidelines = loadGuidelines(path);
  if (task !== undefined && guidelines.task.toUpperCase() !== task.toUpperCase()) throw new UserInputError(`the guidelines are for ${guidelines.task}, the run is ${task}`, { file: path, field: "task" });
  return guidelines.descriptions;
}

/** The settings entry of --renderers: the list, unless it is the programs' own json alone. */
function rendererSetting(value: string): Pick<MiproSettings, "renderers"> {
  const names = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!(RENDERER_NAMES as readonly string[]).includes(n)) throw new UserInputError(`--renderers: unknown renderer '${n}'; expected ${RENDERER_NAMES.join(", ")} (comma-separated)`);
  const unique = [...new Set(names)] as RendererName[];
  if (unique.length === 0) throw new UserInputError(`--renderers needs at least one of ${RENDERER_NAMES.join(", ")}`);
  return unique.length === 1 && unique[0] === "json" ? {} : { renderers: unique };
}

/** The settings entry of --pipeline: one pipeline; direct is the default and not recorded. */
function pipelineSetting(value: string): Pick<MiproSettings, "pipeline"> {
  const list = parsePipelineList(value);
  if (list.length !== 1) throw new UserInputError(`--pipeline: optimize runs one pipeline, got ${list.join(", ")} (compare several with ieopt eval)`);
  return list[0] === "direct" ? {} : { pipeline: list[0]! };
}

interface OptimizeFlags extends ModelFlags {
  renderers: string;
  guidelines?: string;
  task?: string;
  program?: string;
  tips?: string;
  train?: string;
  val?: string;
  test?: string;
  repeat?: string;
  trials: string;
  minibatch: string;
  parallelTrials?: string;
  fullEvalEvery: string;
  demoSets: string;
  demos: string;
  instructions: string;
  zeroShot?: boolean;
  augmentThreshold: string;
  selection: SelectionRule;
  seed: string;
  metric: string;
  resume?: string;
  overrideModels?: boolean;
  autothought?: string;
  from?: string;
  runsDir: string;
  quiet?: boolean;
  pipeline: string;
  dryRun?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command("optimize")
    .description("optimize a task's prompt (instruction × demos) with MIPRO: bootstrap, propose, TPE search")
    .option("--task <task>", "NER, RE, SF, ED or EE (or the task of --program)")
    .option("--program <file>", "a TypeScript file exporting your own program (defineProgram from 'ieopt'); its task is registered")
    .option("--train <file>", "train split (JSONL samples) for demos and the dataset summary")
    .option("--val <file>", "validation split (JSONL samples) for minibatches and full evaluations")
    .option("--repeat <n>", "run the optimization with n seeds (seed, seed+1, …; one run folder each, one shared cache) and report the spread of the results")
    .option("--test <file>", "held-out test split: after freezing, default vs frozen prompt on it with the inference model (scores.test)")
    .option("--trials <n>", "TPE trials", String(MIPRO_DEFAULTS.trials))
    .option("--minibatch <n>", "validation samples per trial", String(MIPRO_DEFAULTS.minibatch))
    .option("--parallel-trials <n>", "TPE trials in flight at once (same seed and n: same results, whatever the timing); default: enough minibatches to fill --concurrency twice, plus one")
    .option("--full-eval-every <n>", "one full validation per n trials (best-full: of the best new combination after every n trials; noise-aware: their budget spent in the final race)", String(MIPRO_DEFAULTS.fullEvalEvery))
    .option("--demo-sets <n>", "bootstrapped demo sets (m), besides the empty set", String(MIPRO_DEFAULTS.demoSets))
    .option("--demos <n>", "demos per set (K)", String(MIPRO_DEFAULTS.demos))
    .option("--instructions <n>", "instruction candidates, the default instruction included", String(MIPRO_DEFAULTS.instructions))
    .option("--zero-shot", "no demos: search instructions only")
    .option("--augment-threshold <score>", "keep an augmented demo only when its metric against its label (0-100) is above this", String(MIPRO_DEFAULTS.augmentThreshold))
    .option("--pipeline <name>", `how validation samples are answered: ${PIPELINE_NAMES.join(", ")} (recorded in the frozen prompt)`, "direct")
    .option("--renderers <names>", `prompt renderers to search over, comma-separated: ${RENDERER_NAMES.join(", ")} (two or more add a third TPE dimension; recorded in trials.jsonl and the frozen prompt)`, "json")
    .option("--guidelines <file>", "induced type descriptions (ieopt guidelines induce): the search chooses with vs without them (another categorical dimension)")
    .option("--translate-model <name>", "the translator of translate-test / transfusion (default: --model)")
    .option("--translate-base-url <url>", "endpoint for --translate-model")
    .option("--metric <name|file>", "the search metric: lf1, f1, or a TypeScript file exporting { name, score }", "lf1")
    .option("--tips <dir>", "the proposer's prompting tips: one .txt or .md file per tip (default: ieopt's own)")
    .addOption(new Option("--selection <rule>", "how full evaluations and the final prompt are chosen (docs/selection.md)").choices([...SELECTION_RULES]).default(MIPRO_DEFAULTS.selection))
    .option("--seed <seed>", "seed for every random choice", String(MIPRO_DEFAULTS.seed))
    .option("--autothought <n>", "reasoning variant 1|2|3|4: thoughts in the demos, then an instruction search with reasoning on (method §6)")
    .option("--from <run>", "AutoThought 1-3: continue this finished run's frozen prompt (default: run the plain optimization first)")
    .option("--resume <run>", "continue a stopped or killed run (its settings, models and endpoints are kept; the key comes from the environment)")
    .option("--override-models", "with --resume: continue on the model flags given instead of the recorded ones (the run records the switch)")
    .option("--runs-dir <dir>", "where run folders go", DEFAULT_RUNS_DIR)
    .option("--dry-run", "check the endpoints, print the plan (calls, tokens, cost) and stop without calling a model")
    .option("--quiet", "no progress output");
  addModelOptions(cmd, { roles: ["inference", "prompt", "thought"] });
  addConfigOption(cmd);
  cmd.action(async (flags: OptimizeFlags, command: Command) => {
    let trainPath = flags.train;
    let valPath = flags.val;
    let testPath = flags.test;
    let task = flags.task;
    const userProgram = flags.program ? await loadProgramFile(flags.program) : undefined;
    if (userProgram && flags.task && flags.task !== userProgram.task) {
      throw new UserInputError(`--task ${flags.task} differs from the task of --program ${flags.program} (${userProgram.task}); give one of them`);
    }
    task ??= userProgram?.task;
    const metric = /\.(ts|mts|js|mjs)$/i.test(flags.metric) ? await loadMetricFile(flags.metric) : flags.metric;
    const tips = flags.tips ? loadTipsDir(flags.tips) : undefined;
    let modelFlags: ModelFlags = flags;
    let recordedSettings: MiproSettings | undefined;
    const given = (key: string) => command.getOptionValueSource(key) === "cli";
    if (flags.resume) {
      const config = RunFolder.open(flags.runsDir, flags.resume).readJson<{ task: string; data: { train?: string; val?: string; test?: string }; models: RecordedModels; settings: MiproSettings }>("config.json");
      recordedSettings = config.settings;
      // A resumed study keeps its settings (else it would not be the same study); only its length may change.
      const fixed = RESUME_FIXED_FLAGS.find((f) => given(f.key));
      if (fixed) throw new UserInputError(`${fixed.flag}: run ${flags.resume} keeps the settings it started with; on --resume only --trials can change (to extend or shorten the study)`);
      task ??= config.task;
      trainPath ??= config.data.train;
      valPath ??= config.data.val;
      testPath ??= config.data.test;
      // The run continues on the models and endpoints it recorded, not on today's defaults.
      const resumed = resumeModelFlags(config.models, flags, given, Boolean(flags.overrideModels));
      modelFlags = resumed.flags;
      for (const o of resumed.overridden) process.stderr.write(`ieopt: --override-models: ${o.flag} ${o.now} replaces the recorded ${o.recorded}\n`);
    } else if (flags.overrideModels) {
      throw new UserInputError("--override-models is for --resume: a new run uses the model flags as given");
    }
    checkOutputDir(flags.runsDir, "--runs-dir");
    if (!task) throw new UserInputError("--task is required (NER, RE, SF, ED or EE), or --program FILE");
    if (!valPath) throw new UserInputError("--val is required");
    const trials = positiveIntFlag(flags.trials, "--trials");
    const flagSettings: MiproSettings = {
      ...MIPRO_DEFAULTS,
      trials,
      minibatch: positiveIntFlag(flags.minibatch, "--minibatch"),
      fullEvalEvery: positiveIntFlag(flags.fullEvalEvery, "--full-eval-every"),
      demoSets: nonNegativeIntFlag(flags.demoSets, "--demo-sets"),
      demos: demosFlag(flags.demos, Boolean(flags.zeroShot)),
      instructions: positiveIntFlag(flags.instructions, "--instructions"),
      zeroShot: Boolean(flags.zeroShot),
      augmentThreshold: scoreFlag(flags.augmentThreshold, "--augment-threshold"),
      selection: flags.selection,
      seed: flags.seed,
      metric: typeof metric === "string" ? metric : metric.name,
      concurrency: positiveIntFlag(flags.concurrency, "--concurrency"),
      ...(flags.parallelTrials !== undefined ? { parallelTrials: positiveIntFlag(flags.parallelTrials, "--parallel-trials") } : {}),
      ...pipelineSetting(flags.pipeline),
      ...rendererSetting(flags.renderers),
      ...(flags.guidelines ? { guidelines: readGuidelineDescriptions(flags.guidelines, task) } : {}),
    };
    // What the run will do: a resumed run's recorded settings (with a new length if given).
    const settings: MiproSettings = recordedSettings ? { ...recordedSettings, ...(given("trials") || command.getOptionValueSource("trials") === "config" ? { trials } : {}) } : flagSettings;
    const train = trainPath ? await readSamples(trainPath) : [];
    const val = await readSamples(valPath);
    const test = testPath ? await readSamples(testPath) : undefined;
    // A plug-in metric is tried once (gold against itself) before any folder or paid call.
    if (typeof metric === "object" && val[0]) metric.score(val[0].task, val[0].labels, val[0].labels, val[0].schema);
    const models = buildRoleModels(modelFlags, { local: simModels });
    const checks = await checkEndpoints({ flags: modelFlags, roles: flags.autothought === undefined ? ["inference", "prompt", "translate"] : ["inference", "prompt", "thought", "translate"], dryRun: flags.dryRun });
    const described = models.describe();
    const variant = flags.autothought === undefined ? undefined : parseAutoThoughtVariant(flags.autothought);
    if (flags.from && variant === undefined) throw new UserInputError("--from names the run AutoThought continues; use it with --autothought 1, 2 or 3");
    const estimateFor = (autothought?: { variant: 1 | 2 | 3 | 4 }) =>
      estimateOptimizeCalls(userProgram ?? getProgram(task), train, val, settings, { inference: described["inference"]!.model, prompt: described["prompt"]!.model, thought: described["thought"]?.model ?? described["prompt"]!.model }, autothought);
    // AutoThought 1–3 without --from first runs the plain optimization it starts from.
    const plainFirst = variant !== undefined && variant !== 4 && !flags.from;
    const plan = {
      command: "optimize",
      details: [
        `${task} on ${train.length} train / ${val.length} validation samples${flags.resume ? ` (resuming ${flags.resume}: finished trials are not asked again)` : ""}`,
        `${settings.trials} trials, minibatch ${settings.minibatch}, full evaluation every ${settings.fullEvalEvery}, ${settings.demoSets} demo sets of ${settings.demos}, ${settings.instructions} instructions${variant ? `; AutoThought-${variant}${plainFirst ? " after a plain run" : ""} adds Θ thought calls and a second search` : ""}`,
      ],
      estimates:
        variant === undefined
          ? estimateFor()
          : [...(plainFirst ? estimateFor().map((e) => ({ ...e, label: `plain run: ${e.label}` })) : []), ...estimateFor({ variant }).map((e) => ({ ...e, label: `AutoThought-${variant}: ${e.label}` }))],
      prices: models.meter.prices,
    };
    if (announcePlan(plan, checks, { dryRun: flags.dryRun, quiet: flags.quiet })) return;
    const tag = usesSim(models.describe()) ? " (sim)" : "";
    const progress = createProgress({ quiet: flags.quiet });
    const search = searchTracker(settings.trials, tag);
    const run = (request: Parameters<typeof optimize>[0]) =>
      variant === undefined
        ? optimize(request)
        : optimizeAutoThought({
            ...request,
            variant,
            from: flags.from,
            onSourceFinished: (s) => progress.line(`  plain run ${s.run.id} finished (validation ${(100 * s.result.bestScore).toFixed(2)}${tag}); AutoThought-${variant} continues from it`),
          });
    const repeat = flags.repeat === undefined ? 1 : positiveIntFlag(flags.repeat, "--repeat");
    if (repeat < 1) throw new UserInputError(`--repeat must be at least 1, got ${repeat}`);
    if (repeat > 1 && (flags.resume || variant !== undefined)) throw new UserInputError("--repeat starts fresh plain optimizations; it cannot be combined with --resume or --autothought");
    const request = (signal: AbortSignal): OptimizeRequest => ({
        task,
        ...(userProgram ? { program: userProgram } : {}),
        // On resume the run's recorded metric holds unless --metric is given.
        ...(command.getOptionValueSource("metric") === "cli" ? { metric } : {}),
        ...(tips ? { tips } : {}),
        train,
        val,
        dataPaths: { train: trainPath, val: valPath, ...(testPath ? { test: testPath } : {}) },
        ...(test ? { test } : {}),
        settings,
        models,
        runsDir: flags.runsDir,
        resume: flags.resume,
        ...(flags.resume && (given("trials") || command.getOptionValueSource("trials") === "config") ? { trials } : {}),
        ...(configFileOf(command) ? { configFile: configFileOf(command)! } : {}),
        overrideModels: Boolean(flags.overrideModels),
        signal,
        events: {
          phase: (name, detail) => {
            progress.phase(name, detail);
            progress.status(search.phase(name));
          },
          progress: (done, total) => progress.update(done, total),
          trial: (record) => progress.status(search.trial(record.number, record.score)),
          failure: (n) => progress.line(`  ${n.phase}: ${describeFailures(n.counts)}; last: ${n.error}`),
          fullEval: (r) => {
            progress.line(`  ${r.kind === "baseline" ? "default prompt" : `full eval ${r.params.instruction}×${r.params.demos}`}: ${(100 * r.score).toFixed(2)}${tag}`);
            if (r.kind !== "baseline") progress.status(search.full(r.score));
          },
        },
      });
    if (repeat > 1) {
      const { outcomes, summary } = await withInterrupt((signal) =>
        optimizeRepeated(request(signal), repeat, optimize, (o, i) => progress.line(`  repeat ${i + 1}/${repeat}: run ${o.run.id} (seed ${o.settings.seed}) picked ${(100 * o.result.bestScore).toFixed(2)}${tag} on validation`)),
      );
      progress.stop();
      const dir = join(flags.runsDir, `repeat-${newRunId(task)}`);
      mkdirSync(dir, { recursive: true });
      writeJsonAtomic(join(dir, "repeat.json"), summary);
      const text = renderRepeatSummary(summary, tag);
      writeFileSync(join(dir, "repeat.md"), text);
      process.stdout.write(`${text}\nsummary: ${join(dir, "repeat.md")} (and repeat.json)\n`);
      if (outcomes.some((o) => o.health.status === "degraded")) process.exitCode = EXIT.degraded;
      return;
    }
    const outcome = await withInterrupt((signal) => run(request(signal)));
    progress.stop();
    const c = outcome.result.comparison;
    process.stdout.write(
      [
        `run ${outcome.run.id} finished${outcome.frozen.reasoning ? ` (${outcome.frozen.provenance.optimizer}, reasoning on)` : ""}`,
        `  validation ${outcome.settings.metric.toUpperCase()}${tag}: default ${(100 * outcome.result.baselineScore).toFixed(2)} → picked ${(100 * outcome.result.bestScore).toFixed(2)} (per-sample means, as in report.md and runs list; selection-biased: ${pickedFrom(outcome.result)})`,
        `  picked − default on the same ${c.samples} validation samples${tag}: ${signed(100 * c.estimate)} [95% CI ${signed(100 * c.ci_low)}, ${signed(100 * c.ci_high)}], p = ${c.p_value.toFixed(3)}`,
        outcome.result.chosen === "default" ? "  no searched combination beat the default prompt on validation: the default prompt is kept" : "",
        ...testLines(outcome.frozen.provenance.scores.test as HeldOutScores | undefined, tag),
        `  frozen prompt: ${outcome.frozenPath ?? "(in memory)"}`,
        `  report: ${outcome.run.path("report.md")}`,
        "",
      ].join("\n"),
    );
    if (outcome.health.status === "degraded") {
      process.stderr.write(`ieopt: degraded: run ${outcome.run.id} finished, but LM calls failed: ${outcome.health.problems.join("; ")}; its scores count those samples as wrong\n`);
      process.exitCode = EXIT.degraded;
    }
  });
}

/** The held-out lines of the summary: overall and non-English, frozen vs default. */
function testLines(test: HeldOutScores | undefined, tag: string): string[] {
  if (!test) return [];
  const line = (name: string, g: HeldOutGroup) =>
    `  test ${name} ${test.metric.toUpperCase()}${tag}: default ${g.default[test.metric].toFixed(2)} → frozen ${g.optimized[test.metric].toFixed(2)}, Δ ${signed(g.delta.estimate)} [95% CI ${signed(g.delta.ci_low)}, ${signed(g.delta.ci_high)}], p = ${g.delta.p_value.toFixed(3)} (${g.instances} instances)`;
  return [line("overall", test), ...(test.non_english ? [line("non-English", test.non_english)] : [])];
}

const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;

/** A score on the 0–100 scale. */
function scoreFlag(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n >= 100) throw new UserInputError(`${flag} must be a score in [0, 100), got '${value}'`);
  return n;
}

/** Settings a resumed run keeps: giving one with --resume is refused rather than ignored. */
const RESUME_FIXED_FLAGS = [
  { key: "minibatch", flag: "--minibatch" },
  { key: "fullEvalEvery", flag: "--full-eval-every" },
  { key: "demoSets", flag: "--demo-sets" },
  { key: "demos", flag: "--demos" },
  { key: "instructions", flag: "--instructions" },
  { key: "zeroShot", flag: "--zero-shot" },
  { key: "augmentThreshold", flag: "--augment-threshold" },
  { key: "selection", flag: "--selection" },
  { key: "seed", flag: "--seed" },
  { key: "metric", flag: "--metric" },
  { key: "parallelTrials", flag: "--parallel-trials" },
  { key: "pipeline", flag: "--pipeline" },
] as const;

/** Demos per set: at least 1 (no demos at all is --zero-shot). */
function demosFlag(value: string, zeroShot: boolean): number {
  if (zeroShot) return nonNegativeIntFlag(value, "--demos");
  const n = Number(value);
  if (Number.isInteger(n) && n === 0) throw new UserInputError("--demos must be at least 1: a demo set of 0 demos is the zero-shot search; use --zero-shot for that");
  return positiveIntFlag(value, "--demos");
}

