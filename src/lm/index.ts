/**
 * The LM layer's public surface: one place for src/index.ts and the CLI to import from.
 * Build role models with createLM; everything else is for wiring and tests.
 */
export type { ChatMessage, CompleteOptions, LM, LMRequest, LMResponse, LMRole, ResponseFormat, TokenUsage } from "./types.ts";
export { LMCallError } from "./types.ts";
export { createLM, sharedDefaultCache, type LMSpec, type LocalModels } from "./factory.ts";
export { OpenAICompatibleLM, DUMMY_API_KEY, type OpenAICompatibleOptions } from "./openai-client.ts";
export { CachedLM, LMCache, cacheKey, defaultCachePath, type CacheStats } from "./cache.ts";
export {
  Budget,
  BudgetedLM,
  MeteredLM,
  UsageMeter,
  costOf,
  type BudgetLimits,
  type ModelPrice,
  type PriceTable,
  type UsageCounts,
} from "./usage.ts";
export { withRetries, type RetryPolicy } from "./retry.ts";
export { LimiterRegistry, defaultLimiters, PRIORITY, type EndpointLimit } from "./limiter.ts";
export { normalizeBaseURL } from "./endpoint.ts";
