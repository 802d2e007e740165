/**
 * The frozen prompt (contract, design.md): the optimizer's result, a single JSON file the
 * eval CLI and exporters load. Loading validates it and says what is wrong.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { TaskSchema, type IERecord } from "../data/sample.ts";
import { getTask } from "../tasks/registry.ts";
import { UserInputError } from "../errors.ts";
import { writeJsonAtomic } from "../util/fs.ts";
import { getProgram } from "../../programs/index.ts";
import type { Demo, IEProgram } from "../../programs/index.ts";
import type { Prompt } from "../../programs/prompt.ts";
import { PipelineNameSchema, type PipelineName } from "../pipelines/names.ts";
import { codeStyle, RENDERER_NAMES } from "../../programs/code-style.ts";
import { withDescriptions } from "../../programs/guided.ts";

const guided = (program: IEProgram, descriptions: Record<string, string> | undefined) => (descriptions ? withDescriptions(program, descriptions) : program);

export const FROZEN_FORMAT = "ieopt.frozen-prompt/v1";

const FrozenDemoSchema = z.object({
  input: z.object({
    text: z.string(),
    schema: z.array(z.union([z.string().min(1), z.record(z.string(), z.unknown())])),
    schema_descriptions: z.record(z.string(), z.string()).optional(),
  }),
  output: z.array(z.record(z.string(), z.unknown())),
  thought: z.string().optional(),
  source: z.enum(["labeled", "augmented"]),
  sample_id: z.string().optional(),
  /** μ of the output against the sample's label, in [0, 1] (bootstrapped demos). */
  score: z.number().min(0).max(1).optional(),
});

export const FrozenPromptSchema = z.object({
  format: z.literal(FROZEN_FORMAT, { error: `must be "${FROZEN_FORMAT}"` }),
  task: TaskSchema,
  program_version: z.string().min(1),
  instruction: z.string().min(1),
  demos: z.array(FrozenDemoSchema),
  reasoning: z.boolean(),
  /** How samples are answered (src/pipelines); absent: direct. */
  pipeline: PipelineNameSchema.optional(),
  /** The prompt's renderer when not the program's own (programs/code-style.ts), with its docstring examples. */
  renderer: z.object({ name: z.enum(RENDERER_NAMES), examples: z.record(z.string(), z.array(z.string())).optional() }).optional(),
  /** Induced type descriptions the queries carry (programs/guided.ts), when the search chose them. */
  guidelines: z.record(z.string(), z.string()).optional(),
  decoding: z.object({ temperature: z.number().min(0), max_tokens: z.number().int().positive() }),
  provenance: z.looseObject({
    run_id: z.string().optional(),
    optimizer: z.string(),
    settings: z.record(z.string(), z.unknown()).default({}),
    seed: z.union([z.string(), z.number()]).optional(),
    data: z.record(z.string(), z.string()).default({}),
    scores: z.record(z.string(), z.unknown()).default({}),
    created_at: z.string().optional(),
  }),
});
export type FrozenPrompt = z.infer<typeof FrozenPromptSchema>;
export type FrozenRenderer = NonNullable<FrozenPrompt["renderer"]>;

export function freezePrompt(
  program: IEProgram,
  prompt: { instruction: string; demos: readonly Demo[]; reasoning: boolean; pipeline?: PipelineName; renderer?: FrozenRenderer | undefined; guidelines?: Record<string, string> | undefined },
  provenance: FrozenPrompt["provenance"],
): FrozenPrompt {
  return {
    format: FROZEN_FORMAT,
    task: program.task,
    program_version: program.version,
    instruction: prompt.instruction,
    demos: prompt.demos.map((d) => ({
      input: {
        text: d.input.text,
        schema: d.input.schema,
        ...(d.input.schema_descriptions ? { schema_descriptions: d.input.schema_descriptions } : {}),
      },
      output: d.records as unknown as Record<string, unknown>[],
      ...(d.thought !== undefined ? { thought: d.thought } : {}),
      source: d.source,
      ...(d.sample_id ? { sample_id: d.sample_id } : {}),
      ...(d.score !== undefined ? { score: d.score } : {}),
    })),
    reasoning: prompt.reasoning,
    ...(prompt.pipeline && prompt.pipeline !== "direct" ? { pipeline: prompt.pipeline } : {}),
    ...(prompt.renderer && prompt.renderer.name !== "json" ? { renderer: prompt.renderer } : {}),
    ...(prompt.guidelines ? { guidelines: prompt.guidelines } : {}),
    decoding: { temperature: 0, max_tokens: program.maxTokens(prompt.reasoning) },
    provenance: { created_at: new Date().toISOString(), ...provenance },
  };
}

export function writeFrozenPrompt(path: string, frozen: FrozenPrompt): void {
  writeJsonAtomic(path, frozen);
}

/** Parse and check a frozen prompt; errors name the file and the field. */
export function parseFrozenPrompt(value: unknown, file: string): FrozenPrompt {
  const parsed = FrozenPromptSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserInputError(`not a valid frozen prompt: ${issue.message}`, { file, field: issue.path.join(".") || undefined });
  }
  const frozen = parsed.data;
  const program = getProgram(frozen.task);
  if (frozen.program_version !== program.version) {
    throw new UserInputError(
      `frozen for program version ${frozen.program_version}, but this ieopt renders ${frozen.task} prompts as ${program.version}; re-export the prompt with this version (or re-run the optimizer)`,
      { file, field: "program_version" },
    );
  }
  const task = getTask(frozen.task);
  frozen.demos.forEach((d, i) => {
    d.input.schema.forEach((item, j) => {
      const ok = task.schemaItem.safeParse(item);
      if (!ok.success) {
        throw new UserInputError(`demo schema item is not a ${frozen.task} schema item: ${ok.error.issues[0]!.message}`, {
          file,
          field: `demos.${i}.input.schema.${j}`,
        });
      }
    });
    d.output.forEach((r, j) => {
      const ok = task.record.safeParse(r);
      if (!ok.success) {
        throw new UserInputError(`demo output is not a ${frozen.task} record: ${ok.error.issues[0]!.message}`, {
          file,
          field: `demos.${i}.output.${j}`,
        });
      }
    });
  });
  return frozen;
}

export function loadFrozenPrompt(path: string): FrozenPrompt {
  return parseFrozenPrompt(readFrozenJson(path), path);
}

/** The JSON value of a frozen file (a prompt or a routing), or an error naming the file. */
export function readFrozenJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new UserInputError(`cannot read the frozen prompt file`, { file: path });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserInputError(`not JSON: ${(err as Error).message}`, { file: path });
  }
  return value;
}

/** The runnable prompt a frozen prompt stands for. */
export function promptFromFrozen(frozen: FrozenPrompt): Prompt {
  // The program version checked on load is the base program's; the renderer wraps it.
  const base = getProgram(frozen.task);
  const examples = frozen.renderer?.examples;
  return {
    program: guided(frozen.renderer?.name === "code" ? codeStyle(base, examples ? { examples } : {}) : base, frozen.guidelines),
    instruction: frozen.instruction,
    demos: frozen.demos.map(
      (d): Demo => ({
        input: d.input,
        records: d.output as unknown as IERecord[],
        thought: d.thought,
        source: d.source,
        sample_id: d.sample_id,
        score: d.score,
      }),
    ),
    reasoning: frozen.reasoning,
    temperature: frozen.decoding.temperature,
    maxTokens: frozen.decoding.max_tokens,
  };
}
