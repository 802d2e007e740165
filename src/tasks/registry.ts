/**
 * The task registry: task name → definition. The five built-ins are registered here;
 * users add their own with `registerTask` (a program file does it when it is loaded), so
 * the sample contract, frozen prompts and scoring accept the new task name.
 */
import { UserInputError } from "../errors.ts";
import { BUILTIN_TASKS } from "./builtin.ts";
import type { TaskDefinition } from "./definition.ts";

const registry = new Map<string, TaskDefinition>(BUILTIN_TASKS.map((d) => [d.name, d]));

/** Registers a task; registering the same definition again is a no-op. */
export function registerTask(definition: TaskDefinition): TaskDefinition {
  const existing = registry.get(definition.name);
  if (existing !== undefined && existing !== definition) {
    throw new UserInputError(`a different task named '${definition.name}' is already registered`);
  }
  registry.set(definition.name, definition);
  return definition;
}

export function findTask(name: string): TaskDefinition | undefined {
  return registry.get(name);
}

/** The definition registered under `name`; a UserInputError names the known tasks. */
export function getTask(name: string): TaskDefinition {
  const definition = registry.get(name);
  if (definition === undefined) throw new UserInputError(unknownTaskMessage(name));
  return definition;
}

export function unknownTaskMessage(name: string): string {
  return `unknown task '${name}'; expected one of ${taskNames().join(", ")}`;
}

/** Registered task names, built-ins first. */
export function taskNames(): string[] {
  return [...registry.keys()];
}

/** A task given by name or by definition, as entry points accept both. */
export type TaskRef = string | TaskDefinition;

export function resolveTask(task: TaskRef): TaskDefinition {
  return typeof task === "string" ? getTask(task) : task;
}
