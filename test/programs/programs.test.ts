import { describe, expect, it } from "vitest";
import { PROGRAMS, getProgram } from "../../programs/index.ts";
import { REASONING_FORMAT } from "../../programs/program.ts";
import { UserInputError } from "../../src/errors.ts";

const ner = PROGRAMS.NER;
const schema = ["person", "location"];

describe("rendering", () => {
  it("puts the instruction in the system message, demos as user/assistant pairs, the query last", () => {
    const messages = ner.render(
      { text: "Ada lived in London.", schema: ["person", "GPE"], schema_descriptions: { GPE: "countries and cities" } },
      { instruction: "INSTR", demos: ner.defaultDemos.slice(0, 2) },
    );
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user", "assistant", "user"]);
    expect(messages[0]!.content).toBe("INSTR");
    expect(messages[2]!.content).toBe(JSON.stringify(ner.defaultDemos[0]!.records));
    expect(messages[5]!.content).toBe('Entity types: ["person","GPE"]\nType descriptions:\n- GPE: countries and cities\nText: Ada lived in London.');
  });

  it("adds the reasoning frame when reasoning is on", () => {
    const demo = { ...ner.defaultDemos[0]!, thought: "Marie Curie is a person." };
    const messages = ner.render({ text: "x", schema }, { instruction: "I", demos: [demo], reasoning: true });
    expect(messages[0]!.content).toBe(`I\n\n${REASONING_FORMAT}`);
    expect(messages[2]!.content.startsWith("Thought: Marie Curie is a person.\nAnswer: [")).toBe(true);
  });

  it("renders EE schemas with their roles", () => {
    const q = PROGRAMS.EE.renderQuery({ text: "t", schema: [{ event_type: "Attack", roles: ["Attacker"] }] });
    expect(q).toBe('Event types and their roles: [{"event_type":"Attack","roles":["Attacker"]}]\nText: t');
  });

  it("has a version per program that fingerprints the rendering", () => {
    const versions = Object.values(PROGRAMS).map((p) => p.version);
    expect(new Set(versions).size).toBe(5);
    for (const v of versions) expect(v).toMatch(/^(ner|re|sf|ed|ee)-1\.[0-9a-f]{8}$/);
  });

  it("gives 256 output tokens, 1024 with reasoning", () => {
    expect(ner.maxTokens(false)).toBe(256);
    expect(ner.maxTokens(true)).toBe(1024);
  });
});

describe("parsing", () => {
  const ada = [{ entity: "Ada", entity_type: "person" }];
  const ok = (text: string, opts = { schema }) => {
    const r = ner.parse(text, opts);
    if (!r.ok) throw new Error(`expected a parse, got: ${r.reason}`);
    return r;
  };

  it.each([
    ["plain JSON", '[{"entity": "Ada", "entity_type": "person"}]'],
    ["code fence", '```json\n[{"entity": "Ada", "entity_type": "person"}]\n```'],
    ["prose around", 'Sure! The entities are: [{"entity": "Ada", "entity_type": "person"}] Hope this helps.'],
    ["trailing commas", '[{"entity": "Ada", "entity_type": "person",},]'],
    ["single quotes", "[{'entity': 'Ada', 'entity_type': 'person'}]"],
    ["dict by type", '{"person": ["Ada"], "location": []}'],
    ["wrapper object", '{"records": [{"entity": "Ada", "entity_type": "person"}]}'],
    ["one bare record", '{"entity": "Ada", "entity_type": "person"}'],
    ["aliased keys", '[{"text": "Ada", "type": "person"}]'],
    ["type case differs from the schema", '[{"entity": "Ada", "entity_type": "PERSON"}]'],
    ["truncated list", '[{"entity": "Ada", "entity_type": "person"}'],
  ])("reads %s", (_name, text) => {
    expect(ok(text).records).toEqual(ada);
  });

  it("names the first record that does not fit the task's record schema", () => {
    expect(ner.parse('[{"entity": "Ada", "entity_type": "person"}, {"entity": "Bob"}]')).toEqual({
      ok: false,
      reason: expect.stringMatching(/^record 1 field 'entity_type': /),
    });
  });

  it("gives a case-variant type the schema's spelling in every task's type field", () => {
    const r = PROGRAMS.RE.parse('[{"head": "Ada", "tail": "Acme", "relation": "WORKS_FOR"}]', { schema: ["works_for"] });
    expect(r).toMatchObject({ ok: true, records: [{ head: "Ada", tail: "Acme", relation: "works_for" }] });
    const e = PROGRAMS.EE.parse('[{"event_trigger": "hit", "event_type": "attack", "arguments": []}]', {
      schema: [{ event_type: "Attack", roles: [] }],
    });
    expect(e).toMatchObject({ ok: true, records: [{ event_trigger: "hit", event_type: "Attack" }] });
  });

  it("respells only the records that need it, in order, around ones already spelled right", () => {
    const r = PROGRAMS.NER.parse(
      '[{"entity": "Ada", "entity_type": "person"}, {"entity": "Oslo", "entity_type": "LOCATION"}, {"entity": "Bob", "entity_type": "person"}, {"entity": "X", "entity_type": "Unknown"}]',
      { schema: ["person", "location"] },
    );
    expect(r).toEqual({
      ok: true,
      thought: undefined,
      records: [
        { entity: "Ada", entity_type: "person" },
        { entity: "Oslo", entity_type: "location" },
        { entity: "Bob", entity_type: "person" },
        { entity: "X", entity_type: "Unknown" },
      ],
    });
  });

  it("keeps a type outside the schema as it is (scored as wrong, not an error)", () => {
    expect(ok('[{"entity": "Ada", "entity_type": "Scientist"}]').records).toEqual([{ entity: "Ada", entity_type: "Scientist" }]);
  });

  it("reads an empty answer", () => {
    expect(ok("[]").records).toEqual([]);
  });

  it("separates the thought from the answer", () => {
    const r = ok('Thought: Ada is a name.\nAnswer: [{"entity": "Ada", "entity_type": "person"}]');
    expect(r.thought).toBe("Ada is a name.");
    expect(r.records).toEqual(ada);
  });

  it("finds the answer after a thought that contains brackets", () => {
    const r = ok('Thought: candidates are [Ada] and {London}.\nAnswer: []');
    expect(r.records).toEqual([]);
    expect(r.thought).toBe("candidates are [Ada] and {London}.");
  });

  it.each([
    ["prose only", "No entities found.", /no JSON/],
    ["empty output", "   ", /empty output/],
    ["missing field", '[{"entity": "Ada"}]', /record 0 field 'entity_type'/],
    ["a number", "[1]", /record 0/],
    ["a string", '"Ada"', /no JSON|expected a JSON list/],
    ["empty span", '[{"entity": "", "entity_type": "person"}]', /record 0 field 'entity'/],
  ])("fails with a reason on %s", (_name, text, reason) => {
    const r = ner.parse(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it("reads RE pairs and EE events from the dict-by-type shape", () => {
    expect(PROGRAMS.RE.parse('{"works_for": [["Ada", "Acme"]]}')).toMatchObject({ ok: true, records: [{ head: "Ada", tail: "Acme", relation: "works_for" }] });
    const ee = PROGRAMS.EE.parse('{"Attack": [{"trigger": "hit", "arguments": [{"role": "Target", "text": "the car"}]}]}');
    expect(ee).toMatchObject({ ok: true, records: [{ event_trigger: "hit", event_type: "Attack", arguments: [{ role: "Target", argument: "the car" }] }] });
  });

  it("defaults missing EE arguments to an empty list", () => {
    expect(PROGRAMS.EE.parse('[{"event_trigger": "hit", "event_type": "Attack"}]')).toMatchObject({ ok: true, records: [{ arguments: [] }] });
  });
});

describe("structured output schema", () => {
  it("wraps the task's records in an object, with a thought when reasoning", () => {
    const s = PROGRAMS.SF.outputJsonSchema(false) as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(s.properties)).toEqual(["records"]);
    const r = PROGRAMS.SF.outputJsonSchema(true) as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(r.properties).sort()).toEqual(["records", "thought"]);
    expect(r.required.sort()).toEqual(["records", "thought"]);
  });
});

describe("registry", () => {
  it("finds programs case-insensitively and rejects unknown tasks", () => {
    expect(getProgram("sf").task).toBe("SF");
    expect(() => getProgram("POS")).toThrow(UserInputError);
  });

  it("has three default exemplars per task, each valid for its own schema", () => {
    for (const p of Object.values(PROGRAMS)) {
      expect(p.defaultDemos).toHaveLength(3);
      for (const d of p.defaultDemos) {
        const reparsed = p.parse(p.renderOutput(d.records), { schema: d.input.schema });
        expect(reparsed).toMatchObject({ ok: true, records: d.records });
      }
    }
  });
});
