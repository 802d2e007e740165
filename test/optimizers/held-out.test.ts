/**
 * `ieopt optimize --test FILE`: default vs frozen on a held-out split with θ, written to
 * the frozen prompt as `scores.test` (contract) and to report.md (sim numbers).
 */
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createSimLM } from "../../sim/index.ts";
import { UsageMeter } from "../../src/lm/usage.ts";
import { optimize } from "../../optimizers/optimize.ts";
import type { HeldOutScores } from "../../optimizers/held-out.ts";
import type { RoleModels } from "../../src/lm/roles.ts";
import { readExamples } from "../../src/cli/examples.ts";
import { importXsid } from "../../src/data/importers/index.ts";
import { instancesToSamples } from "../../src/data/instances-to-samples.ts";
import { loadFrozenPrompt } from "../../src/runs/frozen.ts";
import { runIeopt } from "../data/helpers.ts";
import type { Sample } from "../../src/data/sample.ts";

const SMALL = { trials: 6, minibatch: 10, fullEvalEvery: 3, demoSets: 3, demos: 3, instructions: 3, seed: 1, concurrency: 4 };
const XSID = resolve(import.meta.dirname, "../../../shared/data/xsid");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "ieopt-test-split-"));
  dirs.push(d);
  return d;
};

function simRoles(): RoleModels {
  const sim = createSimLM("sim");
  return { inference: sim, prompt: sim, thought: sim, meter: new UsageMeter(), budget: undefined, cache: null, describe: () => ({ inference: { model: "sim" } }) };
}

const instancesOf = (samples: readonly Sample[]) => new Set(samples.map((s) => `${s.dataset}/${s.lang}/${s.instance_id}`)).size;

/** The contract's fields, exactly, with LF1/F1 in [0, 100]. */
function expectContract(test: HeldOutScores, instances: number): void {
  expect(Object.keys(test).filter((k) => !["by_lang", "non_english"].includes(k)).sort()).toEqual(["default", "delta", "instances", "metric", "optimized"]);
  expect(test.metric).toBe("lf1");
  expect(test.instances).toBe(instances);
  for (const side of [test.default, test.optimized]) {
    expect(Object.keys(side).sort()).toEqual(["f1", "lf1"]);
    for (const v of [side.lf1, side.f1]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(100);
    }
  }
  expect(Object.keys(test.delta).sort()).toEqual(["ci_high", "ci_low", "estimate", "p_value"]);
  // The paired mean difference is the difference of the two means (both over the same instances).
  expect(test.delta.estimate).toBeCloseTo(test.optimized.lf1 - test.default.lf1, 2);
  expect(test.delta.ci_low).toBeLessThanOrEqual(test.delta.estimate + 1e-9);
  expect(test.delta.ci_high).toBeGreaterThanOrEqual(test.delta.estimate - 1e-9);
  expect(test.delta.p_value).toBeGreaterThan(0);
  expect(test.delta.p_value).toBeLessThanOrEqual(1);
  // Per language: the instances add up, and each group is a contract-shaped comparison.
  const langs = Object.values(test.by_lang);
  expect(langs.reduce((n, g) => n + g.instances, 0)).toBe(instances);
}

describe("--test on examples/ (sim)", () => {
  it("writes scores.test (overall, per language, non-English) to frozen.json and report.md", async () => {
    const { train, val, test } = await readExamples("NER");
    const runsDir = tmp();
    const out = await optimize({ task: "NER", train, val, test, settings: SMALL, models: simRoles(), runsDir, runId: "t" });
    const frozen = loadFrozenPrompt(out.frozenPath!);
    const scores = frozen.provenance.scores.test as HeldOutScores;
    expectContract(scores, instancesOf(test));
    expect(Object.keys(scores.by_lang).length).toBeGreaterThan(1);
    expect(scores.non_english!.instances).toBe(instancesOf(test.filter((s) => s.lang !== "eng")));
    const report = readFileSync(join(runsDir, "t", "report.md"), "utf8");
    expect(report).toContain("## Held-out test");
    expect(report).toMatch(new RegExp(`\\| overall \\| ${scores.instances} \\| ${scores.default.lf1.toFixed(2)} \\| ${scores.optimized.lf1.toFixed(2)} \\|`));
    expect(report).toMatch(/\| non-English \| \d+ \|/);
    for (const lang of Object.keys(scores.by_lang)) expect(report).toContain(`| ${lang} | ${scores.by_lang[lang]!.instances} |`);
  });

  it("the CLI flag writes the same contract, prints it marked sim, and refuses a test file of another task", async () => {
    const runsDir = tmp();
    const ex = "examples/data/ner";
    const run = await runIeopt("optimize", "--task", "NER", "--train", `${ex}/train.jsonl`, "--val", `${ex}/dev.jsonl`, "--test", `${ex}/test.jsonl`,
      "--trials", "4", "--minibatch", "8", "--full-eval-every", "2", "--demo-sets", "2", "--instructions", "2", "--runs-dir", runsDir, "--quiet");
    expect(run.stderr).not.toContain("internal error");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/test overall LF1 \(sim\): default [\d.]+ → frozen [\d.]+, Δ [+-][\d.]+ \[95% CI [+-][\d.]+, [+-][\d.]+\], p = [\d.]+ \(\d+ instances\)/);
    expect(run.stdout).toMatch(/test non-English LF1 \(sim\)/);
    const [id] = readdirSync(runsDir).filter((f) => !f.startsWith("."));
    const frozen = JSON.parse(readFileSync(join(runsDir, id!, "frozen.json"), "utf8"));
    expectContract(frozen.provenance.scores.test, instancesOf((await readExamples("NER")).test));
    const config = JSON.parse(readFileSync(join(runsDir, id!, "config.json"), "utf8"));
    expect(config.data.test).toBe(`${ex}/test.jsonl`);

    const bad = await runIeopt("optimize", "--task", "NER", "--train", `${ex}/train.jsonl`, "--val", `${ex}/dev.jsonl`, "--test", "examples/data/sf/test.jsonl", "--runs-dir", runsDir, "--quiet");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/test data holds SF samples/);
  });
});

describe.skipIf(!existsSync(join(XSID, "en.valid.conll")))("--test on imported xSID (sim)", () => {
  it("tunes on English, tests on English and German, and writes the contract", async () => {
    const valid = importXsid(join(XSID, "en.valid.conll"), { split: "train" });
    const train = instancesToSamples(valid.slice(0, 60));
    const val = instancesToSamples(importXsid(join(XSID, "en.valid.conll"), { split: "dev" }).slice(200, 230));
    const test = [...importXsid(join(XSID, "en.test.conll")).slice(0, 20), ...importXsid(join(XSID, "de.test.conll")).slice(0, 20)];
    const runsDir = tmp();
    const out = await optimize({ task: "SF", train, val, test, settings: SMALL, models: simRoles(), runsDir, runId: "x" });
    const scores = out.frozen.provenance.scores.test as HeldOutScores;
    expectContract(scores, 40);
    expect(Object.keys(scores.by_lang).sort()).toEqual(["deu", "eng"]);
    expect(scores.non_english!.instances).toBe(20);
  });
});
