/** WorkGroup: one failure stops the other tasks at once, and is the error reported. */
import { describe, expect, it } from "vitest";
import { WorkGroup } from "../../src/util/work-group.ts";

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => resolve("slept"), ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new Error("stopped"));
    }, { once: true });
  });

describe("WorkGroup", () => {
  it("gives each task's result when none fails", async () => {
    const group = new WorkGroup();
    expect(await Promise.all([group.start((s) => sleep(2, s)), group.start(async () => 7)])).toEqual(["slept", 7]);
    expect(group.signal.aborted).toBe(false);
  });

  it("stops the others when one fails, waits for them, and reports the first failure, not the stops", async () => {
    const group = new WorkGroup();
    const settled: string[] = [];
    const slow = group.start((s) => sleep(10_000, s).finally(() => settled.push("slow")));
    group.start(async () => {
      await new Promise((r) => setTimeout(r, 5));
      throw new Error("baseline failed");
    });
    // The caller awaits the slow task: it sees the stop, the group names the cause.
    const seen = await slow.catch((err: Error) => err);
    expect(seen).toEqual(new Error("stopped"));
    const reported = (await group.failed(seen)) as Error;
    expect(reported.message).toBe("baseline failed");
    expect(settled).toEqual(["slow"]);
  });

  it("a failure of the caller's own work stops the tasks too, and is the one reported", async () => {
    const group = new WorkGroup();
    let stopped = false;
    group.start((s) => sleep(10_000, s).catch((err) => {
      stopped = true;
      throw err;
    }));
    const reported = (await group.failed(new Error("own"))) as Error;
    expect(reported.message).toBe("own");
    expect(stopped).toBe(true);
  });

  it("lets the others run on after an error stopsOthers exempts, and still reports it", async () => {
    const group = new WorkGroup(undefined, { stopsOthers: (err) => (err as Error).message !== "budget" });
    const other = group.start((s) => sleep(5, s));
    const budget = group.start(async () => {
      throw new Error("budget");
    });
    const seen = await budget.catch((err: Error) => err);
    expect(group.signal.aborted).toBe(false);
    expect(await other).toBe("slept");
    expect(((await group.failed(seen)) as Error).message).toBe("budget");
  });

  it("aborts with the caller's signal", async () => {
    const parent = new AbortController();
    const group = new WorkGroup(parent.signal);
    const task = group.start((s) => sleep(10_000, s));
    parent.abort();
    await expect(task).rejects.toThrow("stopped");
  });
});
