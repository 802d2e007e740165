/**
 * The call estimate of `ieopt optimize` for its plan (plan.ts): an upper bound from the
 * settings and the data sizes, with token counts from the default prompt rendered on
 * the validation samples (a searched prompt's demos make it about as long).
 *
 *   θ  baseline |val| + trials × minibatch + full evaluations × |val|
 *   Φ  augmented demos ≤ demo sets × demos, and the proposer: (instructions − 1) proposals
 *      plus up to 5 summary calls
 *   AutoThought (method.md §6): 1–2 one Θ thought per demo of S_top, 3 a thought and an
 *      answer per demo (no bootstrapping: the demo set is fixed); 4 a thought and an answer
 *      from Φ per sample the demo sets may draw (demo sets × (demos + spares)), instead of
 *      the plain augmentation
 *
 * Scores memoized within the run and cache hits make the real numbers smaller.
 */
import type { Sample } from "../data/sample.ts";
import { buildRequest, defaultPrompt } from "../eval/runner.ts";
import type { IEProgram } from "../../programs/index.ts";
import type { MiproSettings } from "../../optimizers/mipro.ts";
import { SPARES } from "../../optimizers/bootstrap.ts";
import { addRequest, emptyEstimate, type CallEstimate } from "./plan.ts";

/** How many full validations a search of `trials` makes: every n-th trial and the last. */
export function fullEvaluations(trials: number, every: number): number {
  return Math.floor(trials / every) + (trials % every === 0 ? 0 : 1);
}

export function estimateOptimizeCalls(
  program: IEProgram,
  train: readonly Sample[],
  val: readonly Sample[],
  settings: MiproSettings,
  models: { inference: string; prompt: string; thought?: string },
  autothought?: { variant: 1 | 2 | 3 | 4; sourceDemos?: number },
): CallEstimate[] {
  const prompt = defaultPrompt(program);
  const sampleSet = val.slice(0, 200);
  const perCall = emptyEstimate("", "");
  for (const s of sampleSet) addRequest(perCall, buildRequest(prompt, s));
  const scale = (e: CallEstimate, calls: number) => {
    e.calls += calls;
    e.promptTokens += Math.round((perCall.promptTokens / Math.max(1, perCall.calls)) * calls);
    e.maxCompletionTokens += Math.round((perCall.maxCompletionTokens / Math.max(1, perCall.calls)) * calls);
  };
  const theta = emptyEstimate("θ search (baseline, minibatches, full evaluations)", models.inference);
  const minibatch = Math.min(settings.minibatch, val.length);
  scale(theta, val.length + settings.trials * minibatch + fullEvaluations(settings.trials, settings.fullEvalEvery) * val.length);
  const phi = emptyEstimate("Φ demos and instruction proposals", models.prompt);
  const proposer = Math.max(0, settings.instructions - 1) + 5;
  if (autothought === undefined) {
    const augmentations = settings.zeroShot ? 0 : Math.min(train.length, settings.demoSets * settings.demos);
    scale(phi, augmentations + proposer);
    return [theta, phi];
  }
  if (autothought.variant === 4) {
    phi.label = "Φ thought-carrying demos and instruction proposals";
    scale(phi, 2 * Math.min(train.length, settings.demoSets * (settings.demos + SPARES)) + proposer);
    return [theta, phi];
  }
  phi.label = "Φ instruction proposals";
  scale(phi, proposer);
  const thoughts = emptyEstimate(autothought.variant === 3 ? "Θ a thought and an answer per demo" : "Θ a thought per demo", models.thought ?? models.prompt);
  scale(thoughts, (autothought.variant === 3 ? 2 : 1) * (autothought.sourceDemos ?? settings.demos));
  return [theta, phi, thoughts];
}
