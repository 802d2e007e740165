import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScriptedLM, lastUser, systemOf, queryText } from "../helpers/scripted-lm.ts";
import { toySamples } from "../helpers/toy-data.ts";
import { HEADINGS } from "../../optimizers/prompts.ts";
import { optimize } from "../../optimizers/optimize.ts";
import { UsageMeter } from "../../src/lm/usage.ts";
import type { RoleModels } from "../../src/lm/roles.ts";
import type { LM } from "../../src/lm/types.ts";
import { createRng } from "../../src/util/random.ts";
import { fingerprint } from "../../src/util/hash.ts";

const train = toySamples("train", 24);
const val = toySamples("dev", 30, 100);
const gold = new Map([...train, ...val].map((s) => [s.text, s]));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function roleModels(lm: LM): RoleModels {
  return { inference: lm, prompt: lm, thought: lm, meter: new UsageMeter(), budget: undefined, cache: null, describe: () => ({ inference: { model: "scripted" } }) };
}

/** Right with a probability that grows with a "GOOD" instruction, drawn per (prompt, sample). */
const lm = () =>
  new ScriptedLM((r) => {
    const user = lastUser(r);
    if (user.startsWith(HEADINGS.proposal)) return `Proposed instruction: Variant ${r.draw} ${r.draw! % 2 === 0 ? "GOOD" : "vague"}.`;
    if (user.startsWith("#")) return "Short requests.";
    const quality = systemOf(r).includes("GOOD") ? 0.8 : 0.4;
    return createRng(fingerprint([r.messages])).next() < quality ? JSON.stringify(gold.get(queryText(r))?.labels ?? []) : "[]";
  });

describe("the run reports its pick honestly", () => {
  for (const selection of ["noise-aware", "best-full"] as const) {
    it(`${selection}: paired pick − default in the frozen provenance and report.md, the validation score labelled selection-biased`, async () => {
      const runsDir = mkdtempSync(join(tmpdir(), "ieopt-sel-"));
      dirs.push(runsDir);
      const settings = { trials: 12, minibatch: 10, fullEvalEvery: 4, demoSets: 3, demos: 2, instructions: 4, seed: 2, concurrency: 2, selection };
      const out = await optimize({ task: "SF", train, val, settings, models: roleModels(lm()), runsDir, runId: "s" });
      const sel = out.frozen.provenance.scores.selection as { rule: string; validation_is_selection_biased: boolean; vs_default: { estimate: number; ci_low: number; ci_high: number; p_value: number; samples: number } };
      expect(sel.rule).toBe(selection);
      expect(sel.validation_is_selection_biased).toBe(true);
      // The paired mean difference equals the difference of the two full-validation means, in points.
      expect(sel.vs_default.estimate).toBeCloseTo(100 * (out.result.bestScore - out.result.baselineScore), 3);
      expect(sel.vs_default.ci_low).toBeLessThanOrEqual(sel.vs_default.estimate);
      expect(sel.vs_default.ci_high).toBeGreaterThanOrEqual(sel.vs_default.estimate);
      expect(sel.vs_default.samples).toBe(val.length);
      expect(sel.vs_default.p_value).toBeGreaterThan(0);
      const full = out.result.fullEvals.find((f) => f.params.instruction === out.result.best.instruction && f.params.demos === out.result.best.demos);
      expect(full?.score).toBe(out.result.bestScore);
      const report = readFileSync(join(runsDir, "s", "report.md"), "utf8");
      expect(report).toContain("(selection-biased)");
      expect(report).toMatch(/\| [+-]\d+\.\d\d \| \[[+-]\d+\.\d\d, [+-]\d+\.\d\d\] \| \d\.\d{3} \|/);
      expect(report).toContain(`Selection rule: **${selection}**`);
    });
  }
});
