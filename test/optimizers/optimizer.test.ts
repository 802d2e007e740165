import { describe, expect, it } from "vitest";
import { readFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ScriptedLM, lastUser, systemOf, queryText } from "../helpers/scripted-lm.ts";
import { toySamples } from "../helpers/toy-data.ts";
import { PROGRAMS } from "../../programs/index.ts";
import { bootstrapDemoSets } from "../../optimizers/bootstrap.ts";
import { proposeInstructions, T_INIT } from "../../optimizers/propose.ts";
import { HEADINGS } from "../../optimizers/prompts.ts";
import { optimize } from "../../optimizers/optimize.ts";
import { createRng } from "../../src/util/random.ts";
import { METRICS } from "../../src/eval/metric.ts";
import { fingerprint } from "../../src/util/hash.ts";
import { CachedLM, LMCache } from "../../src/lm/cache.ts";
import { MeteredLM, UsageMeter } from "../../src/lm/usage.ts";
import { RunStopped, UserInputError } from "../../src/errors.ts";
import { loadFrozenPrompt } from "../../src/runs/frozen.ts";
import type { RoleModels } from "../../src/lm/roles.ts";
import { LMCallError, type LM, type LMRequest } from "../../src/lm/types.ts";
import type { Sample } from "../../src/data/sample.ts";
import { tempDir } from "../helpers/temp.ts";

const sf = PROGRAMS.SF;
const train = toySamples("train", 24);
const val = toySamples("dev", 30, 100);
const gold = new Map([...train, ...val].map((s) => [s.text, s]));

/** Meta requests get canned answers; proposals alternate between a "GOOD" and a vague one. */
function teacherAnswer(r: LMRequest): string {
  const user = lastUser(r);
  if (user.startsWith(HEADINGS.observations)) return "Texts are short English requests.\nLocations are city names.";
  if (user.startsWith(HEADINGS.summary)) return "Short English requests with cities and times.";
  if (user.startsWith(HEADINGS.program)) return "The program fills slots.";
  if (user.startsWith(HEADINGS.proposal)) return `Proposed instruction: Variant ${r.draw} ${r.draw! % 2 === 0 ? "GOOD" : "vague"}.`;
  return taskAnswer(r);
}

/**
 * The task model: answers a sample right when a pseudo-random draw, seeded by the prompt
 * and the sample, falls under a quality that grows with a "GOOD" instruction and demos.
 */
function taskAnswer(r: LMRequest): string {
  const sample = gold.get(queryText(r));
  if (!sample) return "[]";
  const demos = r.messages.filter((m) => m.role === "assistant").length;
  const quality = 0.2 + (systemOf(r).includes("GOOD") ? 0.45 : 0) + 0.1 * Math.min(demos, 3);
  const draw = createRng(fingerprint([r.messages])).next();
  return draw < quality ? JSON.stringify(sample.labels) : "I am not sure.";
}

function roleModels(task: LM, prompt: LM): RoleModels {
  return { inference: task, prompt, thought: prompt, meter: new UsageMeter(), budget: undefined, cache: null, describe: () => ({ inference: { model: "scripted" } }) };
}

describe("bootstrapDemoSets", () => {
  it("builds m sets of K plus the empty set, with 1..K augmented demos from the teacher", async () => {
    // y′ = the label plus a made-up slot: μ > 0 when the label has slots, 0 when it is empty.
    const AUG = { slot: "AUG", slot_type: "location" };
    const byText = new Map(train.map((s) => [s.text, s]));
    const teacher = new ScriptedLM((r) => JSON.stringify([...(byText.get(queryText(r))?.labels ?? []), AUG]));
    const sets = await bootstrapDemoSets({ program: sf, train, sets: 12, size: 3, teacher, metric: METRICS.lf1!, rng: createRng(1) });
    expect(sets).toHaveLength(13);
    expect(sets[0]).toEqual({ index: 0, demos: [] });
    const augmentedCounts = new Set<number>();
    for (const set of sets.slice(1)) {
      expect(set.demos).toHaveLength(3);
      const augmented = set.demos.filter((d) => d.source === "augmented");
      expect(augmented.length).toBeGreaterThanOrEqual(1);
      augmentedCounts.add(augmented.length);
      // y′ = Φ(x): augmented demos carry the teacher's records; labeled ones the gold labels.
      for (const d of augmented) {
        const label = train.find((s) => s.id === d.sample_id)!.labels;
        expect(d.records).toEqual([...label, AUG]);
        expect(label.length).toBeGreaterThan(0); // an empty label made y′ score 0: rejected
        expect(d.score).toBeGreaterThan(0);
      }
      for (const d of set.demos.filter((d) => d.source === "labeled")) expect(d.records).toEqual(train.find((s) => s.id === d.sample_id)!.labels);
      expect(new Set(set.demos.map((d) => d.sample_id)).size).toBe(3);
    }
    expect([...augmentedCounts].every((c) => c >= 1 && c <= 3)).toBe(true);
    expect(augmentedCounts.size).toBeGreaterThan(1);
    // The teacher annotated with the default prompt: default instruction, default demos.
    expect(systemOf(teacher.requests[0]!)).toBe(sf.defaultInstruction);
    expect(teacher.requests[0]!.messages).toHaveLength(2 + 2 * sf.defaultDemos.length);
  });

  it("never uses an augmented output that does not parse", async () => {
    const teacher = new ScriptedLM((r) => (queryText(r).includes("Oslo") ? "garbage, no JSON" : JSON.stringify([])));
    const sets = await bootstrapDemoSets({ program: sf, train, sets: 6, size: 3, teacher, metric: METRICS.lf1!, rng: createRng(2) });
    for (const set of sets.slice(1)) {
      expect(set.demos).toHaveLength(3);
      for (const d of set.demos.filter((d) => d.source === "augmented")) expect(d.input.text).not.toContain("Oslo");
    }
  });

  it("is reproducible from the seed and offers only the empty set for zero-shot", async () => {
    const teacher = new ScriptedLM(() => "[]");
    const a = await bootstrapDemoSets({ program: sf, train, sets: 4, size: 3, teacher, metric: METRICS.lf1!, rng: createRng(7) });
    const b = await bootstrapDemoSets({ program: sf, train, sets: 4, size: 3, teacher, metric: METRICS.lf1!, rng: createRng(7) });
    const c = await bootstrapDemoSets({ program: sf, train, sets: 4, size: 3, teacher, metric: METRICS.lf1!, rng: createRng(8) });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(await bootstrapDemoSets({ program: sf, train, sets: 4, size: 3, teacher, metric: METRICS.lf1!, rng: createRng(7), zeroShot: true })).toEqual([{ index: 0, demos: [] }]);
  });
});

describe("proposeInstructions", () => {
  it("grounds each proposal in the summaries, a demo set and a tip, at T_init, and merges duplicates", async () => {
    const teacher = new ScriptedLM((r) => (lastUser(r).startsWith(HEADINGS.proposal) ? `Proposed instruction: "Variant ${r.draw! % 3}."` : teacherAnswer(r)));
    const demoSets = await bootstrapDemoSets({ program: sf, train, sets: 4, size: 3, teacher: new ScriptedLM(() => "[]"), metric: METRICS.lf1!, rng: createRng(3) });
    const result = await proposeInstructions({ program: sf, train, demoSets, count: 6, teacher, rng: createRng(3) });
    expect(result.instructions[0]).toEqual({ index: 0, text: sf.defaultInstruction, origin: "default" });
    // Only three distinct replies exist, so duplicates were merged: default + 3.
    expect(result.instructions.map((c) => c.text)).toEqual([sf.defaultInstruction, "Variant 0.", "Variant 1.", "Variant 2."]);
    expect(result.datasetSummary).toBe("Short English requests with cities and times.");
    const proposals = teacher.requests.filter((r) => lastUser(r).startsWith(HEADINGS.proposal));
    expect(proposals.every((r) => r.temperature === T_INIT)).toBe(true);
    const first = lastUser(proposals[0]!);
    expect(first).toContain("Short English requests with cities and times.");
    expect(first).toContain("The program fills slots.");
    expect(first).toContain("## Tip");
    expect(first).toContain(`Text: ${demoSets[1]!.demos[0]!.input.text}`);
    // Every teacher exchange is kept for the run folder.
    expect(result.exchanges.length).toBe(teacher.requests.length);
  });
});

describe("optimize (MIPRO search)", () => {
  const settings = { trials: 20, minibatch: 10, fullEvalEvery: 5, demoSets: 4, demos: 3, instructions: 4, seed: 11, concurrency: 4 };

  it("logs every trial, fully evaluates every f trials, and (old rule) freezes the best full evaluation", async () => {
    const runsDir = tempDir("ieopt-runs-");
    const lm = new ScriptedLM(teacherAnswer);
    // The noise-aware rule's pick is tested in select.test.ts and bench/selection.ts.
    const out = await optimize({ task: "SF", train, val, settings: { ...settings, selection: "best-full" }, models: roleModels(lm, lm), runsDir, runId: "r1" });
    const log = readFileSync(join(runsDir, "r1", "trials.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const trials = log.filter((r) => r.kind === "trial");
    const fulls = log.filter((r) => r.kind === "full_eval");
    expect(trials).toHaveLength(20);
    expect(trials.every((t) => t.minibatch.length === 10 && t.score_0_1 >= 0 && t.score_0_1 <= 1)).toBe(true);
    expect(fulls.map((f) => f.after_trial)).toEqual([4, 9, 14, 19]);
    expect(log.filter((r) => r.kind === "baseline")).toHaveLength(1);
    const best = fulls.reduce((a, b) => (b.score_0_1 > a.score_0_1 ? b : a));
    expect(out.result.best).toEqual(best.params);
    // A GOOD instruction with demos is the best region of this toy problem.
    expect(out.result.prompt.instruction).toContain("GOOD");
    const frozen = loadFrozenPrompt(out.frozenPath!);
    expect(frozen.instruction).toBe(out.result.prompt.instruction);
    expect(frozen.provenance.seed).toBe(11);
    for (const f of ["config.json", "candidates.json", "frozen.json", "report.md", "status.json", "usage.json"]) expect(existsSync(join(runsDir, "r1", f))).toBe(true);
    expect(JSON.parse(readFileSync(join(runsDir, "r1", "status.json"), "utf8")).state).toBe("finished");
  });

  it("resumes after kills at trials 3, 17 and 33 to the uninterrupted result, paying no finished call twice", async () => {
    const long = { ...settings, trials: 40, fullEvalEvery: 10 };
    const make = (cache: LMCache) => {
      const meter = new UsageMeter();
      const base = new ScriptedLM(teacherAnswer);
      const lm = new MeteredLM(new CachedLM(base, cache), meter, "inference");
      return { meter, base, models: { ...roleModels(lm, lm), meter } };
    };

    const runsA = tempDir("ieopt-runs-");
    const a = make(new LMCache(":memory:"));
    const whole = await optimize({ task: "SF", train, val, settings: long, models: a.models, runsDir: runsA, runId: "whole" });

    const runsB = tempDir("ieopt-runs-");
    const cacheB = new LMCache(":memory:");
    let paid = 0;
    let result;
    for (const killAt of [3, 17, 33, undefined]) {
      const b = make(cacheB);
      const controller = new AbortController();
      const run = optimize({
        task: "SF", train, val, settings: long, models: b.models, runsDir: runsB,
        ...(killAt === 3 ? { runId: "killed" } : { resume: "killed" }),
        signal: controller.signal,
        events: { trial: (t) => { if (t.number === killAt) controller.abort(); } },
      });
      if (killAt !== undefined) await expect(run).rejects.toThrow(RunStopped);
      else result = await run;
      paid += b.base.requests.length;
    }
    expect(result!.result.best).toEqual(whole.result.best);
    expect(result!.result.bestScore).toBe(whole.result.bestScore);
    expect(result!.result.trials).toEqual(whole.result.trials);
    // Every distinct request was paid once in total, as in the uninterrupted run.
    expect(paid).toBe(a.base.requests.length);
    const log = readFileSync(join(runsB, "killed", "trials.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(log.filter((r) => r.kind === "trial").map((t) => t.number)).toEqual([...Array(40).keys()]);
  });

  it("noise-aware: races after the last trial within the due points' budget, and a run killed mid-race resumes to the same log", async () => {
    // 30 validation samples, minibatch 5, 4 due points: budget 4 × 25 = 100 new calls; the
    // race is the best 7 on 15 samples, then the best 2 on all 30 (select.test.ts).
    const race = { ...settings, minibatch: 5, selection: "noise-aware" as const };
    const make = (cache: LMCache) => {
      const base = new ScriptedLM(teacherAnswer);
      const meter = new UsageMeter();
      const lm = new MeteredLM(new CachedLM(base, cache), meter, "inference");
      return { base, models: { ...roleModels(lm, lm), meter } };
    };
    const runsA = tempDir("ieopt-runs-");
    const a = make(new LMCache(":memory:"));
    let callsBeforeRace = 0;
    const whole = await optimize({
      task: "SF", train, val, settings: race, models: a.models, runsDir: runsA, runId: "whole",
      events: { phase: (name) => { if (name === "final selection") callsBeforeRace = a.base.requests.length; } },
    });
    const log = readFileSync(join(runsA, "whole", "trials.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const rung0 = log.filter((r) => r.kind === "race_eval");
    const fulls = log.filter((r) => r.kind === "full_eval");
    // No full evaluation during the search; the race's records come after the last trial.
    expect(log.findIndex((r) => r.kind === "race_eval" || r.kind === "full_eval")).toBeGreaterThan(log.findLastIndex((r) => r.kind === "trial"));
    expect(rung0.length).toBeGreaterThan(0);
    expect(rung0.length).toBeLessThanOrEqual(7);
    expect(rung0.every((r) => r.rung === 0 && r.after_trial === 19 && r.sample_ids.length === r.scores_0_1.length)).toBe(true);
    expect(fulls.map((f) => [f.after_trial, f.rung, f.samples])).toEqual([[19, 1, 30], [19, 1, 30]]);
    // The finalists came out of the first rung's combinations; one of them is frozen.
    const key = (p: { instruction: number; demos: number }) => `${p.instruction}/${p.demos}`;
    const trialCombos = new Set(log.filter((r) => r.kind === "trial").map((r) => key(r.params)));
    for (const f of fulls) expect(trialCombos.has(key(f.params))).toBe(true);
    expect(fulls.map((f) => key(f.params))).toContain(key(whole.result.best));
    expect(whole.result.raceEvals).toHaveLength(rung0.length);
    // The report names what the picked score is the best of, and lists the race.
    const report = readFileSync(join(runsA, "whole", "report.md"), "utf8");
    expect(report).toContain(`it is the best of 2 finalists of a race over ${rung0.length} combinations`);
    expect(report).toContain("## Final selection race");
    expect(readFileSync(join(runsA, "whole", "report.html"), "utf8")).toContain(`best of 2 finalists of a race over ${rung0.length} combinations`);
    // The race paid at most the budget of the four due points' full evaluations.
    expect(a.base.requests.length - callsBeforeRace).toBeLessThanOrEqual(4 * (30 - 5));

    const runsB = tempDir("ieopt-runs-");
    const cacheB = new LMCache(":memory:");
    const first = make(cacheB);
    const controller = new AbortController();
    // Killed when the first finalist is logged: the first rung is in the log, the second not whole.
    const killed = optimize({
      task: "SF", train, val, settings: race, models: first.models, runsDir: runsB, runId: "killed", signal: controller.signal,
      events: { fullEval: (r) => { if ("rung" in r) controller.abort(); } },
    });
    await expect(killed).rejects.toThrow(RunStopped);
    const partial = readFileSync(join(runsB, "killed", "trials.jsonl"), "utf8");
    expect(partial.match(/"race_eval"/g)).toHaveLength(rung0.length);
    expect(partial.match(/"full_eval"/g)!.length).toBeGreaterThanOrEqual(1);
    const resumed = await optimize({ task: "SF", train, val, settings: race, models: make(cacheB).models, runsDir: runsB, resume: "killed" });
    expect(resumed.result.best).toEqual(whole.result.best);
    const linesOf = (dir: string) => readFileSync(join(dir, "trials.jsonl"), "utf8").trim().split("\n");
    expect(linesOf(join(runsB, "killed"))).toEqual(linesOf(join(runsA, "whole")));
  });

  it("noise-aware: a race whose calls fail stops the run before its results are logged, and the resume redoes it", async () => {
    const race = { ...settings, minibatch: 5, selection: "noise-aware" as const };
    let failing = false;
    const lm = new ScriptedLM((r) => {
      if (failing && !lastUser(r).startsWith("#") && !lastUser(r).startsWith(HEADINGS.proposal)) throw new LMCallError("HTTP 500 from the endpoint", "http", 3, 500);
      return teacherAnswer(r);
    });
    const runsDir = tempDir("ieopt-runs-");
    const run = optimize({ task: "SF", train, val, settings: race, models: roleModels(lm, lm), runsDir, runId: "f", events: { phase: (name) => { if (name === "final selection") failing = true; } } });
    await expect(run).rejects.toThrow(/final selection/);
    const logged = readFileSync(join(runsDir, "f", "trials.jsonl"), "utf8");
    expect(logged).not.toContain('"race_eval"');
    expect(logged).not.toContain('"full_eval"');
    expect(JSON.parse(readFileSync(join(runsDir, "f", "status.json"), "utf8")).state).toBe("failed");
    failing = false;
    const resumed = await optimize({ task: "SF", train, val, settings: race, models: roleModels(lm, lm), runsDir, resume: "f" });
    // Equal to a run that never met the failure.
    const whole = await optimize({ task: "SF", train, val, settings: race, models: roleModels(lm, lm), runsDir, runId: "whole" });
    expect(resumed.result.raceEvals.length).toBeGreaterThan(0);
    expect(resumed.result.raceEvals).toEqual(whole.result.raceEvals);
    expect(resumed.result.best).toEqual(whole.result.best);
  });

  it("a budget stop while Φ proposes instructions marks the run stopped (resumable), not failed", async () => {
    const runsDir = tempDir("ieopt-runs-");
    const lm = new ScriptedLM((r) => {
      if (lastUser(r).startsWith(HEADINGS.proposal)) throw new LMCallError("budget of 0 calls reached", "budget", 1);
      return teacherAnswer(r);
    });
    await expect(optimize({ task: "SF", train, val, settings, models: roleModels(lm, lm), runsDir, runId: "b" })).rejects.toThrow(RunStopped);
    expect(JSON.parse(readFileSync(join(runsDir, "b", "status.json"), "utf8")).state).toBe("stopped");
  });

  it("a resumed run keeps the settings it started with, and reports them", async () => {
    const runsDir = tempDir("ieopt-runs-");
    const lm = new ScriptedLM(teacherAnswer);
    const small = { ...settings, trials: 5, metric: "f1" };
    await optimize({ task: "SF", train, val, settings: small, models: roleModels(lm, lm), runsDir, runId: "m" });
    const resumed = await optimize({ task: "SF", train, val, settings: { ...small, metric: "lf1" }, models: roleModels(lm, lm), runsDir, resume: "m" });
    expect(resumed.settings.metric).toBe("f1");
    expect(resumed.frozen.provenance.scores).toMatchObject({ metric: "f1" });
  });

  it("rejects bad input before creating a run folder", async () => {
    const runsDir = tempDir("ieopt-runs-");
    const lm = new ScriptedLM(teacherAnswer);
    const models = roleModels(lm, lm);
    const ner: Sample[] = val.map((s) => ({ ...s, task: "NER", schema: ["person"], labels: [] }) as unknown as Sample);
    const cases: [string, Parameters<typeof optimize>[0], RegExp][] = [
      ["unknown task", { task: "POS", train, val, models, runsDir }, /unknown task 'POS'/],
      ["empty train", { task: "SF", train: [], val, models, runsDir }, /train split is empty/],
      ["empty val", { task: "SF", train, val: [], models, runsDir }, /validation split is empty/],
      ["val smaller than the minibatch", { task: "SF", train, val: val.slice(0, 5), models, runsDir }, /fewer than the minibatch size 25/],
      ["task mismatch", { task: "SF", train, val: ner, models, runsDir }, /holds NER samples/],
    ];
    for (const [, request, message] of cases) await expect(optimize(request)).rejects.toThrow(message);
    await expect(optimize({ task: "POS", train, val, models, runsDir })).rejects.toThrow(UserInputError);
    expect(readdirSync(runsDir)).toEqual([]);
  });

  it("keeps the default prompt when no searched combination beats it on full validation", async () => {
    const runsDir = tempDir("ieopt-runs-");
    const defaultFirstDemo = sf.renderOutput(sf.defaultDemos[0]!.records);
    // Only the exact default prompt (default instruction + default demos) answers right.
    const lm = new ScriptedLM((r) => {
      if (lastUser(r).startsWith("#")) return teacherAnswer(r);
      const isDefault = systemOf(r) === sf.defaultInstruction && r.messages[2]?.content === defaultFirstDemo;
      return isDefault ? JSON.stringify(gold.get(queryText(r))?.labels ?? []) : "[]";
    });
    const out = await optimize({ task: "SF", train, val, settings, models: roleModels(lm, lm), runsDir, runId: "d" });
    expect(out.result.chosen).toBe("default");
    expect(out.result.baselineScore).toBe(1);
    expect(out.result.bestScore).toBeLessThan(1);
    expect(out.frozen.instruction).toBe(sf.defaultInstruction);
    expect(out.frozen.demos.map((d) => d.input.text)).toEqual(sf.defaultDemos.map((d) => d.input.text));
    expect(out.frozen.provenance.scores).toMatchObject({ chosen: "default", scale: "0-100", val_lf1: 100 });
    expect(readFileSync(join(runsDir, "d", "report.md"), "utf8")).toContain("Frozen: the default prompt.");
  });

  it("searches instructions only in zero-shot mode", async () => {
    const runsDir = tempDir("ieopt-runs-");
    const lm = new ScriptedLM(teacherAnswer);
    const out = await optimize({ task: "SF", train: [], val, settings: { ...settings, zeroShot: true }, models: roleModels(lm, lm), runsDir });
    expect(out.result.candidates.demo_sets).toEqual([{ index: 0, demos: [] }]);
    expect(out.result.prompt.demos).toEqual([]);
    expect(out.frozen.provenance.optimizer).toBe("mipro-zero-shot");
  });
});
