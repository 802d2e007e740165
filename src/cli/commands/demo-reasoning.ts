/**
 * `ieopt demo --reasoning [--task T|all]`: the study's reasoning comparison offline —
 * Default, Default-CoT, Optim, AutoThought-1…4 — on examples/ with the sim model, scored
 * on the test split (LF1 and exact F1, overall and non-English). Every number is a sim
 * number. The study's own search settings are the default (50 trials etc.): on the
 * examples/ data the whole comparison takes seconds per task.
 */
import { TASKS, type Sample } from "../../data/sample.ts";
import { buildRoleModels } from "../../lm/roles.ts";
import { simModels } from "../../../sim/index.ts";
import type { ScoreSummary } from "../../metrics/aggregate.ts";
import { renderTable } from "../../report/table.ts";
import { createProgress } from "../progress.ts";
import { withInterrupt } from "../interrupt.ts";
import { demoSettings, fmtDemoScore as f, readExamples, type DemoFlags } from "../examples.ts";
import { MIPRO_DEFAULTS } from "../../../optimizers/mipro.ts";
import { compareReasoningVariants, COMPARISON_ROWS, type ComparisonRow } from "../../../optimizers/reasoning-comparison.ts";

/** The study's average LF1 over five tasks (Llama-3.1-8B-Instruct, Φ = θ), method.md §5. */
const STUDY_REFERENCE: Record<(typeof COMPARISON_ROWS)[number], number> = {
  Default: 19.15, "Default-CoT": 29.32, Optim: 39.17, "AutoThought-1": 35.73, "AutoThought-2": 35.04, "AutoThought-3": 34.32, "AutoThought-4": 34.68,
};

function taskTable(task: string, rows: readonly ComparisonRow[], model: string, test: readonly Sample[]): string {
  const langs = Object.keys(rows[0]!.test.by_lang).sort();
  return [
    `${task} on examples/ — sim model ${model}; test split: ${test.length} samples, ${langs.length} languages (${langs.join(", ")})`,
    renderTable(
      ["prompt", "reasoning", "val LF1 (search, per sample)", "test LF1", "test F1", "non-eng LF1", "non-eng F1"],
      rows.map((r) => [
        r.name, r.reasoning ? "yes" : "no", r.val_search === undefined ? "-" : f(100 * r.val_search),
        f(r.test.overall.lf1), f(r.test.overall.f1), f(r.test.non_english.lf1), f(r.test.non_english.f1),
      ]),
    ),
    `runs: ${rows.filter((r) => r.run_id).map((r) => `${r.name} ${r.run_id}`).join(", ")}`,
  ].join("\n");
}

function averageTable(byTask: ReadonlyMap<string, readonly ComparisonRow[]>): string {
  const avg = (name: string, pick: (s: ScoreSummary) => number | null) => {
    const values = [...byTask.values()].map((rows) => pick(rows.find((r) => r.name === name)!.test)).filter((v): v is number => v !== null);
    return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
  };
  return [
    `Average over ${byTask.size} tasks (test split, sim) next to the study's average LF1 (Llama-3.1-8B-Instruct, real benchmark — not comparable in level, only in ordering)`,
    renderTable(
      ["prompt", "test LF1 (sim)", "test F1 (sim)", "non-eng LF1 (sim)", "non-eng F1 (sim)", "study LF1"],
      COMPARISON_ROWS.map((name) => [
        name, f(avg(name, (s) => s.overall.lf1)), f(avg(name, (s) => s.overall.f1)), f(avg(name, (s) => s.non_english.lf1)), f(avg(name, (s) => s.non_english.f1)), STUDY_REFERENCE[name].toFixed(2),
      ]),
    ),
  ].join("\n");
}

export async function runReasoningDemo(flags: DemoFlags): Promise<void> {
  const tasks = flags.task.toLowerCase() === "all" ? [...TASKS] : [flags.task.toUpperCase()];
  const settings = demoSettings(flags);
  const s = { ...MIPRO_DEFAULTS, ...settings };
  const progress = createProgress({ quiet: flags.quiet });
  const started = Date.now();
  process.stdout.write(
    [
      `ieopt demo --reasoning: Default, Default-CoT, Optim and AutoThought-1…4 on examples/ with the offline ${flags.model} model — every number below is a sim number, not an LLM result.`,
      `search settings (each optimized row): ${s.trials} TPE trials, minibatch ${s.minibatch}, full evaluation every ${s.fullEvalEvery}, ${s.demoSets} demo sets of ${s.demos}, ${s.instructions} instruction candidates, metric ${s.metric.toUpperCase()}, seed ${s.seed}; Φ = Θ = θ = ${flags.model}.`,
      "",
      "",
    ].join("\n"),
  );
  const byTask = new Map<string, ComparisonRow[]>();
  for (const task of tasks) {
    const { paths, train, val, test } = await readExamples(task);
    // Fresh role models per task: one usage meter per comparison.
    const models = buildRoleModels({ model: flags.model }, { local: simModels });
    const taskStarted = Date.now();
    const rows = await withInterrupt((signal) =>
      compareReasoningVariants({
        task, train, val, test, models, settings, runsDir: flags.runsDir, signal,
        dataPaths: { train: paths.train, val: paths.val },
        events: { phase: (n, d) => progress.phase(`${task} ${n}`, d), progress: (d, t) => progress.update(d, t) },
      }),
    );
    progress.stop();
    byTask.set(task, rows);
    process.stdout.write(`${taskTable(task, rows, flags.model, test)}\n(${task}: ${((Date.now() - taskStarted) / 1000).toFixed(1)} s)\n\n`);
  }
  if (byTask.size > 1) process.stdout.write(`${averageTable(byTask)}\n\n`);
  process.stdout.write(`took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
