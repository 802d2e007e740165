/**
 * The optimizer's log reader loses nothing silently: a cut-off last line of trials.jsonl
 * (a kill mid-write) is dropped, said on the console and redone; a damaged line anywhere
 * else is an error naming file:line (exit 2). Through the real CLI (in-process sim).
 */
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, runIeopt, smallOptimizeArgs, testTemp } from "../helpers/cli.ts";
import { EXIT } from "../../src/errors.ts";

const args = (runs: string, extra: string[] = []) => smallOptimizeArgs(runs, ...extra);

describe("trials.jsonl reader", () => {
  it("drops only a cut-off last line, says so, and the resumed run ends as an uninterrupted one", async () => {
    const work = testTemp();
    const whole = await runIeopt(args(join(work, "whole"), ["--quiet"]));
    expect(whole.code, whole.stderr).toBe(EXIT.ok);
    const wholeRun = join(work, "whole", readdirSync(join(work, "whole"))[0]!);
    const expected = readFileSync(join(wholeRun, "trials.jsonl"), "utf8");

    // The same run, with its log cut after 3 records and the 4th half-written.
    const runs = join(work, "cut");
    expect((await runIeopt(args(runs, ["--quiet"]))).code).toBe(EXIT.ok);
    const id = readdirSync(runs)[0]!;
    const lines = expected.split("\n");
    writeFileSync(join(runs, id, "trials.jsonl"), lines.slice(0, 3).join("\n") + "\n" + lines[3]!.slice(0, 20));
    writeFileSync(join(runs, id, "status.json"), JSON.stringify({ state: "stopped", updated_at: "2026-01-01T00:00:00.000Z" }));
    const r = await runIeopt(["optimize", "--resume", id, "--runs-dir", runs]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stderr).toMatch(/trials\.jsonl:4: dropped a cut-off last line/);
    expect(readFileSync(join(runs, id, "trials.jsonl"), "utf8")).toBe(expected);
  });

  it("a damaged middle line is an error naming file:line, and the log is left as it was", async () => {
    const runs = join(testTemp(), "runs");
    expect((await runIeopt(args(runs, ["--quiet"]))).code).toBe(EXIT.ok);
    const id = readdirSync(runs)[0]!;
    const log = join(runs, id, "trials.jsonl");
    const lines = readFileSync(log, "utf8").split("\n");
    lines[1] = "{not json";
    writeFileSync(log, lines.join("\n"));
    const damaged = readFileSync(log, "utf8");
    const r = await runIeopt(["optimize", "--resume", id, "--runs-dir", runs, "--quiet"]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.stderr).toContain(`${log}:2: not valid JSON`);
    expect(readFileSync(log, "utf8")).toBe(damaged);
  });
});
