import type { Command } from "commander";
import { Option } from "commander";
import { UserInputError } from "../../errors.ts";
import { RunFolder, DEFAULT_RUNS_DIR } from "../../runs/run-folder.ts";
import { loadFrozenPrompt } from "../../runs/frozen.ts";
import { writeFileAtomic } from "../../util/fs.ts";

/** Exporters by format: each turns a run's validated frozen prompt into file text. */
export const EXPORTERS: Record<string, (frozenPath: string, options: { data?: string }) => string> = {
  frozen: (frozenPath) => JSON.stringify(loadFrozenPrompt(frozenPath), null, 2) + "\n",
};

export function register(program: Command): void {
  program
    .command("export")
    .description("export a run's frozen prompt (the ieopt format, or for other tools)")
    .requiredOption("--run <run>", "run id or folder")
    .addOption(new Option("--format <format>", "output format").choices(["frozen", "promptfoo"]).default("frozen"))
    .option("--out <file>", "write here instead of standard output")
    .option("--data <file>", "test samples for the exported config (promptfoo)")
    .option("--runs-dir <dir>", "where run folders are", DEFAULT_RUNS_DIR)
    .action((flags: { run: string; format: string; out?: string; data?: string; runsDir: string }) => {
      const run = RunFolder.open(flags.runsDir, flags.run);
      if (!run.has("frozen.json")) throw new UserInputError(`run ${run.id} has no frozen prompt yet (state: ${run.status()?.state ?? "unknown"}); resume it first`);
      const exporter = EXPORTERS[flags.format];
      if (!exporter) throw new UserInputError(`the ${flags.format} exporter is not available`);
      const text = exporter(run.path("frozen.json"), { data: flags.data });
      if (flags.out) writeFileAtomic(flags.out, text);
      else process.stdout.write(text);
    });
}
