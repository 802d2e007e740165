/** Hyperparameter search: spaces, ask/tell studies, random and TPE samplers. */
export type {
  CategoricalDistribution,
  ChoiceValue,
  Distribution,
  FloatDistribution,
  IntDistribution,
  Params,
  ParamValue,
  SearchSpace,
} from "./space.ts";
export { categorical, float, int, isSingle, toExternal, toInternal, validateDistribution, validateSpace } from "./space.ts";
export type { Direction, FrozenTrial, TrialState } from "./trial.ts";
export type { Sampler, RandomSamplerOptions } from "./sampler.ts";
export { RandomSampler, trialRng } from "./sampler.ts";
export type { TPESamplerOptions } from "./tpe.ts";
export { TPESampler, defaultGamma, defaultWeights, splitTrials } from "./tpe.ts";
export type { AskedTrial, RestorableTrial, StudyOptions, TellResult } from "./study.ts";
export { Study } from "./study.ts";
export type { ParzenEstimator, ParzenOptions } from "./parzen.ts";
export { buildParzenEstimator, logPdf as parzenLogPdf, sample as parzenSample } from "./parzen.ts";
