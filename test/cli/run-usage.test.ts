/**
 * Usage and budgets belong to the run, not to one process: usage.json after kill -9 and
 * resume cycles counts exactly the requests the endpoint received (per session too),
 * a budget applies to the run's total across processes, and resuming a finished run
 * rewrites none of its files. Through the real CLI and a counting proxy.
 */
import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { startSimServer, type SimServer } from "../../sim/server.ts";
import { startFaultProxy, type FaultProxy } from "../helpers/fault-proxy.ts";
import { ROOT, runIeopt, smallOptimizeArgs, spawnIeopt, testTemp, until } from "../helpers/cli.ts";
import { EXIT } from "../../src/errors.ts";


function optimizeArgs(runsDir: string, baseUrl: string, extra: string[] = []): string[] {
  return smallOptimizeArgs(runsDir, "--model", "sim", "--base-url", baseUrl, "--no-cache", "--quiet", ...extra);
}

const usageOf = (run: string) => JSON.parse(readFileSync(join(run, "usage.json"), "utf8"));

describe("usage and budgets per run", () => {
  let server: SimServer;
  beforeAll(async () => {
    server = await startSimServer({ port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it("usage.json after kill -9 / resume cycles equals the requests the endpoint received", async () => {
    const proxy: FaultProxy = await startFaultProxy(server.url);
    try {
      const runs = join(testTemp(), "runs");
      // One request in flight at a time: when the endpoint holds it, the process can send nothing more.
      const killAfter = async (args: string[], requests: number) => {
        proxy.holdFrom = proxy.received() + requests;
        const p = spawnIeopt(args);
        await until(() => proxy.received() === proxy.holdFrom! + 1);
        p.child.kill("SIGKILL");
        const r = await p.done;
        expect(r.signal).toBe("SIGKILL");
        proxy.open();
      };
      await killAfter(optimizeArgs(runs, proxy.url, ["--concurrency", "1"]), 15);
      const id = readdirSync(runs)[0]!;
      const resume = ["optimize", "--resume", id, "--runs-dir", runs, "--no-cache", "--quiet", "--concurrency", "1"];
      await killAfter(resume, 25);
      const last = await runIeopt(resume);
      expect(last.code, last.stderr).toBe(EXIT.ok);

      const usage = usageOf(join(runs, id));
      expect(usage.total.requests).toBe(proxy.received());
      expect(usage.sessions.map((s: { total: { requests: number } }) => s.total.requests)).toEqual([16, 26, proxy.received() - 42]);
      expect(usage.sessions.reduce((n: number, s: { total: { calls: number } }) => n + s.total.calls, 0)).toBe(usage.total.calls);
      // Paid calls: every answer that reached a living process.
      expect(usage.total.calls).toBe(proxy.received() - 2);
    } finally {
      await proxy.close();
    }
  });

  it("a budget applies to the run's total across processes", async () => {
    const proxy: FaultProxy = await startFaultProxy(server.url);
    try {
      const runs = join(testTemp(), "runs");
      const first = await runIeopt(optimizeArgs(runs, proxy.url, ["--budget-calls", "15"]));
      expect(first.code, first.stderr).toBe(EXIT.budget);
      const id = readdirSync(runs)[0]!;
      const resume = ["optimize", "--resume", id, "--runs-dir", runs, "--no-cache", "--quiet"];
      const answered = proxy.answered();
      const second = await runIeopt([...resume, "--budget-calls", "15"]);
      expect(second.code, second.stderr).toBe(EXIT.budget);
      expect(proxy.answered()).toBe(answered);
      const third = await runIeopt([...resume, "--budget-calls", "40"]);
      expect(third.code, third.stderr).toBe(EXIT.budget);
      expect(proxy.answered()).toBe(40);
      expect(usageOf(join(runs, id)).total.calls).toBe(40);
    } finally {
      await proxy.close();
    }
  });

  it("resuming a finished run rewrites none of its files", async () => {
    const runs = join(testTemp(), "runs");
    const done = await runIeopt(optimizeArgs(runs, server.url));
    expect(done.code, done.stderr).toBe(EXIT.ok);
    const id = readdirSync(runs)[0]!;
    const snapshot = () => Object.fromEntries(readdirSync(join(runs, id)).map((f) => [f, { bytes: readFileSync(join(runs, id, f), "utf8"), mtime: statSync(join(runs, id, f)).mtimeMs }]));
    const before = snapshot();
    const again = await runIeopt(["optimize", "--resume", id, "--runs-dir", runs, "--no-cache", "--quiet"]);
    expect(again.code, again.stderr).toBe(EXIT.ok);
    expect(again.stdout).toContain(`run ${id} finished`);
    expect(snapshot()).toEqual(before);
  });
});
