/**
 * A task definition: everything ieopt knows about one IE task, in one object. Every layer
 * (data, metrics, programs, optimizers, eval, export) asks the definition instead of
 * switching on the task's name, so a user-defined task plugs in wherever a built-in does.
 *
 * It holds: the record and schema-item contracts (zod), the record field naming the type,
 * the LF1 routing rules (from which the verbatim span fields follow), how records and the
 * schema are rendered into a prompt, hints for reading a model's loosely shaped output
 * back into records, and the JSON schema for structured outputs.
 *
 * This is the bottom layer: it imports nothing from data, metrics, programs or above.
 */
import { z } from "zod";
import { UserInputError } from "../errors.ts";

/** A record the model outputs: one plain JSON object (its shape is the task's `record`). */
export type IERecord = { readonly [field: string]: unknown };
/** A schema item: a type name, or an object naming the type (e.g. EE's event type with roles). */
export type SchemaItem = string | { readonly [field: string]: unknown };

/**
 * How LF1 routes a record into units (method.md §3). A unit's *direction* is
 * (kind, record[type] [, item[role]]); its parts are the span fields it compares (the
 * unit's similarity is the mean over parts). With `each`, one unit is made per item of the
 * record's list field `each.list`, and `spans`/`each.role` are fields of that item.
 */
export interface UnitRule {
  /** Tags the direction, so units of different kinds never compare ("entity", "arg"). */
  readonly kind: string;
  /** The record field holding the unit's type. */
  readonly type: string;
  /** The span fields compared, each copied verbatim from the text. */
  readonly spans: readonly string[];
  readonly each?: { readonly list: string; readonly role: string };
}

export interface FieldDoc {
  readonly name: string;
  readonly description: string;
}

/** A problem with one label, located below the label (e.g. ["arguments", 1, "role"]). */
export interface LabelIssue {
  path: PropertyKey[];
  message: string;
}

/** What a task author writes; `defineTask` derives the rest. */
export interface TaskSpec<N extends string = string> {
  /** The sample's `task` value, e.g. "NER". */
  name: N;
  /** Zod schema of one output record. */
  record: z.ZodType;
  /** Zod schema of one schema item (default: a non-empty type name). */
  schemaItem?: z.ZodType;
  /** For object schema items: the field naming the type (e.g. "event_type"). */
  schemaItemNameField?: string;
  /** For object schema items: the field listing the type's roles (EE: "roles"). */
  schemaItemRolesField?: string;
  /**
   * The record field holding its type: the name a schema item stands for. A record
   * without it is text-level (e.g. a sentence class next to the spans): it is in no
   * schema batch, routes to no LF1 unit and is left to the task's own metric.
   */
  typeField: string;
  /** LF1 routing; the first rule's `type` must be `typeField`. */
  units: readonly UnitRule[];
  /** The record's fields, for program summaries and docs. */
  fields: readonly FieldDoc[];
  /** How the query line naming the schema is labelled, e.g. "Entity types". */
  schemaLabel: string;
  /** Parsing hints: other key names models use, mapped onto the record's own keys. */
  keyAliases?: Readonly<Record<string, string>>;
  /** Parsing hints: object keys that wrap the record list, e.g. {"entities": [...]}. */
  listKeys?: readonly string[];
  /** Parsing hints: records from the dict-by-type shape, e.g. {"person": ["Ada"]}. */
  recordsFromTypeDict?(type: string, value: unknown): unknown[] | undefined;
  /** Parsing hints: repairs a record after key aliasing (e.g. nested argument keys). */
  normaliseRecord?(record: Record<string, unknown>): Record<string, unknown>;
  /** Extra checks of a gold label against the schema item of its type (e.g. EE roles). */
  labelIssues?(label: IERecord, item: SchemaItem): LabelIssue[];
}

export interface TaskDefinition<N extends string = string> {
  readonly name: N;
  readonly record: z.ZodType;
  readonly schemaItem: z.ZodType;
  /** For object schema items: the field naming the type. */
  readonly schemaItemNameField: string | undefined;
  /** For object schema items: the field listing the type's roles. */
  readonly schemaItemRolesField: string | undefined;
  readonly typeField: string;
  readonly units: readonly UnitRule[];
  readonly fields: readonly FieldDoc[];
  readonly schemaLabel: string;
  /** Every record key in order: the fields, as models are shown them. */
  readonly recordKeys: readonly string[];
  readonly keyAliases: Readonly<Record<string, string>>;
  readonly listKeys: readonly string[];
  /** The type name a schema item stands for. */
  itemName(item: SchemaItem): string;
  /** The roles a schema item lists for its type (nested units' roles), if it lists any. */
  itemRoles(item: SchemaItem): readonly string[] | undefined;
  /** The type a record is filed under; undefined for a text-level record (no type field). */
  typeOf(record: IERecord): string | undefined;
  /** A copy of the record filed under another type (type-name canonicalisation). */
  withType(record: IERecord, type: string): IERecord;
  /** Every span of a record that must be copied verbatim from the text. */
  spans(record: IERecord): string[];
  /** Whether `visit` holds for every span of the record (`spans` without the array). */
  everySpan(record: IERecord, visit: (span: string) => boolean): boolean;
  /**
   * The record with every span replaced by `map(span)`; a top-level span mapped to
   * undefined drops the record, a nested one drops its item. `lost` counts such spans.
   */
  mapSpans(record: IERecord, map: (span: string) => string | undefined): { record: IERecord | undefined; lost: number };
  /** Checks items against the record schema; the first bad one is described. */
  parseRecords(items: readonly unknown[]): { records: IERecord[] } | { problem: string };
  recordsFromTypeDict(type: string, value: unknown): unknown[] | undefined;
  /** Applies the key aliases and the task's own repairs to one loosely shaped record (the record itself when neither changes it). */
  normaliseRecord(item: unknown): unknown;
  labelIssues(label: IERecord, item: SchemaItem): LabelIssue[];
  /** The schema as shown in a query (JSON of the items). */
  renderSchema(items: readonly SchemaItem[]): string;
  /** Records as shown in a demo's answer (compact JSON). */
  renderRecords(records: readonly IERecord[]): string;
  /** JSON Schema for structured outputs: {"records": [...]} (+ "thought" when reasoning). */
  outputJsonSchema(reasoning: boolean): Record<string, unknown>;
}

/** Shared by every task without label rules (checked per gold label: no array per call). */
const NO_ISSUES: LabelIssue[] = Object.freeze([]) as unknown as LabelIssue[];

export const nonEmpty = z.string().min(1, "must be a non-empty string");

const DEFAULT_LIST_KEYS = ["records", "output", "outputs", "result", "results", "answer", "entities", "relations", "slots", "events", "data"];

/** Builds a task definition from its spec (the derived helpers are shared by every task). */
export function defineTask<N extends string>(spec: TaskSpec<N>): TaskDefinition<N> {
  if (spec.units.length === 0) throw new UserInputError(`task ${spec.name}: at least one LF1 unit rule is needed`);
  if (spec.units[0]!.type !== spec.typeField) throw new UserInputError(`task ${spec.name}: the first unit rule must route by '${spec.typeField}'`);
  const nameField = spec.schemaItemNameField;
  const keyAliases = spec.keyAliases ?? {};
  const listKeys = [...DEFAULT_LIST_KEYS, ...(spec.listKeys ?? [])];
  const jsonSchemas = new Map<boolean, Record<string, unknown>>();

  const itemName = (item: SchemaItem): string =>
    typeof item === "string" ? item : String((item as Record<string, unknown>)[nameField ?? ""] ?? "");

  /** Visits every span in order; stops (false) at the first `visit` that returns false. */
  const everySpan = (record: IERecord, visit: (span: string) => boolean): boolean => {
    for (const rule of spec.units) {
      if (typeof record[rule.type] !== "string") continue; // text-level record: no spans of this rule
      if (rule.each === undefined) {
        for (const f of rule.spans) if (!visit(record[f] as string)) return false;
        continue;
      }
      const list = record[rule.each.list];
      if (!Array.isArray(list)) continue;
      for (const item of list as Record<string, unknown>[]) for (const f of rule.spans) if (!visit(item[f] as string)) return false;
    }
    return true;
  };
  const spans = (record: IERecord): string[] => {
    const out: string[] = [];
    everySpan(record, (span) => out.push(span) > 0);
    return out;
  };

  const mapSpans = (record: IERecord, map: (span: string) => string | undefined) => {
    let lost = 0;
    let dropped = false;
    const out: Record<string, unknown> = { ...record };
    for (const rule of spec.units) {
      if (typeof record[rule.type] !== "string") continue;
      if (rule.each === undefined) {
        for (const f of rule.spans) {
          const mapped = map(record[f] as string);
          if (mapped === undefined) (lost++, (dropped = true));
          else out[f] = mapped;
        }
        continue;
      }
      const list = (record[rule.each.list] ?? []) as IERecord[];
      out[rule.each.list] = list.flatMap((item) => {
        const copy: Record<string, unknown> = { ...item };
        let keep = true;
        for (const f of rule.spans) {
          const mapped = map(item[f] as string);
          if (mapped === undefined) (lost++, (keep = false));
          else copy[f] = mapped;
        }
        return keep ? [copy] : [];
      });
    }
    return { record: dropped ? undefined : out, lost };
  };

  const parseRecords = (items: readonly unknown[]): { records: IERecord[] } | { problem: string } => {
    const records: IERecord[] = [];
    for (const [i, item] of items.entries()) {
      const parsed = spec.record.safeParse(item);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = issue.path.length > 0 ? ` field '${issue.path.join(".")}'` : "";
        return { problem: `record ${i}${field}: ${issue.message}` };
      }
      records.push(parsed.data as IERecord);
    }
    return { records };
  };

  const aliasOf = new Map(Object.entries(keyAliases));
  const hasAliasedKey = (record: Record<string, unknown>): boolean => {
    for (const key in record) if (aliasOf.has(key)) return true;
    return false;
  };
  const normaliseRecord = (item: unknown): unknown => {
    if (!item || typeof item !== "object" || Array.isArray(item)) return item;
    // Nothing to rename and no repairs (the usual answer): the record itself, uncopied.
    if (spec.normaliseRecord === undefined && !hasAliasedKey(item as Record<string, unknown>)) return item;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(item as Record<string, unknown>)) {
      // A map, so a model's "constructor" or "__proto__" key is just a key, not Object.prototype's.
      const canonical = aliasOf.get(key) ?? key;
      if (Object.hasOwn(out, canonical)) continue;
      // Assigning "__proto__" would set the copy's prototype: that one key is defined.
      if (canonical === "__proto__") Object.defineProperty(out, canonical, { value, enumerable: true, writable: true, configurable: true });
      else out[canonical] = value;
    }
    return spec.normaliseRecord ? spec.normaliseRecord(out) : out;
  };

  return {
    name: spec.name,
    record: spec.record,
    schemaItem: spec.schemaItem ?? nonEmpty,
    schemaItemNameField: nameField,
    schemaItemRolesField: spec.schemaItemRolesField,
    typeField: spec.typeField,
    units: spec.units,
    fields: spec.fields,
    schemaLabel: spec.schemaLabel,
    recordKeys: spec.fields.map((f) => f.name),
    keyAliases,
    listKeys,
    itemName,
    itemRoles: (item) => {
      if (typeof item === "string" || spec.schemaItemRolesField === undefined) return undefined;
      const roles = item[spec.schemaItemRolesField];
      return Array.isArray(roles) ? (roles as string[]) : undefined;
    },
    typeOf: (record) => record[spec.typeField] as string | undefined,
    withType: (record, type) => ({ ...record, [spec.typeField]: type }),
    spans,
    everySpan,
    mapSpans,
    parseRecords,
    recordsFromTypeDict: (type, value) => spec.recordsFromTypeDict?.(type, value),
    normaliseRecord,
    labelIssues: spec.labelIssues === undefined ? () => NO_ISSUES : (label, item) => spec.labelIssues!(label, item),
    renderSchema: (items) => JSON.stringify(items),
    renderRecords: (records) => JSON.stringify(records),
    outputJsonSchema(reasoning) {
      let schema = jsonSchemas.get(reasoning);
      if (schema === undefined) {
        const shape = reasoning
          ? z.object({ thought: z.string(), records: z.array(spec.record) })
          : z.object({ records: z.array(spec.record) });
        schema = z.toJSONSchema(shape, { io: "input", target: "draft-7" }) as Record<string, unknown>;
        jsonSchemas.set(reasoning, schema);
      }
      return schema;
    },
  };
}

/** Dict-by-type reading for tasks whose record is one span under a type key. */
export function spanRecordsFromTypeDict(spanKey: string, typeKey: string) {
  return (type: string, value: unknown): unknown[] | undefined => {
    const list = Array.isArray(value) ? value : typeof value === "string" ? [value] : undefined;
    if (!list) return undefined;
    return list.map((span) => (typeof span === "string" ? { [spanKey]: span, [typeKey]: type } : span));
  };
}
