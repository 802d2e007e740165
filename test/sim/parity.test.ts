/**
 * Parity: the sim reads the programs' own rendering. Every program's queries and outputs
 * (its default demos, with descriptions, thoughts and EE roles), the optimizer's teacher
 * requests that embed them, and the record keys the sim writes are checked against what
 * the programs and task definitions produce — so a change of a program's format fails
 * here instead of silently changing what the sim understands.
 */
import { describe, expect, it } from "vitest";
import { PROGRAMS } from "../../programs/index.ts";
import { TASKS, schemaItemName } from "../../src/data/sample.ts";
import { getTask } from "../../src/tasks/index.ts";
import { parseOutput, parseQuery } from "../../sim/query.ts";
import { taskOf } from "../../sim/tasks.ts";
import { extractQuery, readExamples } from "../../sim/meta.ts";
import { renderDemoBlock, thinkRequest } from "../../optimizers/prompts.ts";
import { createSimLM } from "../../sim/index.ts";

describe.each(TASKS.map((t) => [t]))("%s: the sim reads the program's rendering", (task) => {
  const program = PROGRAMS[task];
  const definition = getTask(task);
  const demos = program.defaultDemos.map((d, i) => (i === 0 ? { ...d, input: { ...d.input, schema_descriptions: { [schemaItemName(task, d.input.schema[0]!)]: "a described type" } } } : d));

  it("reads back every query: task, schema (names and roles), descriptions and text", () => {
    for (const demo of demos) {
      const q = parseQuery(program.renderQuery(demo.input));
      expect(q?.task).toBe(task);
      expect(q!.schema.map((s) => s.name)).toEqual(demo.input.schema.map((item) => definition.itemName(item)));
      expect(q!.schema.map((s) => s.roles)).toEqual(demo.input.schema.map((item) => [...(definition.itemRoles(item) ?? [])]));
      expect(q!.descriptions).toEqual(demo.input.schema_descriptions ?? {});
      expect(q!.text).toBe(demo.input.text);
    }
  });

  it("reads back every output, with and without a thought", () => {
    for (const demo of demos) {
      expect(parseOutput(program.renderOutput(demo.records)).records).toEqual(demo.records);
      const framed = parseOutput(program.renderOutput(demo.records, "because"));
      expect(framed.records).toEqual(demo.records);
      expect(framed.thought).toBe("because");
      expect(framed.framed).toBe(true);
    }
  });

  it("knows the definition's keys, type field and span fields", () => {
    const t = taskOf(task);
    expect(t.keys).toEqual(program.outputFields.map((f) => f.name));
    expect(t.typeField).toBe(definition.typeField);
    expect(t.label).toBe(program.renderQuery({ text: "", schema: [] }).split(": []")[0]);
  });

  it("reads the teacher requests that embed the program's queries", () => {
    const block = readExamples(renderDemoBlock(program, demos));
    expect(block.map((e) => e.query.text)).toEqual(demos.map((d) => d.input.text));
    expect(block.map((e) => e.records)).toEqual(demos.map((d) => d.records));
    const embedded = extractQuery(thinkRequest(program, demos[0]!.input)[1]!.content);
    expect(embedded?.text).toBe(demos[0]!.input.text);
  });

  it("answers in the program's format: its parser accepts the sim's answer under a good prompt", async () => {
    const lm = createSimLM("sim");
    for (const demo of demos) {
      const res = await lm.complete({ messages: program.render(demo.input, { instruction: program.defaultInstruction, demos: program.defaultDemos }) });
      expect(program.parse(res.choices[0]!).ok).toBe(true);
    }
  });

  it("does not read a query whose label differs from the definition's (the reading follows the program)", () => {
    const rendered = program.renderQuery(demos[0]!.input);
    expect(parseQuery(rendered.replace(definition.schemaLabel, "Things to find"))).toBeUndefined();
  });
});
