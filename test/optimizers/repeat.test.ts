import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repeatSeeds, spread, type RepeatSummary } from "../../optimizers/repeat.ts";
import { runIeopt } from "../data/helpers.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("repeat helpers", () => {
  it("numbers the seeds and measures the spread", () => {
    expect(repeatSeeds("7", 3)).toEqual([7, 8, 9]);
    expect(repeatSeeds(0, 2)).toEqual([0, 1]);
    expect(repeatSeeds("abc", 3)).toEqual(["abc", "abc-1", "abc-2"]);
    // mean 2, sample SD √((1 + 0 + 1) / 2) = 1
    expect(spread([1, 2, 3])).toEqual({ mean: 2, sd: 1, min: 1, max: 3 });
    expect(spread([5])).toEqual({ mean: 5, sd: 0, min: 5, max: 5 });
  });
});

describe("ieopt optimize --repeat (sim)", () => {
  it("runs N seeds in their own folders with one cache and reports the spread of validation and test scores", async () => {
    const runsDir = mkdtempSync(join(tmpdir(), "ieopt-repeat-"));
    dirs.push(runsDir);
    const ex = "examples/data/ner";
    const run = await runIeopt("optimize", "--task", "NER", "--train", `${ex}/train.jsonl`, "--val", `${ex}/dev.jsonl`, "--test", `${ex}/test.jsonl`,
      "--trials", "4", "--minibatch", "8", "--full-eval-every", "2", "--demo-sets", "2", "--instructions", "2", "--seed", "5",
      "--repeat", "3", "--runs-dir", runsDir, "--cache", join(runsDir, "cache.sqlite"), "--quiet");
    expect(run.stderr).not.toContain("internal error");
    expect(run.code).toBe(0);
    const folders = readdirSync(runsDir).filter((f) => f.startsWith("ner-"));
    expect(folders).toHaveLength(3);
    const seeds = folders.map((f) => JSON.parse(readFileSync(join(runsDir, f, "config.json"), "utf8")).settings.seed).sort();
    expect(seeds).toEqual([5, 6, 7]);
    // One cache: the default prompt's validation answers were paid once, then served from the cache.
    const hits = folders.map((f) => JSON.parse(readFileSync(join(runsDir, f, "usage.json"), "utf8")).total.cache_hits as number);
    expect(hits.filter((h) => h > 0).length).toBeGreaterThanOrEqual(2);

    const [summaryDir] = readdirSync(runsDir).filter((f) => f.startsWith("repeat-"));
    const summary = JSON.parse(readFileSync(join(runsDir, summaryDir!, "repeat.json"), "utf8")) as RepeatSummary;
    expect(summary.runs.map((r) => r.seed)).toEqual([5, 6, 7]);
    for (const r of summary.runs) {
      const frozen = JSON.parse(readFileSync(join(runsDir, r.run_id, "frozen.json"), "utf8"));
      expect(r.test!.frozen).toBe(frozen.provenance.scores.test.optimized.lf1);
      expect(r.test!.delta).toBe(frozen.provenance.scores.test.delta.estimate);
    }
    const vals = summary.runs.map((r) => r.validation);
    expect(summary.validation.mean).toBeCloseTo(vals.reduce((a, b) => a + b, 0) / 3, 1);
    expect(summary.validation.min).toBeCloseTo(Math.min(...vals), 2);
    expect(summary.test!.frozen.max).toBeCloseTo(Math.max(...summary.runs.map((r) => r.test!.frozen)), 2);
    expect(run.stdout).toContain("# 3 repeats of NER optimization");
    expect(run.stdout).toMatch(/Across runs \(mean ± SD\): validation [\d.]+ ± [\d.]+/);
    expect(run.stdout).toContain("(sim)");

    const bad = await runIeopt("optimize", "--task", "NER", "--train", `${ex}/train.jsonl`, "--val", `${ex}/dev.jsonl`, "--repeat", "2", "--autothought", "4", "--runs-dir", runsDir, "--quiet");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--repeat starts fresh plain optimizations/);
  });
});
