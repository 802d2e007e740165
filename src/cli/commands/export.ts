import type { Command } from "commander";
import { Option } from "commander";
import { UserInputError } from "../../errors.ts";
import { checkOutputFile } from "../paths.ts";
import { RunFolder, DEFAULT_RUNS_DIR } from "../../runs/run-folder.ts";
import { parseFrozenPrompt, readFrozenJson } from "../../runs/frozen.ts";
import { isRoutingFile, parseRouting } from "../../pipelines/routing.ts";
import { writeFileAtomic } from "../../util/fs.ts";
import { exportPromptfoo } from "../../export/promptfoo.ts";

export type Exporter = (frozenPath: string, options: { data?: string | undefined }) => string | Promise<string>;

/** Exporters by format: each turns a validated frozen prompt or frozen routing file into file text. */
export const EXPORTERS = {
  frozen: (frozenPath: string, _options: { data?: string | undefined }): string => {
    const value = readFrozenJson(frozenPath);
    return JSON.stringify(isRoutingFile(value) ? parseRouting(value, frozenPath) : parseFrozenPrompt(value, frozenPath), null, 2) + "\n";
  },
  promptfoo: exportPromptfoo,
} satisfies Record<string, Exporter>;

/** The file to export: a run's frozen.json (--run), or a frozen prompt or routing file (--prompt). */
function sourceFile(flags: { run?: string; prompt?: string; runsDir: string }): string {
  if (flags.run !== undefined && flags.prompt !== undefined) throw new UserInputError("give either --run RUN or --prompt FILE, not both");
  if (flags.prompt !== undefined) return flags.prompt;
  if (flags.run === undefined) throw new UserInputError("say what to export: --run RUN (a run's frozen prompt) or --prompt FILE (a frozen prompt or frozen routing file)");
  const run = RunFolder.open(flags.runsDir, flags.run);
  if (!run.has("frozen.json")) throw new UserInputError(`run ${run.id} has no frozen prompt yet (state: ${run.status()?.state ?? "unknown"}); resume it first`);
  return run.path("frozen.json");
}

export function register(program: Command): void {
  program
    .command("export")
    .description("export a frozen prompt or frozen routing (the ieopt format, or for other tools)")
    .option("--run <run>", "run id or folder: export its frozen prompt")
    .option("--prompt <file>", "a frozen prompt file (ieopt.frozen-prompt/v1) or frozen routing file (ieopt.frozen-routing/v1, from eval --freeze-routing)")
    .addOption(new Option("--format <format>", "output format").choices(["frozen", "promptfoo"]).default("frozen"))
    .option("--out <file>", "write here instead of standard output")
    .option("--data <file>", "test samples for the exported config (promptfoo)")
    .option("--runs-dir <dir>", "where run folders are", DEFAULT_RUNS_DIR)
    .action(async (flags: { run?: string; prompt?: string; format: string; out?: string; data?: string; runsDir: string }) => {
      if (flags.out) checkOutputFile(flags.out, "--out");
      const file = sourceFile(flags);
      const exporter: Exporter | undefined = (EXPORTERS as Record<string, Exporter>)[flags.format];
      if (!exporter) throw new UserInputError(`the ${flags.format} exporter is not available`);
      const text = await exporter(file, { data: flags.data });
      if (flags.out) writeFileAtomic(flags.out, text);
      else process.stdout.write(text);
    });
}
