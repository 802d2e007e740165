import { appendFileSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSamples } from "../../src/data/jsonl.ts";
import { scorePredictions, type SampleOutcome } from "../../src/metrics/score.ts";
import { getProgram } from "../../programs/index.ts";
import { outcomeFromText } from "../../src/eval/runner.ts";
import type { EvalReport } from "../../src/report/eval-report.ts";
import { CSV_HEADER } from "../../src/report/csv.ts";
import { EXAMPLES, ieopt, tempDir } from "./helpers.ts";

const NER_TEST = join(EXAMPLES, "ner/test.jsonl");

function readReport(dir: string): EvalReport {
  return JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as EvalReport;
}

describe("ieopt eval (online, sim)", () => {
  it("scores a prompt with two sim profiles per language, with CIs, comparisons and all four reports", async () => {
    const out = tempDir();
    const r = await ieopt("eval", "--prompt", "default:NER", "--data", NER_TEST, "--model", "sim", "--model", "sim-large", "--out", out, "--quiet", "--bootstrap", "300");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("SIM:");
    expect(r.stdout).toMatch(/default:NER × sim-large \(sim\)/);

    const report = readReport(out);
    expect(report.simulated).toBe(true);
    expect(report.results).toHaveLength(2);
    const samples = await readSamples(NER_TEST);
    const langs = [...new Set(samples.map((s) => s.lang))].sort();
    for (const res of report.results) {
      expect(res.simulated).toBe(true);
      expect(Object.keys(res.by_lang).sort()).toEqual(langs);
      expect(res.outcomes.samples).toBe(samples.length);
      for (const g of [res.overall, res.non_english, ...Object.values(res.by_lang), ...Object.values(res.by_dataset)]) {
        for (const m of [g.lf1, g.f1]) {
          expect(m.value).not.toBeNull();
          expect(m.ci_low!).toBeLessThanOrEqual(m.value! + 1e-9);
          expect(m.ci_high!).toBeGreaterThanOrEqual(m.value! - 1e-9);
          expect(m.value!).toBeGreaterThanOrEqual(0);
          expect(m.value!).toBeLessThanOrEqual(100);
        }
      }
      expect(res.non_english.instances).toBe(new Set(samples.filter((s) => s.lang !== "eng").map((s) => s.instance_id)).size);
      expect(res.usage.calls).toBe(samples.length);
      expect(res.usage.prompt_tokens).toBeGreaterThan(0);
    }
    // The two models on the same instances: one paired comparison per scope × metric.
    const models = report.comparisons.filter((c) => c.kind === "models");
    expect(models.map((c) => `${c.scope}/${c.metric}`).sort()).toEqual(["non_english/f1", "non_english/lf1", "overall/f1", "overall/lf1"]);
    for (const c of models) {
      expect(c.ci_low).toBeLessThanOrEqual(c.mean_diff + 1e-9);
      expect(c.ci_high).toBeGreaterThanOrEqual(c.mean_diff - 1e-9);
      expect(c.p_permutation).toBeGreaterThan(0);
      expect(c.p_permutation).toBeLessThanOrEqual(1);
    }
    const overallDiff = models.find((c) => c.scope === "overall" && c.metric === "lf1")!;
    expect(overallDiff.mean_diff).toBeCloseTo(report.results[0]!.overall.lf1.value! - report.results[1]!.overall.lf1.value!, 9);

    const csv = readFileSync(join(out, "scores.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toBe(CSV_HEADER.join(","));
    expect(csv).toContain(`default:NER,sim,all,all,lf1,${Math.round(report.results[0]!.overall.lf1.value! * 10000) / 10000},${Math.round(report.results[0]!.overall.lf1.ci_low! * 10000) / 10000},${Math.round(report.results[0]!.overall.lf1.ci_high! * 10000) / 10000},${report.results[0]!.overall.instances},true`);
    expect(csv.filter((l) => l.startsWith("default:NER,sim-large,deu,all,lf1,"))).toHaveLength(1);
    const md = readFileSync(join(out, "report.md"), "utf8");
    expect(md).toContain("SIM:");
    expect(md).toContain("## LF1 per language");
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("<svg");
  });

  it("streams the same scores as the one scoring entry point (scorePredictions) on the saved predictions", async () => {
    const out = tempDir();
    const r = await ieopt("eval", "--prompt", "default:NER", "--data", NER_TEST, "--model", "sim", "--out", out, "--quiet", "--bootstrap", "50");
    expect(r.code).toBe(0);
    const report = readReport(out);
    const samples = await readSamples(NER_TEST);
    const program = getProgram("NER");
    const prompt = { program, instruction: program.defaultInstruction, demos: program.defaultDemos, reasoning: false };
    const byId = new Map(samples.map((s) => [s.id, s]));
    const outcomes = new Map<string, SampleOutcome>();
    for (const line of readFileSync(report.results[0]!.predictions, "utf8").trim().split("\n")) {
      const { id, output } = JSON.parse(line) as { id: string; output: string };
      const o = outcomeFromText(prompt, byId.get(id)!, output, false);
      outcomes.set(id, o.ok ? { records: o.records } : { failure: o.failure });
    }
    const expected = scorePredictions(samples, outcomes).summary;
    const got = report.results[0]!;
    expect(got.overall.lf1.value).toBeCloseTo(expected.overall.lf1!, 9);
    expect(got.overall.f1.value).toBeCloseTo(expected.overall.f1!, 9);
    expect(got.non_english.lf1.value).toBeCloseTo(expected.non_english.lf1!, 9);
    for (const [lang, g] of Object.entries(expected.by_lang)) expect(got.by_lang[lang]!.lf1.value).toBeCloseTo(g.lf1!, 9);
    expect(got.overall.instances).toBe(expected.overall.instances);
  });

  it("resumes: answered samples are not asked again, a cut-off last line is dropped, scores are unchanged", async () => {
    const out = tempDir();
    const args = ["eval", "--prompt", "default:NER", "--data", NER_TEST, "--model", "sim-small", "--out", out, "--quiet", "--bootstrap", "50"];
    expect((await ieopt(...args)).code).toBe(0);
    const first = readReport(out).results[0]!;
    // Keep 20 answers and a cut-off line, as a kill mid-write would leave.
    const lines = readFileSync(first.predictions, "utf8").trim().split("\n");
    writeFileSync(first.predictions, lines.slice(0, 20).join("\n") + "\n" + lines[20]!.slice(0, 15));
    // … and a usage line cut off the same way.
    appendFileSync(first.predictions.replace(/\.jsonl$/, ".usage-log.jsonl"), '{"e":"call","role":"infer');
    expect((await ieopt(...args)).code).toBe(0);
    const second = readReport(out).results[0]!;
    expect(second.outcomes.resumed).toBe(20);
    // This process asked only what was missing; the pair's usage counts both processes.
    expect(second.session_usage!.calls).toBe(lines.length - 20);
    expect(second.usage.calls).toBe(lines.length + lines.length - 20);
    expect(second.usage.prompt_tokens).toBe(first.usage.prompt_tokens + second.session_usage!.prompt_tokens);
    expect(second.overall).toEqual(first.overall);
    expect(readFileSync(first.predictions, "utf8").trim().split("\n")).toHaveLength(lines.length);
    // A third run asks nothing, and still reports what the pair cost.
    expect((await ieopt(...args)).code).toBe(0);
    expect(readReport(out).results[0]!.session_usage!.calls).toBe(0);
    expect(readReport(out).results[0]!.usage).toEqual(second.usage);
    // --fresh starts over and keeps the old files (usage journal included) aside.
    expect((await ieopt(...args, "--fresh")).code).toBe(0);
    expect(readReport(out).results[0]!.usage.calls).toBe(lines.length);
    expect(existsSync(`${first.predictions}.superseded`)).toBe(true);
    expect(existsSync(first.predictions.replace(/\.jsonl$/, ".usage-log.jsonl.superseded"))).toBe(true);
  });

  it("batches instance-level data whose schema is longer than split_num, pooling per instance", async () => {
    const dir = tempDir();
    // Re-assemble the example instances: one line per instance with the whole schema.
    const samples = await readSamples(NER_TEST);
    type Line = { id: string; schema: unknown[]; labels: unknown[]; schema_descriptions?: Record<string, string> } & Record<string, unknown>;
    const instances = new Map<string, Line>();
    for (const s of samples) {
      const got = instances.get(s.instance_id);
      if (!got) instances.set(s.instance_id, { ...s, id: s.instance_id, schema: [...s.schema], labels: [...s.labels] });
      else {
        got.schema.push(...s.schema);
        got.labels.push(...s.labels);
        got.schema_descriptions = { ...got.schema_descriptions, ...s.schema_descriptions };
      }
    }
    const file = join(dir, "instances.jsonl");
    writeFileSync(file, [...instances.values()].map((s) => JSON.stringify(s)).join("\n") + "\n");
    const out = join(dir, "out");
    const r = await ieopt("eval", "--prompt", "default:NER", "--data", file, "--model", "sim", "--out", out, "--batch-split-num", "4", "--quiet", "--bootstrap", "50");
    expect(r.stderr).toBe("");
    const report = readReport(out);
    const expectedQueries = [...instances.values()].reduce((n, s) => n + (s.schema.length <= 4 ? 1 : s.schema.length % 4 >= 2 || s.schema.length % 4 === 0 ? Math.ceil(s.schema.length / 4) : Math.floor(s.schema.length / 4)), 0);
    expect(report.data[0]!.lines).toBe(instances.size);
    expect(report.data[0]!.samples).toBe(expectedQueries);
    expect(report.results[0]!.overall.instances).toBe(instances.size);
    expect(report.results[0]!.overall.samples).toBe(expectedQueries);
    const ids = readFileSync(report.results[0]!.predictions, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids.some((id) => /#1$/.test(id))).toBe(true);
  });
});
