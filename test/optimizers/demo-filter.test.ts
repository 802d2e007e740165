/**
 * Metric-filtered bootstrapped demos (method.md §5 step 1): an augmented demo is kept only
 * when μ(y′, y) passes the threshold; rejected attempts are replaced by further ones.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { ScriptedLM, lastUser, queryText } from "../helpers/scripted-lm.ts";
import { HEADINGS } from "../../optimizers/prompts.ts";
import { optimize } from "../../optimizers/optimize.ts";
import type { Candidates } from "../../optimizers/mipro.ts";
import { UsageMeter } from "../../src/lm/usage.ts";
import type { RoleModels } from "../../src/lm/roles.ts";
import { toySamples } from "../helpers/toy-data.ts";
import { PROGRAMS, getProgram } from "../../programs/index.ts";
import { bootstrapDemoSets, SPARES, type DemoSet } from "../../optimizers/bootstrap.ts";
import { createRng } from "../../src/util/random.ts";
import { METRICS } from "../../src/eval/metric.ts";
import { readSamples } from "../../src/data/jsonl.ts";
import { importXsid } from "../../src/data/importers/index.ts";
import { instancesToSamples } from "../../src/data/instances-to-samples.ts";
import { createSimLM } from "../../sim/index.ts";
import type { Sample, Task } from "../../src/data/sample.ts";
import { tempDir } from "../helpers/temp.ts";

const lf1 = METRICS.lf1!;
const sf = PROGRAMS.SF;
const train = toySamples("train", 40);
const byText = new Map(train.map((s) => [s.text, s]));
const REPO = resolve(import.meta.dirname, "../..");
const XSID = resolve(REPO, "../shared/data/xsid/en.valid.conll");

/** Every kept augmented demo's μ against its own label, recomputed from the train samples. */
function augmentedScores(sets: readonly DemoSet[], samples: readonly Sample[]): number[] {
  const byId = new Map(samples.map((s) => [s.id, s]));
  return sets.flatMap((set) =>
    set.demos.filter((d) => d.source === "augmented").map((d) => {
      const s = byId.get(d.sample_id!)!;
      return lf1(s.task, d.records, s.labels, s.schema);
    }),
  );
}

describe("bootstrapDemoSets: metric filter", () => {
  it("rejects wrong augmentations, records why, and replaces them with the next samples in the set's order", async () => {
    // Φ copies the label for samples with slots, and invents a slot for empty ones (μ = 0).
    const teacher = new ScriptedLM((r) => {
      const s = byText.get(queryText(r))!;
      return JSON.stringify(s.labels.length > 0 ? s.labels : [{ slot: "France", slot_type: "location" }]);
    });
    const sets = await bootstrapDemoSets({ program: sf, train, sets: 8, size: 3, teacher, metric: lf1, rng: createRng(4) });
    let rejected = 0;
    for (const set of sets.slice(1)) {
      expect(set.demos).toHaveLength(3);
      for (const d of set.demos) {
        expect(d.score).toBe(1); // copies of the label, or labels
        const s = train.find((x) => x.id === d.sample_id)!;
        if (d.source === "augmented") expect(s.labels.length).toBeGreaterThan(0);
      }
      for (const r of set.rejected ?? []) {
        expect(train.find((x) => x.id === r.sample_id)!.labels).toEqual([]);
        expect(r).toMatchObject({ score: 0, reason: expect.stringMatching(/not above the threshold 0/) });
        // A rejected sample is not used as a demo of its set in any form.
        expect(set.demos.map((d) => d.sample_id)).not.toContain(r.sample_id);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
    // Φ was asked only for the samples the sets tried (planned augmentations + replacements), each once.
    const tried = new Set(sets.slice(1).flatMap((set) => [...set.demos.filter((d) => d.source === "augmented").map((d) => d.sample_id), ...(set.rejected ?? []).map((r) => r.sample_id)]));
    expect(teacher.requests.length).toBe(tried.size);
    expect(new Set(teacher.requests.map(queryText)).size).toBe(teacher.requests.length);
  });

  it("applies the threshold on the 0–100 scale and gives up after the planned count + SPARES attempts", async () => {
    // y′ is half right: LF1 of {city} vs {city, when} is 2/3 → 66.67 (an invented slot, 0, for empty labels).
    const teacher = new ScriptedLM((r) => {
      const s = byText.get(queryText(r))!;
      return JSON.stringify(s.labels.length > 0 ? s.labels.slice(0, 1) : [{ slot: "France", slot_type: "location" }]);
    });
    const strict = await bootstrapDemoSets({ program: sf, train, sets: 4, size: 3, teacher, metric: lf1, rng: createRng(9), threshold: 70 });
    for (const set of strict.slice(1)) {
      // Nothing passes 70: all labeled, after at most (augmented + SPARES) attempts.
      expect(set.demos.every((d) => d.source === "labeled")).toBe(true);
      expect(set.demos).toHaveLength(3);
      expect(set.rejected!.length).toBeGreaterThan(SPARES);
      expect(set.rejected!.length).toBeLessThanOrEqual(3 + SPARES);
    }
    const lenient = await bootstrapDemoSets({ program: sf, train, sets: 4, size: 3, teacher, metric: lf1, rng: createRng(9), threshold: 60 });
    for (const d of lenient.slice(1).flatMap((s) => s.demos).filter((d) => d.source === "augmented")) expect(d.score).toBeCloseTo(2 / 3, 12);
    expect(lenient.slice(1).some((s) => s.demos.some((d) => d.source === "augmented"))).toBe(true);
  });

  it("counts an unparseable answer as a rejection", async () => {
    const teacher = new ScriptedLM((r) => (queryText(r).includes("Oslo") ? "no JSON here" : JSON.stringify(byText.get(queryText(r))!.labels)));
    const sets = await bootstrapDemoSets({ program: sf, train, sets: 6, size: 3, teacher, metric: lf1, rng: createRng(2) });
    const reasons = sets.flatMap((s) => s.rejected ?? []).map((r) => r.reason);
    expect(reasons.some((r) => r.startsWith("output did not parse"))).toBe(true);
    for (const set of sets.slice(1)) for (const d of set.demos.filter((d) => d.source === "augmented")) expect(d.input.text).not.toContain("Oslo");
  });
});

describe("optimize with filtered demos", () => {
  it("shows the proposer only kept demos and records each demo's sample, source and score in the run", async () => {
    const runsDir = tempDir("ieopt-filter-");
    try {
      const val = toySamples("dev", 20, 100);
      const all = new Map([...train, ...val].map((s) => [s.text, s]));
      const lm = new ScriptedLM((r) => {
        const user = lastUser(r);
        if (user.startsWith(HEADINGS.proposal)) return `Proposed instruction: Variant ${r.draw}.`;
        if (user.startsWith("#")) return "Short requests.";
        const s = all.get(queryText(r));
        return JSON.stringify(s && s.labels.length > 0 ? s.labels : [{ slot: "France", slot_type: "location" }]);
      });
      const models: RoleModels = { inference: lm, prompt: lm, thought: lm, meter: new UsageMeter(), budget: undefined, cache: null, describe: () => ({ inference: { model: "scripted" } }) };
      const settings = { trials: 4, minibatch: 5, fullEvalEvery: 2, demoSets: 6, demos: 3, instructions: 4, seed: 1, concurrency: 2 };
      const out = await optimize({ task: "SF", train, val, settings, models, runsDir, runId: "f" });
      const candidates = JSON.parse(readFileSync(join(runsDir, "f", "candidates.json"), "utf8")) as Candidates;
      expect(candidates.demo_sets.flatMap((s) => s.rejected ?? []).length).toBeGreaterThan(0);
      for (const d of candidates.demo_sets.flatMap((s) => s.demos)) expect(d).toMatchObject({ sample_id: expect.any(String), source: expect.any(String), score: 1 });
      const proposals = lm.requests.filter((r) => lastUser(r).startsWith(HEADINGS.proposal));
      expect(proposals.length).toBeGreaterThan(0);
      for (const r of proposals) expect(lastUser(r)).not.toContain("France");
      for (const d of out.frozen.demos) expect(d.score).toBe(1);
      const report = readFileSync(join(runsDir, "f", "report.md"), "utf8");
      expect(report).toContain("## Demo sets");
      expect(report).toMatch(/\(augmented, μ 100\.00\)/);
    } finally {
      rmSync(runsDir, { recursive: true, force: true });
    }
  });
});

describe("no kept augmented demo scores μ = 0 against its label (sim)", () => {
  const check = async (task: Task, samples: Sample[]) => {
    const sets = await bootstrapDemoSets({ program: getProgram(task), train: samples, sets: 12, size: 3, teacher: createSimLM("sim"), metric: lf1, rng: createRng(0) });
    const scores = augmentedScores(sets, samples);
    expect(scores.length).toBeGreaterThan(0);
    expect(Math.min(...scores)).toBeGreaterThan(0);
    return sets.flatMap((s) => s.rejected ?? []).length;
  };

  it("on every task of examples/", async () => {
    let rejected = 0;
    for (const task of ["NER", "RE", "SF", "ED", "EE"] as const) {
      rejected += await check(task, await readSamples(join(REPO, `examples/data/${task.toLowerCase()}/train.jsonl`)));
    }
    expect(rejected).toBeGreaterThan(0); // the filter had something to do
  });

  it.skipIf(!existsSync(XSID))("on imported English xSID (batched like the transfer walkthrough)", async () => {
    const instances = importXsid(XSID, { split: "train" }).slice(0, 120);
    const rejected = await check("SF", instancesToSamples(instances));
    expect(rejected).toBeGreaterThan(0);
  });
});
