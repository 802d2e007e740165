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
import { SPLITS, type PredictionLine, type Sample } from "./sample.ts";
import type { ScoredSample } from "../metrics/score.ts";

type Json = Record<string, unknown>;

interface FastTask {
  /** Whether zod's parse accepts the record (its output is then `record`'s). */
  recordOk(value: unknown): boolean;
  /** The record as zod's parse returns it, or undefined. */
  record(value: unknown): IERecord | undefined;
  /** A record `recordOk` accepted, as rules that read its lists need it (defaults filled). */
  withLists(value: Json): IERecord;
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

  const recordOk = (value: unknown): value is Json => {
    if (!isObject(value)) return false;
    for (const key of keys) {
      const v = value[key];
      const itemFields = lists.get(key);
      if (itemFields === undefined) {
        if (!isNonEmpty(v)) return false;
        continue;
      }
      if (v === undefined) continue; // the record schemas default their lists to []
      if (!Array.isArray(v)) return false;
      for (const item of v) {
        if (!isObject(item)) return false;
        for (const f of itemFields) if (!isNonEmpty(item[f])) return false;
      }
    }
    return true;
  };

  /**
   * The record as zod's parse returns it: the known fields only, lists defaulted to []. Lists
   * are built by push, not map: map makes holey arrays, and a second array shape next to
   * JSON.parse's packed ones costs the loops that read records a deoptimization.
   */
  const copyRecord = (value: Json): IERecord => {
    const out: Json = {};
    for (const key of keys) {
      const v = value[key];
      const itemFields = lists.get(key);
      if (itemFields === undefined) {
        out[key] = v;
        continue;
      }
      const copies: Json[] = [];
      for (const item of (v ?? []) as Json[]) {
        const copy: Json = {};
        for (const f of itemFields) copy[f] = item[f];
        copies.push(copy);
      }
      out[key] = copies;
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
  const listKeys = [...lists.keys()];
  /** An accepted record with its lists present (the value itself when they are, else the copy). */
  const withLists = (value: Json): IERecord => (listKeys.every((k) => value[k] !== undefined) ? value : copyRecord(value));
  return { recordOk, record: (value) => (recordOk(value) ? copyRecord(value) : undefined), withLists, schemaItem };
}

interface FastEntry {
  def: TaskDefinition;
  fast: FastTask;
}
const FAST = new Map<TaskDefinition, FastEntry>();
for (const def of BUILTIN_TASKS) {
  const fast = buildFastTask(def);
  if (fast !== undefined) FAST.set(def, { def, fast });
}

/** The fast checks of the definition a sample's `task` names, if it has them. */
function fastTaskFor(name: unknown): FastEntry | undefined {
  if (typeof name !== "string") return undefined;
  const def = findTask(name);
  return def === undefined ? undefined : FAST.get(def);
}

/**
 * Records checked against the task's record schema, as `parseRecords` returns them; undefined: ask zod.
 * A definition given itself has fast checks only if it is a built-in one.
 */
export function fastRecords(task: string | TaskDefinition, items: readonly unknown[]): IERecord[] | undefined {
  const t = typeof task === "string" ? fastTaskFor(task) : FAST.get(task);
  if (t === undefined) return undefined;
  const out: IERecord[] = []; // packed, as copyRecord's lists
  for (const item of items) {
    const r = t.fast.record(item);
    if (r === undefined) return undefined;
    out.push(r);
  }
  return out;
}

/**
 * The items themselves, uncopied, when `fastRecords` would accept them (for a reader that
 * only routes them: unknown keys are ignored there, a missing list routes like []).
 */
export function fastRecordsAsIs(task: string, items: readonly unknown[]): readonly IERecord[] | undefined {
  const t = fastTaskFor(task);
  if (t === undefined) return undefined;
  for (const item of items) if (!t.fast.recordOk(item)) return undefined;
  return items as readonly IERecord[];
}

/** A prediction line the fast way: `{id, output: string}` or `{id, records: [...]}`; undefined: ask zod. */
export function fastPredictionLine(json: Json): PredictionLine | undefined {
  if (!isNonEmpty(json.id) || Object.hasOwn(json, "__proto__")) return undefined;
  return typeof json.output === "string" || Array.isArray(json.records) ? (json as PredictionLine) : undefined;
}

/** SampleShape's lang rule, /^[a-z]{3}$/, without a regular expression per line. */
function isLangCode(v: unknown): boolean {
  if (typeof v !== "string" || v.length !== 3) return false;
  for (let i = 0; i < 3; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x61 || c > 0x7a) return false;
  }
  return true;
}

const isSplit = (v: unknown): boolean => (SPLITS as readonly unknown[]).includes(v);
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

/** The schema item of each name, per (interned) schema: labels are checked against it. */
const itemsByName = new WeakMap<readonly SchemaItem[], Map<string, SchemaItem>>();

function byNameOf(def: TaskDefinition, items: readonly SchemaItem[]): Map<string, SchemaItem> {
  let byName = itemsByName.get(items);
  if (byName === undefined) {
    byName = new Map();
    for (const item of items) {
      const name = def.itemName(item);
      if (!byName.has(name)) byName.set(name, item);
    }
    itemsByName.set(items, byName);
  }
  return byName;
}

/** Per task, the last schema accepted, reused when the next line's schema is the same (most lines of a file). */
const lastSchema = new Map<TaskDefinition, SchemaItem[]>();

/** True when `raw` is a schema whose fast output is exactly `items` (so it is valid too). */
function sameSchema(def: TaskDefinition, raw: unknown[], items: readonly SchemaItem[]): boolean {
  if (raw.length !== items.length) return false;
  const nameField = def.schemaItemNameField;
  const rolesField = def.schemaItemRolesField;
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i];
    const item = items[i]!;
    if (nameField === undefined) {
      if (r !== item) return false;
      continue;
    }
    if (!isObject(r) || r[nameField] !== (item as Json)[nameField]) return false;
    if (rolesField === undefined) continue;
    const roles = r[rolesField];
    const known = (item as Json)[rolesField] as string[];
    if (!Array.isArray(roles) || roles.length !== known.length) return false;
    for (let j = 0; j < roles.length; j++) if (roles[j] !== known[j]) return false;
  }
  return true;
}

/** The sample's schema as zod's parse returns it (interned), or undefined when fast checks cannot accept it. */
function checkedSchema(def: TaskDefinition, fast: FastTask, schema: unknown[]): SchemaItem[] | undefined {
  const last = lastSchema.get(def);
  if (last !== undefined && sameSchema(def, schema, last)) return last;
  const items = new Array<SchemaItem>(schema.length);
  for (let i = 0; i < schema.length; i++) {
    const item = fast.schemaItem(schema[i]);
    if (item === undefined) return undefined;
    items[i] = item;
  }
  const interned = internSchema(items);
  lastSchema.set(def, interned);
  return interned;
}

/**
 * The checks of a sample line, without building anything: the interned schema when the
 * line is valid for a built-in task, undefined when zod must decide (an invalid line,
 * schema_descriptions, a registered task, anything unusual).
 */
function checkSample(json: Json): { entry: FastEntry; schema: SchemaItem[] } | undefined {
  const entry = fastTaskFor(json.task);
  if (entry === undefined) return undefined;
  const { def, fast } = entry;
  const { id, instance_id, dataset, lang, split, text, schema, labels } = json;
  if (!isNonEmpty(id) || !isNonEmpty(dataset) || typeof text !== "string") return undefined;
  if (instance_id !== undefined && !isNonEmpty(instance_id)) return undefined;
  if (!isLangCode(lang) || !isSplit(split)) return undefined;
  if (!Array.isArray(schema) || !Array.isArray(labels) || json.schema_descriptions !== undefined) return undefined;
  if (Object.hasOwn(json, "__proto__")) return undefined;

  const items = checkedSchema(def, fast, schema);
  if (items === undefined) return undefined;
  const byName = byNameOf(def, items);
  for (const label of labels) {
    if (!fast.recordOk(label)) return undefined;
    const type = def.typeOf(label as IERecord);
    const item = type === undefined ? undefined : byName.get(type);
    if (item === undefined) return undefined;
    if (!def.everySpan(label as IERecord, (span) => text.includes(span))) return undefined;
    if (def.labelIssues(fast.withLists(label as Json), item).length > 0) return undefined;
  }
  return { entry, schema: items };
}

/**
 * A sample line the fast way: exactly SampleSchema's output when the line is valid for a
 * built-in task; undefined when zod must decide.
 */
export function fastSample(json: Json): Sample | undefined {
  const checked = checkSample(json);
  if (checked === undefined) return undefined;
  const { id, instance_id, dataset, lang, split, text } = json;
  const labels = json.labels as Json[];
  const records = new Array<IERecord>(labels.length);
  for (let i = 0; i < labels.length; i++) records[i] = checked.entry.fast.record(labels[i])!;

  const out: Json = { id };
  if (instance_id !== undefined) out.instance_id = instance_id;
  out.dataset = dataset;
  out.lang = lang;
  out.task = json.task;
  out.split = split;
  out.text = text;
  out.schema = checked.schema;
  out.labels = records;
  for (const key in json) if (!SHAPE_KEYS.has(key)) out[key] = json[key];
  if (instance_id === undefined) out.instance_id = id;
  return out as Sample;
}

/**
 * What scoring reads of a sample line the fast way, for exactly the lines `fastSample`
 * accepts: no copies (the labels are the line's, unknown keys included, which routing
 * ignores; a missing EE `arguments` routes like zod's default []); undefined: ask zod.
 */
export function fastScoredSample(json: Json): ScoredSample | undefined {
  const checked = checkSample(json);
  if (checked === undefined) return undefined;
  const id = json.id as string;
  return {
    id,
    instance_id: (json.instance_id as string | undefined) ?? id,
    dataset: json.dataset as string,
    lang: json.lang as string,
    task: json.task as string,
    schema: checked.schema,
    labels: json.labels as IERecord[],
  };
}
