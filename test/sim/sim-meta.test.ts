/**
 * The sim answers the optimizer's own requests (optimizers/prompts.ts) sensibly, from
 * what the request contains: observations, summary, program summary, grounded proposals
 * (varied across draws, following the tip), explanations and thoughts.
 */
import { describe, expect, it } from "vitest";
import { createSimLM } from "../../sim/index.ts";
import { PROGRAMS } from "../../programs/index.ts";
import {
  cleanProposal, cleanThought, explainRequest, observationsRequest, programSummaryRequest, proposalRequest, summaryRequest, thinkRequest,
} from "../../optimizers/prompts.ts";

import { TIPS } from "../../tips/index.ts";
import { loadExamples, measure } from "./panel.ts";

const lm = createSimLM("sim");
const ask = async (messages: Parameters<typeof lm.complete>[0]["messages"], extra: object = {}) => (await lm.complete({ messages, ...extra })).choices[0]!;

describe("dataset observations and summary", () => {
  const program = PROGRAMS.SF;
  const demos = [...program.defaultDemos];

  it("writes observations derived from the examples shown", async () => {
    const obs = await ask(observationsRequest(program, demos, ""), { temperature: 0.5 });
    const lines = obs.split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(obs).toMatch(/English/);
    expect(obs).toMatch(/voice assistant|empty|datetime|location|weather/);
  });

  it("adds only new observations", async () => {
    const first = await ask(observationsRequest(program, demos, ""));
    const second = await ask(observationsRequest(program, demos, first));
    for (const line of second.split("\n")) expect(first.split("\n")).not.toContain(line);
  });

  it("summarises observations in two or three sentences", async () => {
    const obs = await ask(observationsRequest(program, demos, ""));
    const summary = await ask(summaryRequest(obs));
    const sentences = summary.split(/(?<=\.)\s+/).filter(Boolean);
    expect(sentences.length).toBeGreaterThanOrEqual(2);
    expect(sentences.length).toBeLessThanOrEqual(4);
  });

  it("describes the program from its text", async () => {
    const text = await ask(programSummaryRequest(PROGRAMS.RE));
    expect(text).toMatch(/relation extraction/);
    expect(text).toMatch(/head.*tail.*relation/);
  });
});

describe("instruction proposals", () => {
  const program = PROGRAMS.NER;
  const grounding = (tip: string) => ({
    datasetSummary: "All texts are in English. The most frequent entity types are person (3), location (2).",
    programSummary: "The program performs named entity recognition.",
    demos: [...program.defaultDemos],
    tip,
    previous: [],
  });

  it("replies 'Proposed instruction: …' naming the task", async () => {
    const reply = await ask(proposalRequest(program, grounding("Be specific about the output format.")), { temperature: 0.5 });
    expect(reply.startsWith("Proposed instruction: ")).toBe(true);
    expect(cleanProposal(reply)).toMatch(/entit|information|text/i);
    expect(cleanProposal(reply)).toMatch(/json/i);
  });

  it("varies across draws and seeds, reproducibly", async () => {
    const messages = proposalRequest(program, grounding("Mention the output format."));
    const seen = new Set<string>();
    for (let draw = 0; draw < 8; draw++) {
      const a = await ask(messages, { temperature: 0.5, seed: 11, draw });
      expect(await ask(messages, { temperature: 0.5, seed: 11, draw })).toBe(a);
      seen.add(a);
    }
    expect(seen.size).toBeGreaterThanOrEqual(4);
    expect(await ask(messages, { temperature: 0.5, seed: 12, draw: 0 })).not.toBe(await ask(messages, { temperature: 0.5, seed: 11, draw: 0 }));
  });

  it("grounds proposals in the tip, the summary and the examples", async () => {
    const replies: string[] = [];
    for (let draw = 0; draw < 24; draw++) {
      replies.push(cleanProposal(await ask(proposalRequest(program, grounding(TIPS.find((t) => t.id === "persona")!.text)), { temperature: 0.5, draw })));
    }
    // the tip's advice, in the colleague's words
    expect(replies.some((r) => /experienced annotator/.test(r))).toBe(true);
    // a span and its type from the examples shown
    expect(replies.some((r) => /"(Marie Curie|Paris|Sorbonne|Toyota|Kentucky)" is an? (person|location|organization)/.test(r))).toBe(true);
    const empties = { ...grounding(TIPS[0]!.text), datasetSummary: "40% of the answers are empty lists ([])." };
    const withSummary: string[] = [];
    for (let draw = 0; draw < 24; draw++) withSummary.push(cleanProposal(await ask(proposalRequest(program, empties), { temperature: 0.5, draw })));
    expect(withSummary.some((r) => /none of the listed types; answer \[\]/.test(r))).toBe(true);
  });

  it("proposes some instructions better and some worse than the default, some off target (sim scores)", async () => {
    const gains: number[] = [];
    let offTarget = 0;
    let n = 0;
    for (const task of ["NER", "SF", "ED"] as const) {
      const prog = PROGRAMS[task];
      const dev = loadExamples(task, "dev");
      const demos = [...prog.defaultDemos];
      const scoreOf = (instruction: string) => measure(task, { id: "p", label: "p", instruction, demos }, "sim", dev);
      const baseline = await scoreOf(prog.defaultInstruction);
      for (let draw = 0; draw < 12; draw++) {
        const g = { datasetSummary: "All texts are in English. 30% of the answers are empty lists ([]). Some types come with descriptions that explain abbreviated labels.", programSummary: `The program performs ${prog.title}.`, demos, tip: TIPS[draw % TIPS.length]!.text, previous: [] };
        const p = cleanProposal(await ask(proposalRequest(prog, g), { temperature: 0.5, draw }));
        n++;
        if (/Summarize|Ignore everything else/.test(p)) offTarget++;
        gains.push((await scoreOf(p)) - baseline);
      }
    }
    console.log(`[sim] proposal minus default (LF1 points): ${gains.map((x) => x.toFixed(1)).join(" ")}`);
    expect(gains.some((x) => x > 0.5)).toBe(true);
    expect(gains.some((x) => x < -1)).toBe(true);
    expect(offTarget).toBeGreaterThan(0);
    expect(offTarget).toBeLessThan(n / 3);
  });
});

describe("thoughts", () => {
  const program = PROGRAMS.NER;
  const demo = program.defaultDemos[0]!;

  it("explains a known answer in 2-4 sentences naming its spans and types", async () => {
    const t = cleanThought(await ask(explainRequest(program, demo.input, demo.records)));
    expect(t).toContain("Marie Curie");
    expect(t).toContain("person");
    expect(t).toContain("Sorbonne");
    const n = t.split(/(?<=\.)\s+/).length;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(n).toBeLessThanOrEqual(4);
    expect(t).not.toMatch(/^\[/);
  });

  it("thinks before answering, naming spans it would extract", async () => {
    const t = cleanThought(await ask(thinkRequest(program, { text: "Angela Merkel flew from Berlin to Tokyo.", schema: ["person", "location"] })));
    expect(t).toMatch(/Angela Merkel|Berlin|Tokyo/);
    expect(t.length).toBeGreaterThan(20);
  });

  it("thinks about an EE query in terms of events", async () => {
    const ee = PROGRAMS.EE;
    const t = await ask(thinkRequest(ee, ee.defaultDemos[0]!.input));
    expect(t).toMatch(/event/i);
  });
});
