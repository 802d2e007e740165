/**
 * `ieopt predict`: a frozen prompt (or default:<task>) on unlabeled text, records per
 * instance as JSONL (src/eval/predict.ts has the file layout and the resume rule).
 *
 *   ieopt predict --prompt runs/<id>/frozen.json --data mine.jsonl --model M --out records.jsonl
 */
import { resolve } from "node:path";
import { Command } from "commander";
import { UserInputError, RunStopped } from "../../errors.ts";
import { buildRoleModels, type ModelFlags } from "../../lm/roles.ts";
import { endpointBaseURL } from "../../lm/factory.ts";
import { simModels, simProfile } from "../../../sim/index.ts";
import { normalizeBaseURL } from "../../lm/endpoint.ts";
import { DEFAULT_RUNS_DIR } from "../../runs/run-folder.ts";
import { promptFingerprint, resolvePrompt } from "../../eval/prompt-source.ts";
import { PREDICT_FORMAT, runPredict, scanUnlabeled, streamUnlabeledQueries } from "../../eval/predict.ts";
import { buildRequest } from "../../eval/runner.ts";
import { addModelOptions } from "../models.ts";
import { createProgress } from "../progress.ts";
import { withInterrupt } from "../interrupt.ts";
import { checkOutputFile } from "../paths.ts";
import { lockFile } from "../../runs/lock.ts";
import { addConfigOption } from "../config-file.ts";
import { addRequest, announcePlan, checkEndpoints, emptyEstimate, plannedThoughtModel } from "../plan.ts";
import "../../../optimizers/default-cot.ts"; // registers the default-cot prompt kind
import { positiveIntFlag } from "../flags.ts";

interface PredictFlags extends ModelFlags {
  prompt?: string;
  data?: string[];
  out?: string;
  batchSplitNum: string;
  fresh?: boolean;
  runsDir: string;
  json?: boolean;
  quiet?: boolean;
  dryRun?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command("predict")
    .description("extract records from unlabeled text with a frozen prompt: one JSONL line of records per instance (resumable)")
    .option("--prompt <spec>", "a frozen prompt file, run folder or run id, or default:<task>")
    .option("--data <files...>", "unlabeled JSONL files: {id, text, schema} per line (lang, task, dataset, schema_descriptions optional)")
    .option("--out <file>", "JSONL file of {id, records} per instance; rerunning the command resumes it");
  addModelOptions(cmd, { roles: ["inference", "thought"] });
  addConfigOption(cmd);
  cmd
    .option("--batch-split-num <n>", "schema items per query; longer schemas are asked in batches and merged back", "6")
    .option("--fresh", "ignore an earlier --out (moved aside) instead of resuming it")
    .option("--runs-dir <dir>", "where run ids are looked up", DEFAULT_RUNS_DIR)
    .option("--dry-run", "check the endpoint, print the plan (calls, tokens, cost) and stop without calling the model")
    .option("--json", "print the summary (or the --dry-run plan) as JSON on standard output")
    .option("--quiet", "no progress output")
    .action(async (flags: PredictFlags) => {
      await runPredictCommand(flags);
    });
}

async function runPredictCommand(flags: PredictFlags): Promise<void> {
  if (!flags.prompt) throw new UserInputError("give the prompt with --prompt (a frozen prompt file, a run id, or default:<task>)");
  if (!flags.data || flags.data.length === 0) throw new UserInputError("give the unlabeled data with --data FILE...");
  if (!flags.out) throw new UserInputError("give the output file with --out FILE (JSONL, one line of records per instance)");
  const splitNum = positiveIntFlag(flags.batchSplitNum, "--batch-split-num");
  const concurrency = positiveIntFlag(flags.concurrency ?? "8", "--concurrency");
  const out = flags.out;
  if (flags.data.some((f) => resolve(f) === resolve(out))) throw new UserInputError(`--out ${out} is also a --data file; write the records elsewhere`);
  checkOutputFile(out, "--out");

  const roles = buildRoleModels(flags, { local: simModels });
  const checks = await checkEndpoints({ flags, roles: flags.prompt.startsWith("default-cot:") ? ["inference", "thought"] : ["inference"], dryRun: flags.dryRun });
  // A dry run builds a default-cot prompt with a stand-in Θ that only counts what it would ask.
  const thoughts = plannedThoughtModel(roles.describe()["thought"]?.model ?? flags.model);
  const resolved = await resolvePrompt(flags.prompt, { runsDir: flags.runsDir, thoughtLM: () => (flags.dryRun ? thoughts.lm : roles.thought) });
  const index = await scanUnlabeled(flags.data, resolved.task, splitNum);
  const simulated = simProfile(flags.model) !== undefined;
  const tag = simulated ? " (sim)" : "";

  const estimate = emptyEstimate("θ predictions", flags.model);
  for await (const { sample } of streamUnlabeledQueries(index.files, index.task, splitNum)) addRequest(estimate, buildRequest(resolved.prompt, sample));
  const plan = {
    command: "predict",
    details: [
      `prompt ${resolved.name} (${resolved.task}), ${index.instances.size} instances, ${index.totalQueries} queries (split_num ${splitNum}) → ${out}`,
      "an earlier --out of the same prompt and model is resumed: its finished instances are not asked again",
    ],
    estimates: thoughts.estimate.calls > 0 ? [thoughts.estimate, estimate] : [estimate],
    prices: roles.meter.prices,
  };
  if (announcePlan(plan, checks, flags)) return;

  const progress = createProgress({ quiet: Boolean(flags.quiet || flags.json) });
  const endpoint = endpointBaseURL(flags.model, flags.baseUrl || undefined, process.env, simModels);
  progress.phase(`predict ${resolved.name} × ${flags.model}${tag}`, `${index.totalQueries} queries, ${index.instances.size} instances`);
  // One process per --out file: two would append the same instances twice.
  const lock = lockFile(out, "predict output", "predict");
  let summary;
  try {
    summary = await withInterrupt((signal) =>
      runPredict({
        prompt: resolved.prompt,
        lm: roles.inference,
        index,
        out,
        meta: {
          format: PREDICT_FORMAT,
          prompt_fingerprint: promptFingerprint(resolved.prompt),
          model: flags.model,
          ...(endpoint ? { endpoint: normalizeBaseURL(endpoint) } : {}),
          split_num: splitNum,
        },
        concurrency,
        resume: !flags.fresh,
        signal,
        onProgress: (done, total) => progress.update(done, total),
        onNote: (note) => progress.line(note),
      }),
    );
  } catch (err) {
    if (err instanceof RunStopped) throw new RunStopped(`${err.message}; finished instances are kept in ${out} — rerun the same command to resume`);
    throw err;
  } finally {
    progress.stop();
    lock.release();
  }
  const usage = roles.meter.toJSON();
  if (flags.json) {
    process.stdout.write(JSON.stringify({ ...summary, prompt: resolved.name, task: resolved.task, model: flags.model, simulated, usage }, null, 2) + "\n");
    return;
  }
  const lines = [
    `${summary.instances} instances → ${summary.out}${tag}: ${summary.reused} reused from an earlier run, ${summary.asked} queries asked`,
    summary.failedInstances > 0
      ? `${summary.failedInstances} instances had failed queries (${summary.failedQueries} in all; their lines carry "failures", rerun to ask them again): ${summary.failuresFile}`
      : "no failed queries",
  ];
  process.stdout.write(lines.join("\n") + "\n");
}
