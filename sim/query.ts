/**
 * Reading the extraction prompt layout of programs/program.ts the way a model would:
 * the query's first line names the task by the program's own label (sim/tasks.ts) and
 * lists the schema as JSON, optional "Type descriptions:" lines follow, and "Text: "
 * starts the text, which runs to the end of the message. Demo outputs are JSON lists of
 * records, optionally behind "Thought: … Answer:". Parsing is tolerant: a query it cannot
 * read is simply not one. test/sim/parity.test.ts keeps this reading equal to the
 * programs' rendering.
 */
import { queryLabels, taskOf } from "./tasks.ts";

export interface SchemaEntry {
  name: string;
  /** EE only: the roles of the event type. */
  roles: string[];
}

export interface ParsedQuery {
  /** The task's name (a registered task definition). */
  task: string;
  schema: SchemaEntry[];
  descriptions: Record<string, string>;
  text: string;
}


export function parseQuery(content: string): ParsedQuery | undefined {
  const trimmed = content.replace(/^\s+/, "");
  let task: string | undefined;
  let rest = "";
  for (const [label, t] of queryLabels()) {
    if (trimmed.startsWith(`${label}:`)) {
      task = t;
      rest = trimmed.slice(label.length + 1);
      break;
    }
  }
  if (!task) return undefined;
  const textAt = rest.search(/(^|\n)Text: ?/);
  if (textAt < 0) return undefined;
  const textMatch = /(^|\n)Text: ?/.exec(rest.slice(textAt))!;
  const text = rest.slice(textAt + textMatch[0].length);
  const head = rest.slice(0, textAt);
  const [schemaLine = "", ...descLines] = head.split("\n");
  const schema = parseSchema(task, schemaLine.trim());
  // Keyed by type names, which are user data: no prototype, so a type named "__proto__" is a key like any other.
  const descriptions: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const line of descLines) {
    const m = /^-\s*(.+?):\s+(.*)$/.exec(line.trim());
    if (m) descriptions[m[1]!] = m[2]!;
  }
  return { task, schema, descriptions, text };
}

function parseSchema(task: string, json: string): SchemaEntry[] {
  const definition = taskOf(task).definition;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    // A model still reads a slightly broken list: take the quoted names.
    return [...json.matchAll(/"([^"]+)"/g)].map((m) => ({ name: m[1]!, roles: [] }));
  }
  if (!Array.isArray(value)) return [];
  const out: SchemaEntry[] = [];
  for (const item of value) {
    if (typeof item !== "string" && (!item || typeof item !== "object")) continue;
    const name = definition.itemName(item as never);
    if (name) out.push({ name, roles: [...(definition.itemRoles(item as never) ?? [])] });
  }
  return out;
}

export interface ParsedOutput {
  thought: string | undefined;
  /** The output shows the "Thought: … Answer:" frame (even with an empty thought). */
  framed: boolean;
  /** Records as plain objects (keys as the demo wrote them), or undefined when unreadable. */
  records: Record<string, unknown>[] | undefined;
  raw: string;
}

/** A demo's output, read like a model reads an example answer. */
export function parseOutput(content: string): ParsedOutput {
  let thought: string | undefined;
  let answer = content;
  const a = /(^|\n)\s*Answer:\s*/i.exec(content);
  const t = /^\s*Thought:\s*/i.exec(content);
  if (a) {
    answer = content.slice(a.index + a[0].length);
    if (t) thought = content.slice(t[0].length, a.index).trim();
  }
  let records: Record<string, unknown>[] | undefined;
  try {
    const v = JSON.parse(answer.trim()) as unknown;
    const list = Array.isArray(v) ? v : v && typeof v === "object" && Array.isArray((v as { records?: unknown }).records) ? (v as { records: unknown[] }).records : undefined;
    if (list) records = list.filter((r): r is Record<string, unknown> => !!r && typeof r === "object" && !Array.isArray(r));
  } catch {
    records = undefined;
  }
  return { thought: thought || undefined, framed: !!t && !!a, records, raw: content };
}

/** The span and type of a record whose unit has one span (for lexicon learning; RE has two). */
export function recordSpanType(task: string, r: Record<string, unknown>): { span: string; type: string }[] {
  const t = taskOf(task);
  const type = r[t.typeField];
  const span = t.spanFields.length === 1 ? r[t.spanFields[0]!] : undefined;
  return typeof span === "string" && span && typeof type === "string" && type ? [{ span, type }] : [];
}
