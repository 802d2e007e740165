/**
 * The program registry: task name → the program that renders and parses it. The five
 * built-ins are registered here; `registerProgram` adds a user's program (and its task
 * definition), so frozen prompts, `default:<task>` and the CLI find it by name.
 */
import type { Task } from "../src/data/sample.ts";
import { UserInputError } from "../src/errors.ts";
import { registerTask } from "../src/tasks/registry.ts";
import type { IEProgram } from "./program.ts";
import { ner } from "./ner.ts";
import { re } from "./re.ts";
import { sf } from "./sf.ts";
import { ed } from "./ed.ts";
import { ee } from "./ee.ts";

/** The built-in programs. */
export const PROGRAMS: Readonly<Record<Task, IEProgram>> = { NER: ner, RE: re, SF: sf, ED: ed, EE: ee };

const registry = new Map<string, IEProgram>(Object.values(PROGRAMS).map((p) => [p.task, p]));

/**
 * Registers a program and its task definition. Registering the same program again is a
 * no-op; another program for a registered task is refused (one program renders a task).
 */
export function registerProgram(program: IEProgram): IEProgram {
  const existing = registry.get(program.task);
  if (existing !== undefined && existing !== program) {
    throw new UserInputError(`a different program for task '${program.task}' is already registered`);
  }
  registerTask(program.definition);
  registry.set(program.task, program);
  return program;
}

/** The program registered for a task name, if any (built-in names also match case-insensitively). */
export function findProgram(task: string): IEProgram | undefined {
  return registry.get(task) ?? registry.get(task.toUpperCase());
}

/** The program for a task name (built-in names also match case-insensitively). */
export function getProgram(task: string): IEProgram {
  const program = findProgram(task);
  if (!program) throw new UserInputError(`unknown task '${task}'; expected one of ${[...registry.keys()].join(", ")}`);
  return program;
}

export type { IEProgram, Demo, QueryInput, PromptSlots, ParseResult } from "./program.ts";
export { defineProgram, exemplar, QUERY_FIELDS } from "./program.ts";
export { defaultPrompt, type Prompt } from "./prompt.ts";
