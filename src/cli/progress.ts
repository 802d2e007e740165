/**
 * Progress on screen. On a terminal: a cli-progress bar for the LM calls of the current
 * phase, with the run's status (e.g. trial k/N, best so far, ETA) beside it. Otherwise (a
 * log file, nohup, SLURM, CI): plain phase lines, and a one-line progress report at most
 * every `everySeconds` (default 30; $IEOPT_PROGRESS_SECONDS) so a long job shows it is
 * alive without flooding the log.
 */
import cliProgress from "cli-progress";

export interface Progress {
  phase(name: string, detail?: string): void;
  update(done: number, total: number): void;
  /** The run's own status line (optimize: trial k/N, best so far, phase, ETA). */
  status(text: string): void;
  line(text: string): void;
  stop(): void;
}

export interface ProgressOptions {
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
  /** Non-terminal output: at most one progress line per this many seconds (0: every update). */
  everySeconds?: number;
  /** Clock, for the throttle and ETAs. */
  now?: () => number;
}

/** "1:05", "12:00:00": a duration for humans. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** Time left if the rest goes at the pace so far; undefined before anything is done. */
export function estimateRemaining(elapsedMs: number, done: number, total: number): number | undefined {
  if (done <= 0 || total <= 0) return undefined;
  return (elapsedMs / done) * Math.max(0, total - done);
}

function defaultEverySeconds(): number {
  const env = Number(process.env["IEOPT_PROGRESS_SECONDS"]);
  return Number.isFinite(env) && env >= 0 ? env : 30;
}

export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { phase() {}, update() {}, status() {}, line() {}, stop() {} };
  const interactive = Boolean(stream.isTTY) && !process.env["CI"];
  const now = options.now ?? Date.now;
  const everyMs = 1000 * (options.everySeconds ?? defaultEverySeconds());
  let bar: cliProgress.SingleBar | undefined;
  let label = "";
  let statusText = "";
  let phaseStart = now();
  let lastLine = Number.NEGATIVE_INFINITY;
  const stopBar = () => {
    bar?.stop();
    bar = undefined;
  };
  /** Non-terminal: one line now if the throttle allows (or `force`). */
  const report = (text: string, force = false) => {
    const t = now();
    if (!force && t - lastLine < everyMs) return;
    lastLine = t;
    stream.write(`  … ${text}\n`);
  };
  return {
    phase(name, detail) {
      stopBar();
      label = name;
      phaseStart = now();
      stream.write(`» ${name}${detail ? `: ${detail}` : ""}\n`);
    },
    update(done, total) {
      if (!interactive) {
        const eta = estimateRemaining(now() - phaseStart, done, total);
        report(`${label}: ${done}/${total} calls${eta === undefined ? "" : `, ETA ${formatDuration(eta)}`}${statusText ? ` | ${statusText}` : ""}`);
        return;
      }
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { stream, format: `  ${label} [{bar}] {value}/{total} {eta_formatted} {status}`, hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { status: statusText });
      }
      bar.setTotal(total);
      bar.update(done, { status: statusText });
      if (done >= total) stopBar();
    },
    status(text) {
      statusText = text;
      if (interactive) bar?.update({ status: text });
      else report(text);
    },
    line(text) {
      if (bar) stream.write("\n");
      stream.write(`${text}\n`);
    },
    stop: stopBar,
  };
}
