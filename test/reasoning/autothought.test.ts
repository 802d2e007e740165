import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ScriptedLM, lastUser, systemOf } from "../helpers/scripted-lm.ts";
import { optimize } from "../../optimizers/optimize.ts";
import { optimizeAutoThought } from "../../optimizers/autothought-run.ts";
import { loadFrozenPrompt, promptFromFrozen } from "../../src/runs/frozen.ts";
import { buildRequest } from "../../src/eval/runner.ts";
import { EXPORTERS } from "../../src/cli/commands/export.ts";
import { REASONING_FORMAT } from "../../programs/program.ts";
import { LMCallError, type LMRequest } from "../../src/lm/types.ts";
import { UserInputError } from "../../src/errors.ts";
import { RunFolder } from "../../src/runs/run-folder.ts";
import { labeledDemo } from "../../optimizers/bootstrap.ts";
import type { ThoughtCandidates } from "../../optimizers/autothought.ts";
import { sf, train, val, roles, kindOf, teacherAnswer, teacherQueryText, writeSourceRun, SOURCE_DEMOS, SOURCE_INSTRUCTION, SETTINGS, Y_PRIME } from "./helpers.ts";
import { tempDir } from "../helpers/temp.ts";

const tmpRuns = () => tempDir("ieopt-at-");
const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));
/** The demo turns of an extraction request (everything between the system message and the query). */
const demoTurns = (r: LMRequest) => JSON.stringify(r.messages.slice(1, -1));
const kinds = (lm: ScriptedLM) => [...new Set(lm.requests.map(kindOf))].sort();

async function runVariant(variant: 1 | 2 | 3, overrides: Parameters<typeof roles>[0] = {}) {
  const runsDir = tmpRuns();
  const from = writeSourceRun(runsDir);
  const r = roles(overrides);
  const out = await optimizeAutoThought({ task: "SF", train, val, settings: SETTINGS, models: r.models, runsDir, runId: "at", variant, from });
  return { ...r, out, runsDir, dir: join(runsDir, "at") };
}

/** Demos fixed: every θ request of the search shows the frozen demos (the baseline aside). */
function expectFixedDemos(theta: ScriptedLM, frozenDemosTurns: string) {
  const defaultTurns = demoTurns(buildRequest({ program: sf, instruction: "x", demos: sf.defaultDemos, reasoning: true }, train[0]!));
  const searched = theta.requests.filter((r) => demoTurns(r) !== defaultTurns);
  expect(searched.length).toBeGreaterThanOrEqual(SETTINGS.trials * SETTINGS.minibatch * 0.5);
  expect(new Set(searched.map(demoTurns))).toEqual(new Set([frozenDemosTurns]));
  // …while the instruction varied, always with the reasoning frame.
  expect(new Set(searched.map(systemOf)).size).toBeGreaterThan(1);
  expect(searched.every((r) => systemOf(r).endsWith(REASONING_FORMAT) && r.max_tokens === 1024)).toBe(true);
}

describe("AutoThought-1: T ~ Θ(T | x, y), keep y", () => {
  it("Θ explains each S_top demo with its answer; Φ proposes for the thought-carrying demos; the search keeps them fixed", async () => {
    const { phi, Theta, theta, out, dir } = await runVariant(1);
    // Θ: exactly one explain request per S_top demo, carrying x and y.
    expect(Theta.requests.map(kindOf)).toEqual(["explain", "explain", "explain"]);
    SOURCE_DEMOS.forEach((d) => {
      const r = Theta.requests.find((q) => teacherQueryText(q) === d.input.text)!;
      expect(lastUser(r)).toContain(`Answer: ${JSON.stringify(d.records)}`);
    });
    // Φ: summaries and proposals only, the proposals showing the thoughts.
    expect(kinds(phi)).toEqual(["meta", "proposal"]);
    const proposal = lastUser(phi.requests.find((r) => kindOf(r) === "proposal")!);
    expect(proposal).toContain(`Thought: THETA explains ${SOURCE_DEMOS[0]!.input.text}`);
    // θ: extraction only.
    expect(kinds(theta)).toEqual(["extract"]);

    const frozen = loadFrozenPrompt(join(dir, "frozen.json"));
    expect(frozen.reasoning).toBe(true);
    expect(frozen.decoding.max_tokens).toBe(1024);
    expect(frozen.provenance).toMatchObject({ optimizer: "autothought-1", source_run: "source" });
    expect(frozen.demos.map((d) => d.output)).toEqual(SOURCE_DEMOS.map((d) => d.records));
    expect(frozen.demos.map((d) => d.thought)).toEqual(SOURCE_DEMOS.map((d) => `THETA explains ${d.input.text}`));
    expectFixedDemos(theta, demoTurns(buildRequest(out.result.prompt, train[0]!)));

    const candidates: ThoughtCandidates = readJson(join(dir, "candidates.json"));
    expect(candidates.demo_sets).toHaveLength(1);
    expect(candidates.demo_sets[0]!.demos.map((d) => d.thought)).toEqual(frozen.demos.map((d) => d.thought));
    expect(candidates.autothought).toMatchObject({ variant: 1, source_run: "source", source_instruction: SOURCE_INSTRUCTION });
    expect(candidates.autothought.thoughts.map((n) => [n.step, n.output, n.thought])).toEqual(SOURCE_DEMOS.map((d) => ["explain", "kept", `THETA explains ${d.input.text}`]));
    // I_top is candidate 0, then the default instruction and the new proposals.
    expect(candidates.instructions[0]).toMatchObject({ index: 0, text: SOURCE_INSTRUCTION, carried_from: "source" });
    expect(candidates.instructions[1]).toMatchObject({ index: 1, text: sf.defaultInstruction, origin: "default" });
    expect(candidates.instructions).toHaveLength(SETTINGS.instructions);
    expect(candidates.exchanges.filter((e) => e.purpose.startsWith("explain"))).toHaveLength(3);
    expect(readJson(join(dir, "config.json")).autothought).toEqual({ variant: 1, source_run: "source" });
    expect(readFileSync(join(dir, "report.md"), "utf8")).toContain("## AutoThought-1");
    // Θ's calls count as the thoughts phase, Φ's as propose (they ran side by side), θ's default prompt as the baseline.
    const calls = Object.fromEntries(readJson(join(dir, "status.json")).phases.map((p: { phase: string; calls: number }) => [p.phase, p.calls]));
    expect(calls.thoughts).toBe(Theta.requests.length);
    expect(calls.propose).toBe(phi.requests.length);
    expect(calls.baseline).toBe(val.length);
  });
});

describe("AutoThought-2: T ~ Θ(T | x), keep y", () => {
  it("Θ sees only x; the demos keep their labels next to thoughts that never saw them", async () => {
    const { Theta, theta, out, dir } = await runVariant(2);
    expect(Theta.requests.map(kindOf)).toEqual(["think", "think", "think"]);
    for (const r of Theta.requests) {
      expect(lastUser(r)).not.toContain("Answer:");
      const demo = SOURCE_DEMOS.find((d) => d.input.text === teacherQueryText(r))!;
      if (demo.records.length > 0) expect(lastUser(r)).not.toContain(JSON.stringify(demo.records));
    }
    const frozen = loadFrozenPrompt(join(dir, "frozen.json"));
    expect(frozen.provenance.optimizer).toBe("autothought-2");
    expect(frozen.demos.map((d) => d.output)).toEqual(SOURCE_DEMOS.map((d) => d.records));
    expect(frozen.demos.map((d) => d.source)).toEqual(SOURCE_DEMOS.map((d) => d.source));
    expect(frozen.demos.map((d) => d.thought)).toEqual(SOURCE_DEMOS.map((d) => `THETA thinks about ${d.input.text}`));
    expectFixedDemos(theta, demoTurns(buildRequest(out.result.prompt, train[0]!)));
  });
});

describe("AutoThought-3: T ~ Θ(T | x), y replaced by y′ = Θ(x, T)", () => {
  it("Θ thinks on x, then answers under I_top with T handed over; y′ replaces y in the frozen demos", async () => {
    const { Theta, theta, out, dir } = await runVariant(3);
    expect(Theta.requests.map(kindOf).sort()).toEqual(["answer-with-thought", "answer-with-thought", "answer-with-thought", "think", "think", "think"]);
    for (const r of Theta.requests.filter((q) => kindOf(q) === "answer-with-thought")) {
      expect(systemOf(r)).toBe(`${SOURCE_INSTRUCTION}\n\n${REASONING_FORMAT}`);
      const text = /\nText: (.*)$/.exec(r.messages.at(-2)!.content)![1]!;
      expect(lastUser(r)).toBe(`Use this reasoning: THETA thinks about ${text}\nWrite the Answer.`);
    }
    const frozen = loadFrozenPrompt(join(dir, "frozen.json"));
    expect(frozen.provenance.optimizer).toBe("autothought-3");
    expect(frozen.demos.map((d) => d.output)).toEqual(SOURCE_DEMOS.map(() => Y_PRIME));
    expect(frozen.demos.every((d) => d.source === "augmented")).toBe(true);
    expect(frozen.demos.map((d) => d.input.text)).toEqual(SOURCE_DEMOS.map((d) => d.input.text));
    const candidates: ThoughtCandidates = readJson(join(dir, "candidates.json"));
    expect(candidates.autothought.thoughts.every((n) => n.step === "think+answer" && n.output === "replaced")).toBe(true);
    expectFixedDemos(theta, demoTurns(buildRequest(out.result.prompt, train[0]!)));
  });

  it("a demo whose thought fails stays (x, y) without a thought, and the run finishes", async () => {
    const failOn = SOURCE_DEMOS[1]!.input.text;
    const Theta = new ScriptedLM((r) => {
      if (lastUser(r).includes(`Text: ${failOn}`)) throw new LMCallError("HTTP 503", "http", 6, 503);
      return teacherAnswer("THETA")(r);
    });
    const { dir } = await runVariant(3, { Theta });
    const frozen = loadFrozenPrompt(join(dir, "frozen.json"));
    expect(frozen.demos[1]).toMatchObject({ output: SOURCE_DEMOS[1]!.records, source: "labeled" });
    expect(frozen.demos[1]!.thought).toBeUndefined();
    expect(frozen.demos[0]!.thought).toBeDefined();
    const notes = (readJson(join(dir, "candidates.json")) as ThoughtCandidates).autothought.thoughts;
    expect(notes[1]).toMatchObject({ output: "kept", failure: expect.any(String) });
    expect(readFileSync(join(dir, "report.md"), "utf8")).toContain("1 of 3 thought steps failed");
  });
});

describe("AutoThought-4: augmented (x, T, y′) from Φ, full search", () => {
  it("Φ thinks and answers for every demo; Θ is never asked; the search ranges over demo sets", async () => {
    const runsDir = tmpRuns();
    // y′ = the label plus a marker slot: it passes the metric filter (μ > 0) unless the label is empty.
    const byText = new Map(train.map((s) => [s.text, s]));
    const answer = teacherAnswer("PHI");
    const phiLM = new ScriptedLM((r) => {
      if (kindOf(r) !== "answer-with-thought") return answer(r);
      // The query is the user turn before the one handing over the thought.
      const query = r.messages.at(-2)!.content.split("\nText: ").pop()!;
      return `Thought: given\nAnswer: ${JSON.stringify([...byText.get(query)!.labels, ...Y_PRIME])}`;
    }, "phi");
    const { phi, Theta, theta, models } = roles({ phi: phiLM });
    const out = await optimizeAutoThought({ task: "SF", train, val, settings: SETTINGS, models, runsDir, runId: "at4", variant: 4 });
    expect(Theta.requests).toEqual([]);
    expect(kinds(phi)).toEqual(["answer-with-thought", "meta", "proposal", "think"]);
    for (const r of phi.requests.filter((q) => kindOf(q) === "answer-with-thought")) expect(systemOf(r)).toBe(`${sf.defaultInstruction}\n\n${REASONING_FORMAT}`);
    const candidates: ThoughtCandidates = readJson(join(runsDir, "at4", "candidates.json"));
    expect(candidates.demo_sets).toHaveLength(SETTINGS.demoSets + 1);
    expect(candidates.demo_sets[0]!.demos).toEqual([]);
    for (const set of candidates.demo_sets.slice(1)) {
      expect(set.demos).toHaveLength(SETTINGS.demos);
      for (const d of set.demos) {
        const label = train.find((s) => s.id === d.sample_id)!.labels;
        expect(d).toMatchObject({ source: "augmented", records: [...label, ...Y_PRIME], thought: `PHI thinks about ${d.input.text}` });
        expect(label.length).toBeGreaterThan(0);
        expect(d.score).toBeGreaterThan(0);
      }
    }
    // Samples with an empty label gave a y′ scoring 0: rejected, with the reason noted.
    expect(candidates.autothought.thoughts.some((n) => /not above the threshold/.test(n.failure ?? ""))).toBe(true);
    expect(candidates.autothought.source_run).toBeUndefined();
    const trials = readFileSync(join(runsDir, "at4", "trials.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((t) => t.kind === "trial");
    expect(new Set(trials.map((t) => t.params.demos)).size).toBeGreaterThan(1);
    expect(theta.requests.every((r) => systemOf(r).endsWith(REASONING_FORMAT))).toBe(true);
    expect(out.frozen).toMatchObject({ reasoning: true, provenance: { optimizer: "autothought-4" } });
  });
});

describe("AutoThought runs: sources, errors, resume", () => {
  it("without --from, runs the plain optimization first in its own folder and continues from its frozen prompt", async () => {
    const runsDir = tmpRuns();
    const { models } = roles();
    const out = await optimizeAutoThought({ task: "SF", train, val, settings: SETTINGS, models, runsDir, runId: "at", sourceRunId: "plain", variant: 1 });
    expect(out.source?.run.id).toBe("plain");
    expect(out.source?.frozen.provenance.optimizer).toBe("mipro");
    expect(out.frozen.provenance.source_run).toBe("plain");
    // S_top of the plain run (or its best few-shot combination when zero-shot won), now with thoughts.
    const at = (out.result.candidates as ThoughtCandidates).autothought;
    if (out.source!.frozen.demos.length > 0) {
      expect(at.source_fallback).toBeUndefined();
      expect(out.frozen.demos.map((d) => d.input.text)).toEqual(out.source!.frozen.demos.map((d) => d.input.text));
    } else {
      expect(at.source_fallback).toMatch(/winner was zero-shot/);
    }
    expect(out.frozen.demos.length).toBeGreaterThan(0);
    expect(out.frozen.demos.every((d) => d.thought !== undefined)).toBe(true);
    expect(readdirSync(runsDir).sort()).toEqual(["at", "plain"]);
  });

  it("starts from the best fully evaluated few-shot combination when the source's winner is zero-shot", async () => {
    const runsDir = tmpRuns();
    writeSourceRun(runsDir, "zs", []);
    const fewShot = [train[1]!, train[2]!].map(labeledDemo);
    const source = new RunFolder(runsDir, "zs");
    source.writeJson("candidates.json", {
      instructions: [{ index: 0, text: "default", origin: "default" }, { index: 1, text: "I few-shot", origin: "proposed" }, { index: 2, text: "I worse", origin: "proposed" }],
      demo_sets: [{ index: 0, demos: [] }, { index: 1, demos: fewShot }, { index: 2, demos: [labeledDemo(train[4]!)] }],
      dataset_summary: "", program_summary: "", exchanges: [],
    });
    for (const r of [
      { kind: "full_eval", after_trial: 3, params: { instruction: 0, demos: 0 }, score: 0.9, samples: 30, failures: 0 },
      { kind: "full_eval", after_trial: 7, params: { instruction: 1, demos: 1 }, score: 0.8, samples: 30, failures: 0 },
      { kind: "full_eval", after_trial: 11, params: { instruction: 2, demos: 2 }, score: 0.7, samples: 30, failures: 0 },
    ]) source.appendLog("trials.jsonl", r);
    const { models } = roles();
    const out = await optimizeAutoThought({ task: "SF", train, val, settings: SETTINGS, models, runsDir, runId: "at", variant: 2, from: "zs" });
    const at = (out.result.candidates as ThoughtCandidates).autothought;
    expect(at.source_instruction).toBe("I few-shot");
    expect(at.source_fallback).toMatch(/best fully evaluated few-shot combination/);
    expect(out.frozen.demos.map((d) => d.input.text)).toEqual(fewShot.map((d) => d.input.text));
  });

  it("rejects a missing, unfinished or zero-shot source before creating a run folder", async () => {
    const runsDir = tmpRuns();
    writeSourceRun(runsDir, "zero", []);
    const { models } = roles();
    const base = { task: "SF", train, val, settings: SETTINGS, models, runsDir };
    await expect(optimizeAutoThought({ ...base, variant: 2, from: "nope" })).rejects.toThrow(/no run 'nope'/);
    await expect(optimizeAutoThought({ ...base, variant: 2, from: "zero" })).rejects.toThrow(/no demos \(zero-shot\) and the run tried no few-shot combination/);
    await expect(optimizeAutoThought({ ...base, variant: 4, from: "zero" })).rejects.toThrow(UserInputError);
    await expect(optimize({ ...base, autothought: { variant: 1 } })).rejects.toThrow(/pass its run with --from/);
    await expect(optimize({ ...base, settings: { ...SETTINGS, zeroShot: true }, autothought: { variant: 4 } })).rejects.toThrow(/zero-shot/);
    expect(readdirSync(runsDir)).toEqual(["zero"]);
  });

  it("resumes a killed AutoThought run to the same result, without asking Θ again", async () => {
    const whole = await runVariant(1);
    const runsDir = tmpRuns();
    const from = writeSourceRun(runsDir);
    const first = roles();
    const controller = new AbortController();
    await expect(
      optimizeAutoThought({
        task: "SF", train, val, settings: SETTINGS, models: first.models, runsDir, runId: "at", variant: 1, from, signal: controller.signal,
        events: { trial: (t) => { if (t.number === 5) controller.abort(); } },
      }),
    ).rejects.toThrow(/stopped/);
    const second = roles();
    const resumed = await optimizeAutoThought({ task: "SF", train, val, settings: SETTINGS, models: second.models, runsDir, resume: "at", variant: 1 });
    expect(second.Theta.requests).toEqual([]);
    expect(resumed.result.best).toEqual(whole.out.result.best);
    expect(resumed.result.trials).toEqual(whole.out.result.trials);
    expect(resumed.frozen.demos).toEqual(whole.out.frozen.demos);
  });
});

describe("frozen reasoning prompts", () => {
  it("load, export and render with the reasoning frame and each demo's thought", async () => {
    const { dir } = await runVariant(1);
    const path = join(dir, "frozen.json");
    const frozen = loadFrozenPrompt(path);
    // Export round trip: the exported file is the same prompt.
    const exported = JSON.parse(EXPORTERS.frozen!(path, {}));
    expect(exported).toEqual(frozen);
    const prompt = promptFromFrozen(frozen);
    expect(prompt.reasoning).toBe(true);
    const request = buildRequest(prompt, val[0]!);
    expect(systemOf(request)).toBe(`${frozen.instruction}\n\n${REASONING_FORMAT}`);
    frozen.demos.forEach((d, i) => {
      expect(request.messages[2 + 2 * i]).toEqual({ role: "assistant", content: `Thought: ${d.thought}\nAnswer: ${JSON.stringify(d.output)}` });
    });
    expect(request.max_tokens).toBe(1024);
    expect(labeledDemo(train[0]!).thought).toBeUndefined();
  });
});

describe("stopping while thoughts are written", () => {
  it("a budget stop from Θ marks the run stopped (resumable), not failed", async () => {
    const runsDir = tmpRuns();
    const from = writeSourceRun(runsDir);
    const Theta = new ScriptedLM(() => {
      throw new LMCallError("budget of 0 calls reached", "budget", 1);
    });
    const { models } = roles({ Theta });
    await expect(optimizeAutoThought({ task: "SF", train, val, settings: SETTINGS, models, runsDir, runId: "at", variant: 1, from })).rejects.toThrow(/budget of 0 calls reached; finished work is saved/);
    expect(readJson(join(runsDir, "at", "status.json")).state).toBe("stopped");
  });
});
