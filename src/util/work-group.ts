/**
 * Work that runs side by side and stops together. Every task gets the group's signal,
 * which aborts when the caller's signal does or when any task fails, so one failure stops
 * the rest at once instead of when they are next awaited. `failed(err)` stops the group,
 * waits until every task has settled (nothing runs on after a failure) and gives the
 * error to report: the first failure, not the stops it caused in the others.
 *
 * `stopsOthers` exempts errors that should let the others run on (e.g. a budget stop: the
 * others' calls in flight are paid for anyway, and their next call meets the same budget).
 */
export class WorkGroup {
  readonly signal: AbortSignal;
  readonly #stop = new AbortController();
  readonly #running = new Set<Promise<unknown>>();
  readonly #stopsOthers: (err: unknown) => boolean;
  #first: { error: unknown } | undefined;

  constructor(parent?: AbortSignal, options: { stopsOthers?: (err: unknown) => boolean } = {}) {
    this.signal = parent ? AbortSignal.any([parent, this.#stop.signal]) : this.#stop.signal;
    this.#stopsOthers = options.stopsOthers ?? (() => true);
  }

  /** Starts `work` in the group; its promise is returned as is (a rejection is also seen by the group). */
  start<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const task = work(this.signal);
    this.#running.add(task);
    task.then(
      () => this.#running.delete(task),
      (err: unknown) => {
        this.#running.delete(task);
        this.#fail(err);
      },
    );
    return task;
  }

  #fail(err: unknown): void {
    this.#first ??= { error: err };
    if (this.#stopsOthers(err)) this.#stop.abort();
  }

  /** Stops the group because of `err`, waits for its tasks, and returns the error to throw. */
  async failed(err: unknown): Promise<unknown> {
    this.#fail(err);
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
    return this.#first!.error;
  }
}
