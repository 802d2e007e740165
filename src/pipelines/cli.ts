/**
 * `--pipeline a,b` for the commands: the list, checked, and the prompts it multiplies.
 * Each prompt runs once per pipeline; a non-direct run is named `<prompt>@<pipeline>`, so
 * reports, prediction files and paired comparisons keep them apart.
 */
import { UserInputError } from "../errors.ts";
import type { ResolvedPrompt } from "../eval/prompt-source.ts";
import { freezePrompt, loadFrozenPrompt, type FrozenPrompt } from "../runs/frozen.ts";
import { PIPELINE_NAMES, type PipelineName } from "./names.ts";

export function parsePipelineList(value: string): PipelineName[] {
  const names = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (names.length === 0) throw new UserInputError(`--pipeline needs at least one of ${PIPELINE_NAMES.join(", ")}`);
  const out: PipelineName[] = [];
  for (const name of names) {
    if (!(PIPELINE_NAMES as readonly string[]).includes(name)) {
      throw new UserInputError(`--pipeline: unknown pipeline '${name}'; expected ${PIPELINE_NAMES.join(", ")} (comma-separated)`);
    }
    if (out.includes(name as PipelineName)) throw new UserInputError(`--pipeline: '${name}' is given twice`);
    out.push(name as PipelineName);
  }
  return out;
}

/** The label of a prompt run under a pipeline. */
export function pipelinePromptName(prompt: string, pipeline: PipelineName): string {
  return pipeline === "direct" ? prompt : `${prompt}@${pipeline}`;
}

/**
 * Every prompt under every pipeline (prompt-major order); without a list, each prompt under
 * its own (a frozen prompt's recorded pipeline, else direct).
 */
export function withPipelines(prompts: readonly ResolvedPrompt[], pipelines: readonly PipelineName[] | undefined): ResolvedPrompt[] {
  // A routing carries its routes' pipelines.
  return prompts.flatMap((p) => (p.routing ? [p] : (pipelines ?? [p.pipeline ?? "direct"]).map((pipeline) => ({ ...p, name: pipelinePromptName(p.name, pipeline), pipeline }))));
}

/** A resolved prompt as a frozen prompt, its pipeline recorded (a route of a routing). */
export function freezeResolved(resolved: ResolvedPrompt): FrozenPrompt {
  if (resolved.routing) throw new UserInputError(`${resolved.name} is a routing; a routing's routes are single prompts`);
  const pipeline = resolved.pipeline && resolved.pipeline !== "direct" ? { pipeline: resolved.pipeline } : {};
  if (resolved.kind === "frozen" && resolved.source.path) {
    const { pipeline: _own, ...frozen } = loadFrozenPrompt(resolved.source.path);
    return { ...frozen, ...pipeline };
  }
  const p = resolved.prompt;
  return freezePrompt(p.program, { instruction: p.instruction, demos: p.demos, reasoning: p.reasoning, ...pipeline }, { optimizer: resolved.kind, settings: {}, data: {}, scores: {}, source: resolved.source.spec });
}
