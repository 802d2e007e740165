/**
 * Retrying one LM call: exponential backoff with full jitter (AWS "full jitter": wait a
 * uniform random time in [0, min(cap, base·2^attempt)]), so many clients hit by the same
 * outage do not retry in lock-step. A server's Retry-After wins over the backoff (capped,
 * so a hostile or buggy header cannot park a run for hours).
 *
 * The randomness and the sleep are injectable: runs stay reproducible from their seed and
 * tests never wait for real.
 */
import { LMCallError } from "./types.ts";
import { CALLER_ABORT, classifyError, type Fault } from "./faults.ts";

export interface RetryPolicy {
  /** Retries after the first attempt (0 = one attempt only). */
  maxRetries: number;
  /** Backoff base; attempt k (0-based retry index) waits up to base·2^k. Default 500 ms. */
  baseDelayMs?: number;
  /** Cap on one backoff wait. Default 20 s. */
  maxDelayMs?: number;
  /** Cap on a server-requested Retry-After. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Uniform [0, 1) source for the jitter; pass a seeded `createRng(...).next`. */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  classify?: (err: unknown) => Fault;
  /** Names the call in error messages (endpoint + model); must not contain secrets. */
  label?: string;
  /** Removes secrets from any server-provided text before it goes into an error message. */
  redact?: (text: string) => string;
  /** Observability hook, e.g. for a progress line ("429, retrying in 2.1 s"). */
  onRetry?: (info: { attempt: number; fault: Fault; delayMs: number }) => void;
}

export const DEFAULT_BASE_DELAY_MS = 500;
export const DEFAULT_MAX_DELAY_MS = 20_000;
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

/** Resolves after ms, or rejects with an AbortError as soon as the signal fires. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new DOMException("aborted", "AbortError"));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason ?? new DOMException("aborted", "AbortError"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Full-jitter backoff for retry index `retry` (0 = first retry). */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * ceiling);
}

/** The wait before the next attempt: the server's Retry-After (capped) if it gave one, else backoff. */
export function retryDelay(fault: Fault, retry: number, policy: RetryPolicy): number {
  const maxRetryAfter = policy.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  if (fault.retryAfterMs !== undefined) return Math.min(fault.retryAfterMs, maxRetryAfter);
  return backoffDelay(
    retry,
    policy.baseDelayMs ?? DEFAULT_BASE_DELAY_MS,
    policy.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
    policy.random ?? Math.random,
  );
}

function finalError(fault: Fault, attempts: number, policy: RetryPolicy): LMCallError {
  const redact = policy.redact ?? ((s: string) => s);
  const where = policy.label ? `${policy.label}: ` : "";
  const what = fault.status !== undefined ? `${fault.kind} ${fault.status}` : fault.kind;
  const detail = redact(fault.detail).replace(/\s+/g, " ").slice(0, 300);
  const plural = attempts === 1 ? "attempt" : "attempts";
  return new LMCallError(`${where}${what} after ${attempts} ${plural}: ${detail}`, fault.kind, attempts, fault.status);
}

/**
 * Runs fn(attempt) until it succeeds, a non-retryable fault occurs, or the retries are
 * used up; then throws an LMCallError (kind, status, attempts). Caller aborts end it at once
 * with kind "aborted".
 */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  const classify = policy.classify ?? classifyError;
  const sleep = policy.sleep ?? abortableSleep;
  const maxAttempts = Math.max(0, Math.floor(policy.maxRetries)) + 1;
  for (let attempt = 1; ; attempt++) {
    if (policy.signal?.aborted) {
      throw finalError(CALLER_ABORT, attempt - 1, policy);
    }
    try {
      return await fn(attempt);
    } catch (err) {
      if (err instanceof LMCallError && err.kind === "budget") throw err;
      let fault = classify(err);
      if (policy.signal?.aborted) fault = CALLER_ABORT;
      if (!fault.retryable || attempt >= maxAttempts) throw finalError(fault, attempt, policy);
      const delayMs = retryDelay(fault, attempt - 1, policy);
      policy.onRetry?.({ attempt, fault, delayMs });
      try {
        await sleep(delayMs, policy.signal);
      } catch {
        throw finalError(CALLER_ABORT, attempt, policy);
      }
    }
  }
}
