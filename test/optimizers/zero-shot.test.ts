import { afterAll, describe, expect, it } from "vitest";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ScriptedLM, lastUser, systemOf, queryText } from "../helpers/scripted-lm.ts";
import { toySamples } from "../helpers/toy-data.ts";
import { PROGRAMS } from "../../programs/index.ts";
import { HEADINGS } from "../../optimizers/prompts.ts";
import { optimize } from "../../optimizers/optimize.ts";
import { UsageMeter } from "../../src/lm/usage.ts";
import type { RoleModels } from "../../src/lm/roles.ts";
import type { LM } from "../../src/lm/types.ts";
import { tempDir } from "../helpers/temp.ts";

const sf = PROGRAMS.SF;
const val = toySamples("dev", 30, 100);
const gold = new Map(val.map((s) => [s.text, s]));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function roleModels(lm: LM): RoleModels {
  return { inference: lm, prompt: lm, thought: lm, meter: new UsageMeter(), budget: undefined, cache: null, describe: () => ({ inference: { model: "scripted" } }) };
}

describe("zero-shot optimization", () => {
  it("compares with the default instruction without demos, and keeping it freezes no demos", async () => {
    const runsDir = tempDir("ieopt-zs-");
    dirs.push(runsDir);
    // Only the default instruction answers right; proposals are worse.
    const lm = new ScriptedLM((r) => {
      const user = lastUser(r);
      if (user.startsWith(HEADINGS.proposal)) return `Proposed instruction: Variant ${r.draw}.`;
      if (user.startsWith("#")) return "Short requests.";
      return systemOf(r) === sf.defaultInstruction ? JSON.stringify(gold.get(queryText(r))?.labels ?? []) : "[]";
    });
    const settings = { trials: 6, minibatch: 10, fullEvalEvery: 3, instructions: 4, seed: 3, concurrency: 2, zeroShot: true };
    const out = await optimize({ task: "SF", train: [], val, settings, models: roleModels(lm), runsDir, runId: "zs" });
    // Every extraction request (baseline included) is system + query: no demo turns.
    const extraction = lm.requests.filter((r) => !lastUser(r).startsWith("#"));
    expect(extraction.length).toBeGreaterThan(val.length);
    expect(extraction.every((r) => r.messages.length === 2)).toBe(true);
    expect(out.frozen.demos).toEqual([]);
    expect(out.frozen.instruction).toBe(sf.defaultInstruction);
    expect(readFileSync(join(runsDir, "zs", "report.md"), "utf8")).toContain("no demos: the zero-shot baseline");
  });
});
