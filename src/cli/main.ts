/**
 * The `ieopt` command. Each subcommand lives in its own file under commands/ and exports
 * `register(program)`. Exit codes: the EXIT table of errors.ts (library errors map to it
 * here; a command that finished degraded sets process.exitCode itself).
 *
 * Start-up is lazy: only the subcommand named on the command line is imported (and a
 * subcommand imports its heavy parts inside its action), so `--help`, `--version` and
 * `score` never load the LM stack. Without a subcommand, the command list comes from
 * COMMANDS below; a test checks it matches the registered commands' help.
 */
import { Command, CommanderError, Help } from "commander";

interface CommandEntry {
  name: string;
  /** How the top-level help lists it (name, "[options]", arguments). */
  term: string;
  summary: string;
  load: () => Promise<{ register: (program: Command) => void }>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "demo",
    term: "demo [options]",
    summary: "offline end-to-end run: optimize a task on examples/ with the sim model, then compare default vs optimized prompts",
    load: () => import("./commands/demo.ts"),
  },
  {
    name: "data",
    term: "data",
    summary: "Import, validate, describe and prepare data files (JSONL samples)",
    load: () => import("./commands/data.ts"),
  },
  {
    name: "score",
    term: "score [options]",
    summary: "Score predictions against gold samples with LF1 and exact F1 (0-100, per instance)",
    load: () => import("./commands/score.ts"),
  },
  {
    name: "optimize",
    term: "optimize [options]",
    summary: "optimize a task's prompt (instruction × demos) with MIPRO: bootstrap, propose, TPE search",
    load: () => import("./commands/optimize.ts"),
  },
  {
    name: "eval",
    term: "eval [options]",
    summary: "evaluate prompts × models on test data across languages and datasets; write JSON, CSV, Markdown and HTML reports",
    load: () => import("./commands/eval.ts"),
  },
  {
    name: "predict",
    term: "predict [options]",
    summary: "extract records from unlabeled text with a frozen prompt: one JSONL line of records per instance (resumable)",
    load: () => import("./commands/predict.ts"),
  },
  {
    name: "export",
    term: "export [options]",
    summary: "export a frozen prompt or frozen routing (the ieopt format, or for other tools)",
    load: () => import("./commands/export.ts"),
  },
  {
    name: "guidelines",
    term: "guidelines",
    summary: "induce type descriptions (annotation guidelines) with the prompt teacher, and apply them to data",
    load: () => import("./commands/guidelines.ts"),
  },
  { name: "runs", term: "runs", summary: "list and inspect run folders", load: () => import("./commands/runs.ts") },
  {
    name: "sim",
    term: "sim",
    summary: "the offline sim model (a stand-in LLM for demos, dry runs and tests; its scores are not real LLM results)",
    load: () => import("./commands/sim.ts"),
  },
];

/** The subcommand an argument vector names (`ieopt <name> …` or `ieopt help <name>`), if any. */
export function commandNamed(argv: readonly string[]): CommandEntry | undefined {
  const operands = argv.slice(2).filter((a) => !a.startsWith("-"));
  const name = operands[0] === "help" ? operands[1] : operands[0];
  return COMMANDS.find((c) => c.name === name);
}

/**
 * The program for `argv`: only the named subcommand is loaded; with none named, the
 * command list is listed from COMMANDS without loading any. Without `argv`, every
 * subcommand is loaded (tests and tools that want the whole tree).
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command("ieopt")
    .description("Optimize and evaluate LLM prompts for multilingual information extraction")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  if (argv === undefined) {
    for (const entry of COMMANDS) (await entry.load()).register(program);
    return program;
  }
  const named = commandNamed(argv);
  if (named !== undefined) {
    (await named.load()).register(program);
    return program;
  }
  for (const entry of COMMANDS) program.command(entry.name).description(entry.summary);
  const terms = new Map(COMMANDS.map((c) => [c.name, c.term]));
  const help = new Help();
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? help.subcommandTerm(cmd) });
  return program;
}

/**
 * A reader that stops reading (`ieopt score … | head`) closes the pipe: the rest of the
 * output has nowhere to go, which is no reason to crash (nor to stop the work).
 */
function dropOutputOnClosedPipe(err: NodeJS.ErrnoException): void {
  if (err.code !== "EPIPE") throw err;
  process.stdout.write = () => true;
}

/**
 * Long runs keep V8's heap near their live data with --heap-growing-percent=30 (bench/eval's
 * 400k samples: 459 MB peak instead of 990 MB). Set here, at run time, not in the launcher's
 * shebang: on the command line that flag makes Node reject its built-in code cache, which
 * cost every start ~12 ms of CPU (a third of `ieopt --help`). `score` keeps V8's default
 * growth: it streams, and the bound only bought it extra full collections (~12% of its CPU).
 */
function boundHeapGrowth(command: CommandEntry | undefined): void {
  if (command === undefined || command.name === "score") return;
  process.getBuiltinModule("node:v8").setFlagsFromString("--heap-growing-percent=30");
}

export async function main(argv: string[]): Promise<number> {
  if (process.stdout.listenerCount("error") === 0) process.stdout.on("error", dropOutputOnClosedPipe);
  try {
    const program = await buildProgram(argv);
    boundHeapGrowth(commandNamed(argv));
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    // Imported here: a command that succeeds never needs the error classes at start-up.
    const { UserInputError, RunStopped, RunFailed, EXIT } = await import("../errors.ts");
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
    // A path the OS refused (a file in the way, no permission...) is bad input, not a bug.
    const { describeFsError } = await import("./paths.ts");
    const fsProblem = describeFsError(err);
    if (fsProblem !== undefined) {
      process.stderr.write(`ieopt: error: ${fsProblem}\n`);
      return EXIT.badInput;
    }
    // A bug: the message, and the stack only when asked for (IEOPT_DEBUG=1).
    const detail = err instanceof Error ? (process.env["IEOPT_DEBUG"] ? (err.stack ?? err.message) : err.message) : String(err);
    process.stderr.write(`ieopt: internal error (a bug in ieopt; please report it${process.env["IEOPT_DEBUG"] ? "" : ", with IEOPT_DEBUG=1 for the stack trace"}): ${detail}\n`);
    return EXIT.internal;
  }
}
