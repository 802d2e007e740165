/**
 * THE one home of LF1's routing rule (method.md §3): which spans may be compared with
 * which. A record becomes one or more *units*; a unit is only ever compared with units of
 * the same `direction`.
 *
 * - NER: direction = entity_type, parts [entity]
 * - SF:  direction = slot_type,   parts [slot]
 * - ED:  direction = event_type,  parts [event_trigger]
 * - RE:  direction = relation,    parts [head, tail] (similarity = mean over parts)
 * - EE:  a trigger unit per event (direction = event_type, parts [event_trigger]) and an
 *        argument unit per argument (direction = (event_type, role), parts [argument]).
 *        Arguments are scored independently of which trigger they hang on, as the
 *        study's routing does.
 *
 * Direction keys are JSON tuples tagged with the unit kind (`["trigger","Attack"]`,
 * `["arg","Attack","victim"]`), so no type or role name can make two kinds collide.
 * Type and role names are compared as written (a model writing "person" for "Person" has
 * named a different type); spans go through `normalizeSpan`. Units are de-duplicated
 * after normalization.
 */
import type { EdRecord, EeRecord, IERecord, NerRecord, ReRecord, SfRecord, Task } from "../data/sample.ts";
import { normalizeSpan } from "./levenshtein.ts";

export interface Unit {
  direction: string;
  parts: string[];
}

export function toUnits(task: Task, records: readonly IERecord[]): Unit[] {
  const units = new UnitSet();
  for (const record of records) addRecord(task, record, units);
  return units.list;
}

/** Pools several unit lists into one, de-duplicated (an instance pools its samples). */
export function poolUnits(lists: readonly (readonly Unit[])[]): Unit[] {
  const units = new UnitSet();
  for (const list of lists) for (const unit of list) units.add(unit.direction, unit.parts);
  return units.list;
}

function addRecord(task: Task, record: IERecord, units: UnitSet): void {
  switch (task) {
    case "NER": {
      const r = record as NerRecord;
      units.add(direction("entity", r.entity_type), [normalizeSpan(r.entity)]);
      return;
    }
    case "SF": {
      const r = record as SfRecord;
      units.add(direction("slot", r.slot_type), [normalizeSpan(r.slot)]);
      return;
    }
    case "ED": {
      const r = record as EdRecord;
      units.add(direction("trigger", r.event_type), [normalizeSpan(r.event_trigger)]);
      return;
    }
    case "RE": {
      const r = record as ReRecord;
      units.add(direction("relation", r.relation), [normalizeSpan(r.head), normalizeSpan(r.tail)]);
      return;
    }
    case "EE": {
      const r = record as EeRecord;
      units.add(direction("trigger", r.event_type), [normalizeSpan(r.event_trigger)]);
      // `arguments` defaults to [] in the schema, but records built in code may omit it.
      for (const arg of r.arguments ?? []) {
        units.add(direction("arg", r.event_type, arg.role), [normalizeSpan(arg.argument)]);
      }
      return;
    }
  }
}

/**
 * Direction keys are cached (kind → type → role → key): the same few types recur in
 * every sample, and building a fresh JSON string per record dominated scoring time
 * through GC. Nested maps, so no lookup key is ever built or confused. The cache is
 * dropped when it grows large, so model-invented type names cannot leak memory.
 */
const directionCache = new Map<string, Map<string, Map<string, string>>>();
let cachedDirections = 0;
const DIRECTION_CACHE_LIMIT = 10_000;
const NO_ROLE = ""; // roles are non-empty in valid records; "" marks "no role" in the cache

function direction(kind: string, type: string, role?: string): string {
  let byType = directionCache.get(kind);
  if (byType === undefined) directionCache.set(kind, (byType = new Map()));
  let byRole = byType.get(type);
  if (byRole === undefined) byType.set(type, (byRole = new Map()));
  const roleKey = role ?? NO_ROLE;
  let dir = byRole.get(roleKey);
  if (dir === undefined) {
    dir = JSON.stringify(role === undefined ? [kind, type] : [kind, type, role]);
    if (++cachedDirections > DIRECTION_CACHE_LIMIT) {
      directionCache.clear();
      cachedDirections = 0;
    } else {
      byRole.set(roleKey, dir);
    }
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
