import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SampleSchema, TASKS } from "../../src/data/sample.ts";
import { BUILTIN_TASKS, defineTask, EE, getTask, NER, registerTask, taskNames } from "../../src/tasks/index.ts";
import { scoreSample } from "../../src/metrics/lf1.ts";
import { toUnits } from "../../src/metrics/routing.ts";
import { UserInputError } from "../../src/errors.ts";

// A user task: a keyword with its aspect, plus a nested list of opinion words per keyword.
const ASPECT = defineTask({
  name: "TEST-ASPECT",
  record: z.object({ keyword: z.string().min(1), aspect: z.string().min(1), opinions: z.array(z.object({ polarity: z.string(), word: z.string() })).default([]) }),
  typeField: "aspect",
  units: [
    { kind: "kw", type: "aspect", spans: ["keyword"] },
    { kind: "op", type: "aspect", spans: ["word"], each: { list: "opinions", role: "polarity" } },
  ],
  fields: [
    { name: "keyword", description: "the keyword" },
    { name: "aspect", description: "its aspect" },
    { name: "opinions", description: "opinion words" },
  ],
  schemaLabel: "Aspects",
});
registerTask(ASPECT);

const line = (task: string, labels: unknown[]) => ({
  id: "a1", dataset: "d", lang: "eng", task, split: "test", text: "The soup was cold but cheap.", schema: ["food", "price"], labels,
});

describe("task definitions", () => {
  it("the five built-ins are registered under the sample contract's names", () => {
    expect(BUILTIN_TASKS.map((d) => d.name)).toEqual([...TASKS]);
    expect(taskNames().slice(0, 5)).toEqual(["NER", "RE", "SF", "ED", "EE"]);
    expect(getTask("NER")).toBe(NER);
  });

  it("an unknown task is a user error naming the known tasks", () => {
    expect(() => getTask("POS")).toThrow(UserInputError);
    expect(() => getTask("POS")).toThrow(/unknown task 'POS'; expected one of NER, RE, SF, ED, EE/);
  });

  it("registering a different task under a taken name is refused; the same one again is fine", () => {
    expect(registerTask(ASPECT)).toBe(ASPECT);
    const impostor = defineTask({ name: "NER", record: NER.record, typeField: "entity_type", units: NER.units, fields: NER.fields, schemaLabel: "Names" });
    expect(() => registerTask(impostor)).toThrow(/a different task named 'NER' is already registered/);
  });

  it("normaliseRecord maps the task's own aliases and keeps any other key as a key, __proto__ included", () => {
    const raw = JSON.parse('{"text":"Ada","label":"person","constructor":"x","__proto__":{"entity_type":"location"}}') as unknown;
    const record = NER.normaliseRecord(raw) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(["entity", "entity_type", "constructor", "__proto__"]);
    expect(record.entity_type).toBe("person");
    expect(record.constructor).toBe("x");
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    // Nothing to rename: the record itself; EE's own repairs always work on a copy.
    const canonical = { entity: "Ada", entity_type: "person" };
    expect(NER.normaliseRecord(canonical)).toBe(canonical);
    const event = { event_trigger: "hit", event_type: "attack", arguments: [{ role: "attacker", text: "Bob" }] };
    expect(EE.normaliseRecord(event)).toEqual({ event_trigger: "hit", event_type: "attack", arguments: [{ role: "attacker", argument: "Bob" }] });
    expect(event.arguments[0]).toEqual({ role: "attacker", text: "Bob" });
    // The first of a key and its alias wins, as before.
    expect(NER.normaliseRecord({ entity: "Ada", text: "Bob", entity_type: "person" })).toEqual({ entity: "Ada", entity_type: "person" });
  });

  it("derives spans, type and record keys from the definition", () => {
    const record = { keyword: "soup", aspect: "food", opinions: [{ polarity: "neg", word: "cold" }] };
    expect(ASPECT.spans(record)).toEqual(["soup", "cold"]);
    expect(ASPECT.typeOf(record)).toBe("food");
    expect(ASPECT.recordKeys).toEqual(["keyword", "aspect", "opinions"]);
    expect(EE.spans({ event_trigger: "hit", event_type: "Attack", arguments: [{ role: "target", argument: "Oslo" }] })).toEqual(["hit", "Oslo"]);
  });

  it("the sample contract accepts a registered custom task and checks its labels by its definition", () => {
    const ok = SampleSchema.parse(line("TEST-ASPECT", [{ keyword: "soup", aspect: "food", opinions: [{ polarity: "neg", word: "cold" }] }]));
    expect(ok.labels).toHaveLength(1);
    const badSpan = SampleSchema.safeParse(line("TEST-ASPECT", [{ keyword: "stew", aspect: "food" }]));
    expect(badSpan.success).toBe(false);
    expect(badSpan.error!.issues[0]!.message).toBe("span 'stew' does not occur in the text");
    const badField = SampleSchema.safeParse(line("TEST-ASPECT", [{ keyword: "soup", aspect: 3 }]));
    expect(badField.error!.issues[0]!.path).toEqual(["labels", 0, "aspect"]);
    const unknown = SampleSchema.safeParse(line("NOPE", []));
    expect(unknown.error!.issues[0]!.path).toEqual(["task"]);
  });

  it("LF1 routes a custom task by its unit rules (nested units by type and role)", () => {
    const gold = [{ keyword: "soup", aspect: "food", opinions: [{ polarity: "neg", word: "cold" }] }];
    expect(toUnits(ASPECT, gold).map((u) => u.direction)).toEqual(['["kw","food"]', '["op","food","neg"]']);
    // Right keyword, opinion under the wrong polarity: P = R = 1/2.
    const pred = [{ keyword: "soup", aspect: "food", opinions: [{ polarity: "pos", word: "cold" }] }];
    expect(scoreSample(ASPECT, pred, gold).lf1).toBeCloseTo(0.5, 12);
    expect(scoreSample("TEST-ASPECT", gold, gold).lf1).toBe(1);
  });

  it("builds the structured-output JSON schema from the record schema", () => {
    const schema = NER.outputJsonSchema(true) as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(["thought", "records"]);
    expect(schema.required).toEqual(["thought", "records"]);
  });
});
