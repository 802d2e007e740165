/**
 * How the sim reads an instruction (sim/instructions.ts): statements, not keywords.
 * Hand-checked readings of small instructions; the effects on scores are measured in
 * sensitivity.test.ts.
 */
import { describe, expect, it } from "vitest";
import { readInstruction, ruleOf } from "../../sim/instructions.ts";
import { taskOf } from "../../sim/tasks.ts";
import { PROGRAMS } from "../../programs/index.ts";

const ner = taskOf("NER");
const read = (text: string) => readInstruction(ner, text);

describe("reading an instruction as statements", () => {
  it("reads the default instruction's rules", () => {
    const r = read(PROGRAMS.NER.defaultInstruction);
    expect(r.task).toBe(1);
    for (const topic of ["verbatim", "format", "keys", "empty", "schemaOnly"] as const) expect(ruleOf(r, topic), topic).toBe(1);
    expect([r.contradictions, r.wrongTask, r.fragments, r.irrelevant]).toEqual([0, 0, 0, 0]);
  });

  it("says a thing once however often it is repeated", () => {
    const once = read("Extract the named entities. Copy each entity exactly as written.");
    const thrice = read("Extract the named entities. Copy each entity exactly as written. Copy each entity exactly as written. Copy each entity exactly as written.");
    expect(thrice.rules).toEqual(once.rules);
    expect(thrice.task).toBe(once.task);
  });

  it("flips a rule under negation, but not in a condition clause", () => {
    expect(ruleOf(read("Do not copy the entities exactly; rephrase them."), "verbatim")).toBe(-1);
    expect(ruleOf(read("Answer in plain prose, not JSON."), "format")).toBe(-1);
    expect(ruleOf(read("Answer with [] when there is no entity of these types."), "empty")).toBe(1);
    expect(ruleOf(read("Never answer with an empty list."), "empty")).toBe(-1);
    expect(ruleOf(read("Do not invent entities that are not in the text."), "precision")).toBe(1);
    expect(ruleOf(read("Guess a type when unsure, and invent entities if needed."), "precision")).toBe(-1);
  });

  it("loses a rule stated both ways, and counts the contradiction", () => {
    const r = read("Copy each entity exactly as written. Do not copy the entities exactly; rephrase them.");
    expect(ruleOf(r, "verbatim")).toBe(0);
    expect(r.contradictions).toBe(1);
  });

  it("takes nothing from fragments or a heap of terms", () => {
    const r = read("Boundary. Every. Description. Given. Verbatim.");
    expect(r.rules.size).toBe(0);
    expect(r.fragments).toBe(5);
    const salad = read("entities named extract JSON verbatim exact boundary empty list every given types description precise copy");
    expect(salad.task).toBe(0);
    expect(salad.rules.size).toBe(0);
  });

  it("recognises another task's instruction and other jobs", () => {
    expect(read(PROGRAMS.RE.defaultInstruction).wrongTask).toBeGreaterThan(0);
    expect(read("Translate the text into French.").wrongTask).toBe(1);
    expect(read(PROGRAMS.RE.defaultInstruction).task).toBe(0);
  });

  it("reads type mappings and type examples, negated or not", () => {
    expect(read("Label every person as organization.").mappings).toMatchObject([{ from: ["every", "person"], to: ["organization"], negated: false }]);
    expect(read("Do not label persons as organizations.").mappings[0]?.negated).toBe(true);
    expect(read('For example, "Marie Curie" is a person.').examples).toEqual([{ span: "Marie Curie", type: ["person"] }]);
  });

  it("understands the same statements in German, marked as foreign", () => {
    const de = read('Extrahiere die benannten Entitäten der angegebenen Typen. Kopiere jede Entität genau so, wie sie im Text geschrieben ist. Antworte mit einer JSON-Liste von Objekten {"entity": ..., "entity_type": ...} und mit [], wenn es keine gibt.');
    expect(de.task).toBe(1);
    for (const topic of ["verbatim", "format", "keys", "empty"] as const) expect(ruleOf(de, topic), topic).toBe(1);
    expect(de.foreign).toBe(1);
  });

  it("counts well-formed statements about nothing the task needs as irrelevant", () => {
    expect(read("The weather is nice today and the office is quiet.").irrelevant).toBe(1);
  });
});
