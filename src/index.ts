/**
 * ieopt's public API. Layers, bottom up: data, metrics, search and lm; programs; the
 * evaluation runner and optimizers; the CLI on top.
 */

// zod, the same instance ieopt's contracts use: build your task's record schemas with it.
export { z } from "zod";

// Task definitions (the bottom layer): the five built-ins and the registry for your own
export { defineTask, spanRecordsFromTypeDict, type TaskDefinition, type TaskSpec, type UnitRule, type FieldDoc, type LabelIssue } from "./tasks/definition.ts";
export { NER, RE, SF, ED, EE, BUILTIN_TASKS } from "./tasks/builtin.ts";
export { registerTask, getTask, findTask, taskNames, resolveTask, type TaskRef } from "./tasks/registry.ts";

import { createLM as createLMWith, type LMSpec } from "./lm/factory.ts";
import { buildRoleModels as buildRoleModelsWith, type ModelFlags, type RoleModels } from "./lm/roles.ts";
import { simModels } from "../sim/index.ts";
import type { LM } from "./lm/types.ts";

// Data contracts and preparation
export * from "./data/sample.ts";
export { readJsonl, readSamples, readSamplesMany, writeJsonl } from "./data/jsonl.ts";
export { importFile, IMPORT_FORMATS } from "./data/importers/index.ts";
export { batchSchema } from "./data/batch-schema.ts";
export { instancesToSamples, type InstancesToSamplesOptions } from "./data/instances-to-samples.ts";
export { charNgramSimilarity, type Similarity } from "./data/similarity.ts";
export { sparsitySample, LIGHT_CAPS } from "./data/sparsity.ts";
export { deduplicate, decontaminate, testTexts } from "./data/dedup.ts";

// Metrics
export { levenshtein, spanSimilarity, normalizeSpan } from "./metrics/levenshtein.ts";
export { toUnits, type Unit } from "./metrics/routing.ts";
export { scoreSample, scoreInstance, scoreUnits, type PairScore } from "./metrics/lf1.ts";
export { aggregate, type ScoreSummary, type GroupSummary } from "./metrics/aggregate.ts";
export { scorePredictions, type ScoreReport, type SampleOutcome } from "./metrics/score.ts";
export { bootstrapCI, pairedBootstrap, pairedPermutationTest } from "./metrics/stats.ts";

// Search (ask/tell, Optuna-style)
export { Study, TPESampler, RandomSampler, categorical, int, float } from "./search/index.ts";
export type { Sampler, SearchSpace, FrozenTrial, Params } from "./search/index.ts";

// Language models
export type { LM, LMRequest, LMResponse, ChatMessage, LMRole } from "./lm/types.ts";
export { LMCallError } from "./lm/types.ts";
export type { LocalModels, LMSpec } from "./lm/factory.ts";
export { LMCache } from "./lm/cache.ts";
export { UsageMeter, Budget } from "./lm/usage.ts";
export type { RoleModels, ModelFlags } from "./lm/roles.ts";
export { createSimLM, simModels } from "../sim/index.ts";

/** createLM with the offline sim as its in-process models (a spec's own `local` wins). */
export function createLM(spec: LMSpec): LM {
  return createLMWith({ local: simModels, ...spec });
}

/** buildRoleModels with the offline sim as its in-process models (an explicit `local` wins). */
export function buildRoleModels(flags: ModelFlags, options: Parameters<typeof buildRoleModelsWith>[1] = {}): RoleModels {
  return buildRoleModelsWith(flags, { local: simModels, ...options });
}

// Programs
export { PROGRAMS, getProgram, registerProgram, defineProgram, exemplar, QUERY_FIELDS, defaultPrompt } from "../programs/index.ts";
export type { IEProgram, Demo, QueryInput, PromptSlots, ParseResult, Prompt } from "../programs/index.ts";

// Evaluation
export { predictSamples, buildRequest, type Outcome } from "./eval/runner.ts";
export { evaluatePrompt } from "./eval/evaluate.ts";
export { resolvePrompt, resolvePrompts, registerPromptKind, PROMPT_KINDS, type ResolvedPrompt, type KindResolver } from "./eval/prompt-source.ts";
export { evaluatePrompts, type EvaluatePromptsRequest, type EvaluatePromptsResult } from "./eval/evaluate-prompts.ts";
export type { EvalModel } from "./eval/eval-run.ts";
export { writeEvalReport } from "./report/write-eval-report.ts";
export { buildPromptfooConfig, buildRoutingPromptfooConfig } from "./export/promptfoo.ts";
export { METRICS, metricByName, registerMetric, resolveMetric, type Metric, type SampleMetric } from "./eval/metric.ts";

// Runs and frozen prompts
export { FROZEN_FORMAT, loadFrozenPrompt, parseFrozenPrompt, promptFromFrozen, freezePrompt, type FrozenPrompt } from "./runs/frozen.ts";
export { RunFolder, MemoryRunFolder, listRuns } from "./runs/run-folder.ts";

// Optimizers
export { optimize, type OptimizeRequest, type OptimizeOutcome } from "../optimizers/optimize.ts";
export { runMipro, MIPRO_DEFAULTS, type MiproSettings, type MiproResult } from "../optimizers/mipro.ts";
export { bootstrapDemoSets } from "../optimizers/bootstrap.ts";
export { proposeInstructions } from "../optimizers/propose.ts";
export { optimizeAutoThought } from "../optimizers/autothought-run.ts";
export { buildDefaultCotPrompt } from "../optimizers/default-cot.ts";
export { compareReasoningVariants } from "../optimizers/reasoning-comparison.ts";
export { UserInputError, RunStopped } from "./errors.ts";
