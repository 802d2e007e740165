/**
 * Builds the LM for one role from a model spec, with the wrappers stacked in the one
 * order that counts everything right (outermost first):
 *
 *   MeteredLM     every call the role makes: paid, hit, failed or refused
 *   CachedLM      hits return here and never reach what is below
 *   BudgetedLM    only calls that would be paid reserve budget, so cache hits are free
 *                 and still served after the budget ran out (a resumed run replays its
 *                 finished work)
 *   base LM       OpenAICompatibleLM (retries around the endpoint limiter inside) or an
 *                 in-process model (the sim, which lives above this layer and is passed
 *                 in as `local`)
 */
import type { LM, LMRole } from "./types.ts";
import { OpenAICompatibleLM, type OpenAICompatibleOptions } from "./openai-client.ts";
import { CachedLM, LMCache } from "./cache.ts";
import { BudgetedLM, MeteredLM, type Budget, type UsageMeter } from "./usage.ts";
import type { LimiterRegistry } from "./limiter.ts";
import { DEFAULT_BASE_URL } from "./endpoint.ts";
import { UserInputError } from "../errors.ts";

/**
 * Models that run in-process, by name (the offline sim). The LM layer knows none itself:
 * a caller above it passes them in, so src/lm depends on nothing above it.
 */
export interface LocalModels {
  /** Whether a model name is one of these (then it runs in-process unless a base URL is given). */
  handles(model: string): boolean;
  /** The model for a handled name; throws a plain Error naming the valid ones for a bad name. */
  create(model: string): LM;
}

export interface LMSpec {
  model: string;
  baseURL?: string;
  apiKey?: string;
  role: LMRole;
  timeoutMs?: number;
  maxRetries?: number;
  concurrency?: number;
  /**
   * The response cache. An LMCache to use; null for none; undefined for the default:
   * the shared cache at defaultCachePath() for endpoint models, none for the sim (it is
   * free and deterministic, and caching it would only serve stale answers while the sim
   * evolves).
   */
  cache?: LMCache | null;
  meter?: UsageMeter;
  budget?: Budget;
  /** An OpenAI reasoning model whatever its name (o-series and gpt-5 are detected by name). */
  reasoningModel?: boolean;
  /** Backoff tuning / test hooks for endpoint models. */
  retry?: OpenAICompatibleOptions["retry"];
  seed?: string | number;
  limiters?: LimiterRegistry;
  /** Environment to read OPENAI_BASE_URL / OPENAI_API_KEY from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** In-process models (the sim); without them every model name goes to an endpoint. */
  local?: LocalModels;
}

/**
 * The base URL a model is served from: undefined for a name `local` handles without an
 * explicit base URL (it runs in-process), else the explicit one, $OPENAI_BASE_URL or
 * OpenAI's. An explicit base URL wins even for a sim name: a server that serves it (e.g. `ieopt sim
 * serve`) exercises the real client path end to end.
 */
export function endpointBaseURL(model: string, baseURL: string | undefined, env: NodeJS.ProcessEnv = process.env, local?: LocalModels): string | undefined {
  if (baseURL === undefined && local?.handles(model.trim())) return undefined;
  return baseURL ?? env["OPENAI_BASE_URL"] ?? DEFAULT_BASE_URL;
}

let defaultCache: LMCache | undefined;

/** The process-wide cache at defaultCachePath(), opened on first use. */
export function sharedDefaultCache(): LMCache {
  defaultCache ??= new LMCache();
  return defaultCache;
}

export function createLM(spec: LMSpec): LM {
  const env = spec.env ?? process.env;
  const baseURL = endpointBaseURL(spec.model, spec.baseURL, env, spec.local);
  let lm: LM;
  let cache: LMCache | null;
  if (baseURL === undefined) {
    try {
      // Only a name spec.local handles has no base URL.
      lm = spec.local!.create(spec.model.trim());
    } catch (err) {
      // A misspelt profile is the user's to fix, not a crash.
      throw new UserInputError(err instanceof Error ? err.message : String(err), { field: "model" });
    }
    cache = spec.cache ?? null;
  } else {
    const apiKey = spec.apiKey ?? env["OPENAI_API_KEY"];
    const options: OpenAICompatibleOptions = { model: spec.model, baseURL };
    if (apiKey !== undefined) options.apiKey = apiKey;
    if (spec.timeoutMs !== undefined) options.timeoutMs = spec.timeoutMs;
    if (spec.maxRetries !== undefined) options.maxRetries = spec.maxRetries;
    if (spec.concurrency !== undefined) options.concurrency = spec.concurrency;
    if (spec.retry !== undefined) options.retry = spec.retry;
    if (spec.seed !== undefined) options.seed = spec.seed;
    if (spec.limiters !== undefined) options.limiters = spec.limiters;
    if (spec.reasoningModel) options.reasoningModel = true;
    const meter = spec.meter;
    if (meter) options.onRequest = () => meter.recordRequest(spec.role);
    lm = new OpenAICompatibleLM(options);
    cache = spec.cache === undefined ? sharedDefaultCache() : spec.cache;
  }
  if (spec.budget) lm = new BudgetedLM(lm, spec.budget);
  if (cache) lm = new CachedLM(lm, cache);
  if (spec.meter) lm = new MeteredLM(lm, spec.meter, spec.role);
  return lm;
}
