/**
 * The status line `ieopt optimize` shows during its search: how many trials are done,
 * the best minibatch and full-validation scores so far (0–100), the phase and an ETA.
 */
import { estimateRemaining, formatDuration } from "./progress.ts";

export interface SearchStatus {
  /** Trials done (trials.jsonl's `number` + 1 of the latest). */
  done: number;
  total: number;
  /** Best minibatch and best full-validation score so far, 0–100. */
  bestMinibatch: number | undefined;
  bestFull: number | undefined;
  phase: string;
  /** Time left at the pace so far, ms. */
  etaMs: number | undefined;
  /** " (sim)" when the scores come from the sim. */
  tag: string;
}

export function formatSearchStatus(s: SearchStatus): string {
  const score = (x: number | undefined) => (x === undefined ? "–" : x.toFixed(2));
  return [
    `trials ${s.done}/${s.total}`,
    `best minibatch ${score(s.bestMinibatch)}`,
    `best full ${score(s.bestFull)}${s.tag}`,
    s.phase,
    s.etaMs === undefined ? "ETA –" : `ETA ${formatDuration(s.etaMs)}`,
  ].join(" · ");
}

/** Follows the search's events and gives the status line after each. */
export function searchTracker(total: number, tag: string, now: () => number = Date.now) {
  let phase = "starting";
  let bestMinibatch: number | undefined;
  let bestFull: number | undefined;
  let done = 0;
  let firstAt: { time: number; done: number } | undefined;
  let sawTrial = false;
  const line = () => {
    const eta = firstAt ? estimateRemaining(now() - firstAt.time, done - firstAt.done, total - firstAt.done) : undefined;
    return formatSearchStatus({ done, total, bestMinibatch, bestFull, phase, etaMs: eta, tag });
  };
  return {
    phase(name: string): string {
      phase = name;
      // The pace is measured from the search's start (bootstrap and proposals are not trials).
      if (name === "search" && !firstAt) firstAt = { time: now(), done };
      return line();
    },
    trial(number: number, score: number): string {
      // A resumed run replays its earlier trials silently: the pace counts only new ones.
      if (!sawTrial && firstAt && firstAt.done === 0) firstAt.done = number;
      sawTrial = true;
      done = Math.max(done, number + 1);
      bestMinibatch = Math.max(bestMinibatch ?? -Infinity, 100 * score);
      return line();
    },
    full(score: number): string {
      bestFull = Math.max(bestFull ?? -Infinity, 100 * score);
      return line();
    },
  };
}
