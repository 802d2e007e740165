/**
 * Test doubles for the three roles — Φ (prompt teacher), Θ (thought teacher), θ (inference)
 * — as separate ScriptedLMs, so a test can pin which model saw which request.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ScriptedLM, lastUser, systemOf, queryText } from "../helpers/scripted-lm.ts";
import { toySamples } from "../helpers/toy-data.ts";
import { HEADINGS } from "../../optimizers/prompts.ts";
import { UsageMeter } from "../../src/lm/usage.ts";
import { RunFolder } from "../../src/runs/run-folder.ts";
import { freezePrompt, writeFrozenPrompt } from "../../src/runs/frozen.ts";
import { labeledDemo } from "../../optimizers/bootstrap.ts";
import { PROGRAMS } from "../../programs/index.ts";
import type { RoleModels } from "../../src/lm/roles.ts";
import type { LMRequest } from "../../src/lm/types.ts";
import type { Demo } from "../../programs/index.ts";

export const sf = PROGRAMS.SF;
export const train = toySamples("train", 24);
export const val = toySamples("dev", 30, 100);
const gold = new Map([...train, ...val].map((s) => [s.text, s]));

export type RequestKind = "explain" | "think" | "answer-with-thought" | "proposal" | "meta" | "extract";

export function kindOf(r: LMRequest): RequestKind {
  const user = lastUser(r);
  if (user.startsWith(HEADINGS.explain)) return "explain";
  if (user.startsWith(HEADINGS.think)) return "think";
  if (user.startsWith("Use this reasoning:")) return "answer-with-thought";
  if (user.startsWith(HEADINGS.proposal)) return "proposal";
  if (user.startsWith("# ")) return "meta";
  return "extract";
}

/** The query text inside a teacher request ("Text: …" line). */
export const teacherQueryText = (r: LMRequest): string => /\nText: (.*)/.exec(lastUser(r))![1]!;

/** The records a y′ = M(x, T) request is answered with: recognisable, and not the gold labels. */
export const Y_PRIME = [{ slot: "FROM-THOUGHT", slot_type: "location" }];

/** A teacher double: thoughts name the request kind and the text; proposals alternate GOOD / vague. */
export function teacherAnswer(name: string) {
  return (r: LMRequest): string => {
    switch (kindOf(r)) {
      case "explain": return `Thought: ${name} explains ${teacherQueryText(r)}`;
      case "think": return `${name} thinks about ${teacherQueryText(r)}`;
      case "answer-with-thought": return `Thought: given\nAnswer: ${JSON.stringify(Y_PRIME)}`;
      case "proposal": return `Proposed instruction: ${name} variant ${r.draw} ${r.draw! % 2 === 0 ? "GOOD" : "vague"}.`;
      case "meta": return "Short English requests with cities and times.";
      case "extract": return JSON.stringify(gold.get(queryText(r))?.labels ?? []);
    }
  };
}

/** θ: right on every sample when the instruction says GOOD, otherwise right on every other one. */
export function inferenceAnswer(r: LMRequest): string {
  const sample = gold.get(queryText(r));
  if (!sample) return "Thought: unknown\nAnswer: []";
  const right = systemOf(r).includes("GOOD") || Number(sample.id.split("-").pop()) % 2 === 0;
  return `Thought: looked\nAnswer: ${right ? JSON.stringify(sample.labels) : "[]"}`;
}

export interface Roles {
  phi: ScriptedLM;
  Theta: ScriptedLM;
  theta: ScriptedLM;
  models: RoleModels;
}

export function roles(overrides: { Theta?: ScriptedLM; phi?: ScriptedLM } = {}): Roles {
  const phi = overrides.phi ?? new ScriptedLM(teacherAnswer("PHI"), "phi");
  const Theta = overrides.Theta ?? new ScriptedLM(teacherAnswer("THETA"), "Theta");
  const theta = new ScriptedLM(inferenceAnswer, "theta");
  return {
    phi, Theta, theta,
    models: {
      inference: theta, prompt: phi, thought: Theta, meter: new UsageMeter(), budget: undefined, cache: null,
      describe: () => ({ inference: { model: "theta" }, prompt: { model: "phi" }, thought: { model: "Theta" } }),
    },
  };
}

/** S_top of the fake source run: three train samples (one empty), as a plain run would freeze them. */
export const SOURCE_DEMOS: Demo[] = [train[0]!, train[3]!, train[5]!].map(labeledDemo);
export const SOURCE_INSTRUCTION = "Fill the slots. Source instruction GOOD.";

/** A finished plain run with a frozen few-shot prompt, without running the search. */
export function writeSourceRun(runsDir: string, id = "source", demos: readonly Demo[] = SOURCE_DEMOS): string {
  mkdirSync(runsDir, { recursive: true });
  const run = RunFolder.create(runsDir, id);
  run.writeJson("config.json", { format: "ieopt.run/v1", run_id: id, task: "SF", optimizer: "mipro" });
  writeFrozenPrompt(join(run.dir, "frozen.json"), freezePrompt(sf, { instruction: SOURCE_INSTRUCTION, demos, reasoning: false }, { run_id: id, optimizer: "mipro", settings: {}, data: {}, scores: { val_lf1: 0.5 } }));
  run.setStatus("finished");
  return id;
}

export const SETTINGS = { trials: 12, minibatch: 10, fullEvalEvery: 4, demoSets: 4, demos: 3, instructions: 4, seed: 5, concurrency: 4 };
