/**
 * What the sim knows about a task, read from its task definition (src/tasks) — the same
 * object the programs render prompts with — never re-typed here: the query label, the
 * record keys, which field holds the type, which fields hold spans, and whether records
 * carry nested role items (EE arguments). Any registered task works, built-in or not.
 * test/sim/parity.test.ts renders every program's queries and outputs and checks the sim
 * reads them back unchanged, so a program's format cannot silently drift from the sim.
 */
import { findTask, taskNames, type TaskDefinition } from "../src/tasks/index.ts";

export interface SimTask {
  name: string;
  definition: TaskDefinition;
  /** The label the query opens with, e.g. "Entity types". */
  label: string;
  /** Record keys in the definition's order. */
  keys: readonly string[];
  /** The key holding the record's type. */
  typeField: string;
  /** The span fields of the top-level unit (one for NER/SF/ED/EE, head and tail for RE). */
  spanFields: readonly string[];
  /** Nested role items (EE arguments): the list field, its role and span fields. */
  nested: { list: string; role: string; span: string } | undefined;
  /** Words the task's label and fields name it by ("entity", "slot", "event", "trigger", …). */
  nouns: string[];
  /** A pairing (two spans per record) or nested roles make a task "complex" (RE, EE). */
  complex: boolean;
}

const CACHE = new Map<TaskDefinition, SimTask>();

function describe(definition: TaskDefinition): SimTask {
  const main = definition.units[0]!;
  const nestedRule = definition.units.find((u) => u.each !== undefined);
  const nested = nestedRule?.each ? { list: nestedRule.each.list, role: nestedRule.each.role, span: nestedRule.spans[0]! } : undefined;
  const words = [definition.schemaLabel, ...definition.recordKeys, ...main.spans].join(" ").toLowerCase().split(/[^\p{L}]+/u);
  const nouns = [...new Set(words.filter((w) => w.length > 3 && w !== "types" && w !== "type"))];
  return {
    name: definition.name,
    definition,
    label: definition.schemaLabel,
    keys: definition.recordKeys,
    typeField: definition.typeField,
    spanFields: main.spans,
    nested,
    nouns,
    complex: main.spans.length > 1 || nested !== undefined,
  };
}

/** The sim's view of a registered task (undefined for an unknown name). */
export function simTask(name: string): SimTask | undefined {
  const definition = findTask(name);
  if (!definition) return undefined;
  let task = CACHE.get(definition);
  if (!task) CACHE.set(definition, (task = describe(definition)));
  return task;
}

/** The sim's view of a task it has already read a query of. */
export function taskOf(name: string): SimTask {
  const task = simTask(name);
  if (!task) throw new Error(`sim: no task named '${name}' is registered`);
  return task;
}

/** Query labels of every registered task, longest first ("Event types and their roles" before "Event types"). */
export function queryLabels(): [string, string][] {
  return taskNames()
    .map((name) => [simTask(name)!.label, name] as [string, string])
    .sort((a, b) => b[0].length - a[0].length);
}
