/**
 * Progress on screen: a cli-progress bar for the LM calls of the current phase when
 * stderr is a terminal, plain phase lines otherwise (CI logs stay readable).
 */
import cliProgress from "cli-progress";

export interface Progress {
  phase(name: string, detail?: string): void;
  update(done: number, total: number): void;
  line(text: string): void;
  stop(): void;
}

export function createProgress(options: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { phase() {}, update() {}, line() {}, stop() {} };
  const interactive = Boolean(stream.isTTY) && !process.env["CI"];
  let bar: cliProgress.SingleBar | undefined;
  let label = "";
  const stopBar = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    phase(name, detail) {
      stopBar();
      label = name;
      stream.write(`» ${name}${detail ? `: ${detail}` : ""}\n`);
    },
    update(done, total) {
      if (!interactive) return;
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { stream, format: `  ${label} [{bar}] {value}/{total} {eta_formatted}`, hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0);
      }
      bar.setTotal(total);
      bar.update(done);
      if (done >= total) stopBar();
    },
    line(text) {
      if (bar) stream.write("\n");
      stream.write(`${text}\n`);
    },
    stop: stopBar,
  };
}
