/**
 * Parallel trials (optimizers/trial-scheduler.ts + the TPE constant liar): for a fixed seed
 * and parallelism the trial log is the same whatever the timing, and a run killed with
 * trials in flight resumes to the uninterrupted result.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ScriptedLM, lastUser, queryText, systemOf } from "../helpers/scripted-lm.ts";
import { testTemp } from "../helpers/cli.ts";
import { toySamples } from "../helpers/toy-data.ts";
import { HEADINGS } from "../../optimizers/prompts.ts";
import { optimize } from "../../optimizers/optimize.ts";
import { defaultParallelTrials, runTrialsInOrder } from "../../optimizers/trial-scheduler.ts";
import { createRng } from "../../src/util/random.ts";
import { fingerprint } from "../../src/util/hash.ts";
import { RunStopped } from "../../src/errors.ts";
import { PRIORITY } from "../../src/lm/limiter.ts";
import { UsageMeter } from "../../src/lm/usage.ts";
import type { RoleModels } from "../../src/lm/roles.ts";
import type { LM, LMRequest, LMResponse } from "../../src/lm/types.ts";

const train = toySamples("train", 24);
const val = toySamples("dev", 30, 100);
const gold = new Map([...train, ...val].map((s) => [s.text, s]));

/** Canned teacher answers; the task model is right more often under a "GOOD" instruction and with demos. */
function answer(r: LMRequest): string {
  const user = lastUser(r);
  if (user.startsWith(HEADINGS.observations)) return "Short requests with city names.";
  if (user.startsWith(HEADINGS.summary)) return "Short requests with cities and times.";
  if (user.startsWith(HEADINGS.program)) return "The program fills slots.";
  if (user.startsWith(HEADINGS.proposal)) return `Proposed instruction: Variant ${r.draw} ${r.draw! % 2 === 0 ? "GOOD" : "vague"}.`;
  const sample = gold.get(queryText(r));
  if (!sample) return "[]";
  const demos = r.messages.filter((m) => m.role === "assistant").length;
  const quality = 0.2 + (systemOf(r).includes("GOOD") ? 0.45 : 0) + 0.1 * Math.min(demos, 3);
  return createRng(fingerprint([r.messages])).next() < quality ? JSON.stringify(sample.labels) : "I am not sure.";
}

/** The scripted model behind an artificial latency drawn per request from `latencySeed`; counts calls in flight. */
class SlowLM implements LM {
  readonly id = "scripted://slow";
  readonly model = "slow";
  readonly base = new ScriptedLM(answer);
  inFlight = 0;
  maxInFlight = 0;
  readonly #latencySeed: string;
  constructor(latencySeed: string) {
    this.#latencySeed = latencySeed;
  }
  async complete(request: LMRequest, options?: { signal?: AbortSignal }): Promise<LMResponse> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const ms = Math.floor(createRng(`${this.#latencySeed}/${fingerprint([request.messages])}`).next() * 12);
      await new Promise((done) => setTimeout(done, ms));
      options?.signal?.throwIfAborted();
      return await this.base.complete(request);
    } finally {
      this.inFlight--;
    }
  }
}

function models(lm: LM): RoleModels {
  return { inference: lm, prompt: lm, thought: lm, meter: new UsageMeter(), budget: undefined, cache: null, describe: () => ({ inference: { model: "scripted" } }) };
}

const settings = { trials: 16, minibatch: 6, fullEvalEvery: 5, demoSets: 3, demos: 2, instructions: 4, seed: 5, concurrency: 2, parallelTrials: 4 };
const logOf = (runsDir: string, id: string) => readFileSync(join(runsDir, id, "trials.jsonl"), "utf8");

describe("parallel trials", () => {
  it("give the same trial log for the same seed and parallelism, whatever the latencies", async () => {
    const runsDir = testTemp("ieopt-runs-");
    const fast = new SlowLM("a");
    const slow = new SlowLM("b");
    await optimize({ task: "SF", train, val, settings, models: models(fast), runsDir, runId: "a" });
    await optimize({ task: "SF", train, val, settings, models: models(slow), runsDir, runId: "b" });
    // Several trials really were in flight: one trial alone never has more than `concurrency` calls.
    expect(fast.maxInFlight).toBeGreaterThan(settings.concurrency);
    expect(slow.maxInFlight).toBeGreaterThan(settings.concurrency);
    expect(logOf(runsDir, "b")).toBe(logOf(runsDir, "a"));
    expect(logOf(runsDir, "a").split("\n").filter((l) => l.includes('"kind":"trial"'))).toHaveLength(16);
    const config = JSON.parse(readFileSync(join(runsDir, "a", "config.json"), "utf8"));
    expect(config.settings.parallelTrials).toBe(4);
  });

  it("a run killed with trials in flight resumes to the uninterrupted log", async () => {
    const runsDir = testTemp("ieopt-runs-");
    await optimize({ task: "SF", train, val, settings, models: models(new SlowLM("a")), runsDir, runId: "whole" });

    const killed = new SlowLM("c");
    const controller = new AbortController();
    let inFlightAtKill = 0;
    const run = optimize({
      task: "SF", train, val, settings, models: models(killed), runsDir, runId: "killed", signal: controller.signal,
      events: {
        trial: (t) => {
          if (t.number === 7) {
            inFlightAtKill = killed.inFlight;
            controller.abort();
          }
        },
      },
    });
    await expect(run).rejects.toThrow(RunStopped);
    expect(inFlightAtKill).toBeGreaterThan(0);
    const partial = logOf(runsDir, "killed").split("\n").filter((l) => l.includes('"kind":"trial"'));
    expect(partial.length).toBeLessThan(16);

    await optimize({ task: "SF", train, val, settings, models: models(new SlowLM("d")), runsDir, resume: "killed" });
    expect(logOf(runsDir, "killed")).toBe(logOf(runsDir, "whole"));
  });
});

describe("overlapping phases", () => {
  it("the baseline, bootstrap and proposal grounding run side by side, and each call counts under its own phase", async () => {
    const runsDir = testTemp("ieopt-runs-");
    const lm = new SlowLM("e");
    const order: ("teacher" | "proposal" | "train" | "val")[] = [];
    const priorities = new Map<number | undefined, number>();
    const trainTexts = new Set(train.map((s) => s.text));
    const recording: LM = {
      id: lm.id,
      model: lm.model,
      complete: (request, options) => {
        const user = lastUser(request);
        order.push(user.startsWith(HEADINGS.proposal) ? "proposal" : user.startsWith("#") ? "teacher" : trainTexts.has(queryText(request)) ? "train" : "val");
        priorities.set(options?.priority, (priorities.get(options?.priority) ?? 0) + 1);
        return lm.complete(request, options);
      },
    };
    await optimize({ task: "SF", train, val, settings, models: models(recording), runsDir, runId: "overlap" });
    // The default prompt's validation calls (and the demos' augmentations) went out before the proposals.
    const firstProposal = order.indexOf("proposal");
    expect(order.slice(0, firstProposal)).toContain("val");
    expect(order.slice(0, firstProposal)).toContain("train");
    expect(order.slice(0, firstProposal)).toContain("teacher");
    const phases = Object.fromEntries(JSON.parse(readFileSync(join(runsDir, "overlap", "status.json"), "utf8")).phases.map((p: { phase: string; calls: number }) => [p.phase, p.calls]));
    const count = (kind: string) => order.filter((k) => k === kind).length;
    expect(phases.baseline).toBe(val.length);
    expect(phases.bootstrap).toBe(count("train"));
    expect(phases.propose).toBe(count("teacher") + count("proposal"));
    // The noise-aware rule's full evaluations are its final race, a phase of their own.
    expect(phases["final selection"]).toBeGreaterThan(0);
    expect(phases.search + (phases["full evaluation"] ?? 0) + phases["final selection"]).toBe(count("val") - val.length);
    // The baseline fills the slots the candidates leave free; full evaluations (here the race's last rung) go first.
    expect(priorities.get(PRIORITY.BACKGROUND)).toBe(val.length);
    expect(priorities.get(PRIORITY.URGENT)).toBeGreaterThan(0);
    expect(priorities.get(PRIORITY.URGENT)).toBeLessThanOrEqual(phases["final selection"]);
    // The same trials as a run whose phases met other latencies.
    await optimize({ task: "SF", train, val, settings, models: models(new SlowLM("f")), runsDir, runId: "other" });
    expect(logOf(runsDir, "overlap")).toBe(logOf(runsDir, "other"));
    expect(readFileSync(join(runsDir, "overlap", "candidates.json"), "utf8")).toBe(readFileSync(join(runsDir, "other", "candidates.json"), "utf8"));
  });
});

describe("overlapping phases: kills", () => {
  for (const killAt of ["the first proposal", "the first trial call"] as const) {
    it(`a run killed at ${killAt}, with other phases in flight, resumes to the uninterrupted log`, async () => {
      const runsDir = testTemp("ieopt-runs-");
      await optimize({ task: "SF", train, val, settings, models: models(new SlowLM("g")), runsDir, runId: "whole" });
      const lm = new SlowLM("h");
      const controller = new AbortController();
      let baselineCalls = 0;
      const killing: LM = {
        id: lm.id,
        model: lm.model,
        complete: (request, options) => {
          const proposal = lastUser(request).startsWith(HEADINGS.proposal);
          if (options?.priority === PRIORITY.BACKGROUND) baselineCalls++;
          // A trial's call: a validation query that is neither the baseline's nor a teacher's.
          const trialCall = !lastUser(request).startsWith("#") && options?.priority === PRIORITY.NORMAL && val.some((s) => s.text === queryText(request));
          if ((killAt === "the first proposal" && proposal) || (killAt === "the first trial call" && trialCall)) controller.abort();
          return lm.complete(request, options);
        },
      };
      const run = optimize({ task: "SF", train, val, settings, models: models(killing), runsDir, runId: "killed", signal: controller.signal });
      await expect(run).rejects.toThrow(RunStopped);
      expect(baselineCalls).toBeGreaterThan(0);
      await optimize({ task: "SF", train, val, settings, models: models(new SlowLM("i")), runsDir, resume: "killed" });
      expect(logOf(runsDir, "killed")).toBe(logOf(runsDir, "whole"));
      expect(readFileSync(join(runsDir, "killed", "candidates.json"), "utf8")).toBe(readFileSync(join(runsDir, "whole", "candidates.json"), "utf8"));
    });
  }
});

describe("runTrialsInOrder", () => {
  it("finishes in number order and starts trial k only after trial k − parallel finished", async () => {
    const events: string[] = [];
    await runTrialsInOrder({
      first: 0,
      count: 9,
      parallel: 3,
      start: async (n) => {
        events.push(`start ${n}`);
        await new Promise((done) => setTimeout(done, (n * 7) % 5));
        return n * 10;
      },
      finish: (n, result) => {
        expect(result).toBe(n * 10);
        events.push(`finish ${n}`);
      },
    });
    const at = (e: string) => events.indexOf(e);
    for (let n = 0; n < 9; n++) {
      if (n > 0) expect(at(`finish ${n}`)).toBeGreaterThan(at(`finish ${n - 1}`));
      if (n >= 3) expect(at(`start ${n}`)).toBeGreaterThan(at(`finish ${n - 3}`));
    }
    expect(events.slice(0, 3)).toEqual(["start 0", "start 1", "start 2"]);
  });

  it("on an error stops the trials in flight and lets them settle before rethrowing", async () => {
    const settled: number[] = [];
    const run = runTrialsInOrder({
      first: 0,
      count: 6,
      parallel: 3,
      start: (n, signal) =>
        new Promise<number>((done, fail) => {
          if (n === 0) return fail(new Error("trial 0 broke"));
          signal.addEventListener("abort", () => {
            settled.push(n);
            fail(new Error("aborted"));
          });
        }),
      finish: () => {},
    });
    await expect(run).rejects.toThrow("trial 0 broke");
    expect(settled.sort()).toEqual([1, 2]);
  });

  it("defaults to enough minibatches to fill the concurrency twice, plus one", () => {
    expect(defaultParallelTrials(8, 25)).toBe(2);
    expect(defaultParallelTrials(32, 25)).toBe(4);
    expect(defaultParallelTrials(50, 25)).toBe(5);
    expect(defaultParallelTrials(1, 25)).toBe(2);
    expect(defaultParallelTrials(8, 4)).toBe(5);
  });
});
