/**
 * The fast path of the sample contract: hand-written checks of well-formed lines, for the
 * built-in tasks, that build no zod error objects and allocate little. Zod (sample.ts)
 * stays the source of truth: a check here either returns exactly what zod's parse would
 * (same fields, same key order) or undefined, and then the caller parses with zod, which
 * accepts the line or explains it with its usual messages. A test holds the two equal.
 *
 * The record checks are derived from a built-in definition's LF1 unit rules (span and type
 * fields are non-empty strings, `each` lists hold objects of role + span fields); a
 * definition whose record keys the rules do not cover, or a user-registered task, has no
 * fast path.
 */
import type { IERecord, SchemaItem, TaskDefinition } from "../tasks/definition.ts";
import { BUILTIN_TASKS } from "../tasks/builtin.ts";
import { findTask } from "../tasks/registry.ts";
import type { PredictionLine, Sample } from "./sample.ts";

type Json = Record<string, unknown>;

interface FastTask {
  /** The record as zod's parse returns it, or undefined. */
  record(value: unknown): IERecord | undefined;
  /** The schema item as zod's parse returns it, or undefined. */
  schemaItem(value: unknown): SchemaItem | undefined;
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);
const isNonEmpty = (v: unknown): v is string => typeof v === "string" && v.length > 0;

function buildFastTask(def: TaskDefinition): FastTask | undefined {
  const flat = new Set<string>([def.typeField]);
  const lists = new Map<string, string[]>();
  for (const rule of def.units) {
    if (rule.each === undefined) for (const f of rule.spans) flat.add(f);
    else lists.set(rule.each.list, [rule.each.role, ...rule.spans]);
  }
  const keys = def.recordKeys;
  if (keys.length !== flat.size + lists.size || !keys.every((k) => flat.has(k) || lists.has(k))) return undefined;

  const record = (value: unknown): IERecord | undefined => {
    if (!isObject(value)) return undefined;
    const out: Json = {};
    for (const key of keys) {
      const v = value[key];
      const itemFields = lists.get(key);
      if (itemFields === undefined) {
        if (!isNonEmpty(v)) return undefined;
        out[key] = v;
        continue;
      }
      if (v === undefined) {
        out[key] = []; // the record schemas default their lists to []
        continue;
      }
      if (!Array.isArray(v)) return undefined;
      const items = new Array<Json>(v.length);
      for (let i = 0; i < v.length; i++) {
        const item = v[i];
        if (!isObject(item)) return undefined;
        const copy: Json = {};
        for (const f of itemFields) {
          if (!isNonEmpty(item[f])) return undefined;
          copy[f] = item[f];
        }
        items[i] = copy;
      }
      out[key] = items;
    }
    return out;
  };

  const nameField = def.schemaItemNameField;
  const rolesField = def.schemaItemRolesField;
  const schemaItem = (value: unknown): SchemaItem | undefined => {
    if (nameField === undefined) return isNonEmpty(value) ? value : undefined;
    if (!isObject(value) || !isNonEmpty(value[nameField])) return undefined;
    if (rolesField === undefined) return { [nameField]: value[nameField] };
    const roles = value[rolesField];
    if (!Array.isArray(roles) || !roles.every(isNonEmpty)) return undefined;
    return { [nameField]: value[nameField], [rolesField]: roles.slice() };
  };
  return { record, schemaItem };
}

const FAST = new Map<TaskDefinition, FastTask>();
for (const def of BUILTIN_TASKS) {
  const fast = buildFastTask(def);
  if (fast !== undefined) FAST.set(def, fast);
}

/** The fast checks of the definition a sample's `task` names, if it has them. */
function fastTaskFor(name: unknown): { def: TaskDefinition; fast: FastTask } | undefined {
  if (typeof name !== "string") return undefined;
  const def = findTask(name);
  const fast = def === undefined ? undefined : FAST.get(def);
  return fast === undefined ? undefined : { def: def!, fast };
}

/** Records checked against the task's record schema, as `parseRecords` returns them; undefined: ask zod. */
export function fastRecords(task: string, items: readonly unknown[]): IERecord[] | undefined {
  const t = fastTaskFor(task);
  if (t === undefined) return undefined;
  const out = new Array<IERecord>(items.length);
  for (let i = 0; i < items.length; i++) {
    const r = t.fast.record(items[i]);
    if (r === undefined) return undefined;
    out[i] = r;
  }
  return out;
}

/** A prediction line the fast way: `{id, output: string}` or `{id, records: [...]}`; undefined: ask zod. */
export function fastPredictionLine(json: Json): PredictionLine | undefined {
  if (!isNonEmpty(json.id) || Object.hasOwn(json, "__proto__")) return undefined;
  return typeof json.output === "string" || Array.isArray(json.records) ? (json as PredictionLine) : undefined;
}

const SPLITS = new Set(["train", "dev", "test"]);
const LANG = /^[a-z]{3}$/;
/** Fields the sample shape names, in its order; every other key is kept after them. */
const SHAPE_KEYS = new Set(["id", "instance_id", "dataset", "lang", "task", "split", "text", "schema", "labels", "schema_descriptions"]);

/**
 * Schema arrays are shared between samples with the same schema (most of a data set), so
 * per-schema caches (routing's resolvers) hit and memory holds each schema once.
 * Bounded: a file of all-different schemas stops interning.
 */
const INTERN_LIMIT = 4096;
const interned = new Map<string, SchemaItem[]>();

function internSchema(items: SchemaItem[]): SchemaItem[] {
  const key = JSON.stringify(items);
  const hit = interned.get(key);
  if (hit !== undefined) return hit;
  if (interned.size >= INTERN_LIMIT) return items;
  // Kept for the whole process: parsed from its own key, not the line's strings (ownString).
  const own = Object.freeze(JSON.parse(key)) as SchemaItem[];
  interned.set(key, own);
  return own;
}

/**
 * A sample line the fast way: exactly SampleSchema's output when the line is valid for a
 * built-in task; undefined when zod must decide (an invalid line, schema_descriptions,
 * a registered task, anything unusual).
 */
export function fastSample(json: Json): Sample | undefined {
  const t = fastTaskFor(json.task);
  if (t === undefined) return undefined;
  const { id, instance_id, dataset, lang, split, text, schema, labels } = json;
  if (!isNonEmpty(id) || !isNonEmpty(dataset) || typeof text !== "string") return undefined;
  if (instance_id !== undefined && !isNonEmpty(instance_id)) return undefined;
  if (typeof lang !== "string" || !LANG.test(lang) || typeof split !== "string" || !SPLITS.has(split)) return undefined;
  if (!Array.isArray(schema) || !Array.isArray(labels) || json.schema_descriptions !== undefined) return undefined;
  if (Object.hasOwn(json, "__proto__")) return undefined;

  const items = new Array<SchemaItem>(schema.length);
  const byName = new Map<string, SchemaItem>();
  for (let i = 0; i < schema.length; i++) {
    const item = t.fast.schemaItem(schema[i]);
    if (item === undefined) return undefined;
    items[i] = item;
    const name = t.def.itemName(item);
    if (!byName.has(name)) byName.set(name, item);
  }
  const records = new Array<IERecord>(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const label = t.fast.record(labels[i]);
    if (label === undefined) return undefined;
    const type = t.def.typeOf(label);
    const item = type === undefined ? undefined : byName.get(type);
    if (item === undefined) return undefined;
    for (const span of t.def.spans(label)) if (!text.includes(span)) return undefined;
    if (t.def.labelIssues(label, item).length > 0) return undefined;
    records[i] = label;
  }

  const out: Json = { id };
  if (instance_id !== undefined) out.instance_id = instance_id;
  out.dataset = dataset;
  out.lang = lang;
  out.task = json.task;
  out.split = split;
  out.text = text;
  out.schema = internSchema(items);
  out.labels = records;
  for (const key in json) if (!SHAPE_KEYS.has(key)) out[key] = json[key];
  if (instance_id === undefined) out.instance_id = id;
  return out as Sample;
}
