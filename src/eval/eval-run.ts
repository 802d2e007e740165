/**
 * One (prompt, model) of `ieopt eval`: predictions through the shared runner (online), or
 * taken from batch results (offline), scored instance by instance as they arrive, with
 * the predictions kept on disk for resuming. Also writes the batch request files.
 */
import type { Sample, Task } from "../data/sample.ts";
import type { RoleModels } from "../lm/roles.ts";
import { MeteredLM, UsageMeter, type UsageCounts } from "../lm/usage.ts";
import { streamSamples, type InstanceIndex } from "./eval-data.ts";
import { InstanceScorer, scorableOutcome, type InstanceScores } from "./instance-scorer.ts";
import { PredictionStore, type StoredPrediction } from "./predictions-file.ts";
import { promptFingerprint, type ResolvedPrompt } from "./prompt-source.ts";
import { buildRequest, outcomeFromText, predictSamples, type Outcome, type PromptSpec } from "./runner.ts";
import { encodeCustomId } from "./custom-id.ts";
import { BATCH_URL, ChunkedJsonlWriter, batchFileNames, requestBody, type BatchResults } from "./batch-io.ts";

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
  task: Task;
  scores: InstanceScores;
  usage: UsageCounts;
  predictions: string;
  notes: string[];
}

export interface OnlineOptions {
  outDir: string;
  concurrency: number;
  resume: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

function meta(prompt: ResolvedPrompt, model: EvalModel, index: InstanceIndex) {
  return {
    prompt: prompt.name,
    prompt_fingerprint: promptFingerprint(prompt.prompt),
    model: model.name,
    ...(model.endpoint ? { endpoint: model.endpoint } : {}),
    split_num: index.splitNum,
  };
}

function storedOutcome(prompt: PromptSpec, sample: Sample, stored: StoredPrediction): Outcome {
  return outcomeFromText(prompt, sample, "output" in stored ? stored.output : JSON.stringify(stored.records), true);
}

/** Scores one outcome, and lists it in the failures file when it failed. */
function record(store: PredictionStore, scorer: InstanceScorer, sample: Sample, outcome: Outcome, resumed = false): void {
  const scorable = scorableOutcome(outcome);
  if (!outcome.ok && "failure" in scorable) store.fail(sample.id, scorable.failure, outcome.failure);
  scorer.add(sample, scorable, resumed);
}

function pairResult(prompt: ResolvedPrompt, model: EvalModel, scorer: InstanceScorer, meter: UsageMeter, store: PredictionStore): PairResult {
  return { prompt: prompt.name, model: model.name, task: prompt.task, scores: scorer.scores, usage: meter.role("inference"), predictions: store.paths.predictions, notes: store.notes };
}

/** Predicts what the predictions file does not hold yet, and scores everything. */
export async function runOnline(prompt: ResolvedPrompt, model: EvalModel, index: InstanceIndex, options: OnlineOptions): Promise<PairResult> {
  const store = await PredictionStore.open(options.outDir, meta(prompt, model, index), { resume: options.resume });
  const scorer = new InstanceScorer(index);
  const meter = new UsageMeter({ prices: model.roles.meter.prices });
  const lm = new MeteredLM(model.roles.inference, meter, "inference");
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
      record(store, scorer, sample, storedOutcome(prompt.prompt, sample, stored), true);
      tick();
    }
  }

  try {
    await predictSamples(prompt.prompt, toAsk(), {
      lm,
      concurrency: options.concurrency,
      ...(options.signal ? { signal: options.signal } : {}),
      onOutcome: (outcome, sample) => {
        if (outcome.raw !== undefined) store.append(sample.id, outcome.raw);
        record(store, scorer, sample, outcome);
        tick();
      },
    });
  } finally {
    await store.close();
  }
  return pairResult(prompt, model, scorer, meter, store);
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
  return pairResult(prompt, model, scorer, meter, store);
}

/** Writes every prompt × model request as OpenAI Batch lines; returns the files per model. */
export async function writeBatchRequests(
  prompts: readonly ResolvedPrompt[],
  models: readonly EvalModel[],
  indexes: ReadonlyMap<Task, InstanceIndex>,
  basePath: string,
  maxPerFile?: number,
): Promise<{ model: string; files: string[]; requests: number }[]> {
  const requestsPerModel = prompts.reduce((n, p) => n + indexes.get(p.task)!.totalSamples, 0);
  const names = batchFileNames(basePath, models.map((m) => ({ model: m.name, requests: requestsPerModel })), maxPerFile);
  const written: { model: string; files: string[]; requests: number }[] = [];
  for (const model of models) {
    const writer = new ChunkedJsonlWriter(names.get(model.name)!, maxPerFile);
    try {
      for (const prompt of prompts) {
        for await (const sample of streamSamples(indexes.get(prompt.task)!)) {
          await writer.write({
            custom_id: encodeCustomId({ prompt: prompt.name, model: model.name, sampleId: sample.id }),
            method: "POST",
            url: BATCH_URL,
            body: requestBody(model.name, buildRequest(prompt.prompt, sample)),
          });
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
