/**
 * What the sim knows about each task, read from the programs themselves (never re-typed
 * here): the query label the program renders, the record keys it asks for, which field
 * holds the type and which hold spans. test/sim/parity.test.ts renders every program's
 * queries and outputs and checks the sim reads them back unchanged, so a change of a
 * program's format cannot silently drift from the sim's reading.
 */
import { PROGRAMS } from "../programs/index.ts";
import type { IEProgram } from "../programs/index.ts";
import { RECORD_TYPE_FIELD, TASKS, type Task } from "../src/data/sample.ts";

export interface SimTask {
  task: Task;
  program: IEProgram;
  /** The label the program's query opens with, e.g. "Entity types". */
  label: string;
  /** Record keys in the program's order. */
  keys: string[];
  /** The key holding the record's type. */
  typeField: string;
  /** Keys holding spans copied from the text (top level). */
  spanFields: string[];
  /** Whether records carry nested role arguments (EE). */
  hasArguments: boolean;
  /** Words of the program's title and field docs, as the task names itself. */
  nouns: string[];
}

/** The label is whatever the program writes before the schema list of an empty query. */
function labelOf(program: IEProgram): string {
  const probe = program.renderQuery({ text: "", schema: [] });
  const at = probe.indexOf(": []");
  if (at <= 0) throw new Error(`sim: cannot read the query label of the ${program.task} program from '${probe}'`);
  return probe.slice(0, at);
}

function describe(task: Task): SimTask {
  const program = PROGRAMS[task];
  const keys = program.outputFields.map((f) => f.name);
  const typeField = RECORD_TYPE_FIELD[task];
  const hasArguments = keys.includes("arguments");
  const spanFields = keys.filter((k) => k !== typeField && k !== "arguments" && k !== "relation");
  const nouns = `${program.title} ${labelOf(program)}`.toLowerCase().split(/[^\p{L}]+/u).filter((w) => w.length > 3 && w !== "types");
  return { task, program, label: labelOf(program), keys, typeField, spanFields, hasArguments, nouns };
}

export const SIM_TASKS: Readonly<Record<Task, SimTask>> = Object.fromEntries(TASKS.map((t) => [t, describe(t)])) as Record<Task, SimTask>;

/** Labels ordered longest first, so "Event types and their roles" wins over "Event types". */
export const QUERY_LABELS: readonly [string, Task][] = TASKS.map((t) => [SIM_TASKS[t].label, t] as [string, Task]).sort((a, b) => b[0].length - a[0].length);
