import { describe, expect, it } from "vitest";
import { PROGRAMS } from "../../programs/index.ts";
import { defineProgram, type IEProgram } from "../../programs/program.ts";
import { fastRecords } from "../../src/data/fast-check.ts";
import { createRng, type Rng } from "../../src/util/random.ts";

// A built-in program checks well-formed parsed records by hand (fast-check.ts) instead of
// with zod. Its twin below is built on a copy of the task definition, which has no fast
// checks, so it always asks zod: on mutated raw outputs both must parse alike.
function zodOnlyTwin(program: IEProgram): IEProgram {
  return defineProgram({
    task: { ...program.definition },
    title: program.title,
    description: program.description,
    inputFields: [...program.inputFields],
    defaultInstruction: program.defaultInstruction,
    defaultDemos: [...program.defaultDemos],
  });
}

const ODD: unknown[] = ["", 0, null, [], {}, "x", "PERSON", "Attack", undefined, ["a"], [{}], [""], { role: "target" }];

/** A random change somewhere inside a record list (a value retyped, emptied, removed or renamed). */
function mutate(records: unknown[], rng: Rng): unknown[] {
  const copy = structuredClone(records) as unknown[];
  const containers: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach((v, i) => (containers.push([value, i]), walk(v)));
    else if (value !== null && typeof value === "object") for (const k of Object.keys(value)) (containers.push([value as Record<string, unknown>, k]), walk((value as Record<string, unknown>)[k]));
  };
  walk(copy);
  if (containers.length === 0 || rng.next() < 0.25) return copy;
  const [container, key] = rng.choice(containers);
  const replacement = rng.choice(ODD);
  if (typeof key === "string" && rng.next() < 0.2) {
    // An alias or unknown key instead of the field's own name.
    const value = (container as Record<string, unknown>)[key];
    delete (container as Record<string, unknown>)[key];
    (container as Record<string, unknown>)[rng.choice(["type", "text", "span", "label", "extra", key.toUpperCase()])] = value;
  } else if (replacement === undefined && !Array.isArray(container)) delete (container as Record<string, unknown>)[key as string];
  else (container as Record<string | number, unknown>)[key] = structuredClone(replacement);
  return copy;
}

const GOOD: Record<string, { schema: unknown[]; records: unknown[] }> = {
  NER: { schema: ["person", "location"], records: [{ entity: "Ann Lee", entity_type: "person" }, { entity: "Paris", entity_type: "Location" }] },
  RE: { schema: ["met"], records: [{ head: "Ann Lee", tail: "Bo", relation: "met" }] },
  SF: { schema: ["date"], records: [{ slot: "Monday", slot_type: "date" }] },
  ED: { schema: ["Attack", "Meet"], records: [{ event_trigger: "attack", event_type: "attack" }] },
  EE: {
    schema: [{ event_type: "Attack", roles: ["target", "place"] }],
    records: [{ event_trigger: "attack", event_type: "Attack", arguments: [{ role: "target", argument: "Rome" }] }, { event_trigger: "hit", event_type: "Attack" }],
  },
};

describe("program parse: the fast record check", () => {
  it("parses mutated outputs of every built-in task exactly like zod", () => {
    const rng = createRng("fast-parse");
    let fast = 0;
    let zod = 0;
    for (const [task, good] of Object.entries(GOOD)) {
      const program = PROGRAMS[task as keyof typeof PROGRAMS];
      const twin = zodOnlyTwin(program);
      for (let n = 0; n < 600; n++) {
        const records = mutate(good.records, rng);
        const body = JSON.stringify(rng.next() < 0.2 ? { records } : records);
        const text = rng.choice([body, `Here you go: ${body}`, `Thought: easy.\nAnswer: ${body}`]);
        const options = { schema: good.schema as never };
        expect(program.parse(text, options)).toEqual(twin.parse(text, options));
        if (fastRecords(program.definition, records.map(program.definition.normaliseRecord)) !== undefined) fast++;
        else zod++;
      }
    }
    // Both paths ran, so the comparison covered each.
    expect(fast).toBeGreaterThan(500);
    expect(zod).toBeGreaterThan(500);
  });
});
