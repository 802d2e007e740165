/**
 * Structured outputs that OpenAI's strict mode accepts (vLLM and other OpenAI-compatible
 * servers accept them too). A task's output JSON Schema (zod's draft-7 rendering, see
 * src/tasks/definition.ts) is made strict-valid by `strictJsonSchema`:
 *
 * - only keywords strict mode supports are kept (type, properties, required, items,
 *   enum, const, anyOf, description, $defs/$ref); `$schema`, `default`, `minLength`,
 *   `pattern`, `format`, bounds and the like are dropped (the parser still checks them);
 * - every object has `additionalProperties: false` and lists all its properties as
 *   required; a property that was optional becomes required — as is when it had a default
 *   (the model writes the default, e.g. an EE event's empty `arguments`), else nullable.
 *
 * The request carries `strict: true`.
 */
import type { ResponseFormat } from "./types.ts";

type JsonSchema = Record<string, unknown>;

const KEPT = new Set(["type", "properties", "required", "items", "enum", "const", "anyOf", "description", "$defs", "definitions", "$ref", "additionalProperties"]);

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The schema, or anyOf [schema, null] — the strict-mode spelling of "may be absent". */
function nullable(schema: JsonSchema): JsonSchema {
  if (schema["type"] === "null") return schema;
  if (Array.isArray(schema["anyOf"])) return { ...schema, anyOf: [...(schema["anyOf"] as unknown[]), { type: "null" }] };
  return { anyOf: [schema, { type: "null" }] };
}

/** A strict-mode-valid copy of a JSON Schema (see the file comment). */
export function strictJsonSchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!KEPT.has(key)) continue;
    if (key === "properties" || key === "$defs" || key === "definitions") {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, isSchema(v) ? strictJsonSchema(v) : v]));
    } else if (key === "items") {
      out[key] = isSchema(value) ? strictJsonSchema(value) : value;
    } else if (key === "anyOf") {
      out[key] = (value as unknown[]).map((v) => (isSchema(v) ? strictJsonSchema(v) : v));
    } else if (key !== "required" && key !== "additionalProperties") {
      out[key] = value;
    }
  }
  const properties = out["properties"] as Record<string, JsonSchema> | undefined;
  if (schema["type"] === "object" || properties !== undefined) {
    const props = properties ?? {};
    const required = new Set(Array.isArray(schema["required"]) ? (schema["required"] as string[]) : []);
    const original = (schema["properties"] ?? {}) as Record<string, JsonSchema>;
    for (const name of Object.keys(props)) {
      if (!required.has(name) && !("default" in (original[name] ?? {}))) props[name] = nullable(props[name]!);
    }
    out["properties"] = props;
    out["required"] = Object.keys(props);
    out["additionalProperties"] = false;
  }
  return out;
}

/** The response_format asking for `schema` in strict mode. */
export function strictResponseFormat(name: string, schema: JsonSchema): ResponseFormat {
  return { type: "json_schema", json_schema: { name, strict: true, schema: strictJsonSchema(schema) } };
}
