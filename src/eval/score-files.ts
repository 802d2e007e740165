/**
 * `ieopt score --gold G --pred P [--json]`: score a prediction file against gold samples
 * with LF1 and exact F1 (method.md §3), through the same `scorePredictions` the eval
 * runner uses.
 *
 * Prediction lines are `{"id","output"}` (raw model text, parsed by the task's program
 * with the sample's schema) or `{"id","records"}` (checked against the task's record
 * schema). A line that does not parse or whose records do not fit makes that sample a
 * failure (score 0, listed); so does a gold sample with no prediction. A prediction for
 * an id that is not in the gold file, or a second prediction for the same id, is a user
 * error naming file and line. Nothing is printed until everything has been read and scored.
 */
import { getProgram } from "../../programs/index.ts";
import { forEachJsonl, forEachSample, ownString, type SampleIds } from "../data/jsonl.ts";
import { parseRecords, PredictionLineSchema, type IERecord, type PredictionLine, type SchemaItem } from "../data/sample.ts";
import { UserInputError } from "../errors.ts";
import { fastPredictionLine, fastRecordsAsIs, fastScoredSample } from "../data/fast-check.ts";
import { aggregate, type GroupSummary, type InstanceResult } from "../metrics/aggregate.ts";
import { toUnits, type Unit } from "../metrics/routing.ts";
import { InstancePool, NO_PREDICTION, type ScoreReport } from "../metrics/score.ts";

export interface ScoreFilesOptions {
  gold: string;
  pred: string;
}

/** What `ieopt score` reports: the summary and the failed samples (in gold order). */
export type FileScoreReport = Pick<ScoreReport, "summary" | "failures">;

/**
 * Reads both files and scores them; throws UserInputError for anything the user must fix.
 *
 * Streaming, and lean where files are large: the gold file is reduced to what scoring
 * needs (per sample its instance, schema and routed gold units, kept flat), then each
 * prediction is scored as it is read (InstancePool: the pooling `scorePredictions` does),
 * so no parsed line outlives its batch. The scores equal `scorePredictions`' (a test
 * holds them equal).
 */
export async function scoreFiles(options: ScoreFilesOptions): Promise<FileScoreReport> {
  const gold = await readGold(options.gold);
  const pool = new InstancePool(gold.instances.sampleCounts());
  const failures = new Map<number, string>();
  const predicted = await readPredictions(options.pred, gold, (at, units, failure) => {
    if (failure !== undefined) failures.set(at, failure);
    pool.add(gold.instanceOf.get(at), gold.units.of(at), units);
  });
  const failed: { id: string; reason: string }[] = [];
  const ids = gold.sampleIds.ids;
  for (let at = 0; at < ids.length; at++) {
    if (predicted[at] === 0) {
      pool.add(gold.instanceOf.get(at), gold.units.of(at), undefined);
      failed.push({ id: ids[at]!, reason: NO_PREDICTION });
    } else {
      const reason = failures.get(at);
      if (reason !== undefined) failed.push({ id: ids[at]!, reason });
    }
  }
  return { summary: aggregate(gold.instances.results(pool)), failures: failed };
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
 * The gold file as scoring needs it, per sample (by ordinal): nothing else is kept, and no
 * string that would keep its line alive (ownString).
 */
interface Gold {
  sampleIds: SampleIds;
  /** Schema arrays are shared between samples (fast-check interns them). */
  schema: (readonly SchemaItem[])[];
  instanceOf: IntList;
  units: FlatUnits;
  instances: Instances;
}

async function readGold(path: string): Promise<Gold> {
  const gold: Omit<Gold, "sampleIds"> = { schema: [], instanceOf: new IntList(), units: new FlatUnits(), instances: new Instances() };
  const sampleIds = await forEachSample([path], { fast: fastScoredSample }, (sample) => {
    gold.schema.push(sample.schema);
    gold.instanceOf.push(gold.instances.of(sample.task, sample.dataset, sample.lang, sample.instance_id));
    gold.units.push(toUnits(sample.task, sample.labels as IERecord[]));
  });
  return { ...gold, sampleIds };
}

/**
 * Reads the prediction file, handing each sample's routed units (or, for a failed one,
 * undefined and why) to `onSample` as its line is read. Returns per sample the line of
 * its prediction (0: none).
 */
async function readPredictions(
  path: string,
  gold: Gold,
  onSample: (at: number, units: Unit[] | undefined, failure: string | undefined) => void,
): Promise<number[]> {
  const lineOf = new Array<number>(gold.sampleIds.size).fill(0);
  let count = 0;
  let next = 0;
  await forEachJsonl(path, PredictionLineSchema, { fast: fastPredictionLine }, (value, line) => {
    // Predictions mostly come in gold order: try the sample after the last one first.
    const at = gold.sampleIds.ids[next] === value.id ? next : gold.sampleIds.get(value.id);
    if (at === undefined) {
      throw new UserInputError(`prediction for id '${value.id}', which is not in the gold file; are these the right files?`, {
        file: path,
        line,
        field: "id",
      });
    }
    const first = lineOf[at]!;
    if (first !== 0) {
      throw new UserInputError(`second prediction for id '${value.id}' (first on line ${first}); keep one line per sample`, {
        file: path,
        line,
        field: "id",
      });
    }
    lineOf[at] = line;
    next = at + 1;
    count++;
    const task = gold.instances.task(gold.instanceOf.get(at));
    const schema = gold.schema[at]!;
    const outcome = toOutcome(value, task, schema);
    if ("failure" in outcome) onSample(at, undefined, outcome.failure);
    else onSample(at, toUnits(task, outcome.records, schema), undefined);
  });
  // Scoring nothing as "every sample failed" hides the real problem: a wrong path or a run that wrote nothing.
  if (count === 0) throw new UserInputError("no predictions (the file is empty or holds only blank lines); is this the right file, and did the run that writes it finish?", { file: path });
  return lineOf;
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

  /** Adds one to the value at `at`. */
  increment(at: number): void {
    this.#values[at]!++;
  }

  /** The values so far (a view, valid until the next push). */
  view(): Int32Array {
    return this.#values.subarray(0, this.length);
  }
}

/** Strings kept once each (own copies, see ownString, unless `keep` says otherwise), numbered in order of first use. */
class Names {
  readonly #number = new Map<string, number>();
  readonly list: string[] = [];
  readonly #keep: (name: string) => string;

  constructor(keep: (name: string) => string = ownString) {
    this.#keep = keep;
  }

  #last: string | undefined;
  #lastNumber = 0;

  of(name: string): number {
    // Lines of a file mostly repeat the names of the line before.
    if (name === this.#last) return this.#lastNumber;
    let n = this.#number.get(name);
    if (n === undefined) {
      n = this.list.length;
      const own = this.#keep(name);
      this.#number.set(own, n);
      this.list.push(own);
    }
    this.#last = this.list[n]!;
    this.#lastNumber = n;
    return n;
  }
}

/**
 * Routed units of many samples in flat arrays: no object per unit outlives the read, so a
 * large gold file costs the garbage collector a few typed arrays and one string per sample
 * (its parts joined: a fresh string, so it keeps no line alive), not a million small objects.
 */
class FlatUnits {
  // Direction keys are routing's own strings (built by JSON.stringify, not views of a
  // line): kept as they are, a predicted unit's direction is the very same string, so
  // the scorer's direction test is a pointer comparison.
  readonly #directions = new Names((direction) => direction);
  /** Per sample: its units' parts, joined; and where its units end in #direction. */
  readonly #text: string[] = [];
  readonly #unitsEnd = new IntList();
  /** Per unit: its direction's number, and where its parts end in #partEnd. */
  readonly #direction = new IntList();
  readonly #partsEnd = new IntList();
  /** Per part: where it ends in its sample's text. */
  readonly #partEnd = new IntList();

  push(units: readonly Unit[]): void {
    let text = "";
    let length = 0;
    for (const unit of units) {
      this.#direction.push(this.#directions.of(unit.direction));
      for (const part of unit.parts) {
        text += part;
        this.#partEnd.push((length += part.length));
      }
      this.#partsEnd.push(this.#partEnd.length);
    }
    this.#text.push(ownString(text));
    this.#unitsEnd.push(this.#direction.length);
  }

  /** The units of sample `at`, as pushed. */
  of(at: number): Unit[] {
    const text = this.#text[at]!;
    const start = at === 0 ? 0 : this.#unitsEnd.get(at - 1);
    const end = this.#unitsEnd.get(at);
    const units = new Array<Unit>(end - start);
    let part = start === 0 ? 0 : this.#partsEnd.get(start - 1);
    let from = 0;
    for (let u = start; u < end; u++) {
      const partsEnd = this.#partsEnd.get(u);
      const parts = new Array<string>(partsEnd - part);
      for (let k = 0; part < partsEnd; part++, k++) {
        const to = this.#partEnd.get(part);
        parts[k] = text.slice(from, to);
        from = to;
      }
      units[u - start] = { direction: this.#directions.list[this.#direction.get(u)]!, parts };
    }
    return units;
  }
}

/**
 * Instances by (task, dataset, lang, instance_id), numbered in order of first appearance.
 * One map lookup per sample, by instance_id; the rare instance_id shared across (task,
 * dataset, lang) is told apart by following a chain of the few instances filed under it.
 */
class Instances {
  readonly #byInstanceId = new Map<string, number>();
  /** task, dataset and lang names, by number. */
  readonly #names = new Names();
  /** Per instance. */
  readonly #instanceId: string[] = [];
  readonly #next = new IntList();
  readonly #task = new IntList();
  readonly #dataset = new IntList();
  readonly #lang = new IntList();
  readonly #sampleCount = new IntList();

  /** The task of instance `at`. */
  task(at: number): string {
    return this.#names.list[this.#task.get(at)]!;
  }

  /** Samples per instance (final once the gold file is read). */
  sampleCounts(): Int32Array {
    return this.#sampleCount.view();
  }

  /** The instance a sample belongs to (counted as one more of its samples). */
  of(taskName: string, datasetName: string, langName: string, instanceId: string): number {
    const task = this.#names.of(taskName);
    const dataset = this.#names.of(datasetName);
    const lang = this.#names.of(langName);
    // A batched instance's samples mostly follow each other: try the last instance first.
    const last = this.#sampleCount.length - 1;
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
    const at = this.#sampleCount.length;
    const ownId = ownString(instanceId);
    this.#byInstanceId.set(ownId, at);
    this.#instanceId.push(ownId);
    this.#next.push(head ?? -1);
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
  *results(pool: InstancePool): Generator<InstanceResult> {
    const names = this.#names.list;
    for (let at = 0; at < this.#sampleCount.length; at++) {
      yield {
        instance_id: this.#instanceId[at]!,
        task: names[this.#task.get(at)]!,
        dataset: names[this.#dataset.get(at)]!,
        lang: names[this.#lang.get(at)]!,
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

