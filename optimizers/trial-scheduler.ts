/**
 * Parallel trials with results that do not depend on timing.
 *
 * Up to `parallel` trials are in flight. Trial k is started (its parameters asked) only once
 * trial k − parallel has finished (been told), and trials finish in number order, whatever
 * order their work completes in. So every ask sees the same told and running trials in
 * every run with the same seed and parallelism, and a resumed run that replays its log
 * reaches each ask in the same state as the uninterrupted run.
 *
 * A slot whose trial completed early waits for the earlier trials to finish; with a shared
 * request limiter the other trials in flight keep the endpoint busy meanwhile.
 */
export interface TrialSchedule<R> {
  /** Trial numbers first … first + count − 1. */
  first: number;
  count: number;
  parallel: number;
  /**
   * Starts trial `number`; whatever must happen in number order (the ask) must happen
   * before its first await. `signal` aborts when another trial failed.
   */
  start(number: number, signal: AbortSignal): Promise<R>;
  /** Finishes a trial (tell, log, full evaluation …); called in number order, one at a time. */
  finish(number: number, result: R): Promise<void> | void;
}

/**
 * The default parallelism: enough minibatches in flight to fill `concurrency` slots twice,
 * plus one. Trials finish in order, and one whose combination was tried before predicts
 * only the samples not yet scored, so with just enough to fill the slots once they empty
 * while the oldest trial finishes (bench/optimize: 3 → 4 trials at concurrency 32 took the
 * search from ~27 to ~31 of 32 requests in flight; sim). At the default concurrency 8 it is 2.
 */
export function defaultParallelTrials(concurrency: number, minibatch: number): number {
  return Math.ceil((2 * Math.max(1, concurrency)) / Math.max(1, minibatch)) + 1;
}

export async function runTrialsInOrder<R>(schedule: TrialSchedule<R>): Promise<void> {
  const end = schedule.first + schedule.count;
  const parallel = Math.max(1, Math.floor(schedule.parallel));
  const abort = new AbortController();
  const inFlight = new Map<number, Promise<R>>();
  let next = schedule.first;
  const launch = () => {
    const number = next++;
    const work = schedule.start(number, abort.signal);
    work.catch(() => {}); // observed when its turn comes, or settled on the way out
    inFlight.set(number, work);
  };
  try {
    while (next < end && next < schedule.first + parallel) launch();
    for (let number = schedule.first; number < end; number++) {
      const result = await inFlight.get(number)!;
      inFlight.delete(number);
      await schedule.finish(number, result);
      if (next < end) launch();
    }
  } catch (err) {
    // Stop the other trials and let them settle, so nothing runs on after the error.
    abort.abort();
    await Promise.allSettled(inFlight.values());
    throw err;
  }
}
