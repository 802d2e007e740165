/**
 * One concurrency limit per endpoint. The limit protects the server, not a role: when the
 * prompt teacher, thought teacher and inference model all point at the same vLLM, they
 * share one queue. Keyed by the normalized base URL (never the API key).
 */
import pLimit, { type LimitFunction } from "p-limit";

export const DEFAULT_CONCURRENCY = 8;

export class LimiterRegistry {
  readonly #limits = new Map<string, LimitFunction>();

  /**
   * The limiter for an endpoint. If roles ask for different concurrency at the same
   * endpoint, the smallest wins: it is the only value every caller agreed is safe.
   */
  forEndpoint(endpoint: string, concurrency: number = DEFAULT_CONCURRENCY): LimitFunction {
    const wanted = Math.max(1, Math.floor(concurrency));
    const existing = this.#limits.get(endpoint);
    if (existing) {
      if (wanted < existing.concurrency) existing.concurrency = wanted;
      return existing;
    }
    const limit = pLimit(wanted);
    this.#limits.set(endpoint, limit);
    return limit;
  }

  get size(): number {
    return this.#limits.size;
  }
}

/** The process-wide registry used unless a caller injects its own (tests, benches). */
export const defaultLimiters = new LimiterRegistry();
