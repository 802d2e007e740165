/**
 * The predictions of one (prompt, model), kept so an eval resumes without asking again:
 *
 *   <out>/predictions/<prompt>--<model>.jsonl           {"id", "output"} per answered sample
 *                                                        (the prediction file contract)
 *   <out>/predictions/<prompt>--<model>.meta.json       what the answers depend on
 *   <out>/predictions/<prompt>--<model>.failures.jsonl  {"id", "kind", "reason"} per failure
 *   <out>/predictions/<prompt>--<model>.usage-log.jsonl one line per usage event (call, cache
 *                                                        hit, failure) of every process that
 *                                                        worked on the pair, so a resumed eval
 *                                                        reports what the pair cost in total
 *
 * The .jsonl file is an append log, written as answers arrive; a kill can at worst leave
 * a cut-off last line, which the next run drops (and rewrites the file without it). An
 * LM call that failed is recorded in .failures.jsonl, not in the predictions, so a rerun
 * asks it again; an answer that did not parse is a prediction (rerunning would get the
 * same text) and is scored 0 again. If the prompt, model or batching changed (the meta
 * file differs), the old files are moved aside to *.superseded and the run starts fresh.
 */
import { createWriteStream, existsSync, readFileSync, renameSync, type WriteStream } from "node:fs";
import { applyUsageEvent, emptyCounts, type PriceTable, type UsageCounts, type UsageEvent, type UsageMeter } from "../lm/usage.ts";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PredictionLineSchema } from "../data/sample.ts";
import { readAppendLog, readLogSync, writeJsonl } from "../data/jsonl.ts";
import { writeJsonAtomic } from "../util/fs.ts";

/** `pipeline`: the trace a translate-test / transfusion answer keeps next to its output. */
export type StoredPrediction = ({ output: string } | { records: unknown[] }) & { pipeline?: unknown };

export interface PredictionMeta {
  prompt: string;
  prompt_fingerprint: string;
  model: string;
  endpoint?: string;
  split_num: number;
}

/** A file-name-safe form of a label (prompt or model name). */
export function slug(label: string): string {
  const s = label.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "");
  return s.length > 0 ? s.slice(0, 80) : "x";
}

export function predictionPaths(dir: string, prompt: string, model: string): { predictions: string; meta: string; failures: string; usage: string } {
  const base = join(dir, "predictions", `${slug(prompt)}--${slug(model)}`);
  return { predictions: `${base}.jsonl`, meta: `${base}.meta.json`, failures: `${base}.failures.jsonl`, usage: `${base}.usage-log.jsonl` };
}

/** Reads a predictions file; a cut-off last line is dropped, a bad line elsewhere is an error. */
export async function readPredictions(path: string): Promise<{ byId: Map<string, StoredPrediction>; droppedTail: boolean }> {
  const byId = new Map<string, StoredPrediction>();
  const { droppedTail } = await readAppendLog(path, PredictionLineSchema, 'a prediction line ({"id", "output"} or {"id", "records"})', (parsed) => {
    const stored: StoredPrediction = "output" in parsed ? { output: parsed.output as string } : { records: parsed.records as unknown[] };
    if (parsed.pipeline !== undefined) stored.pipeline = parsed.pipeline;
    byId.set(parsed.id, stored);
  });
  return { byId, droppedTail };
}

export class PredictionStore {
  readonly paths: ReturnType<typeof predictionPaths>;
  /** Earlier answers by sample id; entries are removed as the eval uses them. */
  readonly previous: Map<string, StoredPrediction>;
  readonly notes: string[];
  readonly #out: WriteStream;
  /** Failures stream to a temporary file, renamed into place by close(). */
  readonly #failures: WriteStream;
  readonly #failuresTmp: string;
  #usage: WriteStream | undefined;
  #unsubscribe: (() => void) | undefined;
  #error: Error | undefined;

  private constructor(paths: ReturnType<typeof predictionPaths>, previous: Map<string, StoredPrediction>, notes: string[]) {
    this.paths = paths;
    this.previous = previous;
    this.notes = notes;
    this.#out = createWriteStream(paths.predictions, { flags: "a" });
    this.#failuresTmp = `${paths.failures}.${process.pid}.tmp`;
    this.#failures = createWriteStream(this.#failuresTmp);
    for (const stream of [this.#out, this.#failures]) {
      stream.on("error", (err) => {
        this.#error = err;
      });
    }
  }

  static async open(dir: string, meta: PredictionMeta, options: { resume: boolean }): Promise<PredictionStore> {
    const paths = predictionPaths(dir, meta.prompt, meta.model);
    mkdirSync(join(dir, "predictions"), { recursive: true });
    const notes: string[] = [];
    let previous = new Map<string, StoredPrediction>();
    if (existsSync(paths.predictions)) {
      const same = options.resume && existsSync(paths.meta) && sameMeta(readFileSync(paths.meta, "utf8"), meta);
      if (same) {
        const read = await readPredictions(paths.predictions);
        previous = read.byId;
        if (read.droppedTail) {
          // Rewrite without the cut-off line so appending starts on a fresh line.
          writeJsonl(paths.predictions, [...previous].map(([id, p]) => ({ id, ...p })));
          notes.push(`${paths.predictions}: dropped a cut-off last line (an interrupted write)`);
        }
        if (previous.size > 0) notes.push(`${paths.predictions}: reusing ${previous.size} earlier predictions`);
      } else {
        for (const p of [paths.predictions, paths.failures, paths.meta, paths.usage]) if (existsSync(p)) renameSync(p, `${p}.superseded`);
        notes.push(`${paths.predictions}: ${options.resume ? "the prompt, model or batching changed" : "--fresh"}; earlier predictions moved to *.superseded`);
      }
    }
    writeJsonAtomic(paths.meta, meta);
    return new PredictionStore(paths, previous, notes);
  }

  /** Appends one answered sample (raw text, and a pipeline's trace when there is one). */
  append(id: string, output: string, pipeline?: unknown): void {
    if (this.#error) throw this.#error;
    this.#out.write(JSON.stringify(pipeline === undefined ? { id, output } : { id, output, pipeline }) + "\n");
  }

  /** The reason of the first sample that got no answer (lm or missing), for the console. */
  firstFailure: string | undefined;

  fail(id: string, kind: string, reason: string): void {
    if (this.#error) throw this.#error;
    if (kind !== "parse") this.firstFailure ??= reason;
    this.#failures.write(JSON.stringify({ id, kind, reason }) + "\n");
  }

  /** Journals every usage event of `meter` into the pair's usage log, as it happens. */
  journalUsage(meter: UsageMeter): void {
    readLogSync(this.paths.usage, (notice) => this.notes.push(notice)); // cuts a line an earlier kill left unfinished
    const stream = createWriteStream(this.paths.usage, { flags: "a" });
    stream.on("error", (err) => {
      this.#error = err;
    });
    this.#usage = stream;
    this.#unsubscribe = meter.subscribe((event) => stream.write(JSON.stringify(event) + "\n"));
  }

  /** What the pair cost over every process that worked on it (call after close). */
  totalUsage(prices: PriceTable | undefined): UsageCounts {
    const counts = emptyCounts();
    for (const event of readLogSync<UsageEvent>(this.paths.usage)) applyUsageEvent(counts, event, prices);
    return counts;
  }

  /** Flushes the predictions and puts the failure list in place. */
  async close(): Promise<void> {
    const end = (s: WriteStream) => new Promise<void>((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve())));
    this.#unsubscribe?.();
    if (this.#usage) await end(this.#usage);
    await end(this.#out);
    await end(this.#failures);
    if (this.#error) throw this.#error;
    renameSync(this.#failuresTmp, this.paths.failures);
  }
}

function sameMeta(text: string, meta: PredictionMeta): boolean {
  try {
    const old = JSON.parse(text) as Partial<PredictionMeta>;
    return old.prompt_fingerprint === meta.prompt_fingerprint && old.model === meta.model && old.endpoint === meta.endpoint && old.split_num === meta.split_num;
  } catch {
    return false;
  }
}
