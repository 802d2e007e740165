/**
 * One concurrency limit per endpoint. The limit protects the server, not a role: when the
 * prompt teacher, thought teacher and inference model all point at the same vLLM, they
 * share one queue. Keyed by the normalized base URL (never the API key).
 *
 * The queue is first come, first served within a priority: work something waits on next
 * (URGENT) goes before the rest, and BACKGROUND work (needed later) takes the slots nothing
 * else wants, so it fills idle slots without delaying a chain of calls that is.
 */
import PQueue from "p-queue";

export const DEFAULT_CONCURRENCY = 8;

/** Request priorities (LM.complete's `priority`; higher goes first, default NORMAL). */
export const PRIORITY = { BACKGROUND: -1, NORMAL: 0, URGENT: 1 } as const;

export interface EndpointLimit {
  /** Runs `work` once a slot is free, before queued work of lower priority. */
  <T>(work: () => Promise<T>, priority?: number): Promise<T>;
  /** Requests in flight at most (lowered when a caller asks for fewer). */
  concurrency: number;
}

function endpointLimit(concurrency: number): EndpointLimit {
  const queue = new PQueue({ concurrency });
  const limit = <T>(work: () => Promise<T>, priority: number = PRIORITY.NORMAL) => queue.add(() => work(), { priority }) as Promise<T>;
  return Object.defineProperty(limit, "concurrency", {
    get: () => queue.concurrency,
    set: (n: number) => (queue.concurrency = n),
  }) as EndpointLimit;
}

export class LimiterRegistry {
  readonly #limits = new Map<string, EndpointLimit>();

  /**
   * The limiter for an endpoint. If roles ask for different concurrency at the same
   * endpoint, the smallest wins: it is the only value every caller agreed is safe.
   */
  forEndpoint(endpoint: string, concurrency: number = DEFAULT_CONCURRENCY): EndpointLimit {
    const wanted = Math.max(1, Math.floor(concurrency));
    const existing = this.#limits.get(endpoint);
    if (existing) {
      if (wanted < existing.concurrency) existing.concurrency = wanted;
      return existing;
    }
    const limit = endpointLimit(wanted);
    this.#limits.set(endpoint, limit);
    return limit;
  }

  get size(): number {
    return this.#limits.size;
  }
}

/** The process-wide registry used unless a caller injects its own (tests, benches). */
export const defaultLimiters = new LimiterRegistry();
