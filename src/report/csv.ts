/**
 * scores.csv: the report in long form, one row per (prompt, model, lang, dataset, metric):
 *
 *   prompt,model,lang,dataset,metric,value,ci_low,ci_high,n,simulated
 *
 * lang/dataset "all" aggregate over that dimension; lang "non-eng" is every instance not
 * in English. Metrics lf1 and f1 are on the 0–100 scale with their 95% bootstrap CI and n
 * = instances; parse_failure_rate and failure_rate are shares of samples in [0, 1] with n
 * = samples and no CI. `simulated` is true for sim-model numbers (not LLM results).
 */
import type { EvalReport, GroupScores } from "./eval-report.ts";

export const CSV_HEADER = ["prompt", "model", "lang", "dataset", "metric", "value", "ci_low", "ci_high", "n", "simulated"] as const;

function cell(value: string | number | boolean | null): string {
  if (value === null) return "";
  const s = typeof value === "number" ? String(Math.round(value * 10000) / 10000) : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv(report: EvalReport): string {
  const rows: (string | number | boolean | null)[][] = [];
  for (const r of report.results) {
    const group = (lang: string, dataset: string, g: GroupScores) => {
      for (const metric of ["lf1", "f1"] as const) {
        const v = g[metric];
        rows.push([r.prompt, r.model, lang, dataset, metric, v.value, v.ci_low, v.ci_high, g.instances, r.simulated]);
      }
    };
    group("all", "all", r.overall);
    if (r.non_english.instances > 0) group("non-eng", "all", r.non_english);
    for (const [lang, g] of Object.entries(r.by_lang)) group(lang, "all", g);
    for (const [dataset, g] of Object.entries(r.by_dataset)) group("all", dataset, g);
    for (const [dataset, byLang] of Object.entries(r.by_split)) for (const [lang, g] of Object.entries(byLang)) group(lang, dataset, g);
    rows.push([r.prompt, r.model, "all", "all", "parse_failure_rate", r.parse_failure_rate, null, null, r.outcomes.samples, r.simulated]);
    rows.push([r.prompt, r.model, "all", "all", "failure_rate", r.failure_rate, null, null, r.outcomes.samples, r.simulated]);
  }
  return [CSV_HEADER.join(","), ...rows.map((row) => row.map(cell).join(","))].join("\n") + "\n";
}
