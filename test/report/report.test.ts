import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { InstanceIndex } from "../../src/eval/eval-data.ts";
import type { InstanceScores } from "../../src/eval/instance-scorer.ts";
import { readPredictions } from "../../src/eval/predictions-file.ts";
import { buildEvalReport, type ReportInput } from "../../src/report/eval-report.ts";
import { CSV_HEADER, renderCsv } from "../../src/report/csv.ts";
import { renderMarkdown } from "../../src/report/markdown.ts";
import { escapeHtml, renderHtml } from "../../src/report/html.ts";
import { UsageMeter } from "../../src/lm/usage.ts";
import { tempDir } from "../eval-cli/helpers.ts";

/** 8 English-only instances in two datasets; scores given per instance. */
function index(): InstanceIndex {
  const n = 8;
  return {
    task: "NER",
    files: ["x.jsonl"],
    splitNum: 6,
    instanceId: Array.from({ length: n }, (_, i) => `i${i}`),
    lang: Array.from({ length: n }, () => "eng"),
    dataset: Array.from({ length: n }, (_, i) => (i < 4 ? "a,b" : "c")),
    sampleCount: Array.from({ length: n }, () => 1),
    position: new Map(),
    sampleIds: new Set(),
    totalSamples: n,
  };
}

function scores(values: number[]): InstanceScores {
  return {
    lf1: Float64Array.from(values),
    f1: Float64Array.from(values.map((v) => (v > 0.5 ? 1 : 0))),
    failures: new Uint32Array(values.length),
    counts: { samples: values.length, parse_failures: 1, lm_failures: 0, missing: 0, resumed: 0 },
  };
}

function input(model2Sim: boolean): ReportInput {
  const usage = new UsageMeter().role("inference");
  return {
    mode: "online",
    splitNum: 6,
    seed: "7",
    iterations: 300,
    data: [{ file: "x.jsonl", task: "NER", lines: 8, samples: 8 }],
    prompts: [{ name: "p", kind: "default", task: "NER", source: { spec: "default:NER" } }],
    models: [
      { name: "m1", simulated: false },
      { name: "m2", simulated: model2Sim },
    ],
    indexes: new Map([["NER", index()]]),
    pairs: [
      { prompt: "p", model: "m1", task: "NER", simulated: false, scores: scores([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]), usage, predictions: "p1.jsonl" },
      { prompt: "p", model: "m2", task: "NER", simulated: model2Sim, scores: scores([0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5]), usage, predictions: "p2.jsonl" },
    ],
    now: new Date("2026-01-02T03:04:05Z"),
  };
}

describe("eval report", () => {
  it("aggregates per dataset and overall, with CIs seeded by the instances, and compares models on the same instances", () => {
    const report = buildEvalReport(input(true));
    const [r1, r2] = report.results;
    expect(r1!.overall.lf1.value).toBeCloseTo(75, 9);
    expect(r1!.by_dataset["a,b"]!.lf1).toEqual({ value: 100, ci_low: 100, ci_high: 100 });
    expect(r1!.non_english).toMatchObject({ instances: 0, lf1: { value: null, ci_low: null } });
    // A group holding exactly the overall instances gets the same interval.
    expect(r1!.by_lang["eng"]!.lf1).toEqual(r1!.overall.lf1);
    expect(r1!.parse_failure_rate).toBeCloseTo(1 / 8, 9);
    // One model comparison per metric (no non-English instances → no non-English scope).
    expect(report.comparisons).toHaveLength(2);
    const c = report.comparisons.find((x) => x.metric === "lf1")!;
    expect(c).toMatchObject({ kind: "models", fixed: "p", a: "m1", b: "m2", n: 8, simulated: true });
    expect(c.mean_diff).toBeCloseTo(50, 9);
    // All four differences +1 and four 0: exact enumeration, the observed sum is the max.
    expect(c.p_permutation).toBeCloseTo(2 / 16, 9);
    expect(r2!.simulated).toBe(true);
    expect(report.simulated).toBe(true);
  });

  it("CSV is long form with quoting; Markdown and HTML mark sim numbers (and only those)", () => {
    const sim = buildEvalReport(input(true));
    const csv = renderCsv(sim).trim().split("\n");
    expect(csv[0]).toBe(CSV_HEADER.join(","));
    expect(csv).toContain('p,m1,all,"a,b",lf1,100,100,100,4,false');
    expect(csv).toContain("p,m2,all,all,parse_failure_rate,0.125,,,8,true");
    expect(csv.every((l) => !l.includes("non-eng"))).toBe(true);
    const md = renderMarkdown(sim);
    expect(md).toContain("SIM: numbers of m2");
    expect(md).toContain("m2 (sim)");
    expect(md).not.toContain("m1 (sim)");
    const html = renderHtml(sim);
    expect(html).toContain('id="sim-banner"');
    expect(html).not.toMatch(/<(link|img)\b|src="http|href="http/);

    const real = buildEvalReport(input(false));
    expect(real.simulated).toBe(false);
    expect(renderMarkdown(real)).not.toContain("SIM");
    expect(renderHtml(real)).not.toContain("sim-banner");
    expect(escapeHtml(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  });

  it("scores each group from its own instances, even when two groups share size, ends and position sum", () => {
    // deu = positions [0, 2, 3, 5], dataset x = [0, 1, 4, 5]: 4 instances from 0 to 5, sum 10 each.
    const langs = ["deu", "eng", "deu", "deu", "eng", "deu"];
    const datasets = ["x", "x", "y", "y", "x", "x"];
    const values = [1, 1, 0, 0, 1, 1];
    const six: InstanceIndex = {
      ...index(),
      instanceId: langs.map((_, i) => `i${i}`),
      lang: langs,
      dataset: datasets,
      sampleCount: langs.map(() => 1),
      totalSamples: langs.length,
    };
    const usage = new UsageMeter().role("inference");
    const report = buildEvalReport({
      ...input(false),
      data: [{ file: "x.jsonl", task: "NER", lines: 6, samples: 6 }],
      models: [{ name: "m1", simulated: false }],
      indexes: new Map([["NER", six]]),
      pairs: [{ prompt: "p", model: "m1", task: "NER", simulated: false, scores: scores(values), usage, predictions: "p1.jsonl" }],
    });
    const [r] = report.results;
    expect(r!.by_lang["deu"]!.lf1.value).toBeCloseTo(50, 9);
    expect(r!.by_dataset["x"]!.lf1.value).toBeCloseTo(100, 9);
    expect(r!.by_dataset["y"]!.lf1.value).toBeCloseTo(0, 9);
  });

  it("embedded JSON cannot close its script element", () => {
    const report = buildEvalReport(input(false));
    report.prompts[0]!.name = "</script><script>alert(1)</script>";
    const html = renderHtml(report);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
  });
});

describe("predictions file", () => {
  it("drops a cut-off last line but rejects a bad line in the middle, naming it", async () => {
    const dir = tempDir();
    const ok = join(dir, "ok.jsonl");
    writeFileSync(ok, '{"id":"a","output":"[]"}\n{"id":"b","records":[]}\n{"id":"c","outp');
    const read = await readPredictions(ok);
    expect([...read.byId.keys()]).toEqual(["a", "b"]);
    expect(read.droppedTail).toBe(true);
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, '{"id":"a","output":"[]"}\n{"id":"b"}\n{"id":"c","output":"[]"}\n');
    await expect(readPredictions(bad)).rejects.toThrow(`${bad}:2`);
  });
});
