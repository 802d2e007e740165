/**
 * `ieopt score --gold G --pred P [--json]`: LF1 and exact F1 of a prediction file against
 * gold samples. The work lives in src/eval/score-files.ts, imported only when the command
 * runs, so `score --help` starts instantly.
 */
import { collectFlag, PROGRAM_FLAG_HELP } from "../flags.ts";
import type { Command } from "commander";

export function register(program: Command): void {
  program
    .command("score")
    .description("Score predictions against gold samples with LF1 and exact F1 (0-100, per instance)")
    .requiredOption("--gold <file>", "gold samples (JSONL, the sample format)")
    .requiredOption("--pred <file>", 'predictions (JSONL: {"id","output"} or {"id","records"} per line)')
    .option("--json", "print one JSON object instead of a table")
    .option("--program <file>", PROGRAM_FLAG_HELP, collectFlag)
    .action(async (opts: { gold: string; pred: string; json?: boolean; program?: string[] }) => {
      if (opts.program) {
        const { loadProgramFile } = await import("../plugins.ts");
        for (const file of opts.program) await loadProgramFile(file);
      }
      const { scoreFiles, scoreJson, formatScoreTable } = await import("../../eval/score-files.ts");
      const files = { gold: opts.gold, pred: opts.pred };
      const report = await scoreFiles(files);
      process.stdout.write(opts.json ? JSON.stringify(scoreJson(report, files), null, 2) + "\n" : formatScoreTable(report, files));
    });
}
