/**
 * `ieopt predict`: a frozen prompt on unlabeled text (unlabeled.ts), records per instance.
 *
 * Two streaming passes over the data, as in eval: a scan that checks every line (so bad
 * input leaves nothing written) and counts each instance's queries, then the prediction
 * pass through the shared runner (cache, retries, concurrency). An instance whose schema
 * is longer than split_num is asked in batches (the test-split rule: every item, in
 * order); its records are merged back into one line once all its queries are answered.
 *
 *   <out>                 {"id": <instance_id>, "records": [...]} per instance, in input
 *                         order (a prediction file of design.md: `ieopt score` reads it);
 *                         an instance with a failed query also has "failures"
 *   <out>.meta.json       what the answers depend on (prompt, model, split_num)
 *   <out>.failures.jsonl  {"id", "query", "reason"} per failed query of the last run
 *
 * Resuming: <out> is an append log. A rerun keeps the instances it holds without failures
 * and asks only the rest (instances with failures are asked again; the LM cache answers
 * what was paid for). A kill can at worst cut off the last line, which is dropped. A
 * changed prompt, model or split_num moves the old files aside (*.superseded).
 */
import { createWriteStream, existsSync, readFileSync, renameSync, type WriteStream } from "node:fs";
import { z } from "zod";
import { readAppendLog, readJsonl } from "../data/jsonl.ts";
import type { IERecord, Sample } from "../data/sample.ts";
import { UnlabeledSampleSchema, unlabeledToSample } from "../data/unlabeled.ts";
import { uniqueRecords } from "../data/dedup.ts";
import { UserInputError } from "../errors.ts";
import type { LM } from "../lm/types.ts";
import { writeFileAtomic, writeJsonAtomic } from "../util/fs.ts";
import { expandSample } from "./eval-data.ts";
import { predictSamples, type Outcome, type PromptSpec } from "./runner.ts";

export const PREDICT_FORMAT = "ieopt.predict/v1";

/** What the scan pass learns: per instance, its place and how many queries it has. */
export interface PredictIndex {
  task: string;
  files: string[];
  splitNum: number;
  /** instance_id → [position in input order, number of queries]. */
  instances: Map<string, { position: number; queries: number }>;
  totalQueries: number;
}

/** Streams the queries of unlabeled files under a task (batched), with their origin. */
export async function* streamUnlabeledQueries(files: readonly string[], task: string, splitNum: number): AsyncGenerator<{ sample: Sample; file: string; line: number }> {
  for (const file of files) {
    for await (const { value, line } of readJsonl(file, UnlabeledSampleSchema)) {
      const converted = unlabeledToSample(value, task);
      if ("problem" in converted) throw new UserInputError(converted.problem, { file, line, field: converted.field });
      for (const sample of expandSample(converted.sample, splitNum)) yield { sample, file, line };
    }
  }
}

/** Checks every line and counts queries per instance; nothing is written. */
export async function scanUnlabeled(files: readonly string[], task: string, splitNum: number): Promise<PredictIndex> {
  if (files.length === 0) throw new UserInputError("give the data with --data FILE...");
  const index: PredictIndex = { task, files: [...files], splitNum, instances: new Map(), totalQueries: 0 };
  const queryIds = new Set<string>();
  for (const file of new Set(files)) {
    if (files.indexOf(file) !== files.lastIndexOf(file)) throw new UserInputError("data file given twice", { file });
    const before = index.totalQueries;
    for await (const { sample, line } of streamUnlabeledQueries([file], task, splitNum)) {
      if (queryIds.has(sample.id)) {
        throw new UserInputError(`duplicate id '${sample.id}' (ids must be unique across the --data files, batched queries included)`, { file, line, field: "id" });
      }
      queryIds.add(sample.id);
      index.totalQueries++;
      const at = index.instances.get(sample.instance_id);
      if (at) at.queries++;
      else index.instances.set(sample.instance_id, { position: index.instances.size, queries: 1 });
    }
    if (index.totalQueries === before) throw new UserInputError("no samples (the file is empty or holds only blank lines)", { file });
  }
  return index;
}

export interface InstanceLine {
  id: string;
  records: IERecord[];
  failures?: { query: string; reason: string }[];
}

/** One instance's line from its queries' outcomes (in query order): records merged, duplicates dropped. */
export function mergeInstance(instanceId: string, outcomes: readonly Outcome[]): InstanceLine {
  const records = uniqueRecords(outcomes.flatMap((o) => (o.ok ? o.records : [])));
  const failures = outcomes.flatMap((o) => (o.ok ? [] : [{ query: o.id, reason: o.failure }]));
  return failures.length > 0 ? { id: instanceId, records, failures } : { id: instanceId, records };
}

export interface PredictMeta {
  format: typeof PREDICT_FORMAT;
  prompt_fingerprint: string;
  model: string;
  endpoint?: string;
  split_num: number;
}

const StoredLineSchema = z.looseObject({ id: z.string(), records: z.array(z.unknown()), failures: z.array(z.unknown()).optional() });

/**
 * The finished instances of an earlier run's output: lines without failures. A cut-off
 * last line (a kill mid-write) is dropped; a bad line elsewhere is an error.
 */
export async function readFinished(path: string): Promise<{ lines: string[]; done: Set<string>; retried: number; droppedTail: boolean }> {
  const lines: string[] = [];
  const done = new Set<string>();
  let retried = 0;
  const { droppedTail } = await readAppendLog(path, StoredLineSchema, 'a predict output line ({"id", "records"})', (parsed, text) => {
    if (parsed.failures && parsed.failures.length > 0) retried++;
    else if (!done.has(parsed.id)) {
      done.add(parsed.id);
      lines.push(text);
    }
  });
  return { lines, done, retried, droppedTail };
}

function sameMeta(path: string, meta: PredictMeta): boolean {
  try {
    const old = JSON.parse(readFileSync(path, "utf8")) as Partial<PredictMeta>;
    return old.prompt_fingerprint === meta.prompt_fingerprint && old.model === meta.model && old.endpoint === meta.endpoint && old.split_num === meta.split_num;
  } catch {
    return false;
  }
}

export interface PredictOptions {
  prompt: PromptSpec;
  lm: LM;
  index: PredictIndex;
  out: string;
  meta: PredictMeta;
  concurrency: number;
  /** false: start over (earlier output moved aside). */
  resume: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  onNote?: (note: string) => void;
}

export interface PredictSummary {
  out: string;
  failuresFile: string;
  instances: number;
  queries: number;
  /** Instances taken from an earlier run's output. */
  reused: number;
  /** Queries sent to the runner this time (cache hits included). */
  asked: number;
  /** Instances with at least one failed query (listed in failuresFile). */
  failedInstances: number;
  failedQueries: number;
}

export function predictPaths(out: string): { meta: string; failures: string } {
  return { meta: `${out}.meta.json`, failures: `${out}.failures.jsonl` };
}

/** Earlier output of the same prompt/model/batching, or a fresh start (old files moved aside). */
async function openOutput(options: PredictOptions): Promise<Set<string>> {
  const { out, meta } = options;
  const paths = predictPaths(out);
  let done = new Set<string>();
  if (existsSync(out)) {
    if (options.resume && sameMeta(paths.meta, meta)) {
      const earlier = await readFinished(out);
      done = earlier.done;
      // Rewritten without failed instances and a cut-off tail, so appending starts clean.
      if (earlier.retried > 0 || earlier.droppedTail) writeFileAtomic(out, earlier.lines.map((l) => l + "\n").join(""));
      if (earlier.droppedTail) options.onNote?.(`${out}: dropped a cut-off last line (an interrupted write)`);
      if (done.size > 0) options.onNote?.(`${out}: reusing ${done.size} finished instances${earlier.retried > 0 ? `; asking ${earlier.retried} with failures again` : ""}`);
    } else {
      for (const p of [out, paths.meta, paths.failures]) if (existsSync(p)) renameSync(p, `${p}.superseded`);
      options.onNote?.(`${out}: ${options.resume ? "the prompt, model or batching changed" : "--fresh"}; earlier output moved to *.superseded`);
    }
  }
  writeJsonAtomic(paths.meta, meta);
  return done;
}

const endStream = (s: WriteStream) => new Promise<void>((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve())));

/** Predicts every instance not already in the output; lines are appended in input order. */
export async function runPredict(options: PredictOptions): Promise<PredictSummary> {
  const { index, out } = options;
  const done = await openOutput(options);
  const paths = predictPaths(out);
  const output = createWriteStream(out, { flags: "a" });
  // This run's failures only: instances that failed before are asked again.
  const failures = createWriteStream(paths.failures);
  let writeError: Error | undefined;
  for (const s of [output, failures]) s.on("error", (err) => (writeError ??= err));

  // Instances still to write, by input position; a finished instance waits for the ones before it.
  const order = [...index.instances].filter(([id]) => !done.has(id)).map(([id]) => id);
  const pendingTotal = order.reduce((n, id) => n + index.instances.get(id)!.queries, 0);
  const outcomes = new Map<string, Outcome[]>();
  const ready = new Map<string, InstanceLine>();
  let next = 0;
  let asked = 0;
  let failedInstances = 0;
  let failedQueries = 0;

  const flush = () => {
    while (next < order.length && ready.has(order[next]!)) {
      const line = ready.get(order[next]!)!;
      ready.delete(order[next]!);
      next++;
      if (writeError) throw writeError;
      output.write(JSON.stringify(line) + "\n");
    }
  };

  async function* toAsk(): AsyncGenerator<Sample> {
    for await (const { sample } of streamUnlabeledQueries(index.files, index.task, index.splitNum)) {
      if (!done.has(sample.instance_id)) yield sample;
    }
  }

  try {
    await predictSamples(options.prompt, toAsk(), {
      lm: options.lm,
      concurrency: options.concurrency,
      ...(options.signal ? { signal: options.signal } : {}),
      onOutcome: (outcome, sample) => {
        asked++;
        options.onProgress?.(asked, pendingTotal);
        const got = outcomes.get(sample.instance_id) ?? [];
        got.push(outcome);
        outcomes.set(sample.instance_id, got);
        if (got.length < index.instances.get(sample.instance_id)!.queries) return;
        outcomes.delete(sample.instance_id);
        // Query order, not arrival order, so the merged records do not depend on timing.
        got.sort((a, b) => queryNumber(a.id) - queryNumber(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const line = mergeInstance(sample.instance_id, got);
        if (line.failures) {
          failedInstances++;
          failedQueries += line.failures.length;
          for (const f of line.failures) failures.write(JSON.stringify({ id: line.id, ...f }) + "\n");
        }
        ready.set(line.id, line);
        flush();
      },
    });
  } finally {
    await endStream(output);
    await endStream(failures);
  }
  if (writeError) throw writeError;
  return {
    out,
    failuresFile: paths.failures,
    instances: index.instances.size,
    queries: index.totalQueries,
    reused: done.size,
    asked,
    failedInstances,
    failedQueries,
  };
}

/** The batch number of a query id `<instance_id>#<k>` (0 for an unbatched one). */
function queryNumber(id: string): number {
  const m = /#(\d+)$/.exec(id);
  return m ? Number(m[1]) : 0;
}
