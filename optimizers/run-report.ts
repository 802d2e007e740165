/**
 * report.md of an optimization run: settings, baseline vs best, the candidates and the
 * search trace. Numbers from the offline sim model are marked "sim".
 */
import { markdownCell } from "../src/report/table.ts";
import type { RunFolder } from "../src/runs/run-folder.ts";
import { comboKey, type Combo, type MiproResult } from "./mipro.ts";
import { usesSim } from "../sim/index.ts";

interface ReportInput {
  config: {
    run_id: string;
    task: string;
    optimizer: string;
    settings: { trials: number; minibatch: number; fullEvalEvery: number; demoSets: number; demos: number; instructions: number; seed: string | number; metric: string; selection?: string };
    models: Record<string, { model: string; base_url?: string }>;
  };
  result: MiproResult;
  usage: { total: { calls: number; cache_hits: number; failures: number; prompt_tokens: number; completion_tokens: number } };
}

const pct = (x: number) => (100 * x).toFixed(2);
const signedPct = (x: number) => `${x >= 0 ? "+" : ""}${pct(x)}`;
const oneLine = (s: string, max = 140) => {
  const flat = s.replace(/\s+/g, " ").replace(/\|/g, "\\|");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** "train-3 (augmented, μ 66.67)": where a demo came from and how its output scored against its label. */
export function describeDemo(d: { sample_id?: string | undefined; source: string; score?: number | undefined }): string {
  return `${d.sample_id ?? "?"} (${d.source}${d.score === undefined ? "" : `, μ ${pct(d.score)}`})`;
}

/**
 * What the picked score is the maximum of, for the selection-bias caveat: the old rule's
 * periodic full evaluations, or the noise-aware rule's race finalists.
 */
export function pickedFrom(result: Pick<MiproResult, "fullEvals" | "raceEvals">): string {
  // A combination already scored on enough samples adds none in the first rung and has no line there.
  const key = (c: Combo) => comboKey(c);
  const raced = new Set([...(result.raceEvals ?? []).filter((r) => r.rung === 0).map((r) => key(r.params)), ...result.fullEvals.filter((f) => f.rung !== undefined).map((f) => key(f.params))]);
  if ((result.raceEvals ?? []).length === 0) raced.clear();
  const finalists = result.fullEvals.length;
  if (raced.size === 0) return `the best of ${finalists} noisy full evaluation${finalists === 1 ? "" : "s"}`;
  return `the best of ${finalists} finalist${finalists === 1 ? "" : "s"} of a race over ${raced.size} combinations`;
}

export function renderRunReport({ config, result, usage }: ReportInput): string {
  const sim = usesSim(config.models);
  const tag = sim ? " (sim)" : "";
  const metric = config.settings.metric.toUpperCase();
  const lines: string[] = [
    `# ieopt run ${config.run_id}`,
    "",
    sim ? "> Scores in this report come from the offline **sim** model, not from an LLM.\n" : "",
    `Task **${config.task}**, optimizer **${config.optimizer}**, seed ${config.settings.seed}, metric ${metric}.`,
    `Models: ${Object.entries(config.models).map(([role, m]) => `${role} = ${m.model}`).join(", ")}.`,
    `Search: ${config.settings.trials} trials, minibatch ${config.settings.minibatch}, full evaluation every ${config.settings.fullEvalEvery}; ${result.candidates.instructions.length} instructions × ${result.candidates.demo_sets.length} demo sets (K = ${config.settings.demos}).`,
    "",
    "## Result",
    "",
    `Scores are the search metric: the mean per-sample ${metric} on the validation split (method.md §5), in [0, 100]. Per-instance pooled scores, as \`ieopt eval\` reports them, can differ.`,
    "",
    `| prompt | validation ${metric}, per-sample mean${tag} |`,
    "|---|---|",
    `| default (hand-written instruction, ${config.optimizer === "mipro-zero-shot" ? "no demos: the zero-shot baseline" : "3 fixed exemplars"}) | ${pct(result.baselineScore)} |`,
    `| picked: instruction ${result.best.instruction} × demo set ${result.best.demos} (selection-biased) | ${pct(result.bestScore)} |`,
    "",
    `The picked combination's validation score is **selection-biased**: it is ${pickedFrom(result)}, so it overstates how the prompt will do on new data. The honest comparison is paired, on the same ${result.comparison.samples} validation samples:`,
    "",
    `| picked − default${tag} | 95% CI (paired bootstrap) | p (permutation) |`,
    "|---|---|---|",
    `| ${signedPct(result.comparison.estimate)} | [${signedPct(result.comparison.ci_low)}, ${signedPct(result.comparison.ci_high)}] | ${result.comparison.p_value.toFixed(3)} |`,
    "",
    `Selection rule: **${config.settings.selection ?? "best-full"}** (docs/selection.md).`,
    "",
    result.chosen === "default"
      ? "**Frozen: the default prompt.** No searched combination beat it on the full validation split, so the run keeps it (the searched best is above, for the record)."
      : `**Frozen: instruction ${result.best.instruction} × demo set ${result.best.demos}.**`,
    "",
    "**Instruction**",
    "",
    "> " + result.prompt.instruction.replace(/\n/g, "\n> "),
    "",
    `**Demos** (${result.prompt.demos.length}): ${result.prompt.demos.map(describeDemo).join(", ") || "none (zero-shot)"}`,
    "",
    "## Full evaluations",
    "",
    `| after trial | instruction | demo set | validation ${metric}, per-sample mean${tag} |`,
    "|---|---|---|---|",
    ...[...result.fullEvals].sort((a, b) => a.after_trial - b.after_trial).map((f) => `| ${f.after_trial}${f.rung !== undefined ? ` (race rung ${f.rung})` : ""} | ${f.params.instruction} | ${f.params.demos} | ${pct(f.score)} |`),
    "",
    ...raceSection(result, metric, tag),
    "## Instruction candidates",
    "",
    "| # | origin | tip | instruction |",
    "|---|---|---|---|",
    ...result.candidates.instructions.map((c) => `| ${c.index} | ${c.origin} | ${markdownCell(c.tip ?? "")} | ${markdownCell(oneLine(c.text))} |`),
    "",
    "## Demo sets",
    "",
    `Augmented demos are kept only when their ${metric} against their own label is above the threshold; rejected attempts were replaced by further ones.`,
    "",
    "| set | demos (sample, source, μ against its label) | rejected augmentations |",
    "|---|---|---|",
    ...result.candidates.demo_sets.map((s) => `| ${s.index} | ${markdownCell(s.demos.map(describeDemo).join(", ") || "none (zero-shot)")} | ${s.rejected?.length ?? 0} |`),
    "",
    "## Trials",
    "",
    "Trial numbers are trials.jsonl's `number` (the first trial is 0).",
    "",
    `| trial | instruction | demo set | minibatch ${metric}${tag} | failures |`,
    "|---|---|---|---|---|",
    ...result.trials.map((t) => `| ${t.number} | ${t.params.instruction} | ${t.params.demos} | ${pct(t.score)} | ${t.failures} |`),
    "",
    "## Usage",
    "",
    `Paid calls ${usage.total.calls}, cache hits ${usage.total.cache_hits}, failures ${usage.total.failures}, tokens ${usage.total.prompt_tokens} in / ${usage.total.completion_tokens} out.`,
    "",
  ];
  return lines.join("\n");
}

export function writeRunReport(run: RunFolder, input: ReportInput): void {
  run.writeText("report.md", renderRunReport(input));
}

/** What the race table shows, in report.md and report.html alike. */
export const RACE_EXPLAINED =
  "After the search, the best combinations by the noise-aware estimate were scored on more validation samples (successive halving); the last rung's are the full evaluations above. Each row: the samples a rung added, and the combination's mean on them.";

/** The noise-aware rule's race before its finalists (docs/selection.md §2), when there was one. */
function raceSection(result: Pick<MiproResult, "raceEvals">, metric: string, tag: string): string[] {
  const rows = result.raceEvals ?? [];
  if (rows.length === 0) return [];
  return [
    "## Final selection race",
    "",
    RACE_EXPLAINED,
    "",
    `| rung | instruction | demo set | samples added | ${metric} on them${tag} |`,
    "|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.rung} | ${r.params.instruction} | ${r.params.demos} | ${r.sample_ids.length} | ${pct(r.score)} |`),
    "",
  ];
}
