import { describe, expect, it } from "vitest";
import { ScriptedLM, lastUser, systemOf } from "../helpers/scripted-lm.ts";
import { explainThought, thinkThought, answerWithThought, explainDemo, thinkDemo, thinkAndAnswerDemo, THOUGHT_TEMPERATURE } from "../../optimizers/thoughts.ts";
import { buildDefaultCot } from "../../optimizers/default-cot.ts";
import { buildRequest } from "../../src/eval/runner.ts";
import { REASONING_FORMAT } from "../../programs/program.ts";
import { LMCallError } from "../../src/lm/types.ts";
import type { TeacherExchange } from "../../optimizers/propose.ts";
import { sf, train, teacherAnswer, kindOf, Y_PRIME, SOURCE_DEMOS } from "./helpers.ts";

const sample = train[0]!;
const query = { text: sample.text, schema: sample.schema };

describe("thought teacher primitives", () => {
  it("explainThought shows Θ the text and the answer; thinkThought only the text", async () => {
    const Theta = new ScriptedLM(teacherAnswer("THETA"));
    const explained = await explainThought(sf, Theta, query, sample.labels);
    const thought = await thinkThought(sf, Theta, query);
    const [explain, think] = Theta.requests;
    expect(kindOf(explain!)).toBe("explain");
    expect(lastUser(explain!)).toContain(`Text: ${sample.text}`);
    expect(lastUser(explain!)).toContain(`Answer: ${JSON.stringify(sample.labels)}`);
    expect(kindOf(think!)).toBe("think");
    expect(lastUser(think!)).toContain(`Text: ${sample.text}`);
    expect(lastUser(think!)).not.toContain("Answer:");
    expect(lastUser(think!)).not.toContain(JSON.stringify(sample.labels));
    // The "Thought:" label of the reply is cleaned off.
    expect(explained).toBe(`THETA explains ${sample.text}`);
    expect(thought).toBe(`THETA thinks about ${sample.text}`);
    expect(Theta.requests.every((r) => r.temperature === THOUGHT_TEMPERATURE)).toBe(true);
  });

  it("answerWithThought renders the reasoning prompt, then hands over T in one extra user turn", async () => {
    const model = new ScriptedLM(teacherAnswer("M"));
    const records = await answerWithThought(sf, model, "Instr.", query, "T-text");
    expect(records).toEqual(Y_PRIME);
    const r = model.requests[0]!;
    expect(systemOf(r)).toBe(`Instr.\n\n${REASONING_FORMAT}`);
    expect(r.messages.slice(0, -1)).toEqual(sf.render(query, { instruction: "Instr.", demos: [], reasoning: true }));
    expect(r.messages.at(-1)).toEqual({ role: "user", content: "Use this reasoning: T-text\nWrite the Answer." });
    expect(r.max_tokens).toBe(1024);
  });

  it("turns faults and unparseable answers into undefined, recorded in the log, but lets a budget stop through", async () => {
    const log: TeacherExchange[] = [];
    const failing = new ScriptedLM(() => {
      throw new LMCallError("HTTP 500", "http", 3, 500);
    });
    expect(await thinkThought(sf, failing, query, { log })).toBeUndefined();
    expect(await explainThought(sf, new ScriptedLM(() => "  "), query, sample.labels)).toBeUndefined();
    expect(await answerWithThought(sf, new ScriptedLM(() => "Thought: x\nAnswer: no json here"), "I", query, "T", { log })).toBeUndefined();
    expect(log.map((e) => e.error)).toEqual(["HTTP 500", expect.stringMatching(/^unparseable answer/)]);
    const broke = new ScriptedLM(() => {
      throw new LMCallError("budget", "budget", 1);
    });
    await expect(thinkThought(sf, broke, query)).rejects.toThrow(LMCallError);
  });
});

describe("per-demo thoughts", () => {
  const demo = SOURCE_DEMOS[0]!;

  it("explainDemo and thinkDemo keep y; thinkAndAnswerDemo replaces it by y′", async () => {
    const Theta = new ScriptedLM(teacherAnswer("THETA"));
    const a = await explainDemo(sf, Theta, demo);
    const b = await thinkDemo(sf, Theta, demo);
    const c = await thinkAndAnswerDemo(sf, Theta, "I_top", demo);
    expect(a.demo).toEqual({ ...demo, thought: `THETA explains ${demo.input.text}` });
    expect(b.demo).toEqual({ ...demo, thought: `THETA thinks about ${demo.input.text}` });
    expect(c.demo).toEqual({ ...demo, thought: `THETA thinks about ${demo.input.text}`, records: Y_PRIME, source: "augmented" });
    expect([a.note.output, b.note.output, c.note.output]).toEqual(["kept", "kept", "replaced"]);
    // y′ was answered under I_top, with T handed over.
    const answer = Theta.requests.find((r) => kindOf(r) === "answer-with-thought")!;
    expect(systemOf(answer).startsWith("I_top")).toBe(true);
    expect(lastUser(answer)).toBe(`Use this reasoning: THETA thinks about ${demo.input.text}\nWrite the Answer.`);
  });

  it("a demo whose thought or answer fails keeps (x, y) without a thought, and says why", async () => {
    const noThought = await explainDemo(sf, new ScriptedLM(() => ""), { ...demo, thought: "stale" });
    expect(noThought.demo).toEqual(demo);
    expect(noThought.note.failure).toMatch(/no thought/);
    const noAnswer = await thinkAndAnswerDemo(sf, new ScriptedLM((r) => (kindOf(r) === "think" ? "T" : "garbage")), "I", demo);
    expect(noAnswer.demo).toEqual(demo);
    expect(noAnswer.note).toMatchObject({ output: "kept", thought: undefined, failure: expect.stringMatching(/no parseable answer/) });
  });
});

describe("Default-CoT", () => {
  it("prepends Θ(T | x, y) to each default exemplar, keeps the default instruction, and turns reasoning on", async () => {
    const Theta = new ScriptedLM(teacherAnswer("THETA"));
    const { prompt, notes } = await buildDefaultCot(sf, Theta);
    expect(Theta.requests).toHaveLength(sf.defaultDemos.length);
    sf.defaultDemos.forEach((d, i) => {
      const r = Theta.requests[i]!;
      expect(kindOf(r)).toBe("explain");
      expect(lastUser(r)).toContain(`Text: ${d.input.text}`);
      expect(lastUser(r)).toContain(`Answer: ${JSON.stringify(d.records)}`);
      expect(prompt.demos[i]).toEqual({ ...d, thought: `THETA explains ${d.input.text}` });
    });
    expect(notes.every((n) => n.step === "explain" && n.output === "kept" && !n.failure)).toBe(true);
    expect(prompt.instruction).toBe(sf.defaultInstruction);
    expect(prompt.reasoning).toBe(true);
    const request = buildRequest(prompt, train[1]!);
    expect(systemOf(request)).toBe(`${sf.defaultInstruction}\n\n${REASONING_FORMAT}`);
    expect(request.messages[2]!.content).toBe(`Thought: THETA explains ${sf.defaultDemos[0]!.input.text}\nAnswer: ${JSON.stringify(sf.defaultDemos[0]!.records)}`);
    expect(request.max_tokens).toBe(1024);
  });

  it("keeps going without a thought for an exemplar Θ fails on", async () => {
    const failFirst = sf.defaultDemos[0]!.input.text;
    const Theta = new ScriptedLM((r) => {
      if (lastUser(r).includes(`Text: ${failFirst}`)) throw new LMCallError("timeout", "timeout", 6);
      return "a thought";
    });
    const { prompt, notes } = await buildDefaultCot(sf, Theta);
    expect(prompt.demos[0]!.thought).toBeUndefined();
    expect(prompt.demos.slice(1).map((d) => d.thought)).toEqual(["a thought", "a thought"]);
    expect(notes[0]!.failure).toBeDefined();
    expect(prompt.reasoning).toBe(true);
  });
});
