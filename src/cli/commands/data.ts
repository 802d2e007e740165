/**
 * `ieopt data import|validate|stats|batch|sample`: bring source datasets into the sample
 * format, check files, describe them, and prepare them (batched schema with negative
 * mining, sparsity caps, de-duplication, de-contamination). Every output is written
 * atomically, so a failed command leaves no half-written file.
 */
import { collectFlag, PROGRAM_FLAG_HELP } from "../flags.ts";
import { InvalidArgumentError, Option, type Command } from "commander";
import { UserInputError } from "../../errors.ts";
import { checkInputFile, checkOutputFile } from "../paths.ts";
import { removeAmbiguousTypes } from "../../data/ambiguous.ts";
import { decontaminate, deduplicate, testTexts } from "../../data/dedup.ts";
import { IMPORT_FORMATS, importFile, type ImportFormat } from "../../data/importers/index.ts";
import { DEFAULT_HARD_NEGATIVES, DEFAULT_SPLIT_NUM, instancesToSamples } from "../../data/instances-to-samples.ts";
import { readSamples, readSamplesMany, writeJsonl } from "../../data/jsonl.ts";
import type { Sample } from "../../data/sample.ts";
import { LIGHT_CAPS, sparsitySample, type SparsityCaps } from "../../data/sparsity.ts";
import { computeStats, formatStats } from "../../data/stats.ts";

function integer(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}, got '${value}'`);
    return n;
  };
}

/** `train.E=5000` (comma-separated or repeated): overrides of the LIGHT caps. */
function collectCaps(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(",").filter((s) => s.trim() !== "")];
}

export function parseCaps(specs: readonly string[]): SparsityCaps {
  const caps: SparsityCaps = structuredClone(LIGHT_CAPS);
  for (const spec of specs) {
    const match = /^(train|dev|test)\.(E|H)=(\d+)$/.exec(spec.trim());
    if (!match) {
      throw new UserInputError(`bad cap '${spec}'; write <split>.<E|H>=<n>, e.g. train.E=5000 or dev.H=50`, {
        field: "--cap",
      });
    }
    const split = match[1] as keyof SparsityCaps;
    caps[split][match[2] === "E" ? "empty" : "nonEmpty"] = Number(match[3]);
  }
  return caps;
}

function countBy(samples: readonly Sample[], key: (s: Sample) => string): string {
  const counts = new Map<string, number>();
  for (const s of samples) {
    const k = key(s);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} ${n}`).join(", ");
}

function summary(samples: readonly Sample[]): string {
  const instances = new Set(samples.map((s) => s.instance_id)).size;
  const empty = samples.filter((s) => s.labels.length === 0).length;
  return (
    `${samples.length} samples, ${instances} instances, ${empty} with empty labels ` +
    `(${countBy(samples, (s) => s.task)}; ${countBy(samples, (s) => s.lang)})`
  );
}

/** Errors raised away from the file (e.g. while batching) still name the input. */
function inFile<T>(file: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    throw err instanceof UserInputError ? err.at({ file }) : err;
  }
}

export function register(program: Command): void {
  const data = program.command("data").description("Import, validate, describe and prepare data files (JSONL samples)");

  data
    .command("import")
    .description("Convert a source dataset file (xSID, UNER, RELX, FewFC) into instance-level samples")
    .addOption(new Option("--format <format>", "source format").choices(IMPORT_FORMATS).makeOptionMandatory())
    .requiredOption("--in <file>", "source file")
    .requiredOption("--out <file>", "JSONL file to write")
    .addOption(new Option("--task <task>", "FewFC only: which samples to build").choices(["ED", "EE"]))
    .option("--lang <code>", "language (ISO 639-1/639-3 or a dataset code); default: from the file name")
    .option("--split <split>", "train, dev or test; default: from the file name")
    .option("--dataset <name>", "dataset name written into the samples; default: the format")
    .option("--types <list>", "comma-separated full type list, or 'file' for the types found in the file")
    .action(
      async (opts: {
        format: ImportFormat;
        in: string;
        out: string;
        task?: "ED" | "EE";
        lang?: string;
        split?: string;
        dataset?: string;
        types?: string;
      }) => {
        checkInputFile(opts.in, "--in");
        checkOutputFile(opts.out, "--out");
        if (opts.task !== undefined && opts.format !== "fewfc") {
          throw new UserInputError(`--task applies to --format fewfc only (${opts.format} has one task)`, { field: "--task" });
        }
        const types =
          opts.types === undefined ? undefined : opts.types === "file" ? ("file" as const) : opts.types.split(",").map((t) => t.trim()).filter(Boolean);
        const samples = await importFile(opts.format, opts.in, {
          ...(opts.task ? { task: opts.task } : {}),
          ...(opts.lang ? { lang: opts.lang } : {}),
          ...(opts.split ? { split: opts.split } : {}),
          ...(opts.dataset ? { dataset: opts.dataset } : {}),
          ...(types ? { types } : {}),
        });
        writeJsonl(opts.out, samples);
        process.stdout.write(`${opts.out}: wrote ${summary(samples)}\n`);
      },
    );

  data
    .command("validate")
    .description("Check sample files against the sample contract; exit 2 at the first bad file")
    .argument("<files...>", "JSONL sample files")
    .option("--program <file>", PROGRAM_FLAG_HELP, collectFlag)
    .action(async (files: string[], opts: { program?: string[] }) => {
      await loadPrograms(opts.program);
      for (const file of files) {
        const samples = await readSamples(file);
        process.stdout.write(`${file}: ok, ${summary(samples)}\n`);
      }
    });

  data
    .command("stats")
    .description("Counts per task, language, dataset and split: samples, instances, empty vs non-empty labels, schema sizes")
    .argument("<files...>", "JSONL sample files")
    .option("--json", "print one JSON object")
    .option("--program <file>", PROGRAM_FLAG_HELP, collectFlag)
    .action(async (files: string[], opts: { json?: boolean; program?: string[] }) => {
      await loadPrograms(opts.program);
      // Files are read one by one (not readSamplesMany): an id may recur across files here.
      // No push(...file): spreading a large file's samples overflows the call stack.
      let samples: Sample[] = [];
      for (const file of files) samples = samples.concat(await readSamples(file));
      const stats = computeStats(samples);
      process.stdout.write(opts.json ? JSON.stringify(stats, null, 2) + "\n" : formatStats(stats) + "\n");
    });

  data
    .command("batch")
    .description("Turn instances into queries: batched schema; train/dev with negative schema mining")
    .requiredOption("--in <file>", "instance-level JSONL (one line per instance)")
    .requiredOption("--out <file>", "JSONL file to write")
    .option("--split-num <n>", "schema items per query", integer(1), DEFAULT_SPLIT_NUM)
    .option("--hard-negatives <k>", "hard negatives per positive type (train/dev)", integer(0), DEFAULT_HARD_NEGATIVES)
    .option("--random-negatives <n>", "random negatives per instance (train/dev); default: split-num", integer(0))
    .option("--seed <seed>", "random seed", "0")
    .option("--remove-ambiguous", "drop Misc/Other-style types first")
    .action(
      async (opts: {
        in: string;
        out: string;
        splitNum: number;
        hardNegatives: number;
        randomNegatives?: number;
        seed: string;
        removeAmbiguous?: boolean;
      }) => {
        checkOutputFile(opts.out, "--out");
        let instances = await readSamples(opts.in);
        if (opts.removeAmbiguous) instances = removeAmbiguousTypes(instances);
        const samples = inFile(opts.in, () =>
          instancesToSamples(instances, {
            splitNum: opts.splitNum,
            hardNegatives: opts.hardNegatives,
            ...(opts.randomNegatives !== undefined ? { randomNegatives: opts.randomNegatives } : {}),
            seed: opts.seed,
          }),
        );
        writeJsonl(opts.out, samples);
        process.stdout.write(`${opts.out}: wrote ${summary(samples)}\n`);
      },
    );

  data
    .command("sample")
    .description("De-duplicate, de-contaminate against test splits, and apply the LIGHT sparsity caps")
    .requiredOption("--in <files...>", "JSONL sample files")
    .requiredOption("--out <file>", "JSONL file to write")
    .option("--test <files...>", "test files whose texts must not appear in train/dev (test splits in --in count too)")
    .option("--seed <seed>", "random seed", "0")
    .option("--cap <spec>", "override a cap, e.g. train.E=5000 or dev.H=50 (repeatable)", collectCaps, [])
    .addOption(new Option("--unit <unit>", "what a cap counts").choices(["sample", "instance"]).default("sample"))
    .option("--no-dedup", "keep duplicates")
    .option("--remove-ambiguous", "drop Misc/Other-style types")
    .action(
      async (opts: {
        in: string[];
        out: string;
        test?: string[];
        seed: string;
        cap: string[];
        unit: "sample" | "instance";
        dedup: boolean;
        removeAmbiguous?: boolean;
      }) => {
        const caps = parseCaps(opts.cap);
        checkOutputFile(opts.out, "--out");
        let samples = await readSamplesMany(opts.in);
        const test = testTexts(samples);
        for (const file of opts.test ?? []) for (const t of testTexts(await readSamples(file))) test.add(t);
        const notes: string[] = [];
        if (opts.dedup) {
          const dedup = deduplicate(samples);
          samples = dedup.samples;
          notes.push(`${dedup.samplesRemoved} duplicate samples and ${dedup.labelsRemoved} repeated labels removed`);
        }
        const clean = decontaminate(samples, test);
        samples = clean.samples;
        notes.push(`${clean.removed} train/dev samples removed whose text is in a test split`);
        if (opts.removeAmbiguous) samples = removeAmbiguousTypes(samples);
        const before = samples.length;
        samples = sparsitySample(samples, { caps, seed: opts.seed, unit: opts.unit });
        notes.push(`${before - samples.length} samples over the caps dropped`);
        writeJsonl(opts.out, samples);
        process.stdout.write(`${opts.out}: wrote ${summary(samples)}\n  ${notes.join("\n  ")}\n`);
      },
    );
}

/** Registers user programs (--program) so samples of their tasks validate. */
async function loadPrograms(files: readonly string[] | undefined): Promise<void> {
  if (!files || files.length === 0) return;
  const { loadProgramFile } = await import("../plugins.ts");
  for (const file of files) await loadProgramFile(file);
}
