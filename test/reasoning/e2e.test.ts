/**
 * End to end with the offline sim on examples/ (small search settings): plain MIPRO,
 * AutoThought-1…4, Default-CoT, the comparison, and the CLI flags.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createSimLM } from "../../sim/index.ts";
import { UsageMeter } from "../../src/lm/usage.ts";
import { loadFrozenPrompt, promptFromFrozen } from "../../src/runs/frozen.ts";
import { evaluatePrompt } from "../../src/eval/evaluate.ts";
import { resolvePrompt } from "../../src/eval/prompt-source.ts";
import "../../optimizers/default-cot.ts"; // registers the default-cot prompt kind
import { UserInputError } from "../../src/errors.ts";
import { optimize } from "../../optimizers/optimize.ts";
import { compareReasoningVariants, COMPARISON_ROWS } from "../../optimizers/reasoning-comparison.ts";
import type { ThoughtCandidates } from "../../optimizers/autothought.ts";
import type { RoleModels } from "../../src/lm/roles.ts";
import { examplePaths, readExamples } from "../../src/cli/examples.ts";
import { runIeopt } from "../data/helpers.ts";
import { tempDir } from "../helpers/temp.ts";

const SMALL = { trials: 6, minibatch: 10, fullEvalEvery: 3, demoSets: 3, demos: 3, instructions: 3, seed: 1, concurrency: 4 };
const tmpRuns = () => tempDir("ieopt-at-e2e-");

function simRoles(): RoleModels {
  const sim = createSimLM("sim");
  return { inference: sim, prompt: sim, thought: sim, meter: new UsageMeter(), budget: undefined, cache: null, describe: () => ({ inference: { model: "sim" } }) };
}

describe("AutoThought with the sim on examples/ (sim numbers)", () => {
  it("continues a plain NER run with each variant; the frozen reasoning prompts load and run", async () => {
    const { train, val, test } = await readExamples("NER");
    const runsDir = tmpRuns();
    const models = simRoles();
    const plain = await optimize({ task: "NER", train, val, settings: SMALL, models, runsDir, runId: "plain" });
    for (const variant of [1, 2, 3, 4] as const) {
      const out = await optimize({ task: "NER", train, val, settings: SMALL, models, runsDir, runId: `at${variant}`, autothought: { variant, ...(variant < 4 ? { from: "plain" } : {}) } });
      const frozen = loadFrozenPrompt(out.frozenPath!);
      expect(frozen).toMatchObject({ reasoning: true, provenance: { optimizer: `autothought-${variant}` } });
      if (variant < 4) expect(frozen.provenance.source_run).toBe("plain");
      const candidates: ThoughtCandidates = JSON.parse(readFileSync(join(runsDir, `at${variant}`, "candidates.json"), "utf8"));
      expect(candidates.autothought.thoughts.length).toBeGreaterThan(0);
      expect(candidates.autothought.thoughts.some((n) => n.thought && n.thought.length > 10)).toBe(true);
      if (variant < 4) {
        expect(candidates.demo_sets).toHaveLength(1);
        if (plain.frozen.demos.length > 0) expect(candidates.demo_sets[0]!.demos.map((d) => d.input.text)).toEqual(plain.frozen.demos.map((d) => d.input.text));
        else expect(candidates.autothought.source_fallback).toMatch(/zero-shot/);
      }
      // The sim answers the reasoning prompt in the Thought/Answer frame, and it parses.
      const prompt = promptFromFrozen(frozen);
      const { outcomes, report } = await evaluatePrompt(prompt, test.slice(0, 8), { lm: models.inference });
      expect(outcomes.filter((o) => o.ok).length).toBeGreaterThanOrEqual(6);
      expect(outcomes.filter((o) => o.ok && o.thought).length).toBeGreaterThan(0);
      expect(report.summary.overall.lf1).toBeGreaterThanOrEqual(0);
    }
    expect(readdirSync(runsDir).sort()).toEqual(["at1", "at2", "at3", "at4", "plain"]);
  });

  it("compares Default, Default-CoT, Optim and AutoThought-1…4 on the test split", async () => {
    const { train, val, test } = await readExamples("SF");
    const rows = await compareReasoningVariants({ task: "SF", train, val, test, models: simRoles(), settings: SMALL, runsDir: tmpRuns() });
    expect(rows.map((r) => r.name)).toEqual([...COMPARISON_ROWS]);
    expect(rows.map((r) => r.reasoning)).toEqual([false, true, false, true, true, true, true]);
    for (const r of rows) {
      for (const v of [r.test.overall.lf1, r.test.overall.f1, r.test.non_english.lf1, r.test.non_english.f1]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(100);
      }
      expect(r.test.overall.lf1!).toBeGreaterThanOrEqual(r.test.overall.f1!);
    }
  });
});

describe("--prompt default-cot:<task>", () => {
  it("resolves to the default prompt with Θ's thoughts and reasoning on; needs Θ", async () => {
    const resolved = await resolvePrompt("default-cot:NER", { runsDir: tmpRuns(), thoughtLM: () => createSimLM("sim") });
    expect(resolved).toMatchObject({ name: "default-cot:NER", kind: "default-cot", task: "NER" });
    expect(resolved.prompt.reasoning).toBe(true);
    expect(resolved.prompt.demos).toHaveLength(3);
    expect(resolved.prompt.demos.every((d) => typeof d.thought === "string" && d.thought.length > 0)).toBe(true);
    await expect(resolvePrompt("cot=default-cot:NER", { runsDir: tmpRuns() })).rejects.toThrow(UserInputError);
  });
});

describe("CLI", () => {
  it("ieopt optimize --autothought 2 without --from runs the plain optimization first", async () => {
    const runsDir = tmpRuns();
    const p = examplePaths("RE");
    const run = await runIeopt("optimize", "--task", "RE", "--train", p.train, "--val", p.val, "--autothought", "2", "--trials", "4", "--minibatch", "8",
      "--full-eval-every", "2", "--demo-sets", "2", "--instructions", "2", "--runs-dir", runsDir, "--quiet");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/autothought-2, reasoning on/);
    expect(run.stdout).toContain("(sim)");
    const runs = readdirSync(runsDir);
    expect(runs).toHaveLength(2);
    const optimizers = runs.map((id) => JSON.parse(readFileSync(join(runsDir, id, "config.json"), "utf8")).optimizer).sort();
    expect(optimizers).toEqual(["autothought-2", "mipro"]);
  });

  it("rejects a bad variant and --from without --autothought (exit 2)", async () => {
    const p = examplePaths("RE");
    const bad = await runIeopt("optimize", "--task", "RE", "--train", p.train, "--val", p.val, "--autothought", "5", "--runs-dir", tmpRuns());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--autothought must be 1, 2, 3 or 4");
    const from = await runIeopt("optimize", "--task", "RE", "--train", p.train, "--val", p.val, "--from", "x", "--runs-dir", tmpRuns());
    expect(from.code).toBe(2);
    expect(from.stderr).toContain("--from names the run AutoThought continues");
  });

  it("ieopt demo --reasoning prints the seven rows, marked sim, with the settings it used", async () => {
    const run = await runIeopt("demo", "--reasoning", "--task", "ED", "--trials", "4", "--runs-dir", tmpRuns(), "--quiet");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("every number below is a sim number");
    expect(run.stdout).toContain("4 TPE trials");
    for (const name of COMPARISON_ROWS) expect(run.stdout).toMatch(new RegExp(`\\| ${name} +\\|`));
  });
});
