import type { Command } from "commander";
import { RunFolder, listRuns, DEFAULT_RUNS_DIR } from "../../runs/run-folder.ts";
import { renderTable } from "../../report/table.ts";

export function register(program: Command): void {
  const runs = program.command("runs").description("list and inspect run folders");
  runs
    .command("list")
    .description("one line per run: started, id, status, task, model, optimizer, the frozen prompt's validation score (search metric, per-sample mean, 0-100; sim marked)")
    .option("--runs-dir <dir>", "where run folders are", DEFAULT_RUNS_DIR)
    .option("--json", "print JSON (val_score on the 0-100 scale; simulated: true for sim models)")
    .action(async (flags: { runsDir: string; json?: boolean }) => {
      const { simProfile } = await import("../../../sim/index.ts");
      const all = listRuns(flags.runsDir).map((r) => ({ ...r, simulated: r.model !== undefined && simProfile(r.model) !== undefined }));
      if (flags.json) return void process.stdout.write(JSON.stringify(all, null, 2) + "\n");
      if (all.length === 0) return void process.stdout.write(`no runs in ${flags.runsDir}\n`);
      const rows = all.map((r) => [
        r.created_at.slice(0, 16).replace("T", " "),
        r.id,
        r.state,
        r.task ?? "?",
        r.model ?? "?",
        r.optimizer ?? "?",
        r.val_score === undefined ? "-" : `${r.val_score.toFixed(2)}${r.simulated ? " (sim)" : ""}`,
      ]);
      process.stdout.write(renderTable(["started (UTC)", "run", "status", "task", "model", "optimizer", "val, per-sample mean (0-100)"], rows) + "\n");
      if (all.some((r) => r.simulated)) process.stdout.write("(sim): the offline sim model, not an LLM result\n");
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
