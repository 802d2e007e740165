/**
 * The code-style renderer (KnowCoder-X, GoLLIE; method.md §8): a program's schema shown as
 * Python-like classes, one per type, whose docstring holds the type's guideline (its
 * schema description) and a few example spans; the answer is a list of constructor calls.
 *
 *   Entity types: ["person", "location"]
 *   Classes:
 *   class Person(Entity):
 *       """A person. Examples: "Marie Curie", "Ada Lovelace"."""
 *       entity: str
 *   Text: Marie Curie moved to Paris.
 *
 *   → [Person(entity="Marie Curie"), Location(entity="Paris")]
 *
 * It is derived from the task definition alone (the type field, the span fields of its LF1
 * units, a nested list of role-typed items such as EE's arguments), so it works for any
 * task, user-defined ones included. Relations take their span fields as keywords
 * (`WorksFor(head="Ada", tail="IBM")`), events their roles as lists
 * (`Attack(event_trigger="attacked", attacker=["Rebels"])`). The query keeps the task's
 * label line and "Text:" last, the layout every reader of the programs' prompts knows.
 *
 * The parser is tolerant: calls anywhere in the answer (fences, prose, a "Thought:"
 * frame), single or double quotes, positional spans, a role given one string instead of a
 * list; an answer with no call at all is read as the JSON the base program understands.
 */
import type { IERecord, SchemaItem, TaskDefinition, UnitRule } from "../src/tasks/definition.ts";
import { fingerprint } from "../src/util/hash.ts";
import { schemaTypes } from "../src/metrics/routing.ts";
import type { ChatMessage } from "../src/lm/types.ts";
import { splitThought } from "./parse.ts";
import { REASONING_FORMAT, type IEProgram, type ParseOptions, type ParseResult, type PromptSlots, type QueryInput } from "./program.ts";

export const RENDERER_NAMES = ["json", "code"] as const;
export type RendererName = (typeof RENDERER_NAMES)[number];

export const CODE_FORMAT =
  "The classes above define the types. Answer with a Python list of constructor calls of these classes, e.g. [TypeName(field=\"span\")], copying every span exactly as it is written in the text; answer [] when nothing applies.";

export interface CodeStyleOptions {
  /** Example spans per type (a few from the train split) for the docstrings. */
  examples?: Readonly<Record<string, readonly string[]>>;
}

const PY_KEYWORDS = new Set(["False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield"]);

/** "weather/attribute" → "WeatherAttribute", "PER" → "PER", "1st" → "T1st". */
export function className(type: string): string {
  const parts = type.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  let name = parts.map((p) => p[0]!.toUpperCase() + p.slice(1)).join("") || "Type";
  if (/^\p{N}/u.test(name)) name = `T${name}`;
  return PY_KEYWORDS.has(name) ? `${name}_` : name;
}

/** "Place" → "place", "Time-Within" → "time_within". */
export function argumentName(role: string): string {
  let name = role.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "_").replace(/^_+|_+$/g, "") || "role";
  if (/^\p{N}/u.test(name)) name = `r_${name}`;
  return PY_KEYWORDS.has(name) ? `${name}_` : name;
}

/** Unique identifiers for names (a clash gets _2, _3 …), both ways. */
function identifiers(names: readonly string[], make: (n: string) => string): { to: Map<string, string>; from: Map<string, string> } {
  const to = new Map<string, string>();
  const from = new Map<string, string>();
  for (const n of names) {
    if (to.has(n)) continue;
    const base = make(n);
    let id = base;
    for (let k = 2; from.has(id); k++) id = `${base}_${k}`;
    to.set(n, id);
    from.set(id, n);
  }
  return { to, from };
}

const BASE_CLASS: Readonly<Record<string, string>> = { trigger: "Event", arg: "Event" };

interface Shape {
  /** The top-level span fields (units without `each`), in order. */
  spanFields: string[];
  /** Fields of text-level records (no type, no span: e.g. a sentence class), each its own class. */
  textFields: string[];
  nested: UnitRule | undefined;
  baseClass: string;
}

function shapeOf(task: TaskDefinition): Shape {
  const top = task.units.filter((u) => u.each === undefined);
  const kind = task.units[0]!.kind;
  const spanFields = [...new Set(top.flatMap((u) => u.spans))];
  const nested = task.units.find((u) => u.each !== undefined);
  return {
    spanFields,
    textFields: task.fields.map((f) => f.name).filter((n) => n !== task.typeField && !spanFields.includes(n) && n !== nested?.each?.list),
    nested,
    baseClass: BASE_CLASS[kind] ?? kind[0]!.toUpperCase() + kind.slice(1),
  };
}

const quote = (s: string) => JSON.stringify(s);

export function codeStyle(base: IEProgram, options: CodeStyleOptions = {}): IEProgram {
  const task = base.definition;
  const shape = shapeOf(task);

  const classesOf = (schema: readonly SchemaItem[]) => identifiers(schema.map(task.itemName), className);
  const rolesOf = (schema: readonly SchemaItem[]) => identifiers(schema.flatMap((i) => task.itemRoles(i) ?? []), argumentName);

  const classBlock = (query: QueryInput): string[] => {
    const classes = classesOf(query.schema);
    const lines: string[] = [];
    for (const item of query.schema) {
      const type = task.itemName(item);
      const guideline = query.schema_descriptions?.[type] ?? `A ${type} (${task.fields.find((f) => f.name === shape.spanFields[0])?.description ?? "copied exactly from the text"}).`;
      const examples = (options.examples?.[type] ?? []).slice(0, 3);
      const doc = examples.length > 0 ? `${guideline} Examples: ${examples.map(quote).join(", ")}.` : guideline;
      lines.push(`class ${classes.to.get(type)}(${shape.baseClass}):`, `    """${doc.replace(/"""/g, "'''")}"""`);
      for (const f of shape.spanFields) lines.push(`    ${f}: str`);
      for (const role of task.itemRoles(item) ?? []) lines.push(`    ${argumentName(role)}: list[str]  # ${role}`);
    }
    for (const f of shape.textFields) {
      const doc = task.fields.find((d) => d.name === f)!.description;
      lines.push(`class ${className(f)}(Text):`, `    """${doc.replace(/"""/g, "'''")}"""`, `    ${f}: str`);
    }
    return lines;
  };

  const renderQuery = (query: QueryInput): string =>
    [`${task.schemaLabel}: ${task.renderSchema(query.schema)}`, "Classes:", ...classBlock(query), `Text: ${query.text}`].join("\n");

  const call = (record: IERecord, schema: readonly SchemaItem[]): string => {
    const type = task.typeOf(record);
    if (type === undefined) {
      // A text-level record: the class of its first field, its fields as keywords.
      const fields = Object.keys(record).filter((k) => record[k] !== undefined);
      return `${className(fields[0] ?? "Text")}(${fields.map((k) => `${k}=${quote(String(record[k]))}`).join(", ")})`;
    }
    const name = classesOf(schema).to.get(type) ?? className(type);
    const args = shape.spanFields.map((f) => `${f}=${quote(String(record[f] ?? ""))}`);
    if (shape.nested?.each) {
      const { list, role } = shape.nested.each;
      const byRole = new Map<string, string[]>();
      for (const item of (record[list] ?? []) as Record<string, unknown>[]) {
        const r = String(item[role]);
        byRole.set(r, [...(byRole.get(r) ?? []), String(item[shape.nested.spans[0]!])]);
      }
      for (const [r, values] of byRole) args.push(`${argumentName(r)}=[${values.map(quote).join(", ")}]`);
    }
    return `${name}(${args.join(", ")})`;
  };

  const renderCalls = (records: readonly IERecord[], schema: readonly SchemaItem[]) => `[${records.map((r) => call(r, schema)).join(", ")}]`;

  const render = (query: QueryInput, slots: PromptSlots): ChatMessage[] => {
    const format = slots.reasoning ? `${CODE_FORMAT}\n\n${REASONING_FORMAT.replace("the JSON list", "the list of calls")}` : CODE_FORMAT;
    const messages: ChatMessage[] = [{ role: "system", content: `${slots.instruction}\n\n${format}` }];
    for (const demo of slots.demos) {
      messages.push({ role: "user", content: renderQuery(demo.input) });
      const answer = renderCalls(demo.records, demo.input.schema);
      messages.push({ role: "assistant", content: slots.reasoning ? `Thought: ${demo.thought ?? ""}\nAnswer: ${answer}` : answer });
    }
    messages.push({ role: "user", content: renderQuery(query) });
    return messages;
  };

  const parse = (text: string, parseOptions: ParseOptions = {}): ParseResult => {
    const { thought, answer } = splitThought(text);
    const calls = readCalls(answer);
    if (calls.length === 0) {
      // No constructor call: a model that answered JSON (or nothing) is read as JSON.
      const json = base.parse(answer, parseOptions);
      return json.ok ? { ...json, thought: thought ?? json.thought } : json;
    }
    const schema = parseOptions.schema ?? [];
    const classes = classesOf(schema);
    const byLower = new Map([...classes.from].map(([id, type]) => [id.toLowerCase(), type]));
    const roles = rolesOf(schema);
    const items: Record<string, unknown>[] = [];
    const textClasses = new Map(shape.textFields.map((f) => [className(f), f]));
    for (const c of calls) {
      const textField = classes.from.has(c.name) ? undefined : textClasses.get(c.name);
      if (textField !== undefined) {
        items.push({ ...(c.positional[0] !== undefined ? { [textField]: c.positional[0] } : {}), ...Object.fromEntries(c.keywords) });
        continue;
      }
      const type = classes.from.get(c.name) ?? byLower.get(c.name.toLowerCase()) ?? c.name;
      const record: Record<string, unknown> = { [task.typeField]: type };
      c.positional.forEach((v, i) => {
        if (shape.spanFields[i] !== undefined) record[shape.spanFields[i]!] = v;
      });
      const nested: Record<string, unknown>[] = [];
      for (const [key, value] of c.keywords) {
        const field = task.keyAliases[key] ?? key;
        if (shape.spanFields.includes(field) || field === task.typeField) record[field] = value;
        else if (shape.nested?.each) {
          const role = roles.from.get(key) ?? key;
          for (const v of Array.isArray(value) ? value : [value]) nested.push({ [shape.nested.each.role]: role, [shape.nested.spans[0]!]: v });
        } else record[field] = value;
      }
      if (shape.nested?.each) record[shape.nested.each.list] = nested;
      items.push(record);
    }
    const checked = task.parseRecords(items);
    if ("problem" in checked) return { ok: false, reason: checked.problem };
    const types = schemaTypes(task, schema);
    const records = checked.records.map((r) => {
      const type = task.typeOf(r);
      const canonical = schema.length > 0 && type !== undefined ? types.resolve(type) : undefined;
      return canonical && canonical !== task.typeOf(r) ? task.withType(r, canonical) : r;
    });
    return { ok: true, records, thought };
  };

  const canonical = base.defaultDemos[0]!;
  const version = `${base.version}+code.${fingerprint(render(canonical.input, { instruction: "I", demos: [canonical], reasoning: false }), 8)}`;

  return {
    ...base,
    version,
    render,
    renderQuery,
    renderOutput: (records, thought) => {
      const answer = renderCalls(records, []);
      return thought === undefined ? answer : `Thought: ${thought}\nAnswer: ${answer}`;
    },
    parse,
  };
}

/** Example spans per type from labeled samples: the first `max` distinct ones of each type. */
export function exampleSpans(task: TaskDefinition, samples: readonly { labels: readonly unknown[] }[], max = 3): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const top = task.units.filter((u) => u.each === undefined).flatMap((u) => u.spans);
  for (const s of samples) {
    for (const label of s.labels as IERecord[]) {
      const type = task.typeOf(label);
      if (type === undefined) continue;
      const list = (out[type] ??= []);
      const span = top.map((f) => String(label[f])).join(" … ");
      if (list.length < max && !list.includes(span)) list.push(span);
    }
  }
  return out;
}

// ---- reading constructor calls ----------------------------------------------------------

type Value = string | Value[] | number | boolean | null;

interface Call {
  name: string;
  positional: Value[];
  keywords: [string, Value][];
}

/** Every `Name(...)` call in the text whose arguments read as literals. */
export function readCalls(text: string): Call[] {
  const calls: Call[] = [];
  const head = /([A-Za-z_][\w]*)\s*\(/gu;
  let m: RegExpExecArray | null;
  while ((m = head.exec(text)) !== null) {
    const parsed = readArguments(text, m.index + m[0].length);
    if (!parsed) continue;
    calls.push({ name: m[1]!, ...parsed.args });
    head.lastIndex = parsed.end;
  }
  return calls;
}

function readArguments(text: string, start: number): { args: Omit<Call, "name">; end: number } | undefined {
  const args: Omit<Call, "name"> = { positional: [], keywords: [] };
  let i = start;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  for (;;) {
    skip();
    if (text[i] === ")") return { args, end: i + 1 };
    const kw = /^([A-Za-z_]\w*)\s*=(?!=)/.exec(text.slice(i, i + 200));
    if (kw) i += kw[0].length;
    skip();
    const value = readValue();
    if (value === undefined) return undefined;
    if (kw) args.keywords.push([kw[1]!, value]);
    else args.positional.push(value);
    skip();
    if (text[i] === ",") i++;
    else if (text[i] !== ")") return undefined;
  }

  function readValue(): Value | undefined {
    const c = text[i];
    if (c === '"' || c === "'") return readString(c);
    if (c === "[" || c === "(") {
      const close = c === "[" ? "]" : ")";
      i++;
      const list: Value[] = [];
      for (;;) {
        skip();
        if (text[i] === close) {
          i++;
          return list;
        }
        const v = readValue();
        if (v === undefined) return undefined;
        list.push(v);
        skip();
        if (text[i] === ",") i++;
        else if (text[i] !== close) return undefined;
      }
    }
    const word = /^(-?\d+(?:\.\d+)?|True|False|None|true|false|null)/.exec(text.slice(i, i + 40));
    if (!word) return undefined;
    i += word[0].length;
    const w = word[1]!;
    return w === "True" || w === "true" ? true : w === "False" || w === "false" ? false : w === "None" || w === "null" ? null : Number(w);
  }

  function readString(q: string): string | undefined {
    let out = "";
    i++;
    while (i < text.length) {
      const c = text[i]!;
      if (c === q) {
        i++;
        return out;
      }
      if (c === "\\" && i + 1 < text.length) {
        const n = text[i + 1]!;
        if (n === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        out += n === "n" ? "\n" : n === "t" ? "\t" : n;
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
    return undefined;
  }
}
