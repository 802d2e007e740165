/** The metrics module's public surface: LF1/F1 with routing, aggregation, statistics. */
export { normalizeSpan, levenshtein, spanSimilarity, normalizedSimilarity, codePointLength } from "./levenshtein.ts";
export { toUnits, poolUnits, type Unit } from "./routing.ts";
export {
  scoreUnits,
  scoreSample,
  scoreInstance,
  scorePooledUnits,
  FAILED_SCORE,
  type MatchMode,
  type Prf,
  type PairScore,
  type InstanceSample,
} from "./lf1.ts";
export { aggregate, type InstanceResult, type GroupSummary, type ScoreSummary } from "./aggregate.ts";
export { scorePredictions, NO_PREDICTION, type SampleOutcome, type SampleScoreRow, type ScoreReport } from "./score.ts";
export {
  bootstrapCI,
  pairedBootstrap,
  pairedPermutationTest,
  type BootstrapOptions,
  type ConfidenceInterval,
  type PairedBootstrapResult,
  type PermutationOptions,
} from "./stats.ts";
