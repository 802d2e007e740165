/**
 * Predict and score in one step: a prompt on a set of samples → the full score report
 * (per sample, per instance, aggregated per language / dataset / non-English).
 */
import type { Sample } from "../data/sample.ts";
import { scorePredictions, type SampleOutcome, type ScoreReport } from "../metrics/score.ts";
import { predictSamples, type Outcome, type PredictOptions, type Prompt } from "./runner.ts";

export interface Evaluation {
  report: ScoreReport;
  outcomes: Outcome[];
}

export function toSampleOutcome(outcome: Outcome): SampleOutcome {
  return outcome.ok ? { records: outcome.records } : { failure: outcome.failure };
}

export async function evaluatePrompt(prompt: Prompt, samples: readonly Sample[], options: PredictOptions): Promise<Evaluation> {
  const outcomes = await predictSamples(prompt, samples, options);
  const report = scorePredictions(samples, new Map(outcomes.map((o) => [o.id, toSampleOutcome(o)])));
  return { report, outcomes };
}
