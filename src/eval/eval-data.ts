/**
 * Test data for `ieopt eval`, read twice as a stream: a scan pass that checks the files
 * and builds the instance index (which instances exist, how many samples each has, their
 * language and dataset), then one streaming pass per (prompt, model) that feeds the
 * runner. No pass holds the samples themselves in memory.
 *
 * Instance-level samples (id = instance_id) whose schema is longer than split_num are
 * batched with the data module's batching (test split rule: every schema item, in order,
 * method.md §2) into samples `<instance_id>#<k>` that share the instance_id, so scores pool
 * per instance and do not depend on split_num. Already-batched samples pass unchanged.
 */
import { readJsonl } from "../data/jsonl.ts";
import { instancesToSamples } from "../data/instances-to-samples.ts";
import { SampleSchema, type Sample } from "../data/sample.ts";
import { UserInputError } from "../errors.ts";

export interface DataFileInfo {
  file: string;
  task: string;
  /** Lines (samples as written in the file). */
  lines: number;
  /** Queries after batching. */
  samples: number;
}

/** Every instance of one task's data files, in first-seen order. */
export interface InstanceIndex {
  task: string;
  files: string[];
  splitNum: number;
  /** Per instance (same position in every array). */
  instanceId: string[];
  lang: string[];
  dataset: string[];
  sampleCount: number[];
  /** `dataset \0 lang \0 instance_id` → position. */
  position: Map<string, number>;
  /** Ids of every query after batching. */
  sampleIds: Set<string>;
  totalSamples: number;
}

export function instanceKey(s: Pick<Sample, "dataset" | "lang" | "instance_id">): string {
  return `${s.dataset}\u0000${s.lang}\u0000${s.instance_id}`;
}

/** The queries one line of a data file becomes. */
export function expandSample(sample: Sample, splitNum: number): Sample[] {
  if (sample.id !== sample.instance_id || sample.schema.length <= splitNum) return [sample];
  const batched = instancesToSamples([{ ...sample, split: "test" } as Sample], { splitNum });
  if (batched.length <= 1) return [sample];
  return batched.map((s) => ({ ...s, split: sample.split }) as Sample);
}

/** Streams the queries of some files (batched), with where each line came from. */
export async function* streamQueries(
  files: readonly string[],
  splitNum: number,
): AsyncGenerator<{ sample: Sample; file: string; line: number }> {
  for (const file of files) {
    for await (const { value, line } of readJsonl(file, SampleSchema)) {
      for (const sample of expandSample(value, splitNum)) yield { sample, file, line };
    }
  }
}

export async function* streamSamples(index: InstanceIndex): AsyncGenerator<Sample> {
  for await (const { sample } of streamQueries(index.files, index.splitNum)) yield sample;
}

/**
 * Checks the data files and indexes them by task. Each file holds one task (its first
 * sample's); a file of a task no prompt is for is an error naming it, as is a prompt task
 * with no data file. Ids must be unique across the files of a task (after batching).
 */
export async function scanData(
  files: readonly string[],
  promptTasks: ReadonlySet<string>,
  splitNum: number,
): Promise<{ indexes: Map<string, InstanceIndex>; files: DataFileInfo[] }> {
  if (!Number.isInteger(splitNum) || splitNum < 1) throw new UserInputError(`--batch-split-num must be a positive integer, got ${splitNum}`);
  const indexes = new Map<string, InstanceIndex>();
  const infos: DataFileInfo[] = [];
  const intern = new Map<string, string>();
  const shared = (s: string) => {
    const got = intern.get(s);
    if (got !== undefined) return got;
    intern.set(s, s);
    return s;
  };
  const seenFiles = new Set<string>();
  for (const file of files) {
    if (seenFiles.has(file)) throw new UserInputError("data file given twice", { file });
    seenFiles.add(file);
    let info: DataFileInfo | undefined;
    let index: InstanceIndex | undefined;
    let lastLine = -1;
    for await (const { sample, line } of streamQueries([file], splitNum)) {
      if (!info) {
        if (!promptTasks.has(sample.task)) {
          throw new UserInputError(
            `holds ${sample.task} samples, but no --prompt is for ${sample.task} (prompts are for ${[...promptTasks].join(", ")}); drop the file or add a ${sample.task} prompt`,
            { file },
          );
        }
        info = { file, task: sample.task, lines: 0, samples: 0 };
        index = indexes.get(sample.task) ?? newIndex(sample.task, splitNum);
        indexes.set(sample.task, index);
        index.files.push(file);
      }
      if (sample.task !== info.task) {
        throw new UserInputError(`a ${sample.task} sample in a file of ${info.task} samples; a data file holds one task`, {
          file,
          line,
          field: "task",
        });
      }
      const idx = index!;
      if (idx.sampleIds.has(sample.id)) {
        throw new UserInputError(`duplicate sample id '${sample.id}' (ids must be unique across the ${info.task} data files, batched queries included)`, {
          file,
          line,
          field: "id",
        });
      }
      idx.sampleIds.add(sample.id);
      if (line !== lastLine) info.lines++;
      lastLine = line;
      info.samples++;
      idx.totalSamples++;
      const key = instanceKey(sample);
      const at = idx.position.get(key);
      if (at !== undefined) idx.sampleCount[at]!++;
      else {
        idx.position.set(key, idx.instanceId.length);
        idx.instanceId.push(sample.instance_id);
        idx.lang.push(shared(sample.lang));
        idx.dataset.push(shared(sample.dataset));
        idx.sampleCount.push(1);
      }
    }
    if (!info) throw new UserInputError("no samples (the file is empty or holds only blank lines)", { file });
    infos.push(info);
  }
  for (const task of promptTasks) {
    if (!indexes.has(task)) throw new UserInputError(`no --data file holds ${task} samples, but a --prompt is for ${task}`);
  }
  return { indexes, files: infos };
}

function newIndex(task: string, splitNum: number): InstanceIndex {
  return {
    task,
    files: [],
    splitNum,
    instanceId: [],
    lang: [],
    dataset: [],
    sampleCount: [],
    position: new Map(),
    sampleIds: new Set(),
    totalSamples: 0,
  };
}
