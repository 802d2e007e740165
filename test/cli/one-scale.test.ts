/**
 * One scale, one name per number: the validation figure of demo, report.md, runs list and
 * frozen provenance is the same quantity (the search's per-sample mean, 0–100) under the
 * same name, told apart from the per-instance figure; report.md numbers trials as
 * trials.jsonl does. Through the real CLI, sim model.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ieopt } from "../eval-cli/helpers.ts";
import { RunFolder } from "../../src/runs/run-folder.ts";
import { appendTrialLog, readTrialLog } from "../../optimizers/mipro.ts";

const work = mkdtempSync(join(tmpdir(), "ieopt-scale-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cells = (line: string) => line.split("|").slice(1, -1).map((c) => c.trim());

describe("one scale and one name for the validation figure", () => {
  it("demo, report.md, runs list and frozen provenance agree on the per-sample validation figure; trial numbers agree", async () => {
    const runsDir = join(work, "runs");
    const demo = await ieopt("demo", "--task", "SF", "--trials", "4", "--runs-dir", runsDir, "--quiet");
    expect(demo.code, demo.stderr).toBe(0);
    const lines = demo.stdout.split("\n");
    const header = cells(lines.find((l) => l.startsWith("| prompt"))!);
    const col = header.indexOf("val LF1 (search, per sample)");
    expect(col).toBeGreaterThan(0);
    expect(header).toContain("val LF1 (per instance)");
    const demoDefault = Number(cells(lines.find((l) => l.startsWith("| default"))!)[col]);
    const demoOptimized = Number(cells(lines.find((l) => l.startsWith("| optimized"))!)[col]);

    const id = readdirSync(runsDir)[0]!;
    const report = readFileSync(join(runsDir, id, "report.md"), "utf8");
    expect(report).toContain("| prompt | validation LF1, per-sample mean (sim) |");
    const reportDefault = Number(cells(report.split("\n").find((l) => l.startsWith("| default"))!)[1]);
    expect(reportDefault.toFixed(1)).toBe(demoDefault.toFixed(1));

    const [listed] = JSON.parse((await ieopt("runs", "list", "--runs-dir", runsDir, "--json")).stdout);
    expect(listed.val_score.toFixed(1)).toBe(demoOptimized.toFixed(1));
    const frozen = JSON.parse(readFileSync(join(runsDir, id, "frozen.json"), "utf8"));
    expect(frozen.provenance.scores.val_lf1).toBe(listed.val_score);

    const logged = readFileSync(join(runsDir, id, "trials.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((r) => r.kind === "trial").map((r) => r.number);
    const trialsSection = report.slice(report.indexOf("## Trials"), report.indexOf("## Usage"));
    const reported = trialsSection.split("\n").filter((l) => /^\| \d+ \|/.test(l)).map((l) => Number(cells(l)[0]));
    expect(reported).toEqual(logged);
    expect(trialsSection).toContain("Trial numbers are trials.jsonl's `number` (the first trial is 0).");
    // The one 0–1 figure on disk says so in its name.
    for (const line of readFileSync(join(runsDir, id, "trials.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l))) {
      expect(line).not.toHaveProperty("score");
      expect(line.score_0_1).toBeGreaterThanOrEqual(0);
      expect(line.score_0_1).toBeLessThanOrEqual(1);
    }
  });
});

describe("trials.jsonl", () => {
  it("writes score_0_1 and reads it, and older lines with score, as the search's score", () => {
    const run = RunFolder.create(join(work, "log-runs"), "r");
    run.appendLog("trials.jsonl", { kind: "baseline", score: 0.25, samples: 4, failures: 0 });
    appendTrialLog(run, { kind: "trial", number: 0, params: { instruction: 0, demos: 1 }, minibatch: ["a"], score: 0.5, failures: 0 });
    expect(readFileSync(join(run.dir, "trials.jsonl"), "utf8")).toContain('"score_0_1":0.5');
    expect(readTrialLog(run).map((r) => r.score)).toEqual([0.25, 0.5]);
  });
});
