/**
 * `evaluatePrompts`: every prompt × every model on the data files of the prompt's task,
 * scored as in method.md §3 and built into an eval report (LF1 and exact F1 overall, per
 * language, per dataset, non-English, bootstrap CIs, paired comparisons). `ieopt eval`
 * is this plus flag parsing, the output-folder lock and the console summary.
 *
 * Online, predictions stream through the shared runner and are kept under
 * <outDir>/predictions/, so a rerun resumes; with `batchIn`, OpenAI Batch result files
 * are scored instead of calling the models.
 */
import { UserInputError } from "../errors.ts";
import { buildEvalReport, type EvalReport } from "../report/eval-report.ts";
import { writeEvalReport } from "../report/write-eval-report.ts";
import { readBatchResults } from "./batch-io.ts";
import { decodeLegacyCustomId, encodeCustomId } from "./custom-id.ts";
import { scanData } from "./eval-data.ts";
import { runOnline, scoreBatchResults, type EvalModel, type PairResult } from "./eval-run.ts";
import { promptFingerprint, type ResolvedPrompt } from "./prompt-source.ts";
import { failureExamples } from "./failure-examples.ts";
import { predictionPaths } from "./predictions-file.ts";

export interface EvaluatePromptsRequest {
  /** Named prompts (resolvePrompts turns `--prompt` specs into these). */
  prompts: readonly ResolvedPrompt[];
  models: readonly EvalModel[];
  /** Test data JSONL files; each prompt runs on the files of its task. */
  data: readonly string[];
  /** `data` already scanned (scanData with the same split_num), so it is not read twice. */
  scanned?: Awaited<ReturnType<typeof scanData>>;
  /** Where predictions and reports go (the caller locks it). */
  outDir: string;
  /** Schema items per query when batching instance-level data (split_num); default 6. */
  splitNum?: number;
  /** Seed and resamples of the bootstrap and permutation tests. */
  seed?: string;
  iterations?: number;
  concurrency?: number;
  /** Keep earlier predictions in outDir (default true). */
  resume?: boolean;
  /** Score these OpenAI Batch result files instead of calling the models. */
  batchIn?: readonly string[];
  signal?: AbortSignal;
  events?: EvaluateEvents;
  /** Whether a model name is an offline stand-in (the sim): its numbers are labelled so. */
  isSimulated?: (model: string) => boolean;
}

export interface EvaluateEvents {
  phase?(title: string, detail: string): void;
  progress?(done: number, total: number): void;
  line?(text: string): void;
}

export interface EvaluatePromptsResult {
  report: EvalReport;
  /** Per (prompt, model): its scores, usage and failure counts. */
  pairs: PairResult[];
  files: { json: string; csv: string; markdown: string; html: string };
}

export async function evaluatePrompts(request: EvaluatePromptsRequest): Promise<EvaluatePromptsResult> {
  const { prompts, models, outDir, events } = request;
  if (prompts.length === 0) throw new UserInputError("give at least one prompt");
  if (request.data.length === 0) throw new UserInputError("give the test data files");
  if (models.length === 0) throw new UserInputError("give at least one model");
  const splitNum = request.splitNum ?? 6;
  const { indexes, files } = request.scanned ?? (await scanData(request.data, new Set(prompts.map((p) => p.task)), splitNum));
  const pairs: PairResult[] = [];
  const modelNames = models.map((m) => m.name);

  if (request.batchIn) {
    const byName = new Map(prompts.map((p) => [p.name, p]));
    // This eval's custom_ids (hashes: recomputed, not decoded).
    const ours = new Set<string>();
    for (const prompt of prompts) for (const model of modelNames) for (const sampleId of indexes.get(prompt.task)!.sampleIds) ours.add(encodeCustomId({ prompt: prompt.name, model, sampleId }));
    const results = await readBatchResults([...request.batchIn], (customId) => {
      if (ours.has(customId)) return { id: customId };
      const parts = decodeLegacyCustomId(customId);
      if (parts === undefined) return { why: "no request of this eval has it (the .custom_ids file beside the request file says which prompt, model and sample an id stands for)" };
      if (!byName.has(parts.prompt)) return { why: `no --prompt is named '${parts.prompt}' (prompts: ${[...byName.keys()].join(", ")})` };
      if (!modelNames.includes(parts.model)) return { why: `no --model is named '${parts.model}' (models: ${modelNames.join(", ")})` };
      const index = indexes.get(byName.get(parts.prompt)!.task)!;
      if (!index.sampleIds.has(parts.sampleId)) return { why: `sample '${parts.sampleId}' is not in the --data files` };
      return { id: encodeCustomId(parts) };
    });
    for (const prompt of prompts) {
      for (const model of models) {
        events?.phase?.(`${prompt.name} × ${model.name}`, "scoring batch results");
        pairs.push(await scoreBatchResults(prompt, model, indexes.get(prompt.task)!, results, outDir));
      }
    }
  } else {
    for (const prompt of prompts) {
      for (const model of models) {
        const index = indexes.get(prompt.task)!;
        events?.phase?.(`${prompt.name} × ${model.name}${model.simulated ? " (sim)" : ""}`, `${index.totalSamples} queries, ${index.instanceId.length} instances`);
        const result = await runOnline(prompt, model, index, {
          outDir,
          concurrency: request.concurrency ?? 8,
          resume: request.resume ?? true,
          ...(request.signal ? { signal: request.signal } : {}),
          onProgress: (done, total) => events?.progress?.(done, total),
        });
        for (const note of result.notes) events?.line?.(note);
        const c = result.scores.counts;
        if (c.lm_failures > 0) events?.line?.(`  ${prompt.name} × ${model.name}: ${c.lm_failures} of ${c.samples} samples failed at the model (see ${outDir}/predictions)`);
        pairs.push(result);
      }
    }
  }

  const examples = await Promise.all(pairs.map((p) => failureExamples(indexes.get(p.task)!, p.scores, predictionPaths(outDir, p.prompt, p.model))));
  const report = buildEvalReport({
    mode: request.batchIn ? "batch" : "online",
    splitNum,
    seed: request.seed ?? "0",
    iterations: request.iterations ?? 1000,
    data: files,
    prompts: prompts.map((p) => ({
      name: p.name,
      kind: p.kind,
      task: p.task,
      source: { ...p.source, fingerprint: promptFingerprint(p.prompt), program_version: p.prompt.program.version, ...(p.pipeline ? { pipeline: p.pipeline } : {}) },
      instruction: p.prompt.instruction,
      demos: p.prompt.demos.map((d) => ({ text: d.input.text, output: `${d.thought ? `${d.thought}\n` : ""}${JSON.stringify(d.records)}` })),
    })),
    models: models.map((m) => ({ name: m.name, simulated: m.simulated, ...(m.endpoint ? { endpoint: m.endpoint } : {}) })),
    indexes,
    // A pair whose translator is simulated has sim numbers in it, whatever θ is.
    pairs: pairs.map((p, i) => ({ ...p, failureExamples: examples[i], simulated: models.find((m) => m.name === p.model)!.simulated || (p.pipeline !== undefined && (request.isSimulated?.(p.pipeline.translator) ?? false)) })),
  });
  return { report, pairs, files: writeEvalReport(outDir, report) };
}
