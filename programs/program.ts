/**
 * A declarative IE program: what a task's prompt looks like (instruction slot,
 * demonstration slot, optional reasoning slot), how a sample is rendered into chat
 * messages, and how raw model text is parsed back into records.
 *
 * Prompt layout (every task):
 *   system     the instruction (+ a fixed reasoning-format line when reasoning is on)
 *   user       a demo's query          ┐ one pair per demo
 *   assistant  the demo's output        ┘ ("Thought: …\nAnswer: [...]" when reasoning)
 *   user       the query: "<Types label>: [...]", optional descriptions, "Text: …" last
 */
import { z } from "zod";
import type { IERecord, SchemaItem, TaskDefinition } from "../src/tasks/definition.ts";
import type { ChatMessage } from "../src/lm/types.ts";
import { fingerprint } from "../src/util/hash.ts";
import { schemaTypes } from "../src/metrics/routing.ts";
import { extractJson, splitThought } from "./parse.ts";
import { fastRecords } from "../src/data/fast-check.ts";

/** What the model is asked about: a text and a batch of schema items. */
export interface QueryInput {
  text: string;
  schema: SchemaItem[];
  schema_descriptions?: Record<string, string> | undefined;
}

export const DemoSourceSchema = z.enum(["labeled", "augmented"]);

/** One demonstration: a query, its output records, and (for reasoning) a thought. */
export interface Demo {
  input: QueryInput;
  records: IERecord[];
  thought?: string | undefined;
  source: z.infer<typeof DemoSourceSchema>;
  /** The train sample it came from, for provenance. */
  sample_id?: string | undefined;
  /** μ of the demo's output against the sample's label, in [0, 1] (bootstrapped demos; 1 for a label). */
  score?: number | undefined;
}

import type { PromptSlots } from "./prompt.ts";
export type { PromptSlots } from "./prompt.ts";

export type ParseResult =
  | { ok: true; records: IERecord[]; thought: string | undefined }
  | { ok: false; reason: string };

export interface ParseOptions {
  /** When given, record types that match a schema item after NFC, trim and case-folding take its spelling. */
  schema?: readonly SchemaItem[];
}

export type { FieldDoc } from "../src/tasks/definition.ts";
import type { FieldDoc } from "../src/tasks/definition.ts";

/** The task-specific part of a program; `defineProgram` adds the shared machinery. */
export interface ProgramSpec {
  /** The task definition: records, routing, schema rendering, parsing hints. */
  task: TaskDefinition;
  /** Human name, e.g. "named entity recognition". */
  title: string;
  /** What the program does, for the optimizer's program summary. */
  description: string;
  inputFields: FieldDoc[];
  defaultInstruction: string;
  /** Three fixed English exemplars: the default prompt's demonstrations. */
  defaultDemos: Demo[];
}

export interface IEProgram {
  /** The task's name (what samples and frozen prompts carry). */
  readonly task: string;
  /** The task definition the program renders and parses for. */
  readonly definition: TaskDefinition;
  readonly title: string;
  readonly description: string;
  readonly inputFields: readonly FieldDoc[];
  readonly outputFields: readonly FieldDoc[];
  readonly defaultInstruction: string;
  readonly defaultDemos: readonly Demo[];
  /** Changes whenever rendering changes (a fingerprint of a canonical rendering). */
  readonly version: string;
  render(query: QueryInput, slots: PromptSlots): ChatMessage[];
  renderQuery(query: QueryInput): string;
  renderOutput(records: readonly IERecord[], thought?: string): string;
  parse(text: string, options?: ParseOptions): ParseResult;
  /** JSON Schema for structured outputs: {"records": [...]} (+ "thought" when reasoning). */
  outputJsonSchema(reasoning: boolean): Record<string, unknown>;
  /** Max output tokens: 256 without reasoning, 1024 with (method.md §4). */
  maxTokens(reasoning: boolean): number;
}

export const REASONING_FORMAT =
  'First think step by step, writing "Thought:" followed by your reasoning. Then write "Answer:" followed by the JSON list.';

export function defineProgram(spec: ProgramSpec): IEProgram {
  const task = spec.task;

  const renderQuery = (query: QueryInput): string => {
    const lines = [`${task.schemaLabel}: ${task.renderSchema(query.schema)}`];
    const names = query.schema.map(task.itemName);
    const described = names.filter((n) => query.schema_descriptions?.[n]);
    if (described.length > 0) {
      lines.push("Type descriptions:");
      for (const n of described) lines.push(`- ${n}: ${query.schema_descriptions![n]}`);
    }
    lines.push(`Text: ${query.text}`);
    return lines.join("\n");
  };

  const renderOutput = (records: readonly IERecord[], thought?: string): string => {
    const json = task.renderRecords(records);
    return thought === undefined ? json : `Thought: ${thought}\nAnswer: ${json}`;
  };

  const render = (query: QueryInput, slots: PromptSlots): ChatMessage[] => {
    const system = slots.reasoning ? `${slots.instruction}\n\n${REASONING_FORMAT}` : slots.instruction;
    const messages: ChatMessage[] = [{ role: "system", content: system }];
    for (const demo of slots.demos) {
      messages.push({ role: "user", content: renderQuery(demo.input) });
      // A reasoning prompt whose demo has no thought still shows the Thought/Answer frame.
      const thought = slots.reasoning ? (demo.thought ?? "") : undefined;
      messages.push({ role: "assistant", content: renderOutput(demo.records, thought) });
    }
    messages.push({ role: "user", content: renderQuery(query) });
    return messages;
  };

  const toItems = (value: unknown): unknown[] | string => {
    if (Array.isArray(value)) return value;
    if (value === null || typeof value !== "object") return `expected a JSON list of records, got ${JSON.stringify(value)}`;
    const obj = value as Record<string, unknown>;
    for (const key of task.listKeys) if (Array.isArray(obj[key])) return obj[key] as unknown[];
    if (task.record.safeParse(task.normaliseRecord(obj)).success) return [obj];
    // Dict-by-type: {"person": ["Ada", ...], "location": []}
    const items: unknown[] = [];
    for (const [type, v] of Object.entries(obj)) {
      const built = task.recordsFromTypeDict(type, v);
      if (!built) return `cannot read the object as records (key '${type}')`;
      items.push(...built);
    }
    return items;
  };

  // The scorer resolves types itself (so `records` predictions get the same rule); this
  // only makes parsed records read with the schema's spelling. The records themselves when
  // every type already has it (the usual answer); else a copy, built by push (a packed
  // array: see fastRecords).
  const canonicaliseTypes = (records: IERecord[], schema: readonly SchemaItem[] | undefined): IERecord[] => {
    if (!schema) return records;
    const types = schemaTypes(task, schema);
    const respelled = (r: IERecord): IERecord | undefined => {
      const type = task.typeOf(r);
      if (type === undefined) return undefined; // a text-level record has no type to spell
      const canonical = types.resolve(type);
      return !canonical || canonical === type ? undefined : task.withType(r, canonical);
    };
    let out: IERecord[] | undefined;
    for (let i = 0; i < records.length; i++) {
      const r = respelled(records[i]!);
      if (r !== undefined && out === undefined) out = records.slice(0, i);
      out?.push(r ?? records[i]!);
    }
    return out ?? records;
  };

  const parse = (text: string, options: ParseOptions = {}): ParseResult => {
    const { thought, answer } = splitThought(text);
    const json = extractJson(answer);
    if (!json.ok) return json;
    let thoughtOut = thought;
    if (json.value && typeof json.value === "object" && !Array.isArray(json.value)) {
      const t = (json.value as Record<string, unknown>).thought;
      if (typeof t === "string" && thoughtOut === undefined) thoughtOut = t;
    }
    const items = toItems(json.value);
    if (typeof items === "string") return { ok: false, reason: items };
    const normalised: unknown[] = []; // packed (see fastRecords)
    for (const item of items) normalised.push(task.normaliseRecord(item));
    // Well-formed records of a built-in task skip zod (same output); zod explains the rest.
    const fast = fastRecords(task, normalised);
    const checked = fast !== undefined ? { records: fast } : task.parseRecords(normalised);
    if ("problem" in checked) return { ok: false, reason: checked.problem };
    return { ok: true, records: canonicaliseTypes(checked.records, options.schema), thought: thoughtOut };
  };

  // The version fingerprints a canonical rendering, so any change to the template shows.
  // Computed on first use: most commands (`ieopt score`) never read it.
  const canonical = spec.defaultDemos[0]!;
  let version: string | undefined;
  const computeVersion = (): string => `${task.name.toLowerCase()}-1.${fingerprint([
    render(canonical.input, { instruction: "I", demos: [canonical], reasoning: false }),
    render(canonical.input, { instruction: "I", demos: [{ ...canonical, thought: "T" }], reasoning: true }),
  ], 8)}`;

  return {
    task: task.name,
    definition: task,
    title: spec.title,
    description: spec.description,
    inputFields: spec.inputFields,
    outputFields: task.fields,
    defaultInstruction: spec.defaultInstruction,
    defaultDemos: spec.defaultDemos,
    get version() {
      return (version ??= computeVersion());
    },
    render,
    renderQuery,
    renderOutput,
    parse,
    outputJsonSchema: task.outputJsonSchema,
    maxTokens: (reasoning) => (reasoning ? 1024 : 256),
  };
}

/** A hand-written labeled exemplar (the default demos), typed by its task's record. */
export function exemplar<R extends IERecord>(text: string, schema: SchemaItem[], records: R[]): Demo {
  return { input: { text, schema }, records, source: "labeled" };
}

/** The common input fields of every program. */
export const QUERY_FIELDS: FieldDoc[] = [
  { name: "text", description: "the input text, in any language" },
  { name: "schema", description: "the types to extract in this query (a batch of the dataset's schema)" },
  { name: "schema_descriptions", description: "optional descriptions of some types (e.g. what an abbreviated label means)" },
];
