import { Command, Option } from "commander";
import { TASKS, type Sample } from "../../data/sample.ts";
import { UserInputError } from "../../errors.ts";
import { buildRoleModels } from "../../lm/roles.ts";
import { simModels, simProfile } from "../../../sim/index.ts";
import { DEFAULT_RUNS_DIR } from "../../runs/run-folder.ts";
import { evaluatePrompt } from "../../eval/evaluate.ts";
import { defaultPrompt, type Prompt } from "../../eval/runner.ts";
import type { ScoreSummary } from "../../metrics/aggregate.ts";
import { renderTable } from "../../report/table.ts";
import { createProgress } from "../progress.ts";
import { withInterrupt } from "../interrupt.ts";
import { demoSettings, fmtDemoScore as f, readExamples, type DemoFlags } from "../examples.ts";
import { optimize } from "../../../optimizers/optimize.ts";
import { MIPRO_DEFAULTS } from "../../../optimizers/mipro.ts";
import { getProgram } from "../../../programs/index.ts";
import { runReasoningDemo } from "./demo-reasoning.ts";

interface DemoCommandFlags extends DemoFlags {
  reasoning?: boolean;
}

export function register(program: Command): void {
  program
    .command("demo")
    .description("offline end-to-end run: optimize a task on examples/ with the sim model, then compare default vs optimized prompts")
    .addOption(new Option("--task <task>", "task to optimize ('all' with --reasoning)").choices([...TASKS, "all"]).default("NER"))
    .option("--reasoning", "compare Default, Default-CoT, Optim and AutoThought-1…4 on the test split (method §4–§6)")
    .option("--model <name>", "sim profile (sim, sim-small, sim-large)", "sim")
    .option("--trials <n>", "TPE trials", String(MIPRO_DEFAULTS.trials))
    .option("--seed <seed>", "seed", String(MIPRO_DEFAULTS.seed))
    .option("--runs-dir <dir>", "where the run folder goes", DEFAULT_RUNS_DIR)
    .option("--quiet", "no progress output")
    .action(async (flags: DemoCommandFlags) => {
      if (simProfile(flags.model) === undefined) throw new UserInputError(`the demo runs offline with a sim model; got --model ${flags.model}`);
      if (flags.reasoning) return runReasoningDemo(flags);
      if (flags.task === "all") throw new UserInputError("--task all goes with --reasoning; the plain demo optimizes one task");
      const { paths, train, val, test } = await readExamples(flags.task);
      const models = buildRoleModels({ model: flags.model }, { local: simModels });
      const progress = createProgress({ quiet: flags.quiet });
      const started = Date.now();
      process.stdout.write(`ieopt demo: optimizing ${flags.task} on examples/ with the offline ${flags.model} model — every number below is a sim number, not an LLM result.\n`);
      const outcome = await withInterrupt((signal) =>
        optimize({
          task: flags.task,
          train,
          val,
          dataPaths: { train: paths.train, val: paths.val },
          settings: demoSettings(flags),
          models,
          runsDir: flags.runsDir,
          signal,
          events: { phase: (n, d) => progress.phase(n, d), progress: (d, t) => progress.update(d, t) },
        }),
      );
      progress.phase("compare", "default vs optimized prompt on validation and test");
      const program = getProgram(flags.task);
      const prompts: [string, Prompt][] = [
        ["default", defaultPrompt(program)],
        ["optimized", outcome.result.prompt],
      ];
      const rows: { name: string; search: number; val: ScoreSummary; test: ScoreSummary }[] = [];
      // The search's own validation figure of each prompt (the frozen one is the chosen one).
      const searchScore = { default: outcome.result.baselineScore, optimized: outcome.result.chosen === "default" ? outcome.result.baselineScore : outcome.result.bestScore };
      for (const [name, prompt] of prompts) {
        const score = async (samples: Sample[]) => (await evaluatePrompt(prompt, samples, { lm: models.inference, concurrency: 8 })).report.summary;
        rows.push({ name, search: searchScore[name as keyof typeof searchScore], val: await score(val), test: await score(test) });
      }
      progress.stop();
      const langs = Object.keys(rows[0]!.test.by_lang).sort();
      process.stdout.write(
        [
          "",
          `${flags.task} prompts on examples/ (LF1, sim model ${flags.model}; test = ${langs.length} languages)`,
          renderTable(
            ["prompt", "val LF1 (search, per sample)", "val LF1 (per instance)", "test LF1", "test F1", "non-eng LF1", ...langs],
            rows.map((r) => [r.name, f(100 * r.search), f(r.val.overall.lf1), f(r.test.overall.lf1), f(r.test.overall.f1), f(r.test.non_english.lf1), ...langs.map((l) => f(r.test.by_lang[l]?.lf1))]),
          ),
          "val LF1 (search, per sample) is the optimizer's objective, the mean per-sample LF1 (report.md, runs list); the other columns pool",
          "each instance's batched samples, as ieopt eval and ieopt score do, so the two validation figures differ.",
          "",
          `frozen prompt: ${outcome.frozenPath}`,
          `run report:    ${outcome.run.path("report.md")}`,
          `took ${((Date.now() - started) / 1000).toFixed(1)} s`,
          "",
        ].join("\n"),
      );
    });
}
