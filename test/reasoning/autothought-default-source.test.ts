import { afterAll, describe, expect, it } from "vitest";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { optimizeAutoThought } from "../../optimizers/autothought-run.ts";
import { RunFolder } from "../../src/runs/run-folder.ts";
import { freezePrompt, writeFrozenPrompt } from "../../src/runs/frozen.ts";
import type { ThoughtCandidates } from "../../optimizers/autothought.ts";
import { sf, train, val, roles, SETTINGS } from "./helpers.ts";
import { tempDir } from "../helpers/temp.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("AutoThought from a run that kept the default prompt", () => {
  it("says that S_top is the hand-written default exemplars, in candidates.json, the report and the console", async () => {
    const runsDir = tempDir("ieopt-at-default-");
    dirs.push(runsDir);
    const source = RunFolder.create(runsDir, "kept-default");
    source.writeJson("config.json", { format: "ieopt.run/v1", run_id: "kept-default", task: "SF", optimizer: "mipro" });
    writeFrozenPrompt(
      join(source.dir, "frozen.json"),
      freezePrompt(sf, { instruction: sf.defaultInstruction, demos: sf.defaultDemos, reasoning: false }, {
        run_id: "kept-default", optimizer: "mipro", settings: {}, data: {}, scores: { chosen: "default", val_lf1: 0.4 },
      }),
    );
    source.setStatus("finished");
    const phases: string[] = [];
    const { models } = roles();
    const out = await optimizeAutoThought({
      task: "SF", train, val, settings: SETTINGS, models, runsDir, runId: "at", variant: 1, from: "kept-default",
      events: { phase: (name, detail) => phases.push(`${name}: ${detail ?? ""}`) },
    });
    const at = (out.result.candidates as ThoughtCandidates).autothought;
    expect(at.source_fallback).toMatch(/kept the default prompt.*S_top the 3 hand-written default exemplars/);
    expect(at.source_instruction).toBe(sf.defaultInstruction);
    expect(out.frozen.demos.map((d) => d.input.text)).toEqual(sf.defaultDemos.map((d) => d.input.text));
    expect(readFileSync(join(runsDir, "at", "report.md"), "utf8")).toMatch(/Note: run kept-default kept the default prompt/);
    expect(phases.some((p) => p.startsWith("note: run kept-default kept the default prompt"))).toBe(true);
  });
});
