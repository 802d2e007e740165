/** The program registry: one declarative program per task. */
import type { Task } from "../src/data/sample.ts";
import { UserInputError } from "../src/errors.ts";
import type { IEProgram } from "./program.ts";
import { ner } from "./ner.ts";
import { re } from "./re.ts";
import { sf } from "./sf.ts";
import { ed } from "./ed.ts";
import { ee } from "./ee.ts";

export const PROGRAMS: Readonly<Record<Task, IEProgram>> = { NER: ner, RE: re, SF: sf, ED: ed, EE: ee };

export function getProgram(task: string): IEProgram {
  const program = PROGRAMS[task.toUpperCase() as Task];
  if (!program) throw new UserInputError(`unknown task '${task}'; expected one of ${Object.keys(PROGRAMS).join(", ")}`);
  return program;
}

export type { IEProgram, Demo, QueryInput, PromptSlots, ParseResult } from "./program.ts";
