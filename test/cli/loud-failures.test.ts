/**
 * Runs that could not do their job say so: a dead endpoint or teacher ends `optimize` with
 * exit 3 and status failed (resumable once the endpoint is back), failures are counted per
 * phase on the console as they happen, a partly failing endpoint ends degraded (exit 4),
 * a budget stop exits 5, `eval` exits 3 when a (prompt, model) pair got no answer, and a
 * base URL that does not parse is refused before any call. Through the real CLI.
 */
import { describe, expect, it, afterEach } from "vitest";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { simBehindProxy } from "../helpers/fault-proxy.ts";
import { ROOT, runIeopt, smallOptimizeArgs, testTemp } from "../helpers/cli.ts";
import { EXIT } from "../../src/errors.ts";

const EX = join(ROOT, "examples/data/sf");

function optimizeArgs(runsDir: string, baseUrl: string, extra: string[] = []): string[] {
  return smallOptimizeArgs(runsDir, "--model", "sim", "--base-url", baseUrl, "--no-cache", "--max-retries", "0", ...extra);
}

const statusOf = (run: string) => JSON.parse(readFileSync(join(run, "status.json"), "utf8"));

describe("loud failures and exit codes", () => {
  const sim = simBehindProxy();
  afterEach(() => {
    sim.proxy.failWith = undefined;
    sim.proxy.failIf = undefined;
  });

  it("a 100%-failing endpoint ends optimize with exit 3 and status failed, no frozen prompt; resumable once it is back", async () => {
    const runs = join(testTemp(), "runs");
    sim.proxy.failWith = 500;
    const r = await runIeopt(optimizeArgs(runs, sim.proxy.url));
    expect(r.code, r.stderr).toBe(EXIT.failed);
    expect(r.stderr).toMatch(/bootstrap: 1 of 1 LM calls failed \(http 500 ×1\)/);
    // The baseline runs beside the bootstrap: whichever finds the endpoint dead first fails the run.
    expect(r.stderr).toMatch(/failed: run \S+ failed: (bootstrap|baseline): \d+ of \d+ LM calls failed/);
    expect(r.stderr).toMatch(/resume with: ieopt optimize --resume \S+/);
    expect(r.stderr).not.toContain("internal error");
    const id = readdirSync(runs)[0]!;
    expect(statusOf(join(runs, id)).state).toBe("failed");
    expect(existsSync(join(runs, id, "frozen.json"))).toBe(false);
    expect(existsSync(join(runs, id, "candidates.json"))).toBe(false);

    sim.proxy.failWith = undefined;
    const again = await runIeopt(["optimize", "--resume", id, "--runs-dir", runs, "--no-cache", "--quiet"]);
    expect(again.code, again.stderr).toBe(EXIT.ok);
    expect(statusOf(join(runs, id)).state).toBe("finished");
  });

  it("a dead prompt teacher fails the propose phase (no instruction proposal) instead of keeping only the default", async () => {
    const runs = join(testTemp(), "runs");
    sim.proxy.failWith = 503;
    // Zero-shot: no augmentation, so the teacher is first needed for the proposals.
    const r = await runIeopt([...optimizeArgs(runs, sim.server.url, ["--zero-shot", "--prompt-model", "sim", "--prompt-base-url", sim.proxy.url])]);
    expect(r.code, r.stderr).toBe(EXIT.failed);
    expect(r.stderr).toMatch(/propose: \d+ of \d+ LM calls failed/);
    expect(statusOf(join(runs, readdirSync(runs)[0]!)).state).toBe("failed");
  });

  it("a partly failing endpoint ends degraded: exit 4, results written, status degraded with the phase", async () => {
    const runs = join(testTemp(), "runs");
    sim.proxy.failIf = (i) => (i % 10 === 9 ? 500 : undefined);
    const r = await runIeopt(optimizeArgs(runs, sim.proxy.url, ["--quiet"]));
    expect(r.code, r.stderr).toBe(EXIT.degraded);
    expect(r.stderr).toMatch(/degraded: run \S+ finished, but LM calls failed: \w+/);
    const run = join(runs, readdirSync(runs)[0]!);
    expect(existsSync(join(run, "frozen.json"))).toBe(true);
    const status = statusOf(run);
    expect(status.state).toBe("degraded");
    expect(status.phases.reduce((n: number, p: { failures: number }) => n + p.failures, 0)).toBeGreaterThan(0);
  });

  it("a budget stop exits 5 (not 130) and says so once", async () => {
    const runs = join(testTemp(), "runs");
    const r = await runIeopt(optimizeArgs(runs, sim.proxy.url, ["--budget-calls", "5", "--quiet"]));
    expect(r.code, r.stderr).toBe(EXIT.budget);
    expect(r.stderr).toContain("call budget of 5 used up");
    expect(r.stderr).not.toMatch(/budget exhausted: budget exhausted/);
    expect(statusOf(join(runs, readdirSync(runs)[0]!)).state).toBe("stopped");
  });

  it("eval exits 3 naming the pair when a (prompt, model) pair got no answer, reports still written", async () => {
    const out = join(testTemp(), "out");
    sim.proxy.failWith = 500;
    const r = await runIeopt(["eval", "--prompt", "default:SF", "--data", join(EX, "dev.jsonl"), "--model", "sim", "--base-url", sim.proxy.url,
      "--no-cache", "--max-retries", "0", "--out", out, "--bootstrap", "50"]);
    expect(r.code, r.stderr).toBe(EXIT.failed);
    expect(r.stderr).toMatch(/failed: default:SF × sim: (\d+) of \1 samples got no answer/);
    expect(existsSync(join(out, "report.json"))).toBe(true);
  });

  it("a base URL that does not parse is refused before any call, without its credentials", async () => {
    const runs = join(testTemp(), "runs");
    const before = sim.proxy.received();
    const bad = "http://alice:pw-SECRET@127.0.0.1:notaport/v1";
    const r = await runIeopt(optimizeArgs(runs, bad));
    expect(r.code).toBe(EXIT.badInput);
    expect(r.stderr).toContain("'http://127.0.0.1:notaport/v1' is not a valid URL");
    expect(r.stderr + r.stdout).not.toContain("pw-SECRET");
    expect(r.stderr + r.stdout).not.toContain("alice");
    expect(existsSync(runs)).toBe(false);
    expect(sim.proxy.received()).toBe(before);
  });
});
