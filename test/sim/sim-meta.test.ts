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

  it("follows the tip's theme", async () => {
    for (let draw = 0; draw < 4; draw++) {
      expect(await ask(proposalRequest(program, grounding("Say how to handle span boundaries precisely.")), { temperature: 0.5, draw })).toMatch(/boundar/i);
      expect(await ask(proposalRequest(program, grounding("Point the model to the type descriptions.")), { temperature: 0.5, draw })).toMatch(/description/i);
      expect(await ask(proposalRequest(program, grounding("Tell the model what to answer when nothing is found.")), { temperature: 0.5, draw })).toMatch(/\[\]/);
    }
  });

  it("is sometimes vaguer or drops the format (not every proposal beats the default)", async () => {
    let withoutFormat = 0;
    for (let draw = 0; draw < 16; draw++) {
      const p = cleanProposal(await ask(proposalRequest(program, grounding("Keep it short.")), { temperature: 0.5, draw }));
      if (!/json/i.test(p)) withoutFormat++;
    }
    expect(withoutFormat).toBeGreaterThan(0);
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
