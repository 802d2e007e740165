import { describe, expect, it } from "vitest";
import { PROGRAMS } from "../../programs/index.ts";
import { argumentName, className, codeStyle, exampleSpans, readCalls } from "../../programs/code-style.ts";
import { createSimLM } from "../../sim/index.ts";

const ATTACK = { event_type: "Attack", roles: ["Attacker", "Target", "Place"] };

describe("identifiers", () => {
  it("turns type and role names into Python identifiers", () => {
    expect(className("weather/attribute")).toBe("WeatherAttribute");
    expect(className("PER")).toBe("PER");
    expect(className("1st place")).toBe("T1stPlace");
    expect(className("class")).toBe("Class");
    expect(argumentName("Time-Within")).toBe("time_within");
    expect(argumentName("from")).toBe("from_");
  });
});

describe("readCalls", () => {
  it("reads keyword and positional literals, lists, escapes, and skips what is not a call of literals", () => {
    const calls = readCalls(`Sure:\n\`\`\`python\n[Person(entity="Ada \\"A.\\" L."), Loc('Paris'), Attack(event_trigger="hit", attacker=["Rebels", 'them'], n=2, x=None)]\n\`\`\` print(x)`);
    expect(calls).toEqual([
      { name: "Person", positional: [], keywords: [["entity", 'Ada "A." L.']] },
      { name: "Loc", positional: ["Paris"], keywords: [] },
      { name: "Attack", positional: [], keywords: [["event_trigger", "hit"], ["attacker", ["Rebels", "them"]], ["n", 2], ["x", null]] },
    ]);
  });
});

describe("codeStyle: hand-written answers parse to the right records", () => {
  const cases: [string, string, unknown[], unknown[]][] = [
    ["NER", `[Person(entity="Marie Curie"), Location(entity='Paris')]`, ["person", "location"], [{ entity_type: "person", entity: "Marie Curie" }, { entity_type: "location", entity: "Paris" }]],
    ["SF", `Answer: [WeatherAttribute(slot="Pullover"), Datetime("morgen")]`, ["weather/attribute", "datetime"], [{ slot_type: "weather/attribute", slot: "Pullover" }, { slot_type: "datetime", slot: "morgen" }]],
    ["ED", `[Attack(event_trigger="attacked")]`, ["Attack"], [{ event_type: "Attack", event_trigger: "attacked" }]],
    ["RE", `[WorksFor(head="Ada", tail="IBM")]`, ["works for"], [{ relation: "works for", head: "Ada", tail: "IBM" }]],
    ["EE", `[Attack(event_trigger="attacked", attacker=["Rebels"], place="Kandahar")]`, [ATTACK], [{ event_type: "Attack", event_trigger: "attacked", arguments: [{ role: "Attacker", argument: "Rebels" }, { role: "Place", argument: "Kandahar" }] }]],
  ];
  for (const [task, text, schema, records] of cases) {
    it(task, () => {
      const parsed = codeStyle(PROGRAMS[task as keyof typeof PROGRAMS]).parse(text, { schema: schema as never });
      expect(parsed).toEqual({ ok: true, records: records.map((r) => expect.objectContaining(r as object)), thought: undefined });
      if (parsed.ok) expect(parsed.records).toHaveLength(records.length);
    });
  }

  it("reads an answer without calls as JSON, [] as nothing, and reports a call missing its span", () => {
    const ner = codeStyle(PROGRAMS.NER);
    expect(ner.parse(`[{"entity": "Ada", "entity_type": "person"}]`, { schema: ["person"] })).toMatchObject({ ok: true, records: [{ entity: "Ada", entity_type: "person" }] });
    expect(ner.parse("[]")).toEqual({ ok: true, records: [], thought: undefined });
    expect(ner.parse(`[Person(label="x")]`, { schema: ["person"] })).toMatchObject({ ok: false });
  });
});

describe("codeStyle rendering", () => {
  it("shows one class per type with its guideline and example spans, and demos as constructor calls", () => {
    const program = codeStyle(PROGRAMS.EE, { examples: { Attack: ["attacked", "bombed"] } });
    const messages = program.render(
      { text: "Rebels attacked the convoy.", schema: [ATTACK], schema_descriptions: { Attack: "A violent physical act." } },
      { instruction: "Extract events.", demos: PROGRAMS.EE.defaultDemos.slice(0, 1), reasoning: false },
    );
    expect(messages[0]!.content).toContain("Answer with a Python list of constructor calls");
    expect(messages[1]!.content).toContain("class Attack(Event):");
    expect(messages[2]!.content).toBe('[Attack(event_trigger="attacked", attacker=["Rebels"], target=["the convoy"], place=["Kandahar"])]');
    expect(messages[3]!.content).toBe([
      'Event types and their roles: [{"event_type":"Attack","roles":["Attacker","Target","Place"]}]',
      "Classes:",
      "class Attack(Event):",
      '    """A violent physical act. Examples: "attacked", "bombed"."""',
      "    event_trigger: str",
      "    attacker: list[str]  # Attacker",
      "    target: list[str]  # Target",
      "    place: list[str]  # Place",
      "Text: Rebels attacked the convoy.",
    ].join("\n"));
    expect(program.version).not.toBe(PROGRAMS.EE.version);
    // A demo's rendered answer parses back to the demo's records.
    const demo = PROGRAMS.EE.defaultDemos[0]!;
    expect(program.parse(messages[2]!.content, { schema: demo.input.schema })).toEqual({ ok: true, records: demo.records, thought: undefined });
  });

  it("collects the first example spans per type from labeled samples", () => {
    expect(exampleSpans(PROGRAMS.RE.definition, [{ labels: [{ head: "Ada", tail: "IBM", relation: "works for" }, { head: "Ada", tail: "IBM", relation: "works for" }] }])).toEqual({ "works for": ["Ada … IBM"] });
  });
});

describe("codeStyle with the sim: render → sim answer → parse, on all five tasks", () => {
  for (const program of Object.values(PROGRAMS)) {
    it(program.task, async () => {
      const code = codeStyle(program);
      const lm = createSimLM("sim");
      let parsed = 0;
      for (const demo of program.defaultDemos) {
        const response = await lm.complete({ messages: code.render(demo.input, { instruction: program.defaultInstruction, demos: program.defaultDemos, reasoning: false }), temperature: 0 });
        const result = code.parse(response.choices[0]!, { schema: demo.input.schema });
        expect(result.ok, `${program.task}: ${response.choices[0]}`).toBe(true);
        if (result.ok) for (const r of result.records) expect(program.definition.record.safeParse(r).success).toBe(true);
        parsed++;
      }
      expect(parsed).toBe(program.defaultDemos.length);
    });
  }
});

describe("codeStyle on the mre-mix example (a user task with a text-level record)", () => {
  it("renders the sentence class as its own class and parses entities and the class back", async () => {
    const { program } = await import("../../examples/programs/mre-mix.ts");
    const code = codeStyle(program);
    const demo = program.defaultDemos[0]!;
    const messages = code.render(demo.input, { instruction: program.defaultInstruction, demos: [demo], reasoning: false });
    expect(messages[1]!.content).toContain("class SentenceClass(Text):");
    expect(messages[2]!.content).toBe('[Person(entity="Lionel Messi"), Organization(entity="Inter Miami"), SentenceClass(sentence_class="sports")]');
    expect(code.parse(messages[2]!.content, { schema: demo.input.schema })).toEqual({ ok: true, records: demo.records, thought: undefined });
    const hand = `[Location(entity="Lisbon"), SentenceClass("business")]`;
    expect(code.parse(hand, { schema: ["person", "location", "organization"] })).toEqual({ ok: true, records: [{ entity: "Lisbon", entity_type: "location" }, { sentence_class: "business" }], thought: undefined });
    const response = await createSimLM("sim").complete({ messages: code.render(program.defaultDemos[1]!.input, { instruction: program.defaultInstruction, demos: program.defaultDemos, reasoning: false }) });
    expect(code.parse(response.choices[0]!, { schema: program.defaultDemos[1]!.input.schema }).ok, response.choices[0]).toBe(true);
  });
});
