/**
 * The evaluation runner: predict samples under a prompt through an LM, with bounded
 * concurrency, progress and failure recording. The optimizer's minibatches, its full
 * evaluations and the eval CLI all go through here, so they share the cache and the
 * fault handling.
 *
 * An LM fault after the client's retries, or an output that does not parse, becomes a
 * recorded failure of that sample (scored 0) — never an exception. Only a budget stop or
 * an abort ends the call early, and then every finished result has already been reported.
 */
import pLimit from "p-limit";
import type { Sample, IERecord } from "../data/sample.ts";
import type { LM, LMRequest } from "../lm/types.ts";
import { LMCallError } from "../lm/types.ts";
import { strictResponseFormat } from "../lm/structured-output.ts";
import { RunStopped } from "../errors.ts";
import type { Prompt } from "../../programs/prompt.ts";

export { defaultPrompt, type Prompt } from "../../programs/prompt.ts";
/** The old name of `Prompt` (one shape; kept so older callers compile). */
export type PromptSpec = Prompt;
import type { Pipeline, PipelineTrace } from "../pipelines/pipelines.ts";

/** `trace`: what a pipeline other than direct did on the way (src/pipelines). */
export type Outcome =
  | { id: string; ok: true; records: IERecord[]; thought: string | undefined; raw: string; cached: boolean; trace?: PipelineTrace }
  | { id: string; ok: false; failure: string; raw: string | undefined; cached: boolean; trace?: PipelineTrace };

export interface PredictOptions {
  lm: LM;
  /** In-flight requests; the LM layer also limits per endpoint. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Place of these calls in the endpoint's queue (src/lm/limiter.ts PRIORITY; direct answers only). */
  priority?: number;
  /** How each sample is answered (translate-test, transfusion); default: directly. */
  pipeline?: Pipeline | undefined;
  onOutcome?: (outcome: Outcome, sample: Sample) => void;
  onProgress?: (done: number, total: number | undefined) => void;
}

/** The chat request for one sample under a prompt (exported for batch files and tests). */
export function buildRequest(prompt: Prompt, sample: Pick<Sample, "text" | "schema" | "schema_descriptions">): LMRequest {
  const { program } = prompt;
  const request: LMRequest = {
    messages: program.render(
      { text: sample.text, schema: sample.schema, schema_descriptions: sample.schema_descriptions },
      { instruction: prompt.instruction, demos: prompt.demos, reasoning: prompt.reasoning },
    ),
    temperature: prompt.temperature ?? 0,
    max_tokens: prompt.maxTokens ?? program.maxTokens(prompt.reasoning),
  };
  if (prompt.structuredOutput) {
    request.response_format = strictResponseFormat(`${program.task.toLowerCase()}_records`, program.outputJsonSchema(prompt.reasoning));
  }
  return request;
}

/** Parse one raw completion into an outcome. */
export function outcomeFromText(prompt: Prompt, sample: Sample, raw: string, cached: boolean): Outcome {
  const parsed = prompt.program.parse(raw, { schema: sample.schema });
  return parsed.ok
    ? { id: sample.id, ok: true, records: parsed.records, thought: parsed.thought, raw, cached }
    : { id: sample.id, ok: false, failure: `unparseable output: ${parsed.reason}`, raw, cached };
}

async function predictOne(prompt: Prompt, sample: Sample, options: PredictOptions): Promise<Outcome> {
  try {
    if (options.pipeline) return await options.pipeline.predict(prompt, sample, { lm: options.lm, signal: options.signal });
    const response = await options.lm.complete(buildRequest(prompt, sample), { signal: options.signal, priority: options.priority });
    return outcomeFromText(prompt, sample, response.choices[0] ?? "", response.cached);
  } catch (err) {
    if (err instanceof LMCallError && (err.kind === "budget" || err.kind === "aborted")) throw err;
    if (options.signal?.aborted) throw err;
    const reason = err instanceof LMCallError ? `LM call failed (${err.kind}${err.status ? ` ${err.status}` : ""}, ${err.attempts} attempts): ${err.message}` : `LM call failed: ${(err as Error).message}`;
    return { id: sample.id, ok: false, failure: reason, raw: undefined, cached: false };
  }
}

/**
 * Predict every sample (an array or a stream). Outcomes are reported through
 * `onOutcome` as they finish and also returned in input order when the input is an array.
 * Memory stays bounded for streams: at most `concurrency` samples are in flight.
 */
export async function predictSamples(
  prompt: Prompt,
  samples: Iterable<Sample> | AsyncIterable<Sample>,
  options: PredictOptions,
): Promise<Outcome[]> {
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const limit = pLimit(concurrency);
  const total = Array.isArray(samples) ? samples.length : undefined;
  const keep = Array.isArray(samples);
  const results: Outcome[] = [];
  // Back-pressure in O(1) per sample: a count of tasks in flight and one waiter, woken by
  // the next task to finish (no race over the in-flight set).
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const slotFreed = () => new Promise<void>((resolve) => (wake = resolve));
  const settled = () => {
    inFlight--;
    const w = wake;
    wake = undefined;
    w?.();
  };
  let done = 0;
  let stopError: unknown;

  let index = 0;
  /** Starts one sample; false once the run is stopping. */
  const issue = (sample: Sample): boolean => {
    if (stopError !== undefined || options.signal?.aborted) return false;
    const at = index++;
    inFlight++;
    void limit(async () => {
      if (stopError !== undefined || options.signal?.aborted) return;
      try {
        const outcome = await predictOne(prompt, sample, options);
        if (keep) results[at] = outcome;
        options.onOutcome?.(outcome, sample);
        done++;
        options.onProgress?.(done, total);
      } catch (err) {
        stopError ??= err;
      }
    }).finally(settled);
    return true;
  };
  // Do not pull more samples than can run. An array's samples are issued without a turn
  // between them, so a batch's requests queue together, in input order: batches running
  // at once (parallel trials) are served in the order they were issued, not interleaved.
  if (Array.isArray(samples)) {
    for (const sample of samples as readonly Sample[]) {
      if (!issue(sample)) break;
      if (inFlight >= concurrency * 2) await slotFreed();
    }
  } else {
    for await (const sample of samples) {
      if (!issue(sample)) break;
      if (inFlight >= concurrency * 2) await slotFreed();
    }
  }
  while (inFlight > 0) await slotFreed();

  if (stopError !== undefined) throw asRunStop(stopError, options.signal) ?? stopError;
  if (options.signal?.aborted) throw new RunStopped("stopped by the user");
  return results;
}

/**
 * The clean, resumable stop an error stands for: a budget stop or a caller abort becomes
 * RunStopped (a RunStopped stays one); any other error gives undefined.
 */
export function asRunStop(err: unknown, signal: AbortSignal | undefined): RunStopped | undefined {
  if (err instanceof RunStopped) return err;
  if (err instanceof LMCallError && err.kind === "budget") return new RunStopped(err.message, "budget");
  if (signal?.aborted || (err instanceof LMCallError && err.kind === "aborted")) return new RunStopped("stopped by the user");
  return undefined;
}

/** Runs work outside the runner (teacher calls); a budget stop or an abort in it becomes RunStopped. */
export async function stoppingCleanly<T>(work: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asRunStop(err, signal) ?? err;
  }
}
