/**
 * runs/<id>/report.html: the run as a person would look at it, in one self-contained page
 * (inline CSS and SVG, no script, no network): the optimization history (each trial's
 * minibatch score, the full evaluations, the best full evaluation so far), the honest
 * default-vs-picked comparison with its CI, the held-out test scores when the run had a
 * test split, and the candidates (instructions with their tip, demo sets with the source
 * and score of each demo). Every text from data or models is escaped. Scores are 0–100;
 * sim numbers carry a banner and "(sim)".
 */
import { escapeHtml } from "../src/report/html.ts";
import type { MiproResult } from "./mipro.ts";
import type { HeldOutGroup, HeldOutScores } from "./held-out.ts";
import { describeDemo, pickedFrom, RACE_EXPLAINED } from "./run-report.ts";

export interface RunHtmlInput {
  runId: string;
  task: string;
  optimizer: string;
  metric: string;
  selection: string;
  sim: boolean;
  result: MiproResult;
  test?: HeldOutScores | undefined;
}

const pct = (x: number) => (100 * x).toFixed(2);
const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;
const cell = (s: string | number) => `<td>${escapeHtml(String(s))}</td>`;

function table(id: string, header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return `<table id="${id}"><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map(cell).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

/** Minibatch score per trial (dots), full evaluations (squares), best full so far (step line). */
export function historySvg(result: MiproResult, tag: string): string {
  const trials = result.trials;
  const n = Math.max(1, trials.length);
  const left = 40;
  const top = 12;
  const w = Math.max(320, 14 * n);
  const h = 220;
  const x = (trial: number) => left + ((trial + 0.5) / n) * w;
  const y = (score: number) => top + h - Math.max(0, Math.min(1, score)) * h;
  const parts: string[] = [];
  for (const tick of [0, 25, 50, 75, 100]) {
    parts.push(`<line x1="${left}" x2="${left + w}" y1="${y(tick / 100)}" y2="${y(tick / 100)}" class="grid"/><text x="${left - 6}" y="${y(tick / 100) + 4}" class="tick" text-anchor="end">${tick}</text>`);
  }
  for (const t of trials) {
    parts.push(
      `<circle cx="${x(t.number).toFixed(1)}" cy="${y(t.score).toFixed(1)}" r="3" class="trial" data-trial="${t.number + 1}" data-score="${pct(t.score)}"><title>trial ${t.number + 1}: instruction ${t.params.instruction} × demo set ${t.params.demos}, minibatch ${pct(t.score)}${escapeHtml(tag)}</title></circle>`,
    );
  }
  const fulls = [...result.fullEvals].sort((a, b) => a.after_trial - b.after_trial);
  let best = -1;
  const steps: string[] = [];
  for (const f of fulls) {
    parts.push(
      `<rect x="${(x(f.after_trial) - 4).toFixed(1)}" y="${(y(f.score) - 4).toFixed(1)}" width="8" height="8" class="full" data-full="${f.after_trial + 1}" data-score="${pct(f.score)}"><title>full evaluation after trial ${f.after_trial + 1}: instruction ${f.params.instruction} × demo set ${f.params.demos}, ${pct(f.score)}${escapeHtml(tag)}</title></rect>`,
    );
    best = Math.max(best, f.score);
    steps.push(`${x(f.after_trial).toFixed(1)},${y(best).toFixed(1)}`);
  }
  if (steps.length > 0) {
    steps.push(`${(left + w).toFixed(1)},${y(best).toFixed(1)}`);
    parts.push(`<polyline points="${steps.join(" ")}" class="best"/>`);
  }
  parts.push(`<line x1="${left}" x2="${left + w}" y1="${y(result.baselineScore)}" y2="${y(result.baselineScore)}" class="baseline"><title>default prompt on full validation: ${pct(result.baselineScore)}</title></line>`);
  parts.push(`<text x="${left + w / 2}" y="${top + h + 24}" class="tick" text-anchor="middle">trial</text>`);
  return `<svg class="history" width="${left + w + 10}" height="${top + h + 32}" role="img" aria-label="optimization history">${parts.join("")}</svg>`;
}

function testRows(test: HeldOutScores): (string | number)[][] {
  const row = (name: string, g: HeldOutGroup) => [
    name, g.instances, g.default.lf1.toFixed(2), g.optimized.lf1.toFixed(2), g.default.f1.toFixed(2), g.optimized.f1.toFixed(2),
    `${signed(g.delta.estimate)} [${signed(g.delta.ci_low)}, ${signed(g.delta.ci_high)}]`, g.delta.p_value.toFixed(3),
  ];
  return [row("overall", test), ...Object.entries(test.by_lang).map(([lang, g]) => row(lang, g)), ...(test.non_english ? [row("non-English", test.non_english)] : [])];
}

export function renderRunHtml(input: RunHtmlInput): string {
  const { result } = input;
  const tag = input.sim ? " (sim)" : "";
  const m = input.metric.toUpperCase();
  const c = result.comparison;
  const comparison = table("comparison", ["prompt", `validation ${m}${tag}`], [
    ["default", pct(result.baselineScore)],
    [`picked: instruction ${result.best.instruction} × demo set ${result.best.demos} (selection-biased)`, pct(result.bestScore)],
    [`picked − default, same ${c.samples} samples [95% CI], p`, `${signed(100 * c.estimate)} [${signed(100 * c.ci_low)}, ${signed(100 * c.ci_high)}], p = ${c.p_value.toFixed(3)}`],
  ]);
  const frozen = result.chosen === "default" ? "the default prompt (no searched combination beat it on validation)" : `instruction ${result.best.instruction} × demo set ${result.best.demos}`;
  const test = input.test
    ? `<h2>Held-out test</h2>
<p class="muted">Default vs frozen prompt on the test split with the inference model, per instance (0–100${escapeHtml(tag)}); Δ = frozen − default on ${escapeHtml(input.test.metric.toUpperCase())} with a paired 95% bootstrap CI and a permutation p-value. Not selection-biased.</p>
<div class="scroll">${table("test", ["group", "instances", "default LF1", "frozen LF1", "default F1", "frozen F1", `Δ ${input.test.metric.toUpperCase()} [95% CI]`, "p"], testRows(input.test))}</div>`
    : "";
  const trialRows = result.trials.map((t) => [t.number + 1, t.params.instruction, t.params.demos, pct(t.score), t.failures]);
  const fullRows = [...result.fullEvals].sort((a, b) => a.after_trial - b.after_trial).map((f) => [`${f.after_trial + 1}${f.rung !== undefined ? ` (race rung ${f.rung})` : ""}`, f.params.instruction, f.params.demos, pct(f.score)]);
  const raceRows = (result.raceEvals ?? []).map((r) => [r.rung, r.params.instruction, r.params.demos, r.sample_ids.length, pct(r.score)]);
  const race = raceRows.length === 0
    ? ""
    : `<h3>Final selection race</h3>
<p class="muted">${escapeHtml(RACE_EXPLAINED)}</p>
<div class="scroll">${table("race", ["rung", "instruction", "demo set", "samples added", `${m} on them${tag}`], raceRows)}</div>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ieopt run ${escapeHtml(input.runId)}${tag}</title>
<style>${CSS}</style>
</head>
<body>
<h1>ieopt run ${escapeHtml(input.runId)}${tag}</h1>
${input.sim ? '<p class="banner" id="sim-banner">SIM: every score on this page comes from ieopt\'s offline sim model — a stand-in for tests and dry runs, not an LLM result.</p>' : ""}
<p class="muted">Task ${escapeHtml(input.task)} · optimizer ${escapeHtml(input.optimizer)} · metric ${escapeHtml(m)} · selection rule ${escapeHtml(input.selection)} · scores 0–100</p>
<h2>Default vs picked</h2>
<p>Frozen: <strong id="frozen">${escapeHtml(frozen)}</strong>. The picked combination's validation score is selection-biased (${escapeHtml(pickedFrom(result))}); the paired difference on the same samples is the honest comparison.</p>
<div class="scroll">${comparison}</div>
${test}
<h2>Optimization history</h2>
<p class="muted">Dots: each trial's minibatch ${escapeHtml(m)}; squares: full evaluations; line: the best full evaluation so far; dashed: the default prompt on full validation.</p>
<div class="scroll">${historySvg(result, tag)}</div>
<h3>Full evaluations</h3>
<div class="scroll">${table("full-evals", ["after trial", "instruction", "demo set", `validation ${m}${tag}`], fullRows)}</div>
${race}
<h2>Instruction candidates</h2>
<div class="scroll">${table("instructions", ["#", "origin", "tip", "instruction"], result.candidates.instructions.map((i) => [i.index, i.origin, i.tip ?? "", i.text]))}</div>
<h2>Demo sets</h2>
<p class="muted">Each demo: its train sample, source (labeled or augmented by the prompt teacher) and μ against its own label; augmented demos are kept only above the threshold.</p>
<div class="scroll">${table("demo-sets", ["set", "demos", "rejected augmentations"], result.candidates.demo_sets.map((s) => [s.index, s.demos.map(describeDemo).join(", ") || "none (zero-shot)", s.rejected?.length ?? 0]))}</div>
<h2>Trials</h2>
<div class="scroll">${table("trials", ["trial", "instruction", "demo set", `minibatch ${m}${tag}`, "failures"], trialRows)}</div>
</body>
</html>
`;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}h3{font-size:15px}
.banner{background:#fff4d6;border:1px solid #e6c35c;padding:8px 12px;border-radius:4px}
.muted{color:#666}.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}
svg .grid{stroke:#eee}svg .tick{font-size:11px;fill:#666}
svg .trial{fill:#4269d0;opacity:.75}svg .full{fill:#ff725c}
svg .best{fill:none;stroke:#3ca951;stroke-width:2}svg .baseline{stroke:#999;stroke-dasharray:4 3}`;
