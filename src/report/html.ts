/**
 * report.html: one self-contained page (inline CSS, SVG and a few lines of JS; no
 * network, no external fonts) with
 *   - the overall table,
 *   - per-language bars: one bar per (prompt, model) in each language, with CI whiskers,
 *   - a (prompt × model) × language heat map,
 *   - per-dataset scores, the paired comparisons overall and per language,
 *   - the prompt texts (instruction, demos) and a few failure examples per pair,
 * for LF1 and exact F1 (a toggle switches the charts). Charts are drawn here as SVG, so
 * the page shows its numbers even with scripts off. The report JSON is embedded for reuse.
 * Sim numbers carry a banner and "(sim)" after the model name.
 */
import { reportLanguages, type EvalReport, type Metric } from "./eval-report.ts";
import { simBanner, pairName, OVERALL_HEADER, overallRow, COMPARISON_HEADER, comparisonRow, datasetRows } from "./markdown.ts";
import { fmtInt, fmtScore, fmtWithCI, COMPARISON_NOTE } from "./format.ts";

const PALETTE = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5", "#9c6b4e", "#9498a0"];

/**
 * Estimated rendered width of a label in px (system-ui at `px`): wide scripts (CJK,
 * Hangul, fullwidth forms) take about one em, other characters about 0.62 em — a little
 * generous, so labels are never clipped.
 */
export function textWidth(s: string, px: number): number {
  let w = 0;
  for (const ch of s) w += /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u.test(ch) ? px : 0.62 * px;
  return Math.ceil(w);
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Grouped bars: languages on x, one bar per (prompt, model), CI whiskers. */
export function barChartSvg(report: EvalReport, metric: Metric): string {
  const langs = reportLanguages(report);
  const series = report.results;
  const bar = 14;
  const gap = 18;
  const left = 40;
  const top = 16;
  const plotH = 220;
  const groupW = Math.max(1, series.length) * bar + gap;
  // Wide enough for the plot and for the longest legend entry (the legend sits below it).
  const legendW = left + 18 + Math.max(0, ...series.map((r) => textWidth(pairName(report, r), 12))) + 10;
  const width = Math.max(left + langs.length * groupW + 10, legendW);
  const legendRows = series.length;
  const height = top + plotH + 30 + legendRows * 18 + 8;
  const y = (v: number) => top + plotH - (Math.max(0, Math.min(100, v)) / 100) * plotH;
  const parts: string[] = [];
  for (const tick of [0, 25, 50, 75, 100]) {
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y(tick)}" y2="${y(tick)}" class="grid"/>`, `<text x="${left - 6}" y="${y(tick) + 4}" class="tick" text-anchor="end">${tick}</text>`);
  }
  langs.forEach((lang, li) => {
    const x0 = left + li * groupW + gap / 2;
    series.forEach((r, si) => {
      const v = r.by_lang[lang]?.[metric];
      if (!v || v.value === null) return;
      const x = x0 + si * bar;
      const name = `${pairName(report, r)} — ${lang}: ${metric.toUpperCase()} ${fmtWithCI(v)}`;
      parts.push(
        `<rect x="${x}" y="${y(v.value).toFixed(1)}" width="${bar - 2}" height="${(y(0) - y(v.value)).toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}" data-series="${si}" data-lang="${escapeHtml(lang)}" data-value="${v.value.toFixed(1)}"><title>${escapeHtml(name)}</title></rect>`,
      );
      if (v.ci_low !== null && v.ci_high !== null) {
        const cx = x + (bar - 2) / 2;
        parts.push(`<line x1="${cx}" x2="${cx}" y1="${y(v.ci_low).toFixed(1)}" y2="${y(v.ci_high).toFixed(1)}" class="whisker"/>`);
      }
    });
    parts.push(`<text x="${x0 + (series.length * bar) / 2}" y="${top + plotH + 16}" class="tick" text-anchor="middle">${escapeHtml(lang)}</text>`);
  });
  series.forEach((r, si) => {
    const ly = top + plotH + 32 + si * 18;
    parts.push(
      `<rect x="${left}" y="${ly}" width="12" height="12" fill="${PALETTE[si % PALETTE.length]}"/>`,
      `<text x="${left + 18}" y="${ly + 10}" class="legend">${escapeHtml(pairName(report, r))}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" role="img" aria-label="${metric.toUpperCase()} per language" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join("")}</svg>`;
}

/** White → blue by score; dark text on light cells. */
function heatColor(v: number): string {
  const t = Math.max(0, Math.min(1, v / 100));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${mix(247, 8)},${mix(251, 69)},${mix(255, 148)})`;
}

/** Rows (prompt, model), columns languages (+ non-English), cells coloured by score. */
export function heatMapSvg(report: EvalReport, metric: Metric): string {
  const langs = reportLanguages(report);
  const cols = [...langs, "non-eng"];
  const rows = report.results;
  // Row labels are right-aligned before the cells: as wide as the longest one, never clipped.
  const labelW = 16 + Math.max(60, ...rows.map((r) => textWidth(pairName(report, r), 12)));
  const cellW = 52;
  const cellH = 26;
  const top = 24;
  const width = labelW + cols.length * cellW + 4;
  const height = top + rows.length * cellH + 4;
  const parts: string[] = [];
  cols.forEach((c, ci) => parts.push(`<text x="${labelW + ci * cellW + cellW / 2}" y="${top - 8}" class="tick" text-anchor="middle">${escapeHtml(c)}</text>`));
  rows.forEach((r, ri) => {
    const yy = top + ri * cellH;
    parts.push(`<text x="${labelW - 8}" y="${yy + cellH / 2 + 4}" class="legend" text-anchor="end">${escapeHtml(pairName(report, r))}</text>`);
    cols.forEach((c, ci) => {
      const g = c === "non-eng" ? r.non_english : r.by_lang[c];
      const v = g?.[metric];
      const x = labelW + ci * cellW;
      if (!v || v.value === null) {
        parts.push(`<rect x="${x}" y="${yy}" width="${cellW - 2}" height="${cellH - 2}" class="empty"/>`);
        return;
      }
      const dark = v.value > 55;
      parts.push(
        `<g data-row="${ri}" data-lang="${escapeHtml(c)}"><rect x="${x}" y="${yy}" width="${cellW - 2}" height="${cellH - 2}" fill="${heatColor(v.value)}"><title>${escapeHtml(`${pairName(report, r)} — ${c}: ${metric.toUpperCase()} ${fmtWithCI(v)}`)}</title></rect>` +
          `<text x="${x + (cellW - 2) / 2}" y="${yy + cellH / 2 + 4}" text-anchor="middle" class="cell${dark ? " dark" : ""}">${fmtScore(v.value)}</text></g>`,
      );
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart heat" role="img" aria-label="${metric.toUpperCase()} heat map" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join("")}</svg>`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[], id: string): string {
  const th = header.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const tr = rows.map((row) => `<tr>${row.map((c, i) => (i === 0 ? `<th scope="row">${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`)).join("")}</tr>`).join("\n");
  return `<table id="${id}"><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

/** Paired comparisons within each language: the CI of the difference per language. */
function languageComparisons(report: EvalReport, metric: Metric): string {
  const rows = (report.comparisons_by_lang ?? []).filter((c) => c.metric === metric);
  if (rows.length === 0) return "";
  return `<h2>${metric.toUpperCase()} paired comparisons per language</h2>
<p class="muted">Δ = mean(a − b) over the language's instances, paired bootstrap CI; a CI that excludes 0 is a clear difference in that language.</p>
<div class="scroll">${table(COMPARISON_HEADER, rows.map((c) => comparisonRow(report, c)), `comparisons-by-lang-${metric}`)}</div>`;
}

/** The prompts as sent: instruction and demos (input text → expected output). */
function promptTexts(report: EvalReport): string {
  const withText = report.prompts.filter((p) => p.instruction !== undefined);
  if (withText.length === 0) return "";
  const one = (p: EvalReport["prompts"][number]) => {
    const demos = (p.demos ?? []).map((d, i) => `<li><b>demo ${i + 1}</b><pre>${escapeHtml(d.text)}</pre><pre class="out">${escapeHtml(d.output)}</pre></li>`).join("");
    return `<details class="prompt"><summary>${escapeHtml(p.name)} <span class="muted">(${escapeHtml(p.task)}, ${escapeHtml(p.kind)}, ${(p.demos ?? []).length} demos)</span></summary>
<h3>Instruction</h3><pre>${escapeHtml(p.instruction ?? "")}</pre>${demos ? `<ol class="demos">${demos}</ol>` : ""}</details>`;
  };
  return `<h2>Prompt texts</h2>\n<div id="prompt-texts">${withText.map(one).join("\n")}</div>`;
}

/** A few of each pair's worst instances: text, gold and what the model said. */
function failureExamples(report: EvalReport): string {
  const pairs = report.results.filter((r) => (r.failure_examples ?? []).length > 0);
  if (pairs.length === 0) return "";
  const one = (r: EvalReport["results"][number]) => {
    const rows = (r.failure_examples ?? [])
      .map((e) => `<tr><th scope="row">${escapeHtml(e.id)}</th><td>${escapeHtml(e.lang)}</td><td>${fmtScore(e.lf1)}</td><td class="text">${escapeHtml(e.text)}</td><td class="text"><code>${escapeHtml(JSON.stringify(e.gold))}</code></td><td class="text">${e.output !== undefined ? `<code>${escapeHtml(e.output)}</code>` : `<i>${escapeHtml(e.failure ?? "")}</i>`}</td></tr>`)
      .join("\n");
    return `<details class="failures"><summary>${escapeHtml(pairName(report, r))}</summary>
<table><thead><tr><th>query</th><th>lang</th><th>LF1</th><th>text</th><th>gold</th><th>answer</th></tr></thead><tbody>
${rows}
</tbody></table></details>`;
  };
  return `<h2>Failure examples (lowest LF1 per prompt × model)</h2>\n<div id="failure-examples">${pairs.map(one).join("\n")}</div>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#1b1e23}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
.banner{background:#fff4d6;border:1px solid #e0b84a;padding:10px 14px;border-radius:6px;font-weight:600}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #e3e5e8;padding:4px 10px;text-align:right;white-space:nowrap}
thead th{background:#f5f6f8}tbody th{text-align:left;font-weight:500}
.scroll{overflow-x:auto}.muted{color:#5f6670}
.chart .grid{stroke:#e3e5e8}.chart .tick{font-size:11px;fill:#5f6670}.chart .legend{font-size:12px;fill:#1b1e23}
.chart .whisker{stroke:#1b1e23;stroke-width:1}.chart .cell{font-size:11px;fill:#1b1e23}.chart .cell.dark{fill:#fff}.chart .empty{fill:#f0f0f0}
.toggle button{font:inherit;padding:3px 12px;border:1px solid #b8bdc4;background:#fff;cursor:pointer}
.toggle button[aria-pressed=true]{background:#1b1e23;color:#fff}
[data-metric-view][hidden]{display:none}
pre{white-space:pre-wrap;word-break:break-word;background:#f5f6f8;padding:6px 10px;border-radius:4px;margin:4px 0}
pre.out{background:#eef4ff}details{margin:6px 0}summary{cursor:pointer;font-weight:500}
td.text{text-align:left;white-space:normal;max-width:420px;word-break:break-word}
`;

const SCRIPT = `
(function () {
  var buttons = document.querySelectorAll(".toggle button");
  function show(metric) {
    document.querySelectorAll("[data-metric-view]").forEach(function (el) {
      el.hidden = el.getAttribute("data-metric-view") !== metric;
    });
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-metric") === metric)); });
  }
  buttons.forEach(function (b) { b.addEventListener("click", function () { show(b.getAttribute("data-metric")); }); });
  show("lf1");
})();
`;

export function renderHtml(report: EvalReport): string {
  const banner = simBanner(report);
  const langs = reportLanguages(report);
  const s = report.settings;
  const overall = table(OVERALL_HEADER, report.results.map((r) => overallRow(report, r, pairName(report, r))), "overall");
  const perMetric = (metric: Metric) =>
    `<div data-metric-view="${metric}"${metric === "lf1" ? "" : " hidden"}>
<h2>${metric.toUpperCase()} per language</h2>
<div class="scroll">${barChartSvg(report, metric)}</div>
<h2>${metric.toUpperCase()} heat map (prompt × model by language)</h2>
<div class="scroll">${heatMapSvg(report, metric)}</div>
<div class="scroll">${table(
      ["prompt × model", ...langs, "non-eng"],
      report.results.map((r) => [pairName(report, r), ...langs.map((l) => fmtWithCI(r.by_lang[l]?.[metric])), fmtWithCI(r.non_english[metric])]),
      `by-lang-${metric}`,
    )}</div>
${languageComparisons(report, metric)}
</div>`;
  const datasets = datasetRows(report);
  const byDataset = table(datasets.header, datasets.rows, "by-dataset");
  const comparisons =
    report.comparisons.length === 0
      ? ""
      : `<h2>Paired comparisons (same instances)</h2>
<p class="muted">${escapeHtml(COMPARISON_NOTE)}</p>
<div class="scroll">${table(COMPARISON_HEADER, report.comparisons.map((c) => comparisonRow(report, c)), "comparisons")}</div>`;
  // JSON inside <script>: "<" escaped so no string can close the element.
  const data = JSON.stringify(report).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ieopt eval report${report.simulated ? " (sim)" : ""}</title>
<style>${CSS}</style>
</head>
<body>
<h1>ieopt eval report${report.simulated ? " — sim" : ""}</h1>
${banner ? `<p class="banner" id="sim-banner">${escapeHtml(banner)}</p>` : ""}
<p class="muted">${escapeHtml(report.created_at)} · ${report.mode} run · scores 0–100, mean over instances · ${Math.round(s.confidence * 100)}% bootstrap CIs over instances (${s.bootstrap_iterations} resamples, seed ${escapeHtml(s.seed)}) · schema batches of ${s.split_num}</p>
<p class="muted">Data: ${report.data.map((d) => `${escapeHtml(d.file)} (${d.task}, ${fmtInt(d.samples)} queries)`).join(", ")}</p>
<h2>Overall</h2>
<div class="scroll">${overall}</div>
<p class="toggle">Metric: <button type="button" data-metric="lf1" aria-pressed="true">LF1</button><button type="button" data-metric="f1" aria-pressed="false">F1</button></p>
${perMetric("lf1")}
${perMetric("f1")}
<h2>LF1 per dataset</h2>
<div class="scroll">${byDataset}</div>
${comparisons}
${promptTexts(report)}
${failureExamples(report)}
<script type="application/json" id="report-data">${data}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
