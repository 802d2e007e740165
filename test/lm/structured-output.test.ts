import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { strictJsonSchema, strictResponseFormat } from "../../src/lm/structured-output.ts";
import { buildRequest } from "../../src/eval/runner.ts";
import { readSamples } from "../../src/data/jsonl.ts";
import { TASKS } from "../../src/data/sample.ts";
import { getProgram } from "../../programs/index.ts";
import { EXAMPLES, ieopt, tempDir } from "../eval-cli/helpers.ts";

type Schema = Record<string, unknown>;

/**
 * OpenAI strict mode's rules for a response_format schema, checked independently of how
 * strictJsonSchema builds it: the root is an object (not anyOf); every object sets
 * additionalProperties false and requires every property; only supported keywords occur;
 * at most 5 levels of object nesting.
 */
const SUPPORTED = new Set(["type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "description", "$defs", "definitions", "$ref"]);
function strictViolations(schema: Schema, path = "$", depth = 0): string[] {
  const out: string[] = [];
  if (path === "$" && (schema["type"] !== "object" || "anyOf" in schema)) out.push("$: the root must be an object, not anyOf");
  for (const key of Object.keys(schema)) if (!SUPPORTED.has(key)) out.push(`${path}: unsupported keyword '${key}'`);
  const props = schema["properties"] as Record<string, Schema> | undefined;
  if (schema["type"] === "object" || props) {
    if (depth >= 5) out.push(`${path}: more than 5 levels of nesting`);
    if (schema["additionalProperties"] !== false) out.push(`${path}: additionalProperties must be false`);
    const required = new Set((schema["required"] as string[] | undefined) ?? []);
    for (const name of Object.keys(props ?? {})) if (!required.has(name)) out.push(`${path}.${name}: not required`);
    for (const [name, sub] of Object.entries(props ?? {})) out.push(...strictViolations(sub, `${path}.${name}`, depth + 1));
  }
  if (schema["items"]) out.push(...strictViolations(schema["items"] as Schema, `${path}[]`, depth));
  for (const [i, sub] of ((schema["anyOf"] as Schema[] | undefined) ?? []).entries()) out.push(...strictViolations(sub, `${path}|${i}`, depth));
  return out;
}

/** A value against the keyword subset strict schemas use. */
function conforms(value: unknown, schema: Schema): boolean {
  if (Array.isArray(schema["anyOf"])) return (schema["anyOf"] as Schema[]).some((s) => conforms(value, s));
  switch (schema["type"]) {
    case "null":
      return value === null;
    case "string":
      return typeof value === "string";
    case "array":
      return Array.isArray(value) && value.every((v) => conforms(v, schema["items"] as Schema));
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
      const props = schema["properties"] as Record<string, Schema>;
      const v = value as Record<string, unknown>;
      if (Object.keys(v).some((k) => !(k in props))) return false;
      return (schema["required"] as string[]).every((k) => k in v && conforms(v[k], props[k]!));
    }
    default:
      return true;
  }
}

describe("strict structured outputs", () => {
  it("every task's output schema, with and without reasoning, meets strict mode's rules once made strict", () => {
    for (const task of TASKS) {
      for (const reasoning of [false, true]) {
        const raw = getProgram(task).outputJsonSchema(reasoning);
        expect(strictViolations(raw).length, `${task}: the raw schema should break the rules (or this check checks nothing)`).toBeGreaterThan(0);
        expect(strictViolations(strictJsonSchema(raw)), `${task} reasoning=${reasoning}`).toEqual([]);
      }
    }
  });

  it("optional properties become required: as is with a default, else nullable; unsupported keywords go", () => {
    const schema = {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: {
        a: { type: "string", minLength: 1 },
        b: { type: "array", items: { type: "string" }, default: [] },
        c: { type: "string", pattern: "^x" },
      },
      required: ["a"],
    };
    expect(strictJsonSchema(schema)).toEqual({
      type: "object",
      properties: { a: { type: "string" }, b: { type: "array", items: { type: "string" } }, c: { anyOf: [{ type: "string" }, { type: "null" }] } },
      required: ["a", "b", "c"],
      additionalProperties: false,
    });
    expect(schema.properties.a.minLength).toBe(1); // the input is not changed
  });

  it("gold records of every task fit the strict schema (EE events carry their arguments list)", async () => {
    for (const task of TASKS) {
      const strict = strictJsonSchema(getProgram(task).outputJsonSchema(false));
      const samples = await readSamples(join(EXAMPLES, `${task.toLowerCase()}/test.jsonl`));
      for (const s of samples.slice(0, 30)) {
        const records = task === "EE" ? (s.labels as { arguments?: unknown[] }[]).map((r) => ({ arguments: [], ...r })) : s.labels;
        expect(conforms({ records }, strict), `${task} ${s.id}`).toBe(true);
      }
      expect(conforms({ records: [{ surprise: 1 }] }, strict)).toBe(false);
    }
  });

  it("requests carry strict: true and a valid name; --structured-output reaches the request body", async () => {
    const program = getProgram("EE");
    const request = buildRequest({ program, instruction: program.defaultInstruction, demos: program.defaultDemos, reasoning: false, structuredOutput: true }, { text: "x", schema: [] });
    expect(request.response_format).toEqual(strictResponseFormat("ee_records", program.outputJsonSchema(false)));
    const format = request.response_format as { json_schema: { name: string; strict: boolean } };
    expect(format.json_schema.strict).toBe(true);
    expect(format.json_schema.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);

    const dir = tempDir();
    try {
      const out = join(dir, "req.jsonl");
      const r = await ieopt("eval", "--prompt", "default:NER", "--data", join(EXAMPLES, "ner/test.jsonl"), "--model", "sim", "--structured-output", "--batch-out", out);
      expect(r.code).toBe(0);
      const body = (JSON.parse(readFileSync(out, "utf8").split("\n")[0]!) as { body: { response_format: { type: string; json_schema: { strict: boolean; schema: Schema } } } }).body;
      expect(body.response_format.type).toBe("json_schema");
      expect(body.response_format.json_schema.strict).toBe(true);
      expect(strictViolations(body.response_format.json_schema.schema)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
