/**
 * `ieopt eval --batch openai`: the eval's request files go through OpenAI's Files and
 * Batches API (the openai package): upload (purpose "batch"), create a batch per file
 * (/v1/chat/completions, 24h window), poll until it ends, download the output and error
 * files into the out folder, then score them like `--batch-in`.
 *
 * Every step is recorded in `<out>/batch/openai-batches.json` as soon as it happens, so a
 * rerun of the same command resumes: submitted files are not uploaded again and polling
 * picks up the recorded batch ids. On Ctrl-C the batches keep running (rerun to resume)
 * unless `cancel` is set, which cancels the unfinished ones first.
 */
import { existsSync, readFileSync, createReadStream } from "node:fs";
import { basename, join } from "node:path";
import { z } from "zod";
import { RunFailed, RunStopped } from "../errors.ts";
import { writeFileAtomic } from "../util/fs.ts";

/** The part of the openai client this uses (an `OpenAI` instance fits). */
export interface BatchApi {
  files: {
    create(params: { file: NodeJS.ReadableStream | File; purpose: "batch" }): PromiseLike<{ id: string }>;
    content(fileId: string): PromiseLike<{ text(): Promise<string> }>;
  };
  batches: {
    create(params: { input_file_id: string; endpoint: "/v1/chat/completions"; completion_window: "24h"; metadata?: Record<string, string> }): PromiseLike<BatchInfo>;
    retrieve(batchId: string): PromiseLike<BatchInfo>;
    cancel(batchId: string): PromiseLike<BatchInfo>;
  };
}

export interface BatchInfo {
  id: string;
  status: string;
  output_file_id?: string | null | undefined;
  error_file_id?: string | null | undefined;
  request_counts?: { total: number; completed: number; failed: number } | null | undefined;
  errors?: { data?: { code?: string | null; message?: string | null; line?: number | null }[] } | null | undefined;
}

const TERMINAL = new Set(["completed", "expired", "cancelled", "failed"]);

export const STATE_FILE = "openai-batches.json";

const EntrySchema = z.object({
  model: z.string(),
  request_file: z.string(),
  input_file_id: z.string().optional(),
  batch_id: z.string().optional(),
  status: z.string().optional(),
  results: z.array(z.string()).default([]),
  downloaded: z.boolean().default(false),
});
const StateSchema = z.object({ format: z.literal("ieopt.openai-batches/v1"), batches: z.array(EntrySchema) });
type Entry = z.infer<typeof EntrySchema>;

export interface OpenAIBatchJob {
  model: string;
  requestFiles: string[];
}

export interface OpenAIBatchOptions {
  /** The batch folder inside the out folder (state and downloaded files). */
  dir: string;
  jobs: readonly OpenAIBatchJob[];
  client: (model: string) => BatchApi;
  pollMs: number;
  cancelOnInterrupt: boolean;
  signal?: AbortSignal | undefined;
  /** One line per change worth showing (submission, status, progress, download). */
  report: (line: string) => void;
}

function loadState(path: string): Entry[] {
  if (!existsSync(path)) return [];
  return StateSchema.parse(JSON.parse(readFileSync(path, "utf8"))).batches;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

function progressLine(info: BatchInfo): string {
  const c = info.request_counts;
  return `openai batch ${info.id}: ${info.status}${c ? ` — ${c.completed + c.failed}/${c.total} done${c.failed > 0 ? `, ${c.failed} failed` : ""}` : ""}`;
}

/** Submits (or resumes), polls and downloads every request file's batch; returns the result files. */
export async function runOpenAIBatches(options: OpenAIBatchOptions): Promise<string[]> {
  const statePath = join(options.dir, STATE_FILE);
  const entries = loadState(statePath);
  const save = () => writeFileAtomic(statePath, JSON.stringify({ format: "ieopt.openai-batches/v1", batches: entries }, null, 2) + "\n");
  const entryFor = (model: string, file: string): Entry => {
    let e = entries.find((x) => x.model === model && x.request_file === basename(file));
    if (!e) entries.push((e = { model, request_file: basename(file), results: [], downloaded: false }));
    return e;
  };

  // Submit what is not submitted yet (each id recorded as soon as it exists).
  for (const job of options.jobs) {
    const api = options.client(job.model);
    for (const file of job.requestFiles) {
      const e = entryFor(job.model, file);
      if (e.batch_id) continue;
      if (options.signal?.aborted) throw new RunStopped(`stopped before submitting ${basename(file)}; rerun the same command to go on`);
      if (!e.input_file_id) {
        e.input_file_id = (await api.files.create({ file: createReadStream(file), purpose: "batch" })).id;
        save();
      }
      const batch = await api.batches.create({ input_file_id: e.input_file_id, endpoint: "/v1/chat/completions", completion_window: "24h", metadata: { source: "ieopt eval" } });
      e.batch_id = batch.id;
      e.status = batch.status;
      save();
      options.report(`submitted ${basename(file)} (${job.model}) as openai batch ${batch.id}`);
    }
  }

  // Poll until every batch has ended, then download its files.
  const pending = () => entries.filter((e) => e.batch_id && !e.downloaded);
  const shown = new Map<string, string>();
  while (pending().length > 0) {
    for (const e of pending()) {
      if (options.signal?.aborted) break;
      const api = options.client(e.model);
      const info = await api.batches.retrieve(e.batch_id!);
      e.status = info.status;
      const line = progressLine(info);
      if (shown.get(info.id) !== line) {
        shown.set(info.id, line);
        options.report(line);
      }
      if (!TERMINAL.has(info.status)) continue;
      if (info.status === "failed") {
        save();
        const why = (info.errors?.data ?? []).map((d) => `${d.code ?? "error"}${d.line ? ` (line ${d.line})` : ""}: ${d.message ?? "no message"}`).join("; ");
        throw new RunFailed(`openai batch ${info.id} (${e.request_file}) failed: ${why || "no reason given"}`);
      }
      const stem = e.request_file.replace(/\.jsonl$/, "");
      e.results = [];
      for (const [kind, id] of [["results", info.output_file_id], ["errors", info.error_file_id]] as const) {
        if (!id) continue;
        const path = join(options.dir, `${stem}.${kind}.jsonl`);
        writeFileAtomic(path, await (await api.files.content(id)).text());
        e.results.push(basename(path));
      }
      e.downloaded = true;
      save();
      options.report(`downloaded ${e.results.join(", ") || "no files"} of openai batch ${info.id} (${info.status})`);
    }
    save();
    if (options.signal?.aborted) {
      const open = pending();
      if (options.cancelOnInterrupt) {
        for (const e of open) {
          const info = await options.client(e.model).batches.cancel(e.batch_id!);
          e.status = info.status;
          options.report(`cancelled openai batch ${info.id} (${info.status})`);
        }
        save();
        throw new RunStopped(`cancelled ${open.length} openai batch(es); their ids are in ${statePath}`);
      }
      throw new RunStopped(`stopped polling; ${open.length} openai batch(es) keep running, ids in ${statePath} — rerun the same command to resume`);
    }
    if (pending().length > 0) await sleep(options.pollMs, options.signal);
  }
  return entries.flatMap((e) => e.results.map((f) => join(options.dir, f)));
}
