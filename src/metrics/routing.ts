/**
 * THE one home of LF1's routing rule (method.md §3): which spans may be compared with
 * which. A record becomes one or more *units*; a unit is only ever compared with units of
 * the same `direction`.
 *
 * The rules come from the task's definition (`TaskDefinition.units`, src/tasks): e.g. NER
 * routes by entity_type with parts [entity]; RE by relation with parts [head, tail]
 * (similarity = mean over parts); EE makes a trigger unit per event and an argument unit
 * per argument, routed by (event_type, role), scored independently of the trigger they
 * hang on, as the study's routing does.
 *
 * Direction keys are JSON tuples tagged with the unit kind (`["trigger","Attack"]`,
 * `["arg","Attack","victim"]`), so no type or role name can make two kinds collide.
 * Spans go through `normalizeSpan`. Units are de-duplicated after normalization.
 *
 * Type names (method.md §3, our two decisions). Predicted records are routed against
 * *their own sample's* schema: a type name is matched to the schema's items after NFC,
 * trim and case-folding (`foldTypeName`) and takes the schema's spelling, so "PERSON"
 * answers a query for "person" — whether it came as raw output or as `records`. A type
 * that matches no schema item gets an "out-of-schema" direction no gold unit has: it
 * counts in precision with similarity 0 and earns no recall credit, even when another
 * batch of the same instance has gold of that type. EE roles are matched to the event
 * type's roles (the schema item's role list) the same way. Gold is routed as written (samples are validated: every
 * label's type is in the sample's schema).
 */
import type { IERecord, SchemaItem, TaskDefinition, UnitRule } from "../tasks/definition.ts";
import { resolveTask, type TaskRef } from "../tasks/registry.ts";
import { normalizeSpan } from "./levenshtein.ts";

export interface Unit {
  direction: string;
  parts: string[];
}

/**
 * A sample's records as routed units. Pass the sample's `schema` for predictions (types
 * are then resolved against it, see above); gold, or a caller with no schema, routes
 * type names as written.
 */
export function toUnits(task: TaskRef, records: readonly IERecord[], schema?: readonly SchemaItem[]): Unit[] {
  const definition = resolveTask(task);
  const rules = definition.units;
  const units = new UnitSet();
  const types = schema === undefined ? undefined : schemaTypes(definition, schema);
  for (const record of records) for (const rule of rules) addUnits(rule, record, units, types);
  return units.list;
}

/** Pools several unit lists into one, de-duplicated (an instance pools its samples). */
export function poolUnits(lists: readonly (readonly Unit[])[]): Unit[] {
  const units = new UnitSet();
  for (const list of lists) for (const unit of list) units.add(unit.direction, unit.parts);
  return units.list;
}

/** Unit kinds; a kind with the OUT_OF_SCHEMA prefix never occurs on the gold side. */
const OUT_OF_SCHEMA = "out-of-schema:";

/** The direction of a record of `kind` and `type`, resolved against the schema if any. */
function routed(kind: string, type: string, types: SchemaTypes | undefined, role?: string): string {
  if (types === undefined) return direction(kind, type, role);
  const canonical = types.resolve(type);
  if (canonical === undefined) return direction(OUT_OF_SCHEMA + kind, type, role);
  return direction(kind, canonical, role === undefined ? undefined : types.resolveRole(canonical, role));
}

function addUnits(rule: UnitRule, record: IERecord, units: UnitSet, types: SchemaTypes | undefined): void {
  const type = record[rule.type];
  // A record without the rule's type field (a text-level record) makes no unit of it.
  if (typeof type !== "string") return;
  if (rule.each === undefined) {
    units.add(routed(rule.kind, type, types), spanParts(rule.spans, record));
    return;
  }
  // Lists default to [] in the record schemas, but records built in code may omit them.
  const list = record[rule.each.list] as readonly IERecord[] | undefined;
  if (list === undefined) return;
  const role = rule.each.role;
  for (const item of list) units.add(routed(rule.kind, type, types, item[role] as string), spanParts(rule.spans, item));
}

/** The normalized span fields of one unit (one array per unit: no extra garbage). */
function spanParts(fields: readonly string[], record: IERecord): string[] {
  if (fields.length === 1) return [normalizeSpan(record[fields[0]!] as string)];
  const parts = new Array<string>(fields.length);
  for (let i = 0; i < fields.length; i++) parts[i] = normalizeSpan(record[fields[i]!] as string);
  return parts;
}

/**
 * The comparison key of a type or role name: NFC, trimmed, case-folded. JavaScript has no
 * full Unicode case fold; upper- then lower-casing approximates it (ß → ss, final ς → σ).
 */
export function foldTypeName(name: string): string {
  return name.normalize("NFC").trim().toUpperCase().toLowerCase();
}

/** Resolves a sample's type (and EE role) names to its schema's spelling. */
export interface SchemaTypes {
  /** The schema item's name the type matches, or undefined when it is not in the schema. */
  resolve(type: string): string | undefined;
  /** The role's spelling among the (resolved) event type's roles; the role as given when none matches. */
  resolveRole(eventType: string, role: string): string;
}

/** Names a model invents are memoised per schema up to this many, so memory stays bounded. */
const RESOLVED_LIMIT = 256;

/**
 * Resolvers are cached per schema array: a data set's samples keep their schema objects,
 * so scoring allocates nothing per sample once a schema's names have been seen.
 */
const resolvers = new WeakMap<readonly SchemaItem[], SchemaTypes>();

export function schemaTypes(task: TaskDefinition, schema: readonly SchemaItem[]): SchemaTypes {
  let types = resolvers.get(schema);
  if (types === undefined) resolvers.set(schema, (types = buildSchemaTypes(task, schema)));
  return types;
}

function buildSchemaTypes(task: TaskDefinition, schema: readonly SchemaItem[]): SchemaTypes {
  const byFolded = new Map<string, string>();
  const roles = new Map<string, Map<string, string>>();
  for (const item of schema) {
    const name = task.itemName(item);
    // The first of two items that fold alike wins (a schema should not have such a pair).
    if (!byFolded.has(foldTypeName(name))) byFolded.set(foldTypeName(name), name);
    const itemRoles = task.itemRoles(item);
    if (itemRoles !== undefined) roles.set(name, foldedMap(itemRoles));
  }
  // raw name → schema name, or null for "not in the schema"; exact names are pre-seeded.
  const resolved = new Map<string, string | null>();
  for (const name of byFolded.values()) resolved.set(name, name);
  return {
    resolve(type) {
      let hit = resolved.get(type);
      if (hit === undefined) {
        hit = byFolded.get(foldTypeName(type)) ?? null;
        if (resolved.size < RESOLVED_LIMIT) resolved.set(type, hit);
      }
      return hit ?? undefined;
    },
    resolveRole(eventType, role) {
      const known = roles.get(eventType);
      if (known === undefined) return role;
      return known.get(role) ?? known.get(foldTypeName(role)) ?? role;
    },
  };
}

/** Folded name → name, with each name also under itself (the exact hit needs no folding). */
function foldedMap(names: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const name of names) if (!map.has(foldTypeName(name))) map.set(foldTypeName(name), name);
  for (const name of names) map.set(name, name);
  return map;
}

/**
 * Direction keys are cached (kind → type → key, and kind → type → role → key): the same
 * few types recur in every sample, and building a fresh JSON string per record dominated
 * scoring time through GC. Nested maps, so no lookup key is ever built or confused; units
 * without a role (most) take one level less. The caches are dropped when they grow large,
 * so model-invented type names cannot leak memory.
 */
const plainDirections = new Map<string, Map<string, string>>();
const roleDirections = new Map<string, Map<string, Map<string, string>>>();
let cachedDirections = 0;
const DIRECTION_CACHE_LIMIT = 10_000;

function direction(kind: string, type: string, role?: string): string {
  if (role === undefined) {
    let byType = plainDirections.get(kind);
    if (byType === undefined) plainDirections.set(kind, (byType = new Map()));
    const dir = byType.get(type);
    if (dir !== undefined) return dir;
    return remember(byType, type, JSON.stringify([kind, type]));
  }
  let byRoleType = roleDirections.get(kind);
  if (byRoleType === undefined) roleDirections.set(kind, (byRoleType = new Map()));
  let byRole = byRoleType.get(type);
  if (byRole === undefined) byRoleType.set(type, (byRole = new Map()));
  const dir = byRole.get(role);
  if (dir !== undefined) return dir;
  return remember(byRole, role, JSON.stringify([kind, type, role]));
}

/** Caches a new direction key under `key` (or drops every cache at the limit); returns it. */
function remember(cache: Map<string, string>, key: string, dir: string): string {
  if (++cachedDirections > DIRECTION_CACHE_LIMIT) {
    plainDirections.clear();
    roleDirections.clear();
    cachedDirections = 0;
  } else {
    cache.set(key, dir);
  }
  return dir;
}

/** Sets this small are de-duplicated by scanning; larger ones switch to a hash set. */
const LINEAR_LIMIT = 16;

/** Insertion-ordered set of units keyed by direction and parts. */
class UnitSet {
  readonly list: Unit[] = [];
  #keys: Set<string> | undefined;

  add(direction: string, parts: string[]): void {
    if (this.#keys === undefined) {
      for (const u of this.list) if (u.direction === direction && samePartsArray(u.parts, parts)) return;
      this.list.push({ direction, parts });
      if (this.list.length > LINEAR_LIMIT) this.#keys = new Set(this.list.map(unitKey));
      return;
    }
    const key = unitKey({ direction, parts });
    if (this.#keys.has(key)) return;
    this.#keys.add(key);
    this.list.push({ direction, parts });
  }
}

/** Both halves are complete JSON values, so the concatenation is unambiguous. */
function unitKey(unit: Unit): string {
  return unit.direction + JSON.stringify(unit.parts);
}

function samePartsArray(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
