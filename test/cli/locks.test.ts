/**
 * One process per run folder and per eval --out folder: a second one exits 2 at once
 * naming the holder; a lock left by a dead process is taken over. Through the real CLI.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { simBehindProxy } from "../helpers/fault-proxy.ts";
import { ROOT, runIeopt, smallOptimizeArgs, spawnIeopt, testTemp, until } from "../helpers/cli.ts";
import { LOCK_FILE } from "../../src/runs/lock.ts";

const EX = join(ROOT, "examples/data/sf");

function optimizeArgs(runsDir: string, baseUrl: string): string[] {
  return smallOptimizeArgs(runsDir, "--model", "sim", "--base-url", baseUrl, "--no-cache", "--quiet");
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
}

describe("run and output-folder locks", () => {
  const sim = simBehindProxy();

  it("two concurrent resumes: one proceeds, the other exits 2 naming the holder; the run stays resumable", async () => {
    const runs = join(testTemp(), "runs");
    const stopped = await runIeopt([...optimizeArgs(runs, sim.proxy.url), "--budget-calls", "30"]);
    expect(stopped.code).not.toBe(0);
    const id = readdirSync(runs)[0]!;
    const resume = ["optimize", "--resume", id, "--runs-dir", runs, "--no-cache", "--quiet"];

    sim.proxy.hold();
    const before = sim.proxy.received();
    const first = spawnIeopt(resume);
    // The first resume is inside the run (its calls are held at the endpoint).
    await until(() => sim.proxy.received() > before);
    const second = await runIeopt(resume);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`pid ${first.child.pid}`);
    expect(second.stderr).toContain(hostname());
    expect(second.stderr).toMatch(/started \d{4}-\d\d-\d\dT/);
    sim.proxy.open();
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);

    const log = readFileSync(join(runs, id, "trials.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const numbers = log.filter((r) => r.kind === "trial").map((r) => r.number);
    expect(numbers).toEqual([...new Set(numbers)]);
    expect(existsSync(join(runs, id, LOCK_FILE))).toBe(false);
    const again = await runIeopt(resume);
    expect(again.code, again.stderr).toBe(0);
  });

  it("a stale lock from a dead process is taken over", async () => {
    const runs = join(testTemp(), "runs");
    const stopped = await runIeopt([...optimizeArgs(runs, sim.proxy.url), "--budget-calls", "30"]);
    expect(stopped.code).not.toBe(0);
    const id = readdirSync(runs)[0]!;
    writeFileSync(join(runs, id, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), started_at: "2026-01-01T00:00:00.000Z" }));
    const resumed = await runIeopt(["optimize", "--resume", id, "--runs-dir", runs, "--no-cache", "--quiet"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(existsSync(join(runs, id, LOCK_FILE))).toBe(false);
  });

  it("eval --out held by a live process exits 2 naming it, and writes nothing there", async () => {
    const out = join(testTemp(), "out");
    mkdirSync(out);
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), started_at: "2026-01-01T00:00:00.000Z", command: "eval" }));
    const r = await runIeopt(["eval", "--prompt", "default:SF", "--data", join(EX, "dev.jsonl"), "--model", "sim", "--out", out, "--quiet"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`pid ${process.pid} on ${hostname()}, started 2026-01-01T00:00:00.000Z`);
    expect(readdirSync(out)).toEqual([LOCK_FILE]);
  });
});
