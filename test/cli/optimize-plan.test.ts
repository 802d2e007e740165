/** The call estimate of `ieopt optimize`'s plan, hand-computed for the study defaults. */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { estimateOptimizeCalls } from "../../src/cli/optimize-plan.ts";
import { readSamples } from "../../src/data/jsonl.ts";
import { MIPRO_DEFAULTS } from "../../optimizers/mipro.ts";
import { getProgram } from "../../programs/index.ts";
import { ROOT, runIeopt } from "../helpers/cli.ts";

const SF = join(ROOT, "examples/data/sf");
const models = { inference: "m", prompt: "p", thought: "t" };

describe("estimateOptimizeCalls", async () => {
  const train = await readSamples(join(SF, "train.jsonl"));
  const val = await readSamples(join(SF, "dev.jsonl"));
  const settings = { ...MIPRO_DEFAULTS, seed: 1 };
  const calls = (autothought?: Parameters<typeof estimateOptimizeCalls>[5]) =>
    estimateOptimizeCalls(getProgram("SF"), train, val, settings, models, autothought).map((e) => [e.label, e.model, e.calls]);

  it("plain MIPRO: θ baseline + minibatches + full evaluations, Φ augmentations + proposer", () => {
    expect([train.length, val.length]).toEqual([41, 41]);
    // θ: 41 + 50 × 25 + 5 × 41 = 1496; Φ: min(41, 12 × 3) + (12 − 1) + 5 = 52.
    expect(calls()).toEqual([
      ["θ search (baseline, minibatches, full evaluations)", "m", 1496],
      ["Φ demos and instruction proposals", "p", 52],
    ]);
  });

  it("AutoThought: Θ's thoughts for 1–3, Φ's thought-carrying demos for 4", () => {
    // 1–2: one thought per demo of S_top (K = 3); 3: a thought and an answer each; no bootstrapping.
    expect(calls({ variant: 1 })).toEqual([
      ["θ search (baseline, minibatches, full evaluations)", "m", 1496],
      ["Φ instruction proposals", "p", 16],
      ["Θ a thought per demo", "t", 3],
    ]);
    expect(calls({ variant: 3, sourceDemos: 2 }).at(-1)).toEqual(["Θ a thought and an answer per demo", "t", 4]);
    // 4: a thought and an answer from Φ for each sample the sets may draw: 2 × min(41, 12 × (3 + 4)) = 82, + 16.
    expect(calls({ variant: 4 })).toEqual([
      ["θ search (baseline, minibatches, full evaluations)", "m", 1496],
      ["Φ thought-carrying demos and instruction proposals", "p", 98],
    ]);
  });

  it("the CLI's plan for AutoThought 1–3 without --from counts the plain run it starts from", async () => {
    const r = await runIeopt(["optimize", "--task", "SF", "--train", join(SF, "train.jsonl"), "--val", join(SF, "dev.jsonl"), "--autothought", "2", "--dry-run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("plain run: θ search (baseline, minibatches, full evaluations): 1,496 calls");
    expect(r.stdout).toContain("AutoThought-2: Θ a thought per demo: 3 calls");
  });
});
