/**
 * Failure accounting of an optimization run, phase by phase: every LM call the run makes
 * (through the wrapped role models) is counted under the phase it happened in, failures
 * are reported as they happen, and a phase that could not do its job stops the run
 * before its result is committed to the run folder (so a resume redoes it).
 *
 * Rules (method-independent, see errors.ts for the exit codes):
 * - failed (exit 3): more than half of a phase's calls failed after their retries, or the
 *   proposer produced no instruction besides the default although more were asked for.
 * - degraded (exit 4): the run finished, but some phase lost at least DEGRADED_SHARE of
 *   its calls; results are written and the status says which phase.
 * Budget refusals and caller aborts are stops, not failures, and are not counted.
 *
 * Phases may overlap (the baseline evaluation runs while demos are bootstrapped): work run
 * through `within(phase, …)` counts its calls under that phase, whatever runs beside it,
 * as the phase travels with the work's async context. Calls outside any `within` count
 * under the phase last `enter`ed.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { CompleteOptions, LM, LMRequest, LMResponse } from "../src/lm/types.ts";
import { LMCallError } from "../src/lm/types.ts";
import { DEGRADED_SHARE, FAILED_SHARE, RunFailed } from "../src/errors.ts";

export interface PhaseCounts {
  phase: string;
  calls: number;
  failures: number;
  failures_by_kind: Record<string, number>;
  /** The last failure's message (already redacted by the client). */
  last_error?: string;
}

export interface HealthSummary {
  status: "finished" | "degraded";
  phases: PhaseCounts[];
  /** Why the run is degraded, one line per phase. */
  problems: string[];
}

export interface FailureNotice {
  phase: string;
  counts: Readonly<PhaseCounts>;
  error: string;
}

/** "12 of 40 calls failed (http ×12)" */
export function describeFailures(c: PhaseCounts): string {
  const kinds = Object.entries(c.failures_by_kind).map(([k, n]) => `${k} ×${n}`).join(", ");
  return `${c.failures} of ${c.calls} LM calls failed${kinds ? ` (${kinds})` : ""}`;
}

const isPowerOfTwo = (n: number) => (n & (n - 1)) === 0;

export class RunHealth {
  readonly #phases = new Map<string, PhaseCounts>();
  #current = "setup";
  readonly #context = new AsyncLocalStorage<string>();
  readonly #onFailure: ((notice: FailureNotice) => void) | undefined;

  constructor(options: { onFailure?: (notice: FailureNotice) => void } = {}) {
    this.#onFailure = options.onFailure;
  }

  /** The phase a call made here would count under. */
  get phase(): string {
    return this.#context.getStore() ?? this.#current;
  }

  /** Later calls outside `within` count under `phase`. */
  enter(phase: string): void {
    this.#current = phase;
    this.#counts(phase);
  }

  /**
   * Runs `work` with its LM calls counted under `phase`, also while other phases run
   * beside it. Phases are listed in the order they began, whichever made a call first.
   */
  within<T>(phase: string, work: () => Promise<T>): Promise<T> {
    this.#counts(phase);
    return this.#context.run(phase, work);
  }

  #counts(phase: string): PhaseCounts {
    let c = this.#phases.get(phase);
    if (!c) {
      c = { phase, calls: 0, failures: 0, failures_by_kind: Object.create(null) as Record<string, number> };
      this.#phases.set(phase, c);
    }
    return c;
  }

  /** The LM, with every call counted under the phase current when it started. */
  wrap(lm: LM): LM {
    return {
      id: lm.id,
      model: lm.model,
      complete: async (request: LMRequest, options?: CompleteOptions): Promise<LMResponse> => {
        const counts = this.#counts(this.phase);
        try {
          const response = await lm.complete(request, options);
          counts.calls++;
          return response;
        } catch (err) {
          const stop = err instanceof LMCallError && (err.kind === "budget" || err.kind === "aborted");
          if (!stop && !options?.signal?.aborted) {
            counts.calls++;
            counts.failures++;
            const kind = err instanceof LMCallError ? (err.status ? `${err.kind} ${err.status}` : err.kind) : "error";
            counts.failures_by_kind[kind] = (counts.failures_by_kind[kind] ?? 0) + 1;
            counts.last_error = err instanceof Error ? err.message : String(err);
            // 1st, 2nd, 4th, 8th … failure of a phase: visible at once without flooding.
            if (isPowerOfTwo(counts.failures)) this.#onFailure?.({ phase: counts.phase, counts: { ...counts }, error: counts.last_error });
          }
          throw err;
        }
      },
    };
  }

  counts(phase: string): Readonly<PhaseCounts> | undefined {
    const c = this.#phases.get(phase);
    return c ? { ...c } : undefined;
  }

  /** The counts of `phase` (default: the caller's) so far, to check one unit of work (a trial) later. */
  mark(phase: string = this.phase): Readonly<PhaseCounts> {
    return this.counts(phase) ?? { phase, calls: 0, failures: 0, failures_by_kind: {} };
  }

  /**
   * Throws RunFailed when `phase` could not do its job, over the whole phase or, given a
   * mark, over the unit of work since then; called before a result is written, so nothing
   * a failed phase produced is kept and a resume redoes it.
   */
  check(phase: string, since?: Readonly<PhaseCounts>): void {
    const c = this.#phases.get(phase);
    if (!c || c.failures === 0) return;
    const unit = since && since.phase === phase ? { ...c, calls: c.calls - since.calls, failures: c.failures - since.failures } : c;
    if (unit.failures > FAILED_SHARE * unit.calls || c.failures > FAILED_SHARE * c.calls) {
      throw new RunFailed(`${phase}: ${describeFailures(c)}${c.last_error ? `; last error: ${c.last_error}` : ""}`);
    }
  }

  summary(): HealthSummary {
    // A phase that made no call (e.g. bootstrap of a zero-shot run) is not listed.
    const phases = [...this.#phases.values()].filter((c) => c.calls > 0).map((c) => ({ ...c, failures_by_kind: { ...c.failures_by_kind } }));
    const problems = phases.filter((c) => c.failures > 0 && c.failures >= DEGRADED_SHARE * c.calls).map((c) => `${c.phase}: ${describeFailures(c)}`);
    return { status: problems.length > 0 ? "degraded" : "finished", phases, problems };
  }
}
