/**
 * Default-CoT (method.md §4): the default prompt — hand-written instruction and the three
 * fixed English exemplars — with a thought T ~ Θ(T | x, y) prepended to each exemplar's
 * output, and reasoning on (the "Thought: … Answer: …" frame, max_tokens 1024), so θ
 * learns to reason before answering.
 *
 * An exemplar whose thought fails keeps its plain output (see thoughts.ts); the prompt is
 * still a reasoning prompt. Θ's calls are made once per build; with an endpoint model they
 * are cached like any other call.
 */
import type { LM } from "../src/lm/types.ts";
import type { Prompt } from "../programs/prompt.ts";
import { getProgram, type IEProgram } from "../programs/index.ts";
import { UserInputError } from "../src/errors.ts";
import { registerPromptKind, type KindResolver } from "../src/eval/prompt-source.ts";
import type { TeacherExchange } from "./propose.ts";
import { explainDemo, type ThoughtNote } from "./thoughts.ts";

export interface DefaultCotOptions {
  signal?: AbortSignal;
  /** Receives every Θ request and reply. */
  log?: TeacherExchange[];
}

export interface DefaultCotPrompt {
  prompt: Prompt;
  notes: ThoughtNote[];
}

/** Default-CoT with what happened to each exemplar (for reports and tests). */
export async function buildDefaultCot(program: IEProgram, thoughtModel: LM, options: DefaultCotOptions = {}): Promise<DefaultCotPrompt> {
  // Sequential on purpose: three calls, and a deterministic log order.
  const explained = [];
  for (const [i, demo] of program.defaultDemos.entries()) {
    explained.push(await explainDemo(program, thoughtModel, demo, { signal: options.signal, log: options.log, purpose: demo.sample_id ?? `default exemplar ${i + 1}` }));
  }
  return {
    prompt: { program, instruction: program.defaultInstruction, demos: explained.map((e) => e.demo), reasoning: true },
    notes: explained.map((e) => e.note),
  };
}

/** The runnable Default-CoT prompt (what `--prompt default-cot:<task>` resolves to). */
export async function buildDefaultCotPrompt(program: IEProgram, thoughtModel: LM, options: DefaultCotOptions = {}): Promise<Prompt> {
  return (await buildDefaultCot(program, thoughtModel, options)).prompt;
}

/**
 * `--prompt default-cot:<task>`: Θ writes a thought for each default exemplar (3 calls,
 * cached for endpoint models); an exemplar whose thought fails keeps its plain output.
 */
export const defaultCotKind: KindResolver = async (arg, ctx, spec) => {
  const program = getProgram(arg);
  if (!ctx.thoughtLM) throw new UserInputError(`--prompt ${spec} needs the thought model Θ (--thought-model) to write the exemplars' thoughts`);
  const prompt = await buildDefaultCotPrompt(program, ctx.thoughtLM(), ctx.signal ? { signal: ctx.signal } : {});
  return { kind: "default-cot", task: program.task, prompt, source: { spec } };
};
registerPromptKind("default-cot", defaultCotKind);
