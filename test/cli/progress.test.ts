/**
 * Progress a person can follow: the search status line (trials k/N, best minibatch and
 * full scores, phase, ETA), and periodic one-line progress when output is not a terminal,
 * for optimize and eval through the real CLI (every update with IEOPT_PROGRESS_SECONDS=0).
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLES, ieopt } from "../eval-cli/helpers.ts";
import { createProgress, estimateRemaining, formatDuration } from "../../src/cli/progress.ts";
import { formatSearchStatus, searchTracker } from "../../src/cli/search-status.ts";

const work = mkdtempSync(join(tmpdir(), "ieopt-progress-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("progress arithmetic", () => {
  it("formats durations and estimates the time left at the pace so far", () => {
    expect(formatDuration(65_000)).toBe("1:05");
    expect(formatDuration(3_600_000 * 2 + 61_000)).toBe("2:01:01");
    expect(estimateRemaining(30_000, 3, 10)).toBe(70_000);
    expect(estimateRemaining(1_000, 0, 10)).toBeUndefined();
  });

  it("the search tracker counts trials, keeps the best scores (0-100) and times only the search", () => {
    let t = 0;
    const tracker = searchTracker(10, " (sim)", () => t);
    t = 5_000;
    tracker.phase("bootstrap");
    t = 20_000;
    expect(tracker.phase("search")).toBe("trials 0/10 · best minibatch – · best full – (sim) · search · ETA –");
    t = 30_000;
    tracker.trial(0, 0.5);
    t = 40_000;
    tracker.trial(1, 0.25);
    expect(tracker.full(0.6)).toBe("trials 2/10 · best minibatch 50.00 · best full 60.00 (sim) · search · ETA 1:20");
  });

  it("a resumed search times only its new trials", () => {
    let t = 0;
    const tracker = searchTracker(10, "", () => t);
    tracker.phase("search");
    t = 10_000;
    // Trials 0–5 were replayed from the log; trial 6 is the first new one.
    expect(tracker.trial(6, 0.1)).toContain("trials 7/10");
    expect(formatSearchStatus({ done: 7, total: 10, bestMinibatch: 10, bestFull: undefined, phase: "search", etaMs: 30_000, tag: "" })).toContain("ETA 0:30");
    expect(tracker.trial(6, 0.1)).toContain("ETA 0:30");
  });

  it("off a terminal, prints at most one line per interval", () => {
    let t = 0;
    let text = "";
    const stream = { isTTY: false, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
    const p = createProgress({ stream, everySeconds: 30, now: () => t });
    p.phase("search");
    p.update(1, 10);
    t = 10_000;
    p.update(2, 10);
    t = 31_000;
    p.update(3, 10);
    expect(text.split("\n").filter((l) => l.startsWith("  … "))).toEqual(["  … search: 1/10 calls, ETA 0:00", "  … search: 3/10 calls, ETA 1:12"]);
  });
});

describe("non-terminal progress through the CLI", () => {
  it("optimize reports trials k/N, best so far and ETA; eval reports calls done", async () => {
    const before = process.env["IEOPT_PROGRESS_SECONDS"];
    process.env["IEOPT_PROGRESS_SECONDS"] = "0";
    try {
      const SF = join(EXAMPLES, "sf");
      const opt = await ieopt("optimize", "--task", "SF", "--train", join(SF, "train.jsonl"), "--val", join(SF, "dev.jsonl"), "--trials", "3", "--minibatch", "8",
        "--full-eval-every", "3", "--demo-sets", "2", "--instructions", "2", "--runs-dir", join(work, "runs"));
      expect(opt.code, opt.stderr).toBe(0);
      expect(opt.stderr).toMatch(/… trials 2\/3 · best minibatch [\d.]+ · best full – \(sim\) · search · ETA \d+:\d\d/);
      // The noise-aware rule fully evaluates after the last trial, in its final race (docs/selection.md).
      expect(opt.stderr).toMatch(/» final selection: the best combination on all \d+ samples/);
      expect(opt.stderr).toMatch(/… trials 3\/3 · best minibatch [\d.]+ · best full [\d.]+ \(sim\) · final selection · ETA \d+:\d\d/);
      expect(opt.stderr).toMatch(/… search: \d+\/8 calls/);
      const ev = await ieopt("eval", "--prompt", "default:SF", "--data", join(SF, "test.jsonl"), "--out", join(work, "ev"));
      expect(ev.code, ev.stderr).toBe(0);
      expect(ev.stderr).toMatch(/… .*: 56\/56 calls/);
    } finally {
      if (before === undefined) delete process.env["IEOPT_PROGRESS_SECONDS"];
      else process.env["IEOPT_PROGRESS_SECONDS"] = before;
    }
  });
});
