/**
 * report.md: the eval report as Markdown tables (overall, per language, per dataset,
 * paired comparisons, usage). Sim numbers are marked: a banner on top and "(sim)" after
 * every sim model's name.
 */
import { renderTable } from "./table.ts";
import { choiceRows } from "../pipelines/choice.ts";
import { modelLabel, reportLanguages, type Comparison, type EvalReport, type PairReport } from "./eval-report.ts";
import { fmtCost, fmtDiff, fmtInt, fmtP, fmtPercent, fmtScore, fmtWithCI, COMPARISON_NOTE } from "./format.ts";

export function simBanner(report: EvalReport): string | undefined {
  if (!report.simulated) return undefined;
  const sims = report.models.filter((m) => m.simulated).map((m) => m.name);
  return `SIM: numbers of ${sims.join(", ")} come from ieopt's offline sim model — a stand-in for tests and dry runs, not an LLM result.`;
}

/** "prompt × model (sim)": a result's row label in every table and chart. */
export function pairName(report: EvalReport, r: PairReport): string {
  return `${r.prompt} × ${modelLabel(report, r.model)}`;
}

// Table rows shared by Markdown and HTML.

/** The overall results table (one row per prompt × model). */
export const OVERALL_HEADER = ["prompt × model", "task", "LF1 [95% CI]", "F1 [95% CI]", "non-eng LF1", "instances", "parse fail", "failed", "tokens in/out", "cost"];

export function overallRow(report: EvalReport, r: PairReport, name: string): string[] {
  return [
    name,
    r.task,
    fmtWithCI(r.overall.lf1),
    fmtWithCI(r.overall.f1),
    fmtWithCI(r.non_english.lf1),
    fmtInt(r.overall.instances),
    fmtPercent(r.parse_failure_rate),
    fmtPercent(r.failure_rate),
    `${fmtInt(r.usage.prompt_tokens)}/${fmtInt(r.usage.completion_tokens)}`,
    fmtCost(r.usage.cost, r.usage.unpriced_calls, r.usage.calls),
  ];
}

export function overallTable(report: EvalReport): string {
  return renderTable(OVERALL_HEADER, report.results.map((r) => overallRow(report, r, pairName(report, r))));
}

export function languageTable(report: EvalReport, metric: "lf1" | "f1" = "lf1"): string {
  const langs = reportLanguages(report);
  return renderTable(
    ["prompt × model", ...langs, "non-eng"],
    report.results.map((r) => [pairName(report, r), ...langs.map((l) => fmtScore(r.by_lang[l]?.[metric].value)), fmtScore(r.non_english[metric].value)]),
  );
}

/** LF1 per dataset: the header and one row per prompt × model. */
export function datasetRows(report: EvalReport): { header: string[]; rows: string[][] } {
  const datasets = [...new Set(report.results.flatMap((r) => Object.keys(r.by_dataset)))].sort();
  return {
    header: ["prompt × model", ...datasets],
    rows: report.results.map((r) => [pairName(report, r), ...datasets.map((d) => fmtWithCI(r.by_dataset[d]?.lf1))]),
  };
}

function datasetTable(report: EvalReport): string {
  const { header, rows } = datasetRows(report);
  return renderTable(header, rows);
}

export const COMPARISON_HEADER = ["compared", "under", "a − b", "scope", "metric", "Δ [95% CI]", "p (bootstrap)", "p (permutation)", "n"];

export function comparisonRow(report: EvalReport, c: Comparison): string[] {
  return [
    c.kind,
    c.kind === "prompts" ? modelLabel(report, c.fixed) : c.fixed,
    c.kind === "models" ? `${modelLabel(report, c.a)} − ${modelLabel(report, c.b)}` : `${c.a} − ${c.b}`,
    c.lang ?? c.scope,
    c.metric.toUpperCase(),
    `${fmtDiff(c.mean_diff)} [${fmtDiff(c.ci_low)}, ${fmtDiff(c.ci_high)}]`,
    fmtP(c.p_bootstrap),
    fmtP(c.p_permutation),
    fmtInt(c.n),
  ];
}

function comparisonTable(report: EvalReport): string {
  return renderTable(COMPARISON_HEADER, report.comparisons.map((c) => comparisonRow(report, c)));
}

/** The model of a pipeline choice, marked sim when the model or a translator is the sim. */
export function choiceLabel(report: EvalReport, choice: { model: string; simulated: boolean }): string {
  const label = modelLabel(report, choice.model);
  return choice.simulated && !label.endsWith("(sim)") ? `${label} (sim translator)` : label;
}

export function renderMarkdown(report: EvalReport): string {
  const banner = simBanner(report);
  const s = report.settings;
  const out: string[] = ["# ieopt eval report", ""];
  if (banner) out.push(`> **${banner}**`, "");
  out.push(
    `Created ${report.created_at} (${report.mode} run). Scores are on a 0–100 scale: the mean over instances of LF1 (soft, Levenshtein) and exact F1; ` +
      `[…] is a ${Math.round(s.confidence * 100)}% percentile bootstrap CI over instances (${s.bootstrap_iterations} resamples, seed ${s.seed}); schema batches of ${s.split_num}.`,
    "",
    "Data: " + report.data.map((d) => `\`${d.file}\` (${d.task}, ${fmtInt(d.lines)} lines → ${fmtInt(d.samples)} queries)`).join(", "),
    "",
    "## Overall",
    "",
    overallTable(report),
    "",
    "## LF1 per language",
    "",
    languageTable(report, "lf1"),
    "",
    "## Exact F1 per language",
    "",
    languageTable(report, "f1"),
    "",
    "## LF1 per dataset",
    "",
    datasetTable(report),
    "",
  );
  if (report.comparisons.length > 0) {
    out.push(
      "## Paired comparisons (same instances)",
      "",
      COMPARISON_NOTE,
      "",
      comparisonTable(report),
      "",
    );
  }
  const byLang = (report.comparisons_by_lang ?? []).filter((c) => c.metric === "lf1");
  if (byLang.length > 0) {
    out.push("## LF1 paired comparisons per language", "", renderTable(COMPARISON_HEADER, byLang.map((c) => comparisonRow(report, c))), "");
  }
  for (const choice of report.pipeline_choice ?? []) {
    const { header, rows } = choiceRows(choice);
    out.push(
      `## Pipeline per language: ${choice.task} × ${choiceLabel(report, choice)}`,
      "",
      "The winner has the best mean LF1 on the language's instances; Δ is its paired difference (bootstrap CI over the same instances). A language is routed to the winner only when it beats the baseline clearly (CI above 0).",
      "",
      renderTable(header, rows),
      "",
    );
  }
  out.push("Predictions: " + report.results.map((r) => `\`${r.predictions}\``).join(", "), "");
  return out.join("\n");
}
