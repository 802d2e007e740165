/**
 * `ieopt guidelines induce`: Φ drafts a description per schema type from sampled train
 * instances and refines it over further batches (optimizers/guidelines.ts); the result,
 * with every exchange, goes to --out. `ieopt guidelines apply` fills a data file's
 * schema_descriptions from it (descriptions already in the data are kept), so optimize,
 * eval and the code-style renderer's docstrings use the induced guidelines.
 */
import { Command } from "commander";
import { readSamples, writeJsonl } from "../../data/jsonl.ts";
import { UserInputError } from "../../errors.ts";
import { buildRoleModels, type ModelFlags } from "../../lm/roles.ts";
import { getTask } from "../../tasks/registry.ts";
import { writeJsonAtomic } from "../../util/fs.ts";
import { simModels, usesSim } from "../../../sim/index.ts";
import { induceGuidelines, loadGuidelines, withGuidelines } from "../../../optimizers/guidelines.ts";
import { addModelOptions } from "../models.ts";

interface InduceFlags extends ModelFlags {
  task: string;
  train: string;
  types?: string;
  out: string;
  batchSize: string;
  batches: string;
  seed: string;
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserInputError(`${flag} must be a whole number of at least 1, got '${value}'`);
  return n;
}

export function register(program: Command): void {
  const cmd = program.command("guidelines").description("induce type descriptions (annotation guidelines) with the prompt teacher, and apply them to data");
  const induce = cmd
    .command("induce")
    .description("Φ drafts a description per type from sampled train instances, then refines it over further batches")
    .requiredOption("--task <task>", "the task of the train data")
    .requiredOption("--train <file>", "labeled samples (JSONL) to sample instances from")
    .option("--types <list>", "comma-separated types to describe (default: every type in the train schemas)")
    .requiredOption("--out <file>", "where the guidelines go (ieopt.guidelines/v1: descriptions and every exchange)")
    .option("--batch-size <n>", "instances per batch", "10")
    .option("--batches <n>", "batches per type: the first drafts, the others refine", "3")
    .option("--seed <seed>", "seed of the instance sampling", "0");
  addModelOptions(induce, { roles: ["inference", "prompt"] });
  induce.action(async (flags: InduceFlags) => {
    const task = getTask(flags.task);
    const train = await readSamples(flags.train);
    const wrong = train.find((s) => s.task !== task.name);
    if (wrong) throw new UserInputError(`the train data holds ${wrong.task} samples (e.g. id '${wrong.id}'), but --task is ${task.name}`, { file: flags.train });
    const types = flags.types?.split(",").map((s) => s.trim()).filter(Boolean);
    const models = buildRoleModels(flags, { local: simModels });
    const guidelines = await induceGuidelines({
      task, train, teacher: models.prompt, types,
      batchSize: positive(flags.batchSize, "--batch-size"), batches: positive(flags.batches, "--batches"), seed: flags.seed,
    });
    const sim = usesSim({ prompt: models.describe()["prompt"]! });
    guidelines.provenance = { ...guidelines.provenance, models: models.describe(), ...(sim ? { simulated: true } : {}) };
    writeJsonAtomic(flags.out, guidelines);
    const described = Object.keys(guidelines.descriptions);
    const missing = (types ?? []).filter((t) => !described.includes(t));
    process.stdout.write(`${described.length} type descriptions (${guidelines.exchanges.length} exchanges with ${models.prompt.model}${sim ? ", the sim: its descriptions are not an LLM's" : ""}) → ${flags.out}\n`);
    if (missing.length > 0) process.stdout.write(`no instances (or no answer) for: ${missing.join(", ")}\n`);
  });
  cmd
    .command("apply")
    .description("fill the schema_descriptions of a data file from induced guidelines (descriptions already in the data are kept)")
    .requiredOption("--guidelines <file>", "an ieopt.guidelines/v1 file")
    .requiredOption("--in <file>", "samples (JSONL)")
    .requiredOption("--out <file>", "the samples with descriptions filled")
    .action(async (flags: { guidelines: string; in: string; out: string }) => {
      const guidelines = loadGuidelines(flags.guidelines);
      const task = getTask(guidelines.task);
      const samples = await readSamples(flags.in);
      const other = samples.find((s) => s.task !== task.name);
      if (other) throw new UserInputError(`the data holds ${other.task} samples (e.g. id '${other.id}'); the guidelines are for ${task.name}`, { file: flags.in });
      writeJsonl(flags.out, samples.map((s) => withGuidelines(s, task, guidelines.descriptions)));
      process.stdout.write(`${samples.length} samples → ${flags.out}\n`);
    });
}
