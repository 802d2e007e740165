/**
 * One (prompt, model) of `ieopt eval`: predictions through the shared runner (online), or
 * taken from batch results (offline), scored instance by instance as they arrive, with
 * the predictions kept on disk for resuming. Also writes the batch request files.
 */
import type { Sample } from "../data/sample.ts";
import type { RoleModels } from "../lm/roles.ts";
import { MeteredLM, UsageMeter, type UsageCounts } from "../lm/usage.ts";
import { streamSamples, type InstanceIndex } from "./eval-data.ts";
import { InstanceScorer, scorableOutcome, type InstanceScores } from "./instance-scorer.ts";
import { PredictionStore, type StoredPrediction } from "./predictions-file.ts";
import { promptFingerprint, type ResolvedPrompt } from "./prompt-source.ts";
import { buildRequest, outcomeFromText, predictSamples, type Outcome, type Prompt } from "./runner.ts";
import { encodeCustomId, lookupLine } from "./custom-id.ts";
import { BATCH_URL, ChunkedJsonlWriter, batchFileNamers, requestBody, type BatchResults, type FileLimits } from "./batch-io.ts";
import { fingerprint } from "../util/hash.ts";
import { routedPipeline } from "../pipelines/routing.ts";
import { addTrace, createPipeline, emptyStats, PipelineTraceSchema, type Pipeline, type PipelineStats, type PipelineTrace } from "../pipelines/pipelines.ts";

export interface EvalModel {
  /** The --model name. */
  name: string;
  simulated: boolean;
  /** Endpoint without secrets (undefined for the sim). */
  endpoint: string | undefined;
  roles: RoleModels;
}

export interface PairResult {
  prompt: string;
  model: string;
  task: string;
  scores: InstanceScores;
  /** What the pair cost over every process that worked on its predictions (resumes included). */
  usage: UsageCounts;
  /** What this process paid for the pair (0 calls when every answer was reused). */
  sessionUsage: UsageCounts;
  predictions: string;
  notes: string[];
  /** Why the first sample without an answer got none (for the console, not the report). */
  firstFailure?: string;
  /** A translate-test / transfusion pair: its translator and what the pipeline did. */
  pipeline?: PipelineSummary;
}

export interface PipelineSummary extends PipelineStats {
  /** The translator's model name. */
  translator: string;
}

export interface OnlineOptions {
  outDir: string;
  concurrency: number;
  resume: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

function meta(prompt: ResolvedPrompt, model: EvalModel, index: InstanceIndex, pipeline?: Pipeline) {
  const promptPrint = promptFingerprint(prompt.prompt);
  return {
    prompt: prompt.name,
    // A pipeline's answers also depend on which pipeline and which translator.
    prompt_fingerprint: pipeline ? fingerprint({ prompt: promptPrint, pipeline: pipeline.name, translator: pipeline.translator, routes: pipeline.fingerprint }) : promptPrint,
    model: model.name,
    ...(model.endpoint ? { endpoint: model.endpoint } : {}),
    split_num: index.splitNum,
  };
}

function storedOutcome(prompt: Prompt, sample: Sample, stored: StoredPrediction): Outcome {
  const raw = "output" in stored ? stored.output : JSON.stringify(stored.records);
  const read = stored.pipeline === undefined ? undefined : PipelineTraceSchema.safeParse(stored.pipeline);
  const trace = read?.success ? (read.data as PipelineTrace) : undefined;
  if (trace?.failure !== undefined) return { id: sample.id, ok: false, failure: trace.failure, raw, cached: true, trace };
  const outcome = outcomeFromText(prompt, sample, raw, true);
  return trace ? { ...outcome, trace } : outcome;
}

/** The pipeline a prompt runs under for one model (undefined: direct), its calls metered as "translate". */
function pipelineFor(prompt: ResolvedPrompt, model: EvalModel, meter: UsageMeter): Pipeline | undefined {
  if (prompt.routing) return routedPipeline(prompt.routing, new MeteredLM(translatorOf(model), meter, "translate"));
  if (prompt.pipeline === undefined || prompt.pipeline === "direct") return undefined;
  return createPipeline(prompt.pipeline, { translator: new MeteredLM(translatorOf(model), meter, "translate") });
}

/** The translator role of a model's role set (θ itself when none was built). */
export function translatorOf(model: EvalModel) {
  return model.roles.translate ?? model.roles.inference;
}

/** Scores one outcome, and lists it in the failures file when it failed. */
function record(store: PredictionStore, scorer: InstanceScorer, sample: Sample, outcome: Outcome, resumed = false): void {
  const scorable = scorableOutcome(outcome);
  if (!outcome.ok && "failure" in scorable) store.fail(sample.id, scorable.failure, outcome.failure);
  scorer.add(sample, scorable, resumed);
}

function pairResult(prompt: ResolvedPrompt, model: EvalModel, scorer: InstanceScorer, usage: { total: UsageCounts; session: UsageCounts }, store: PredictionStore, pipeline?: PipelineSummary): PairResult {
  // All the pair's calls: θ's, and the translator's under a pipeline.
  const result: PairResult = { prompt: prompt.name, model: model.name, task: prompt.task, scores: scorer.scores, usage: usage.total, sessionUsage: usage.session, predictions: store.paths.predictions, notes: store.notes };
  if (pipeline) result.pipeline = pipeline;
  if (store.firstFailure !== undefined) result.firstFailure = store.firstFailure;
  return result;
}

/** Predicts what the predictions file does not hold yet, and scores everything. */
export async function runOnline(prompt: ResolvedPrompt, model: EvalModel, index: InstanceIndex, options: OnlineOptions): Promise<PairResult> {
  const meter = new UsageMeter({ prices: model.roles.meter.prices });
  const pipeline = pipelineFor(prompt, model, meter);
  const store = await PredictionStore.open(options.outDir, meta(prompt, model, index, pipeline), { resume: options.resume });
  // Usage is journaled beside the predictions: a resumed pair reports what all its processes paid.
  store.journalUsage(meter);
  const scorer = new InstanceScorer(index);
  const lm = new MeteredLM(model.roles.inference, meter, "inference");
  const stats = pipeline ? emptyStats(pipeline.name) : undefined;
  const traced = (outcome: Outcome) => {
    if (stats && outcome.trace) addTrace(stats, outcome.trace);
  };
  const previous = store.previous;
  let done = 0;
  const tick = () => options.onProgress?.(++done, index.totalSamples);

  async function* toAsk(): AsyncGenerator<Sample> {
    for await (const sample of streamSamples(index)) {
      const stored = previous.get(sample.id);
      if (stored === undefined) {
        yield sample;
        continue;
      }
      previous.delete(sample.id);
      const outcome = storedOutcome(prompt.prompt, sample, stored);
      traced(outcome);
      record(store, scorer, sample, outcome, true);
      tick();
    }
  }

  try {
    await predictSamples(prompt.prompt, toAsk(), {
      lm,
      concurrency: options.concurrency,
      pipeline,
      ...(options.signal ? { signal: options.signal } : {}),
      onOutcome: (outcome, sample) => {
        if (outcome.raw !== undefined) store.append(sample.id, outcome.raw, outcome.trace);
        traced(outcome);
        record(store, scorer, sample, outcome);
        tick();
      },
    });
  } finally {
    await store.close();
  }
  return pairResult(prompt, model, scorer, { total: store.totalUsage(meter.prices), session: meter.total }, store, stats ? { ...stats, translator: translatorOf(model).model } : undefined);
}

/** Scores batch results; a request without a result is a recorded failure, never dropped. */
export async function scoreBatchResults(prompt: ResolvedPrompt, model: EvalModel, index: InstanceIndex, results: BatchResults, outDir: string): Promise<PairResult> {
  const store = await PredictionStore.open(outDir, meta(prompt, model, index), { resume: false });
  const scorer = new InstanceScorer(index);
  const meter = new UsageMeter({ prices: model.roles.meter.prices });
  try {
    for await (const sample of streamSamples(index)) {
      const customId = encodeCustomId({ prompt: prompt.name, model: model.name, sampleId: sample.id });
      const result = results.byId.get(customId);
      if (result === undefined) {
        store.fail(sample.id, "missing", `no result for custom_id ${customId} in the batch results`);
        scorer.add(sample, { failure: "missing" });
        continue;
      }
      if (!result.ok) {
        meter.recordFailure("inference", "batch");
        store.fail(sample.id, "lm", result.reason);
        scorer.add(sample, { failure: "lm" });
        continue;
      }
      if (result.usage) meter.recordCall("inference", model.name, result.usage);
      store.append(sample.id, result.text);
      record(store, scorer, sample, outcomeFromText(prompt.prompt, sample, result.text, false));
    }
  } finally {
    await store.close();
  }
  return pairResult(prompt, model, scorer, { total: meter.total, session: meter.total }, store);
}

/** Writes every prompt × model request as OpenAI Batch lines (with custom_id lookup files); returns the files per model. */
export async function writeBatchRequests(
  prompts: readonly ResolvedPrompt[],
  models: readonly EvalModel[],
  indexes: ReadonlyMap<string, InstanceIndex>,
  basePath: string,
  limits?: FileLimits,
): Promise<{ model: string; files: string[]; requests: number }[]> {
  const namers = batchFileNamers(basePath, models.map((m) => m.name));
  const written: { model: string; files: string[]; requests: number }[] = [];
  for (const model of models) {
    const writer = new ChunkedJsonlWriter(namers.get(model.name)!, limits);
    try {
      for (const prompt of prompts) {
        for await (const sample of streamSamples(indexes.get(prompt.task)!)) {
          const parts = { prompt: prompt.name, model: model.name, sampleId: sample.id };
          const customId = encodeCustomId(parts);
          await writer.write({ custom_id: customId, method: "POST", url: BATCH_URL, body: requestBody(model.name, buildRequest(prompt.prompt, sample)) }, lookupLine(customId, parts));
        }
      }
      const files = await writer.commit();
      written.push({ model: model.name, files, requests: writer.count });
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }
  return written;
}
