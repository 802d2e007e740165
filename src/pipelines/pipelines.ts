/**
 * Pipelines: how one sample is answered under a prompt (method.md §8).
 *
 *   direct          the prompt on the source text (the runner's own path)
 *   translate-test  translate the text into English, extract there with the same prompt,
 *                   project the spans back onto the source (src/pipelines/projection.ts);
 *                   spans that cannot be projected are dropped and counted
 *   transfusion     translate into English and extract there, then ask once more on the
 *                   source text, showing the translation and the records found in it; the
 *                   answer is extracted on the source (Translation-and-Fusion)
 *
 * A pipeline answers with the runner's Outcome, so everything downstream (scoring,
 * prediction files, resume) is unchanged; its `raw` is the final records as JSON, which
 * parses back to the same records, and its trace says what happened on the way. English
 * samples skip translation (translating English into English would only add noise).
 * LM faults propagate to the runner, which records them like any failed call.
 */
import { z } from "zod";
import type { IERecord, Sample } from "../data/sample.ts";
import { mapRecordSpans, recordSpans } from "../data/sample.ts";
import type { ChatMessage, LM } from "../lm/types.ts";
import { buildRequest, type Outcome, type Prompt } from "../eval/runner.ts";
import { markerContents, markSpans, projectSpans, type ProjectionThresholds } from "./projection.ts";
import { ENGLISH_CODE, translate } from "./translator.ts";
import { PipelineNameSchema, type PipelineName } from "./names.ts";

export { PIPELINE_NAMES, PipelineNameSchema, type PipelineName } from "./names.ts";

/** What a pipeline did for one sample; kept next to the prediction. */
export interface PipelineTrace {
  pipeline: PipelineName;
  /** The English translation of the text (absent for English samples). */
  translation?: string;
  /** θ's raw answer on the English translation. */
  english_output?: string;
  /** translate-test: the marked back-translation into the source language. */
  back_translation?: string;
  /** Distinct English spans to project (translate-test). */
  spans: number;
  projected_by_marker: number;
  projected_by_alignment: number;
  /** English spans that could not be projected (dropped with what depends on them). */
  dropped_spans: string[];
  /** Records lost because a span they need was dropped. */
  dropped_records: number;
  /** transfusion: spans of the final answer that do not occur verbatim in the source. */
  not_in_source: number;
  /** Why the sample failed, when it did after a raw answer was kept. */
  failure?: string;
}

/** The trace as read back from a predictions file. */
export const PipelineTraceSchema = z.looseObject({
  pipeline: PipelineNameSchema,
  translation: z.string().optional(),
  english_output: z.string().optional(),
  back_translation: z.string().optional(),
  spans: z.number().int().min(0),
  projected_by_marker: z.number().int().min(0),
  projected_by_alignment: z.number().int().min(0),
  dropped_spans: z.array(z.string()),
  dropped_records: z.number().int().min(0),
  not_in_source: z.number().int().min(0),
  failure: z.string().optional(),
});

export interface PipelineContext {
  /** θ, the model the prompt runs with. */
  lm: LM;
  signal?: AbortSignal | undefined;
}

export interface Pipeline {
  /** A pipeline name, or "routed" (src/pipelines/routing.ts: per-language routes). */
  readonly name: PipelineName | "routed";
  /** The translator's identity (cache id), for what predictions depend on. */
  readonly translator: string | undefined;
  /** What else the answers depend on (a routing's routes). */
  readonly fingerprint?: string;
  predict(prompt: Prompt, sample: Sample, ctx: PipelineContext): Promise<Outcome>;
}

export interface PipelineOptions {
  /** The translator role's LM. */
  translator: LM;
  thresholds?: ProjectionThresholds;
}

/** The pipeline of a name; undefined for `direct` (the runner's own path). */
export function createPipeline(name: PipelineName, options: PipelineOptions): Pipeline | undefined {
  switch (name) {
    case "direct":
      return undefined;
    case "translate-test":
      return { name, translator: options.translator.id, predict: (prompt, sample, ctx) => translateTest(prompt, sample, ctx, options) };
    case "transfusion":
      return { name, translator: options.translator.id, predict: (prompt, sample, ctx) => transfusion(prompt, sample, ctx, options) };
  }
}

function emptyTrace(pipeline: PipelineName): PipelineTrace {
  return { pipeline, spans: 0, projected_by_marker: 0, projected_by_alignment: 0, dropped_spans: [], dropped_records: 0, not_in_source: 0 };
}

type Answer = { ok: true; records: IERecord[]; raw: string; cached: boolean } | { ok: false; reason: string; raw: string; cached: boolean };

async function ask(prompt: Prompt, sample: Sample, ctx: PipelineContext, edit?: (messages: ChatMessage[]) => ChatMessage[]): Promise<Answer> {
  const request = buildRequest(prompt, sample);
  if (edit) request.messages = edit(request.messages);
  const response = await ctx.lm.complete(request, ctx.signal ? { signal: ctx.signal } : {});
  const raw = response.choices[0] ?? "";
  const parsed = prompt.program.parse(raw, { schema: sample.schema });
  return parsed.ok ? { ok: true, records: parsed.records, raw, cached: response.cached } : { ok: false, reason: parsed.reason, raw, cached: response.cached };
}

function finalOutcome(sample: Sample, records: IERecord[], trace: PipelineTrace, cached: boolean): Outcome {
  return { id: sample.id, ok: true, records, thought: undefined, raw: JSON.stringify(records), cached, trace };
}

function failedOutcome(sample: Sample, failure: string, raw: string, trace: PipelineTrace, cached: boolean): Outcome {
  return { id: sample.id, ok: false, failure, raw, cached, trace: { ...trace, failure } };
}

/** A sample answered directly under a prompt (a routing's direct route), traced as direct. */
export function directPredict(prompt: Prompt, sample: Sample, ctx: PipelineContext): Promise<Outcome> {
  return directAnswer(prompt, sample, ctx, emptyTrace("direct"));
}

/** English samples are answered directly (the trace says so by having no translation). */
async function directAnswer(prompt: Prompt, sample: Sample, ctx: PipelineContext, trace: PipelineTrace): Promise<Outcome> {
  const answer = await ask(prompt, sample, ctx);
  return answer.ok ? finalOutcome(sample, answer.records, trace, answer.cached) : failedOutcome(sample, `unparseable output: ${answer.reason}`, answer.raw, trace, answer.cached);
}

/** Translate into English and extract there: the first half of both pipelines. */
async function englishPass(prompt: Prompt, sample: Sample, ctx: PipelineContext, options: PipelineOptions, trace: PipelineTrace) {
  const translation = await translate(options.translator, { text: sample.text, from: sample.lang, to: ENGLISH_CODE }, ctx.signal);
  if (!translation.ok) return { ok: false as const, failure: `translation failed: ${translation.reason}`, raw: translation.raw };
  trace.translation = translation.text;
  const english = { ...sample, text: translation.text } as Sample;
  const answer = await ask(prompt, english, ctx);
  trace.english_output = answer.raw;
  return { ok: true as const, english: translation.text, answer };
}

async function translateTest(prompt: Prompt, sample: Sample, ctx: PipelineContext, options: PipelineOptions): Promise<Outcome> {
  const trace = emptyTrace("translate-test");
  if (sample.lang === ENGLISH_CODE) return directAnswer(prompt, sample, ctx, trace);
  const pass = await englishPass(prompt, sample, ctx, options, trace);
  if (!pass.ok) return failedOutcome(sample, pass.failure, pass.raw, trace, false);
  const { answer } = pass;
  if (!answer.ok) return failedOutcome(sample, `unparseable output on the English translation: ${answer.reason}`, answer.raw, trace, answer.cached);

  const task = prompt.program.task;
  const spans = [...new Set(answer.records.flatMap((r) => recordSpans(task, r)))];
  trace.spans = spans.length;
  if (spans.length === 0) return finalOutcome(sample, [], trace, answer.cached);
  const marked = markSpans(pass.english, spans);
  let contents = new Map<string, string>();
  if (marked.markers.size > 0) {
    const back = await translate(options.translator, { text: marked.text, from: ENGLISH_CODE, to: sample.lang, markers: true }, ctx.signal);
    trace.back_translation = back.raw;
    if (back.ok) contents = markerContents(marked, back.text);
  }
  const projections = projectSpans(sample.text, spans, contents, options.thresholds);
  for (const p of projections.values()) {
    if (p.method === "marker") trace.projected_by_marker++;
    else if (p.method === "alignment") trace.projected_by_alignment++;
    else trace.dropped_spans.push(p.span);
  }
  const records: IERecord[] = [];
  for (const record of answer.records) {
    // Verified, not trusted: a projected span must occur verbatim in the source text.
    const mapped = mapRecordSpans(task, record, (span) => {
      const projected = projections.get(span)?.projected;
      return projected !== undefined && sample.text.includes(projected) ? projected : undefined;
    });
    if (mapped.record) records.push(mapped.record);
    else trace.dropped_records++;
  }
  return finalOutcome(sample, records, trace, answer.cached);
}

export const FUSION_NOTE =
  "Each query also shows an English translation of the text and the records a first pass found in that translation. " +
  "Use them as hints, but answer about the original text: copy every span exactly as it is written in the original text, in its language.";

/**
 * Puts the translation and its records into the query, just before its "Text:" line (the
 * text stays last, where every program puts it); appended when the query has no such line.
 */
export function withTranslationContext(messages: readonly ChatMessage[], block: string): ChatMessage[] {
  const out = messages.map((m) => ({ ...m }));
  let last = -1;
  for (let i = out.length - 1; i >= 0; i--) if (out[i]!.role === "user") { last = i; break; }
  if (last < 0) return out;
  const content = out[last]!.content;
  const at = content.lastIndexOf("\nText:");
  out[last]!.content = at < 0 ? `${content}\n${block}` : `${content.slice(0, at)}\n${block}${content.slice(at)}`;
  return out;
}

async function transfusion(prompt: Prompt, sample: Sample, ctx: PipelineContext, options: PipelineOptions): Promise<Outcome> {
  const trace = emptyTrace("transfusion");
  if (sample.lang === ENGLISH_CODE) return directAnswer(prompt, sample, ctx, trace);
  const pass = await englishPass(prompt, sample, ctx, options, trace);
  if (!pass.ok) return failedOutcome(sample, pass.failure, pass.raw, trace, false);
  const found = pass.answer.ok ? JSON.stringify(pass.answer.records) : "(the first pass gave no readable answer)";
  const block = `English translation: ${pass.english}\nRecords found in the English translation: ${found}`;
  const fused = { ...prompt, instruction: `${prompt.instruction}\n\n${FUSION_NOTE}` };
  const answer = await ask(fused, sample, ctx, (messages) => withTranslationContext(messages, block));
  if (!answer.ok) return failedOutcome(sample, `unparseable output: ${answer.reason}`, answer.raw, trace, answer.cached);
  const task = prompt.program.task;
  trace.not_in_source = answer.records.flatMap((r) => recordSpans(task, r)).filter((s) => !sample.text.includes(s)).length;
  return finalOutcome(sample, answer.records, trace, answer.cached);
}

/** Pipeline counts over many samples (one eval pair). */
export interface PipelineStats {
  pipeline: PipelineName | "routed";
  samples: number;
  translated: number;
  spans: number;
  projected_by_marker: number;
  projected_by_alignment: number;
  dropped_spans: number;
  dropped_records: number;
  not_in_source: number;
}

export function emptyStats(pipeline: PipelineName | "routed"): PipelineStats {
  return { pipeline, samples: 0, translated: 0, spans: 0, projected_by_marker: 0, projected_by_alignment: 0, dropped_spans: 0, dropped_records: 0, not_in_source: 0 };
}

export function addTrace(stats: PipelineStats, trace: PipelineTrace): void {
  stats.samples++;
  if (trace.translation !== undefined) stats.translated++;
  stats.spans += trace.spans;
  stats.projected_by_marker += trace.projected_by_marker;
  stats.projected_by_alignment += trace.projected_by_alignment;
  stats.dropped_spans += trace.dropped_spans.length;
  stats.dropped_records += trace.dropped_records;
  stats.not_in_source += trace.not_in_source;
}
