/**
 * THE prompt: a program with its slots filled (instruction, demos, reasoning) and how to
 * decode it. The optimizer searches over prompts, frozen prompts load into one, the eval
 * runner runs one; `program.render` reads the slots of one.
 */
import type { Demo, IEProgram } from "./program.ts";

export interface Prompt {
  program: IEProgram;
  instruction: string;
  demos: readonly Demo[];
  reasoning: boolean;
  /** Greedy by default (method.md §4). */
  temperature?: number;
  /** Defaults to the program's 256 / 1024 (reasoning). */
  maxTokens?: number;
  /** Ask for a JSON-schema structured output where the endpoint supports it. */
  structuredOutput?: boolean;
}

/** The slots `render` reads: a prompt's instruction, demos and reasoning flag. */
export type PromptSlots = Pick<Prompt, "instruction" | "demos"> & { reasoning?: boolean | undefined };

/** The program's default prompt (method.md §4): hand-written instruction, fixed exemplars. */
export function defaultPrompt(program: IEProgram, reasoning = false): Prompt {
  return { program, instruction: program.defaultInstruction, demos: program.defaultDemos, reasoning };
}
