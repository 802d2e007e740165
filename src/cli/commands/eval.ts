/**
 * `ieopt eval`: every --prompt × every --model on the --data files of the prompt's task,
 * scored as in method.md §3 (LF1 and exact F1, overall / per language / per dataset /
 * non-English, bootstrap CIs over instances, paired comparisons), with reports written
 * to --out: report.json, scores.csv, report.md, report.html.
 *
 *   ieopt eval --prompt runs/<id>/frozen.json --prompt default:NER \
 *              --data test.deu.jsonl test.zho.jsonl --model sim --model sim-large --out out/
 *
 * Online runs stream the data through the shared runner (bounded memory, LM cache,
 * retries, concurrency) and keep predictions under <out>/predictions/, so rerunning the
 * same command resumes: samples already answered are not asked again. Offline:
 * --batch-out writes OpenAI Batch request files without calling a model; --batch-in reads
 * the results back and scores them (see src/eval/batch-io.ts and custom-id.ts).
 */
import { join, resolve } from "node:path";
import OpenAI from "openai";
import { Command, Option } from "commander";
import { UserInputError, RunStopped, EXIT, DEGRADED_SHARE } from "../../errors.ts";
import { buildRoleModels, roleEndpoints, type ModelFlags } from "../../lm/roles.ts";
import { parseBaseURL } from "../../lm/endpoint.ts";
import { simModels, simProfile } from "../../../sim/index.ts";
import { DEFAULT_RUNS_DIR } from "../../runs/run-folder.ts";
import { fingerprint } from "../../util/hash.ts";
import { scanData } from "../../eval/eval-data.ts";
import { promptFingerprint, resolvePrompts, type ResolvedPrompt } from "../../eval/prompt-source.ts";
import { translatorOf, writeBatchRequests, type EvalModel, type PairResult, type PipelineSummary } from "../../eval/eval-run.ts";
import { evaluatePrompts } from "../../eval/evaluate-prompts.ts";
import { modelLabel, type EvalReport } from "../../report/eval-report.ts";
import { runOpenAIBatches, type BatchApi } from "../../eval/openai-batch.ts";
import { loadProgramFile } from "../plugins.ts";
import "../../../optimizers/default-cot.ts"; // registers the default-cot prompt kind
import { choiceLabel, languageTable, overallTable, simBanner } from "../../report/markdown.ts";
import { addModelOptions } from "../models.ts";
import { COMPARISON_NOTE, fmtP } from "../../report/format.ts";
import { freezeResolved, parsePipelineList, withPipelines } from "../../pipelines/cli.ts";
import { routingFromChoice } from "../../pipelines/routing.ts";
import { writeJsonAtomic } from "../../util/fs.ts";
import { PIPELINE_NAMES } from "../../pipelines/names.ts";
import { choiceRows } from "../../pipelines/choice.ts";
import { renderTable } from "../../report/table.ts";
import { positiveIntFlag, collectFlag, PROGRAM_FLAG_HELP } from "../flags.ts";
import { checkOutputDir } from "../paths.ts";
import { addConfigOption } from "../config-file.ts";
import { addRequest, announcePlan, checkEndpoints, emptyEstimate, plannedThoughtModel } from "../plan.ts";
import { streamSamples } from "../../eval/eval-data.ts";
import { buildRequest } from "../../eval/runner.ts";
import { createProgress } from "../progress.ts";
import { withInterrupt } from "../interrupt.ts";
import { lockFolder, LOCK_FILE } from "../../runs/lock.ts";
import { existsSync, readdirSync, statSync } from "node:fs";

interface EvalFlags extends Omit<ModelFlags, "model"> {
  prompt?: string[];
  program?: string[];
  data?: string[];
  model?: string[];
  out?: string;
  batchSplitNum: string;
  seed: string;
  bootstrap: string;
  json?: boolean;
  batchOut?: string;
  batchIn?: string[];
  fresh?: boolean;
  runsDir: string;
  quiet?: boolean;
  pipeline?: string;
  dryRun?: boolean;
  freezeRouting?: string;
  routingModel?: string;
  structuredOutput?: boolean;
  batch?: string;
  batchPoll: string;
  batchCancel?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** --structured-output: the prompt asks for its task's strict JSON schema (src/lm/structured-output.ts). */
function withStructuredOutput(prompt: ResolvedPrompt): ResolvedPrompt {
  if (prompt.routing) throw new UserInputError(`--structured-output: prompt '${prompt.name}' is a frozen routing, whose routes keep their own settings; evaluate its routes as prompts instead`);
  return { ...prompt, prompt: { ...prompt.prompt, structuredOutput: true } };
}
const positiveInt = positiveIntFlag;

export function register(program: Command): void {
  const cmd = program
    .command("eval")
    .description("evaluate prompts × models on test data across languages and datasets; write JSON, CSV, Markdown and HTML reports")
    .option("--prompt <spec>", "a frozen prompt file, run folder or run id, or default:<task>; optionally name=<spec> (repeatable)", collect)
    .option("--data <files...>", "test data JSONL files (each file holds one task)")
    .option("--program <file>", PROGRAM_FLAG_HELP, collectFlag)
    .option("--model <name>", "a model to evaluate with: sim, sim-small, sim-large or an OpenAI-compatible model (repeatable; default sim)", collect)
    .option("--pipeline <names>", `how each sample is answered, comma-separated to compare several: ${PIPELINE_NAMES.join(", ")} (default: the frozen prompt's own, else direct)`)
    .option("--translate-model <name>", "the translator of translate-test / transfusion: any OpenAI-compatible model, or sim (an untranslated copy); default: each --model")
    .option("--freeze-routing <file>", "write a frozen routing (ieopt.frozen-routing/v1): each language to the prompt and pipeline that clearly won it, others to the first direct prompt")
    .option("--routing-model <name>", "with --freeze-routing and several --model: whose results decide the routing")
    .option("--translate-base-url <url>", "endpoint for --translate-model (default: --base-url when no --translate-model is given)");
  // The shared model flags (endpoint, key, cache, retries, budget, prices), minus the
  // single --model they define: eval takes several. Budgets apply per model.
  const shared = addModelOptions(new Command(), { roles: ["inference", "thought"] });
  for (const option of shared.options) if (option.long !== "--model") cmd.addOption(option);
  addConfigOption(cmd);
  cmd
    .option("--out <dir>", "report and predictions folder (default: <runs-dir>/eval-<fingerprint of the command>)")
    .option("--batch-split-num <n>", "schema items per query when batching instance-level data (split_num)", "6")
    .option("--seed <seed>", "seed of the bootstrap and permutation resampling", "0")
    .option("--bootstrap <n>", "bootstrap / permutation resamples", "1000")
    .option("--batch-out <file>", "write OpenAI Batch request files (one per model) and stop; the evaluated models are not called (a default-cot prompt still has Θ write its 3 exemplar thoughts)")
    .option("--batch-in <files...>", "score OpenAI Batch result files instead of calling the models")
    .addOption(new Option("--batch <service>", "run the requests through a batch API: submit, poll, download, score (the batch ids are kept in <out>/batch; rerun to resume)").choices(["openai"]))
    .option("--batch-poll <seconds>", "with --batch: seconds between status checks", "30")
    .option("--batch-cancel", "with --batch: cancel the submitted batches on Ctrl-C (default: leave them running; rerun to resume)")
    .option("--structured-output", "ask for JSON through response_format: the task's output schema in OpenAI strict mode (strict: true)")
    .option("--fresh", "ignore earlier predictions in --out (default: resume)")
    .option("--runs-dir <dir>", "where run ids are looked up", DEFAULT_RUNS_DIR)
    .option("--json", "print report.json to standard output")
    .option("--dry-run", "check the endpoints, print the plan (calls, tokens, cost) and stop without calling the models")
    .addOption(new Option("--quiet", "no progress output"))
    .action(async (flags: EvalFlags) => {
      await runEval(flags);
    });
}

async function runEval(flags: EvalFlags): Promise<void> {
  for (const file of flags.program ?? []) await loadProgramFile(file);
  const promptSpecs = flags.prompt ?? [];
  if (promptSpecs.length === 0) throw new UserInputError("give at least one --prompt (a frozen prompt file, a run id, or default:<task>)");
  if (!flags.data || flags.data.length === 0) throw new UserInputError("give the test data with --data FILE...");
  if (flags.batchOut && flags.batchIn) throw new UserInputError("--batch-out and --batch-in are two steps; use one per command");
  if (flags.batch && (flags.batchOut || flags.batchIn)) throw new UserInputError("--batch runs both steps itself; drop --batch-out / --batch-in");
  const pollSeconds = Number(flags.batchPoll);
  if (!(pollSeconds > 0)) throw new UserInputError(`--batch-poll must be a positive number of seconds, not '${flags.batchPoll}'`);
  const splitNum = positiveInt(flags.batchSplitNum, "--batch-split-num");
  const iterations = positiveInt(flags.bootstrap, "--bootstrap");
  const concurrency = positiveInt(flags.concurrency ?? "8", "--concurrency");
  const modelNames = flags.model && flags.model.length > 0 ? flags.model : ["sim"];
  const dup = modelNames.find((m, i) => modelNames.indexOf(m) !== i);
  if (dup) throw new UserInputError(`--model ${dup} is given twice`);

  const pipelines = flags.pipeline === undefined ? undefined : parsePipelineList(flags.pipeline);
  const offline = Boolean(flags.batchOut || flags.batchIn || flags.batch);
  const models: EvalModel[] = modelNames.map((name) => {
    // Offline modes never call a model: no cache file is opened.
    const roles = buildRoleModels({ ...flags, model: name, ...(offline ? { cache: false } : {}) }, { local: simModels });
    const described = roles.describe()["inference"];
    return { name, simulated: simProfile(name) !== undefined, endpoint: described?.base_url, roles };
  });
  // Endpoints are checked before anything is paid for (a default-cot prompt has Θ write thoughts).
  const checks = offline
    ? []
    : await checkEndpoints({
        flags: { ...flags, model: modelNames[0]! },
        roles: [
          "inference",
          ...(promptSpecs.some((spec) => spec.includes("default-cot:")) ? (["thought"] as const) : []),
          // The translator defaults to θ (then it is the same check); a --translate-model is meant to be used.
          "translate",
        ],
        models: modelNames,
        dryRun: flags.dryRun,
      });
  // A dry run builds a default-cot prompt with a stand-in Θ that only counts what it would ask.
  const thoughts = plannedThoughtModel(models[0]!.roles.describe()["thought"]?.model ?? models[0]!.name);
  const resolved = await resolvePrompts(promptSpecs, { runsDir: flags.runsDir, thoughtLM: () => (flags.dryRun ? thoughts.lm : models[0]!.roles.thought) });
  const prompts = withPipelines(flags.structuredOutput ? resolved.map(withStructuredOutput) : resolved, pipelines);
  if (flags.freezeRouting && new Set(prompts.map((p) => p.routing ? "routed" : p.pipeline)).size < 2) {
    throw new UserInputError("--freeze-routing chooses between pipelines per language: evaluate two or more (e.g. --pipeline direct,translate-test)");
  }
  if (flags.freezeRouting && models.length > 1 && !flags.routingModel) throw new UserInputError("--freeze-routing with several --model: say whose results decide with --routing-model");
  if (flags.routingModel && !modelNames.includes(flags.routingModel)) throw new UserInputError(`--routing-model ${flags.routingModel} is not one of the --model names (${modelNames.join(", ")})`);
  const chained = prompts.find((p) => p.pipeline !== "direct");
  if (offline && chained) {
    throw new UserInputError(`${chained.name}: translate-test and transfusion chain several calls per sample, so they run online only (not with --batch-out / --batch-in)`);
  }
  const tasks = new Set<string>(prompts.map((p) => p.task));
  const dataFiles = flags.data;
  const scanned = await scanData(dataFiles, tasks, splitNum);
  const { indexes, files } = scanned;

  if (flags.batchOut) {
    const written = await writeBatchRequests(prompts, models, indexes, flags.batchOut);
    for (const w of written) process.stdout.write(`${w.model}: ${w.requests} requests → ${w.files.join(", ")}\n`);
    process.stdout.write("custom_id = ieopt2-<hash of prompt, model, sample id> (what each stands for: the .custom_ids file beside each request file); score the results with the same command and --batch-in RESULTS...\n");
    return;
  }

  const outDir = flags.out ?? defaultOutDir(flags, prompts, modelNames, splitNum);
  checkOutputDir(outDir, "--out");
  if (!flags.batchIn) {
    const estimates = models.map((m) => emptyEstimate(`θ ${m.name}`, m.name));
    for (const prompt of prompts) {
      for await (const sample of streamSamples(indexes.get(prompt.task)!)) {
        const request = buildRequest(prompt.prompt, sample);
        for (const e of estimates) addRequest(e, request);
      }
    }
    const plan = {
      command: "eval",
      details: [`${prompts.length} prompt(s) × ${models.length} model(s) on ${files.length} data file(s) → ${outDir} (finished predictions there are reused)`],
      estimates: thoughts.estimate.calls > 0 ? [thoughts.estimate, ...estimates] : estimates,
      prices: models[0]!.roles.meter.prices,
    };
    if (announcePlan(plan, checks, flags)) return;
  }
  refuseForeignFolder(outDir);
  // One process per output folder: a second one would interleave predictions.
  const lock = lockFolder(outDir, "eval output folder", "eval");
  try {
    await evaluateInto(outDir, flags, { prompts, models, scanned, splitNum, iterations, concurrency });
  } finally {
    lock.release();
  }
}

interface EvalPlan {
  prompts: ResolvedPrompt[];
  models: EvalModel[];
  scanned: Awaited<ReturnType<typeof scanData>>;
  splitNum: number;
  iterations: number;
  concurrency: number;
}

/** --batch openai: writes the requests into <out>/batch, runs them through the Batches API, returns the result files. */
async function submitBatches(outDir: string, flags: EvalFlags, plan: EvalPlan, report: (line: string) => void): Promise<string[]> {
  const dir = join(outDir, "batch");
  const written = await writeBatchRequests(plan.prompts, plan.models, plan.scanned.indexes, join(dir, "requests.jsonl"));
  const clients = new Map<string, BatchApi>();
  const client = (model: string): BatchApi => {
    let c = clients.get(model);
    if (!c) clients.set(model, (c = openAIBatchClient({ ...flags, model }, model)));
    return c;
  };
  return withInterrupt((signal) =>
    runOpenAIBatches({ dir, jobs: written.map((w) => ({ model: w.model, requestFiles: w.files })), client, pollMs: Number(flags.batchPoll) * 1000, cancelOnInterrupt: Boolean(flags.batchCancel), signal, report }),
  );
}

/** An openai client for a model's endpoint (its base URL and key, as the online client uses them). */
function openAIBatchClient(flags: ModelFlags, model: string): BatchApi {
  const target = roleEndpoints(flags, ["inference"], { model, local: simModels })[0];
  if (!target) throw new UserInputError(`--batch openai: model ${model} runs in-process; give the batch endpoint with --base-url or OPENAI_BASE_URL`);
  const parsed = parseBaseURL(target.baseURL, `the base URL of model ${model}`);
  if (parsed.basicAuth !== undefined) throw new UserInputError(`--batch openai: the base URL of model ${model} carries credentials; give the key in OPENAI_API_KEY instead`);
  return new OpenAI({ baseURL: parsed.url, apiKey: target.apiKey || "not-needed", maxRetries: 3, logLevel: "off" });
}

async function evaluateInto(outDir: string, flags: EvalFlags, plan: EvalPlan): Promise<void> {
  const { prompts, models, scanned, splitNum, iterations, concurrency } = plan;
  const progress = createProgress({ quiet: Boolean(flags.quiet || flags.json) });
  const batchIn = flags.batchIn ?? (flags.batch ? await submitBatches(outDir, flags, plan, (line) => progress.line(line)) : undefined);
  const request = {
    prompts,
    models,
    data: flags.data ?? [],
    scanned,
    outDir,
    splitNum,
    seed: flags.seed,
    iterations,
    concurrency,
    resume: !flags.fresh,
    ...(batchIn ? { batchIn } : {}),
    isSimulated: (name: string) => simProfile(name) !== undefined,
    events: {
      phase: (title: string, detail: string) => progress.phase(title, detail),
      progress: (done: number, total: number) => progress.update(done, total),
      line: (text: string) => progress.line(text),
    },
  };
  if (!batchIn) {
    for (const prompt of prompts) {
      if (!prompt.pipeline || prompt.pipeline === "direct") continue;
      for (const model of models) progress.line(`${prompt.name} × ${model.name}: translator ${translatorOf(model).model}${simProfile(translatorOf(model).model) !== undefined ? " (sim: an untranslated copy, no translation)" : ""}`);
    }
  }
  let result: Awaited<ReturnType<typeof evaluatePrompts>>;
  try {
    result = batchIn ? await evaluatePrompts(request) : await withInterrupt((signal) => evaluatePrompts({ ...request, signal }));
  } catch (err) {
    if (err instanceof RunStopped) throw err.withMessage(`${err.message}; predictions so far are kept in ${outDir}/predictions — rerun the same command to resume`);
    throw err;
  }
  progress.stop();
  const { report, files: written } = result;
  const routingLine = flags.freezeRouting ? freezeRouting(flags.freezeRouting, report, prompts, flags.routingModel ?? models[0]!.name, written.json) : undefined;
  if (flags.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  else process.stdout.write(summaryText(report, written) + (routingLine ? `${routingLine}\n` : ""));
  const verdict = pairVerdict(result.pairs);
  if (verdict) {
    process.stderr.write(`ieopt: ${verdict.status}: ${verdict.lines.join("; ")}; reports are written; rerun the same command to retry the failed samples\n`);
    process.exitCode = verdict.status === "failed" ? EXIT.failed : EXIT.degraded;
  }
}

/** Writes the routing the report's per-language choice stands for; returns what to print. */
function freezeRouting(path: string, report: EvalReport, prompts: readonly ResolvedPrompt[], model: string, reportPath: string): string {
  const choices = (report.pipeline_choice ?? []).filter((c) => c.model === model);
  if (choices.length !== 1) throw new UserInputError(`--freeze-routing: ${choices.length === 0 ? "no" : "more than one"} per-language choice for model ${model} (one task's prompts under two or more pipelines are needed)`);
  const choice = choices[0]!;
  const byName = new Map(prompts.map((p) => [p.name, p]));
  const routing = routingFromChoice(choice, (name) => freezeResolved(byName.get(name)!), { eval_report: reportPath, data: report.data.map((d) => d.file) });
  writeJsonAtomic(path, routing);
  const routed = Object.entries(routing.languages).map(([lang, route]) => `${lang} → ${route}`);
  return `routing: ${path} (default ${routing.default}${routed.length > 0 ? `; ${routed.join(", ")}` : "; no language beat it clearly"})${choice.simulated ? " — chosen on sim numbers" : ""}`;
}

/**
 * failed: some (prompt, model) pair got no answer at all (every sample an LM failure or
 * missing); degraded: some pair lost at least DEGRADED_SHARE of its samples that way.
 */
export function pairVerdict(pairs: readonly PairResult[]): { status: "failed" | "degraded"; lines: string[] } | undefined {
  const lost = (p: PairResult) => p.scores.counts.lm_failures + p.scores.counts.missing;
  const failed = pairs.filter((p) => p.scores.counts.samples > 0 && lost(p) === p.scores.counts.samples);
  const degraded = pairs.filter((p) => lost(p) > 0 && lost(p) >= DEGRADED_SHARE * p.scores.counts.samples);
  const line = (p: PairResult) => `${p.prompt} × ${p.model}: ${lost(p)} of ${p.scores.counts.samples} samples got no answer${p.firstFailure ? ` (first: ${p.firstFailure})` : ""}`;
  if (failed.length > 0) return { status: "failed", lines: failed.map(line) };
  if (degraded.length > 0) return { status: "degraded", lines: degraded.map(line) };
  return undefined;
}

function summaryText(report: EvalReport, files: { json: string; csv: string; markdown: string; html: string }): string {
  const banner = simBanner(report);
  const lines = [""];
  if (banner) lines.push(banner, "");
  lines.push(overallTable(report), "", "LF1 per language:", languageTable(report, "lf1"), "");
  const overallLf1 = report.comparisons.filter((c) => c.scope === "overall" && c.metric === "lf1");
  for (const c of overallLf1) {
    lines.push(`${c.kind === "prompts" ? `${c.a} vs ${c.b} under ${c.fixed}` : `${c.a} vs ${c.b} with ${c.fixed}`}: ΔLF1 ${c.mean_diff.toFixed(1)} [${c.ci_low.toFixed(1)}, ${c.ci_high.toFixed(1)}], p (permutation) ${fmtP(c.p_permutation)}${c.simulated ? " (sim)" : ""}`);
  }
  if (overallLf1.length > 0) lines.push(COMPARISON_NOTE, "");
  for (const choice of report.pipeline_choice ?? []) {
    const { header, rows } = choiceRows(choice);
    lines.push(`Pipeline per language, ${choice.task} × ${choiceLabel(report, choice)}${choice.simulated ? " — sim numbers" : ""} (route: the winner when its CI vs ${choice.baseline} is above 0):`, renderTable(header, rows), "");
  }
  const piped = report.results.filter((r) => r.pipeline);
  for (const r of piped) lines.push(pipelineLine(r.prompt, modelLabel(report, r.model), r.pipeline!));
  if (piped.length > 0) lines.push("");
  lines.push(`reports: ${files.json}, ${files.csv}, ${files.markdown}, ${files.html}`, "");
  return lines.join("\n");
}

function pipelineLine(prompt: string, model: string, p: PipelineSummary): string {
  const head = `${prompt} × ${model}: translator ${p.translator}${simProfile(p.translator) !== undefined ? " (sim: an untranslated copy)" : ""}, ${p.translated} of ${p.samples} queries translated`;
  if (p.pipeline === "translate-test") {
    return `${head}; ${p.spans} English spans: ${p.projected_by_marker} projected by marker, ${p.projected_by_alignment} by fallback alignment, ${p.dropped_spans} dropped (${p.dropped_records} records lost)`;
  }
  return `${head}; ${p.not_in_source} answer spans not verbatim in the source`;
}

/** What an eval output folder may hold; a non-empty folder with none of it is someone else's. */
const EVAL_OUTPUT_ENTRIES = ["predictions", "batch", "report.json", "report.md", "scores.csv", LOCK_FILE];

/** --out must be new, empty or an earlier eval output: never /, a home or a source folder. */
function refuseForeignFolder(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new UserInputError(`--out ${dir} is a file; give a folder for the reports and predictions`);
  const entries = readdirSync(dir);
  if (entries.length > 0 && !entries.some((e) => EVAL_OUTPUT_ENTRIES.includes(e))) {
    throw new UserInputError(`--out ${resolve(dir)} is a non-empty folder that is not an ieopt eval output (no predictions/ or report.json); give a new or empty folder`);
  }
}

/** The same command line → the same folder, so a plain rerun resumes. */
function defaultOutDir(flags: EvalFlags, prompts: readonly ResolvedPrompt[], models: readonly string[], splitNum: number): string {
  const key = fingerprint(
    {
      prompts: prompts.map((p) => [p.name, promptFingerprint(p.prompt)]),
      models,
      data: (flags.data ?? []).map((f) => resolve(f)),
      splitNum,
      batch: flags.batchIn ? flags.batchIn.map((f) => resolve(f)) : flags.batch,
    },
    10,
  );
  return `${flags.runsDir}/eval-${key}`;
}
