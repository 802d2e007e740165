import type { Command } from "commander";
import { RunFolder, listRuns, DEFAULT_RUNS_DIR } from "../../runs/run-folder.ts";

export function register(program: Command): void {
  const runs = program.command("runs").description("list and inspect run folders");
  runs
    .command("list")
    .description("one line per run: id, state, task, optimizer, best validation score")
    .option("--runs-dir <dir>", "where run folders are", DEFAULT_RUNS_DIR)
    .option("--json", "print JSON")
    .action((flags: { runsDir: string; json?: boolean }) => {
      const all = listRuns(flags.runsDir);
      if (flags.json) return void process.stdout.write(JSON.stringify(all, null, 2) + "\n");
      if (all.length === 0) return void process.stdout.write(`no runs in ${flags.runsDir}\n`);
      for (const r of all) {
        const best = r.best === undefined ? "-" : (100 * r.best).toFixed(2);
        process.stdout.write(`${r.id}\t${r.state}\t${r.task ?? "?"}\t${r.optimizer ?? "?"}\tval ${best}\n`);
      }
    });
  runs
    .command("show <run>")
    .description("print a run's report (or its status when it has none yet)")
    .option("--runs-dir <dir>", "where run folders are", DEFAULT_RUNS_DIR)
    .action((id: string, flags: { runsDir: string }) => {
      const run = RunFolder.open(flags.runsDir, id);
      if (run.has("report.md")) process.stdout.write(run.readText("report.md"));
      else process.stdout.write(`run ${run.id}: ${JSON.stringify(run.status() ?? { state: "unknown" })}\n`);
    });
}
