/**
 * The `ieopt` command. Each subcommand lives in its own file under commands/ and exports
 * `register(program)`. Exit codes: the EXIT table of errors.ts (library errors map to it
 * here; a command that finished degraded sets process.exitCode itself).
 */
import { Command, CommanderError } from "commander";
import { UserInputError, RunStopped, RunFailed, EXIT } from "../errors.ts";
import { register as registerData } from "./commands/data.ts";
import { register as registerScore } from "./commands/score.ts";
import { register as registerSim } from "./commands/sim.ts";
import { register as registerOptimize } from "./commands/optimize.ts";
import { register as registerEval } from "./commands/eval.ts";
import { register as registerExport } from "./commands/export.ts";
import { register as registerRuns } from "./commands/runs.ts";
import { register as registerDemo } from "./commands/demo.ts";

export function buildProgram(): Command {
  const program = new Command("ieopt")
    .description("Optimize and evaluate LLM prompts for multilingual information extraction")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  for (const register of [
    registerDemo,
    registerData,
    registerScore,
    registerOptimize,
    registerEval,
    registerExport,
    registerRuns,
    registerSim,
  ]) {
    register(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" to commander; usage errors are bad input.
      if (err.exitCode === 0) return EXIT.ok;
      return EXIT.badInput;
    }
    if (err instanceof UserInputError) {
      process.stderr.write(`ieopt: error: ${err.message}\n`);
      return EXIT.badInput;
    }
    if (err instanceof RunStopped) {
      process.stderr.write(`ieopt: ${err.message}\n`);
      return err.reason === "budget" ? EXIT.budget : EXIT.interrupted;
    }
    if (err instanceof RunFailed) {
      process.stderr.write(`ieopt: failed: ${err.message}\n`);
      return EXIT.failed;
    }
    // A bug: the message, and the stack only when asked for (IEOPT_DEBUG=1).
    const detail = err instanceof Error ? (process.env["IEOPT_DEBUG"] ? (err.stack ?? err.message) : err.message) : String(err);
    process.stderr.write(`ieopt: internal error (a bug in ieopt; please report it${process.env["IEOPT_DEBUG"] ? "" : ", with IEOPT_DEBUG=1 for the stack trace"}): ${detail}\n`);
    return EXIT.internal;
  }
}
