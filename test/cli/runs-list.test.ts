/**
 * `ieopt runs list`: a header, the start date, task, model, status and the validation
 * score on the 0–100 scale marked sim; `--json` gives the same numbers, parseable.
 */
import { afterAll, describe, expect, it } from "vitest";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES, ieopt } from "../eval-cli/helpers.ts";
import { tempDir } from "../helpers/temp.ts";

const work = tempDir("ieopt-runs-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("ieopt runs list", () => {
  it("shows every run with a header, date, task, model, status and a 0-100 validation score marked sim", async () => {
    const runsDir = join(work, "runs");
    const opt = await ieopt("optimize", "--task", "SF", "--train", join(EXAMPLES, "sf/train.jsonl"), "--val", join(EXAMPLES, "sf/dev.jsonl"),
      "--trials", "3", "--minibatch", "8", "--full-eval-every", "3", "--demo-sets", "2", "--instructions", "2", "--runs-dir", runsDir, "--quiet");
    expect(opt.code, opt.stderr).toBe(0);
    const shown = /validation LF1 \(sim\): default ([\d.]+) → picked ([\d.]+)/.exec(opt.stdout)!;
    const best = Math.max(Number(shown[1]), Number(shown[2]));

    const json = await ieopt("runs", "list", "--runs-dir", runsDir, "--json");
    const [run] = JSON.parse(json.stdout);
    expect(run).toMatchObject({ state: "finished", task: "SF", model: "sim", simulated: true, metric: "lf1", optimizer: "mipro" });
    expect(run.val_score).toBeCloseTo(best, 2);
    const frozen = JSON.parse(readFileSync(join(runsDir, run.id, "frozen.json"), "utf8"));
    expect(frozen.provenance.scores).toMatchObject({ scale: "0-100", val_lf1: run.val_score });

    const text = await ieopt("runs", "list", "--runs-dir", runsDir);
    const [header, , row] = text.stdout.split("\n");
    expect(header).toMatch(/started \(UTC\).*run.*status.*task.*model.*optimizer.*val, per-sample mean \(0-100\)/);
    expect(row).toContain(run.id);
    expect(row).toContain(run.created_at.slice(0, 10));
    expect(row).toMatch(new RegExp(`finished.*SF.*sim.*mipro.*${best.toFixed(2)} \\(sim\\)`));
  });
});
