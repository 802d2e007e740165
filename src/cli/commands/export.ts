import type { Command } from "commander";
import { Option } from "commander";
import { UserInputError } from "../../errors.ts";
import { checkOutputFile } from "../paths.ts";
import { RunFolder, DEFAULT_RUNS_DIR } from "../../runs/run-folder.ts";
import { loadFrozenPrompt } from "../../runs/frozen.ts";
import { writeFileAtomic } from "../../util/fs.ts";
import { exportPromptfoo } from "../../export/promptfoo.ts";

export type Exporter = (frozenPath: string, options: { data?: string | undefined }) => string | Promise<string>;

/** Exporters by format: each turns a run's validated frozen prompt into file text. */
export const EXPORTERS = {
  frozen: (frozenPath: string, _options: { data?: string | undefined }): string => JSON.stringify(loadFrozenPrompt(frozenPath), null, 2) + "\n",
  promptfoo: exportPromptfoo,
} satisfies Record<string, Exporter>;

export function register(program: Command): void {
  program
    .command("export")
    .description("export a run's frozen prompt (the ieopt format, or for other tools)")
    .requiredOption("--run <run>", "run id or folder")
    .addOption(new Option("--format <format>", "output format").choices(["frozen", "promptfoo"]).default("frozen"))
    .option("--out <file>", "write here instead of standard output")
    .option("--data <file>", "test samples for the exported config (promptfoo)")
    .option("--runs-dir <dir>", "where run folders are", DEFAULT_RUNS_DIR)
    .action(async (flags: { run: string; format: string; out?: string; data?: string; runsDir: string }) => {
      if (flags.out) checkOutputFile(flags.out, "--out");
      const run = RunFolder.open(flags.runsDir, flags.run);
      if (!run.has("frozen.json")) throw new UserInputError(`run ${run.id} has no frozen prompt yet (state: ${run.status()?.state ?? "unknown"}); resume it first`);
      const exporter: Exporter | undefined = (EXPORTERS as Record<string, Exporter>)[flags.format];
      if (!exporter) throw new UserInputError(`the ${flags.format} exporter is not available`);
      const text = await exporter(run.path("frozen.json"), { data: flags.data });
      if (flags.out) writeFileAtomic(flags.out, text);
      else process.stdout.write(text);
    });
}
