/**
 * `ieopt score --gold G --pred P [--json]`: score a prediction file against gold samples
 * with LF1 and exact F1 (method.md §3), pooled per instance as `scorePredictions` and the
 * eval runner pool (InstancePool).
 *
 * Prediction lines are `{"id","output"}` (raw model text, parsed by the task's program
 * with the sample's schema) or `{"id","records"}` (checked against the task's record
 * schema). A line that does not parse or whose records do not fit makes that sample a
 * failure (score 0, listed); so does a gold sample with no prediction. A prediction for
 * an id that is not in the gold file, or a second prediction for the same id, is a user
 * error naming file and line. Nothing is printed until everything has been read and scored.
 */
import { getProgram } from "../../programs/index.ts";
import { forEachSample, ownString, readJsonlBatches, type SampleIds } from "../data/jsonl.ts";
import { parseRecords, PredictionLineSchema, SampleSchema, type IERecord, type PredictionLine, type Sample, type SchemaItem } from "../data/sample.ts";
import { FingerprintLog } from "../util/fingerprint-log.ts";
import { UserInputError } from "../errors.ts";
import { fastPredictionLine, fastRecordsAsIs, fastScoredSample } from "../data/fast-check.ts";
import { aggregate, type AggregatedInstance, type GroupSummary } from "../metrics/aggregate.ts";
import { toUnits, type Unit } from "../metrics/routing.ts";
import { InstancePool, NO_PREDICTION, type ScoredSample, type ScoreReport } from "../metrics/score.ts";

export interface ScoreFilesOptions {
  gold: string;
  pred: string;
}

/** What `ieopt score` reports: the summary and the failed samples (in gold order). */
export type FileScoreReport = Pick<ScoreReport, "summary" | "failures">;

/**
 * Reads both files and scores them; throws UserInputError for anything the user must fix.
 *
 * The two files are read in step, the gold file only as far as the predictions need: a
 * prediction usually belongs to the next gold sample, which is routed and scored at once.
 * Gold samples passed by (no prediction yet) wait for theirs. Instances are pooled and
 * scored as InstancePool does (the pooling `scorePredictions` does); the scores equal
 * `scorePredictions`' (a test holds them equal).
 *
 * Most files are scored in that one pass, keeping nothing per sample (scoreOptimistically);
 * anything unusual sends them to the exact pass (scoreExactly), which reads the gold file
 * once more first and reports every problem exactly.
 */
export async function scoreFiles(options: ScoreFilesOptions): Promise<FileScoreReport> {
  return (await scoreOptimistically(options)) ?? (await scoreExactly(options));
}

/** The `--json` document (contract: overall, by_lang, by_dataset, non_english; plus failures). */
export function scoreJson(report: FileScoreReport, options: ScoreFilesOptions): Record<string, unknown> {
  return {
    gold: options.gold,
    pred: options.pred,
    ...report.summary,
    failures: report.failures,
  };
}

/**
 * One pass for the common case: ids unique, each instance's samples next to each other in
 * the gold file (batching writes them so), every prediction for a gold sample it reaches.
 * Ids and instances are told apart by fingerprints (FingerprintLog), so no string per
 * sample is kept; repeats are looked for once, at the end. Returns undefined when the
 * files are not like that (an error included, or a fingerprint that may repeat): the exact
 * pass decides then.
 */
export async function scoreOptimistically(options: ScoreFilesOptions): Promise<FileScoreReport | undefined> {
  try {
    return await scoreInStep(options, new GoldCursor(options.gold, undefined));
  } catch {
    return undefined;
  }
}

/**
 * The general case: the gold file is read and checked first (so its problems are reported
 * before any of the predictions'), keeping every id and each instance's sample count; then
 * both files in step, so a prediction is placed wherever its sample is.
 */
export async function scoreExactly(options: ScoreFilesOptions): Promise<FileScoreReport> {
  return scoreInStep(options, new GoldCursor(options.gold, await readGoldIndex(options.gold)));
}

/**
 * Scoring reads what the fast checks accept field by field (routing reads a record's span
 * and type fields, nothing else) and never walks a line, so those lines need no depth check.
 */
const FIELD_BY_FIELD = { fastLinesUnwalked: true } as const;

/** The optimistic pass met something only the exact pass handles. */
class NotTheCommonCase extends Error {}

async function scoreInStep(options: ScoreFilesOptions, gold: GoldCursor): Promise<FileScoreReport> {
  const pool = gold.pool;
  // Gold samples passed by, by id, in gold order.
  const waiting = new Map<string, GoldSample>();
  const failed: { at: number; id: string; reason: string }[] = [];
  let predictions = 0;
  for await (const { values, lines } of readJsonlBatches(options.pred, PredictionLineSchema, { fast: fastPredictionLine, ...FIELD_BY_FIELD })) {
    for (let i = 0; i < values.length; i++) {
      const prediction = values[i]!;
      const line = lines[i]!;
      // Predictions mostly come in gold order: the next gold sample is the one.
      if (gold.buffered() === 0) await gold.fill();
      const sample = gold.nextId() === prediction.id ? gold.take() : await findGold(prediction.id, line, gold, waiting, options.pred);
      gold.predictedOn.set(sample.at, line);
      predictions++;
      const outcome = toOutcome(prediction, sample.task, sample.schema);
      if ("failure" in outcome) {
        failed.push({ at: sample.at, id: ownString(prediction.id), reason: outcome.failure });
        pool.add(sample.instance, sample.units, undefined, sample.complete);
      } else {
        pool.add(sample.instance, sample.units, toUnits(sample.task, outcome.records, sample.schema), sample.complete);
      }
    }
  }
  while (gold.buffered() > 0 || (await gold.fill())) wait(waiting, gold.take());
  gold.close();
  // A repeated id or instance was scored as if new: only the exact pass scores (or refuses) that.
  if (gold.mayRepeat()) throw new NotTheCommonCase();
  // Scoring nothing as "every sample failed" hides the real problem: a wrong path or a run that wrote nothing.
  if (predictions === 0) throw new UserInputError("no predictions (the file is empty or holds only blank lines); is this the right file, and did the run that writes it finish?", { file: options.pred });
  for (const sample of waiting.values()) {
    failed.push({ at: sample.at, id: sample.id, reason: NO_PREDICTION });
    pool.add(sample.instance, sample.units, undefined, sample.complete);
  }
  failed.sort((x, y) => x.at - y.at);
  return {
    summary: aggregate(gold.instances.results(pool)),
    failures: failed.map(({ id, reason }) => ({ id, reason })),
  };
}

/**
 * The gold sample of a prediction that is not for the next one: one passed by earlier, or
 * one further down the file (the samples passed on the way wait for their predictions).
 */
async function findGold(id: string, line: number, gold: GoldCursor, waiting: Map<string, GoldSample>, path: string): Promise<GoldSample> {
  const passed = waiting.get(id);
  if (passed !== undefined) {
    waiting.delete(id);
    return passed;
  }
  while (gold.buffered() > 0 || (await gold.fill())) {
    const sample = gold.take();
    if (sample.id === id) return sample;
    wait(waiting, sample);
  }
  if (gold.ids === undefined) throw new NotTheCommonCase();
  const at = gold.ids.get(id);
  if (at !== undefined) {
    throw new UserInputError(`second prediction for id '${id}' (first on line ${gold.predictedOn.get(at)}); keep one line per sample`, { file: path, line, field: "id" });
  }
  throw new UserInputError(`prediction for id '${id}', which is not in the gold file; are these the right files?`, { file: path, line, field: "id" });
}

/**
 * Files a gold sample to wait for its prediction, with its strings copied: as read they
 * are views of their batch of lines, which would stay alive with them (ownString).
 */
function wait(waiting: Map<string, GoldSample>, sample: GoldSample): void {
  const id = ownString(sample.id);
  const units = sample.units.map((unit) => ({ direction: unit.direction, parts: unit.parts.map(ownString) }));
  waiting.set(id, { ...sample, id, units });
}

/** A gold sample as scoring needs it. */
interface GoldSample {
  /** Ordinal in the gold file. */
  at: number;
  /** As read (a view of its line until `wait` copies it). */
  id: string;
  instance: number;
  /** The instance's sample count, when this sample was known to be its last as it was taken. */
  complete: number | undefined;
  task: string;
  /** Shared between samples (fast-check interns schemas). */
  schema: readonly SchemaItem[];
  /** Routed gold units (their spans views of the line until `wait` copies them). */
  units: Unit[];
}

/**
 * The gold file read a batch at a time, as far as the predictions need, each sample routed
 * when taken. Exact (given the GoldIndex of a first read): every id is known. Optimistic
 * (without): ids and instances are fingerprinted (checked for repeats at the end), each
 * instance is complete when the file moves past it, and whatever that cannot handle
 * throws NotTheCommonCase.
 */
class GoldCursor {
  readonly pool: InstancePool;
  readonly instances = new Instances();
  /** Every id with its ordinal (exact only, from the first read). */
  readonly ids: SampleIds | undefined;
  /** Per ordinal (of the samples taken): the line of its prediction, 0 while none. */
  readonly predictedOn = new IntList();
  readonly #fingerprints: FingerprintLog | undefined;
  readonly #batches: AsyncGenerator<{ values: (ScoredSample | Sample)[] }>;
  #batch: (ScoredSample | Sample)[] = [];
  #next = 0;
  #current = -1;
  /** The last instance closed, or known complete when its last sample was taken (each is closed once). */
  #closed = -1;

  /** `index`: the exact pass's (the gold file already checked); without, optimistic. */
  constructor(path: string, index: GoldIndex | undefined) {
    this.pool = new InstancePool(index?.counts);
    this.ids = index?.ids;
    if (index === undefined) this.#fingerprints = new FingerprintLog();
    this.#batches = readJsonlBatches<ScoredSample | Sample>(path, SampleSchema, { fast: fastScoredSample, ...FIELD_BY_FIELD });
  }

  /** Samples read and not yet taken. */
  buffered(): number {
    return this.#batch.length - this.#next;
  }

  /** Reads the next batch (when none is buffered); false at the end of the file. */
  async fill(): Promise<boolean> {
    if (this.buffered() > 0) return true;
    const result = await this.#batches.next();
    if (result.done) {
      // An empty gold file is an error the exact pass words.
      if (this.ids === undefined && this.predictedOn.length === 0) throw new NotTheCommonCase();
      return false;
    }
    this.#batch = result.value.values;
    this.#next = 0;
    return true;
  }

  /** The id of the next sample, if one is buffered. */
  nextId(): string | undefined {
    return this.#batch[this.#next]?.id;
  }

  /** The next (buffered) sample, routed. */
  take(): GoldSample {
    const sample = this.#batch[this.#next]!;
    // Let the line's objects go with the batch.
    this.#batch[this.#next++] = undefined as unknown as Sample;
    const at = this.predictedOn.length;
    this.predictedOn.push(0);
    let instance: number;
    let complete: number | undefined;
    if (this.#fingerprints === undefined) {
      instance = this.instances.of(sample.task, sample.dataset, sample.lang, sample.instance_id);
    } else {
      this.#fingerprints.add(sample.id);
      instance = this.instances.next(sample.task, sample.dataset, sample.lang, sample.instance_id);
      if (instance !== this.#current) this.close();
      // The next sample (when already read) starts another instance: this one is complete,
      // and its last sample says so when it is added (a lone sample is then scored at once).
      const following = this.#batch[this.#next];
      if (following !== undefined && !sameInstance(sample, following)) {
        complete = this.instances.sampleCount(instance);
        this.#closed = instance;
      }
    }
    this.#current = instance;
    const units = toUnits(sample.task, sample.labels as IERecord[]);
    return { at, id: sample.id, instance, complete, task: sample.task, schema: sample.schema, units };
  }

  /** Whether an id or an instance taken so far may have come twice (optimistic; exact knows). */
  mayRepeat(): boolean {
    return this.#fingerprints !== undefined && (this.#fingerprints.mayRepeat() || this.instances.mayRepeat());
  }

  /** The file has moved past the current instance: it has all its samples (optimistic; exact knows the counts). */
  close(): void {
    if (this.#fingerprints === undefined || this.#current === -1 || this.#current === this.#closed) return;
    this.pool.close(this.#current, this.instances.sampleCount(this.#current));
    this.#closed = this.#current;
  }
}

/** Whether two samples belong to the same instance (task, dataset, lang, instance_id). */
function sameInstance(a: ScoredSample | Sample, b: ScoredSample | Sample): boolean {
  return a.instance_id === b.instance_id && a.task === b.task && a.dataset === b.dataset && a.lang === b.lang;
}

/** What the exact pass knows before it scores: every id, and each instance's sample count (numbered as Instances numbers them). */
interface GoldIndex {
  ids: SampleIds;
  counts: Int32Array;
}

/** Reads and checks the whole gold file, keeping only its GoldIndex. */
async function readGoldIndex(path: string): Promise<GoldIndex> {
  const instances = new Instances();
  const ids = await forEachSample<ScoredSample>([path], { fast: fastScoredSample, ...FIELD_BY_FIELD }, (sample) => {
    instances.of(sample.task, sample.dataset, sample.lang, sample.instance_id);
  });
  return { ids, counts: instances.sampleCounts() };
}

/** A prediction line as the scorer sees it: records, or why there are none. */
function toOutcome(prediction: PredictionLine, task: string, schema: readonly SchemaItem[]): { records: readonly IERecord[] } | { failure: string } {
  // Both line shapes are loose objects, so narrow on the field's type, not its presence.
  const { output, records: items } = prediction as { output?: unknown; records?: unknown[] };
  if (typeof output === "string") {
    const parsed = getProgram(task).parse(output, { schema: schema as SchemaItem[] });
    return parsed.ok ? { records: parsed.records } : { failure: `unparseable output: ${parsed.reason}` };
  }
  const fast = fastRecordsAsIs(task, items ?? []);
  if (fast !== undefined) return { records: fast };
  const checked = parseRecords(task, items ?? []);
  return "problem" in checked ? { failure: `invalid ${checked.problem}` } : checked;
}

/** A growable list of 32-bit integers: numbers the garbage collector never has to scan. */
class IntList {
  #values = new Int32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.#values.length) {
      const grown = new Int32Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.length++] = value;
  }

  get(at: number): number {
    return this.#values[at]!;
  }

  set(at: number, value: number): void {
    this.#values[at] = value;
  }

  /** Adds one to the value at `at`. */
  increment(at: number): void {
    this.#values[at]!++;
  }

  /** The values so far (a view, valid until the next push). */
  view(): Int32Array {
    return this.#values.subarray(0, this.length);
  }
}

/** Strings kept once each (own copies, see ownString), numbered in order of first use. */
class Names {
  readonly #number = new Map<string, number>();
  readonly list: string[] = [];
  #last: string | undefined;
  #lastNumber = 0;

  of(name: string): number {
    // Lines of a file mostly repeat the names of the line before.
    if (name === this.#last) return this.#lastNumber;
    let n = this.#number.get(name);
    if (n === undefined) {
      n = this.list.length;
      const own = ownString(name);
      this.#number.set(own, n);
      this.list.push(own);
    }
    this.#last = this.list[n]!;
    this.#lastNumber = n;
    return n;
  }
}

/**
 * Instances by (task, dataset, lang, instance_id), numbered in order of first appearance,
 * with each one's names and sample count. Two ways to find a sample's instance:
 * - `of`, exact: one map lookup per sample, by instance_id; the rare instance_id shared
 *   across (task, dataset, lang) is told apart by following a chain of the few instances
 *   filed under it;
 * - `next`, for a file whose instances are runs of adjacent samples: the current run, or a
 *   new instance, fingerprinted (no instance_id is kept); `mayRepeat` then says whether
 *   a run may have repeated an earlier instance.
 */
class Instances {
  readonly #byInstanceId = new Map<string, number>();
  readonly #fingerprints = new FingerprintLog();
  /** task, dataset and lang names, by number (each its own list: a run of lines repeats each). */
  readonly #tasks = new Names();
  readonly #datasets = new Names();
  readonly #langs = new Names();
  /** Per instance (`of` only: its instance_id). */
  readonly #instanceId: string[] = [];
  readonly #next = new IntList();
  readonly #task = new IntList();
  readonly #dataset = new IntList();
  readonly #lang = new IntList();
  readonly #sampleCount = new IntList();
  /** The last instance's instance_id (`next`). */
  #lastId: string | undefined;

  /** Instances so far. */
  get count(): number {
    return this.#sampleCount.length;
  }

  /** Samples of instance `at` so far. */
  sampleCount(at: number): number {
    return this.#sampleCount.get(at);
  }

  /** Samples per instance (final once the gold file is read). */
  sampleCounts(): Int32Array {
    return this.#sampleCount.view();
  }

  /** The instance a sample belongs to (counted as one more of its samples), looked up exactly. */
  of(taskName: string, datasetName: string, langName: string, instanceId: string): number {
    const task = this.#tasks.of(taskName);
    const dataset = this.#datasets.of(datasetName);
    const lang = this.#langs.of(langName);
    // A batched instance's samples mostly follow each other: try the last instance first.
    const last = this.count - 1;
    if (last >= 0 && this.#instanceId[last] === instanceId && this.#same(last, task, dataset, lang)) {
      this.#sampleCount.increment(last);
      return last;
    }
    const head = this.#byInstanceId.get(instanceId);
    for (let at = head ?? -1; at !== -1; at = this.#next.get(at)) {
      if (this.#same(at, task, dataset, lang)) {
        this.#sampleCount.increment(at);
        return at;
      }
    }
    const at = this.#add(task, dataset, lang);
    const ownId = ownString(instanceId);
    this.#byInstanceId.set(ownId, at);
    this.#instanceId.push(ownId);
    this.#next.push(head ?? -1);
    return at;
  }

  /** The instance of the next sample of a file whose instances are runs of adjacent samples. */
  next(taskName: string, datasetName: string, langName: string, instanceId: string): number {
    const task = this.#tasks.of(taskName);
    const dataset = this.#datasets.of(datasetName);
    const lang = this.#langs.of(langName);
    const last = this.count - 1;
    if (last >= 0 && this.#lastId === instanceId && this.#same(last, task, dataset, lang)) {
      this.#sampleCount.increment(last);
      return last;
    }
    const group = Math.imul(task + 1, 0x9e3779b1) ^ Math.imul(dataset + 1, 0x85ebca77) ^ Math.imul(lang + 1, 0xc2b2ae3d);
    this.#fingerprints.add(instanceId, group);
    this.#lastId = instanceId;
    return this.#add(task, dataset, lang);
  }

  /** Whether a run of `next` may have repeated an earlier instance. */
  mayRepeat(): boolean {
    return this.#fingerprints.mayRepeat();
  }

  #add(task: number, dataset: number, lang: number): number {
    const at = this.count;
    this.#task.push(task);
    this.#dataset.push(dataset);
    this.#lang.push(lang);
    this.#sampleCount.push(1);
    return at;
  }

  #same(at: number, task: number, dataset: number, lang: number): boolean {
    return this.#task.get(at) === task && this.#dataset.get(at) === dataset && this.#lang.get(at) === lang;
  }

  /** The instances' results, for `aggregate`, one at a time. */
  *results(pool: InstancePool): Generator<AggregatedInstance> {
    for (let at = 0; at < this.count; at++) {
      yield {
        task: this.#tasks.list[this.#task.get(at)]!,
        dataset: this.#datasets.list[this.#dataset.get(at)]!,
        lang: this.#langs.list[this.#lang.get(at)]!,
        lf1: pool.lf1[at]!,
        f1: pool.f1[at]!,
        samples: this.#sampleCount.get(at),
        failures: pool.failures[at]!,
      };
    }
  }
}

/** Plain-text report: overall, non-English, per language, dataset and task, then failures. */
export function formatScoreTable(report: FileScoreReport, options: ScoreFilesOptions): string {
  const s = report.summary;
  const rows: [string, GroupSummary][] = [
    ["overall", s.overall],
    ["non-English", s.non_english],
    ...Object.entries(s.by_lang).map(([k, v]): [string, GroupSummary] => [`lang ${k}`, v]),
    ...Object.entries(s.by_dataset).map(([k, v]): [string, GroupSummary] => [`dataset ${k}`, v]),
    ...Object.entries(s.by_task).map(([k, v]): [string, GroupSummary] => [`task ${k}`, v]),
  ];
  const header = ["", "LF1", "F1", "instances", "samples", "failures"];
  const body = rows.map(([name, g]) => [name, fmt(g.lf1), fmt(g.f1), String(g.instances), String(g.samples), String(g.failures)]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd();

  const out = [
    `gold: ${options.gold}   predictions: ${options.pred}`,
    "Scores are 0-100, means over instances (an instance pools its batched samples).",
    "",
    line(header),
    ...body.map(line),
    "",
  ];
  const failures = report.failures;
  if (failures.length === 0) {
    out.push("failures: 0");
  } else {
    out.push(`failures: ${failures.length} sample(s) scored 0`);
    const shown = 10;
    for (const f of failures.slice(0, shown)) out.push(`  ${f.id}: ${f.reason}`);
    if (failures.length > shown) out.push(`  … and ${failures.length - shown} more (see --json)`);
  }
  return out.join("\n") + "\n";
}

function fmt(score: number | null): string {
  return score === null ? "-" : score.toFixed(2);
}

