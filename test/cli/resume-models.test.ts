/**
 * `ieopt optimize --resume` continues on the models and endpoints the run recorded, not on
 * today's flags (default: the in-process sim): through the real CLI, the served sim behind
 * a counting proxy, a budget stop, and a resume without model flags.
 */
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { simBehindProxy } from "../helpers/fault-proxy.ts";
import { ROOT, runIeopt, smallOptimizeArgs, testTemp } from "../helpers/cli.ts";


function optimizeArgs(runsDir: string, baseUrl: string): string[] {
  return smallOptimizeArgs(runsDir, "--model", "sim", "--base-url", baseUrl, "--no-cache", "--quiet");
}

const trialsOf = (run: string) => readFileSync(join(run, "trials.jsonl"), "utf8");
const frozenOf = (run: string) => {
  const f = JSON.parse(readFileSync(join(run, "frozen.json"), "utf8"));
  return { instruction: f.instruction, demos: f.demos, scores: f.provenance.scores };
};

describe("resume on the recorded models", () => {
  const sim = simBehindProxy();

  it("resumes on the recorded endpoint without model flags and ends identical to an uninterrupted run", async () => {
    const work = testTemp();
    const whole = join(work, "whole");
    const cut = join(work, "cut");
    const a = await runIeopt(optimizeArgs(whole, sim.proxy.url));
    expect(a.code, a.stderr).toBe(0);
    const wholeRun = join(whole, readdirSync(whole)[0]!);

    const b = await runIeopt([...optimizeArgs(cut, sim.proxy.url), "--budget-calls", "40"]);
    expect(b.code, b.stderr).not.toBe(0);
    expect(b.stderr).toMatch(/budget/);
    const id = readdirSync(cut)[0]!;
    const before = sim.proxy.received();
    // No --model, no --base-url: the default would be the in-process sim.
    const c = await runIeopt(["optimize", "--resume", id, "--runs-dir", cut, "--no-cache", "--quiet"]);
    expect(c.code, c.stderr).toBe(0);
    expect(sim.proxy.received()).toBeGreaterThan(before);
    const cutRun = join(cut, id);
    expect(trialsOf(cutRun)).toBe(trialsOf(wholeRun));
    expect(frozenOf(cutRun)).toEqual(frozenOf(wholeRun));
    expect(JSON.parse(readFileSync(join(cutRun, "config.json"), "utf8")).models.inference.base_url).toBe(sim.proxy.url);
  });

  it("refuses a model flag that differs from the record, naming both, unless --override-models (then recorded)", async () => {
    const work = testTemp();
    const runs = join(work, "runs");
    const b = await runIeopt([...optimizeArgs(runs, sim.proxy.url), "--budget-calls", "10"]);
    expect(b.code).not.toBe(0);
    const id = readdirSync(runs)[0]!;
    const refused = await runIeopt(["optimize", "--resume", id, "--runs-dir", runs, "--model", "sim-large", "--no-cache", "--quiet"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--model sim-large");
    expect(refused.stderr).toContain("recorded inference model sim");
    const moved = await runIeopt(["optimize", "--resume", id, "--runs-dir", runs, "--base-url", sim.server.url, "--no-cache", "--quiet"]);
    expect(moved.code).toBe(2);
    expect(moved.stderr).toContain(sim.server.url);
    expect(moved.stderr).toContain(sim.proxy.url);
    // The same flags as recorded are fine; --override-models switches and is recorded.
    const over = await runIeopt(["optimize", "--resume", id, "--runs-dir", runs, "--base-url", sim.server.url, "--override-models", "--no-cache", "--quiet"]);
    expect(over.code, over.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(runs, id, "config.json"), "utf8"));
    expect(config.models.inference.base_url).toBe(sim.server.url);
    expect(config.model_changes).toHaveLength(1);
    expect(config.model_changes[0].from.inference.base_url).toBe(sim.proxy.url);
  });
});
