/**
 * Run folders (design.md): runs/<run-id>/ with config.json (no secrets), candidates.json,
 * trials.jsonl (appended and flushed per line), frozen.json, report.md, usage.json and
 * status.json (running | finished | stopped | failed). A killed run resumes from here.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { UserInputError } from "../errors.ts";
import { appendLineDurable, writeJsonAtomic, writeFileAtomic } from "../util/fs.ts";
import { readLogSync } from "../data/jsonl.ts";

/** "degraded": finished, but a phase lost a significant share of its LM calls. */
export type RunState = "running" | "finished" | "degraded" | "stopped" | "failed";

export interface RunStatus {
  state: RunState;
  updated_at: string;
  message?: string;
  /** LM calls and failures per phase of the last process. */
  phases?: unknown;
}

export const DEFAULT_RUNS_DIR = "runs";

export function newRunId(task: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
  return `${task.toLowerCase()}-${stamp}-${randomBytes(2).toString("hex")}`;
}

export class RunFolder {
  readonly id: string;
  readonly dir: string;

  constructor(runsDir: string, id: string, dir = resolve(runsDir, id)) {
    this.id = id;
    this.dir = dir;
  }

  /** A new, empty run folder. */
  static create(runsDir: string, id: string): RunFolder {
    const run = new RunFolder(runsDir, id);
    if (existsSync(run.dir)) throw new UserInputError(`run folder already exists: ${run.dir}`);
    mkdirSync(run.dir, { recursive: true });
    return run;
  }

  /** An existing run folder, for --resume, export and show. */
  static open(runsDir: string, idOrPath: string): RunFolder {
    const direct = resolve(idOrPath);
    const run = existsSync(join(direct, "config.json"))
      ? new RunFolder(resolve(direct, ".."), direct.split(/[\\/]/).pop()!)
      : new RunFolder(runsDir, idOrPath);
    if (!existsSync(join(run.dir, "config.json"))) {
      throw new UserInputError(`no run '${idOrPath}' (looked for ${join(run.dir, "config.json")}); 'ieopt runs list' shows the runs`);
    }
    return run;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  has(name: string): boolean {
    return existsSync(this.path(name));
  }

  writeJson(name: string, value: unknown): void {
    writeJsonAtomic(this.path(name), value);
  }

  writeText(name: string, text: string): void {
    writeFileAtomic(this.path(name), text);
  }

  readText(name: string): string {
    return readFileSync(this.path(name), "utf8");
  }

  readJson<T = unknown>(name: string): T {
    return JSON.parse(readFileSync(this.path(name), "utf8")) as T;
  }

  appendLog(name: string, record: unknown): void {
    appendLineDurable(this.path(name), JSON.stringify(record));
  }

  /** Told when reading a log repaired it (a torn last line cut off); the CLI shows it. */
  onNotice: ((message: string) => void) | undefined;

  /**
   * The records of a JSONL log. Only a torn last line (no newline: a kill mid-write) is
   * dropped, cut off the file and reported through onNotice; any other line that does not
   * parse is damage nobody should silently lose work to: an error naming file:line.
   */
  readLog<T = unknown>(name: string): T[] {
    return readLogSync<T>(this.path(name), this.onNotice);
  }

  setStatus(state: RunState, message?: string, extra: { phases?: unknown } = {}): void {
    this.writeJson("status.json", { state, updated_at: new Date().toISOString(), ...(message ? { message } : {}), ...extra } satisfies RunStatus);
  }

  status(): RunStatus | undefined {
    return this.has("status.json") ? this.readJson<RunStatus>("status.json") : undefined;
  }
}

export interface RunListing {
  id: string;
  state: RunState | "unknown";
  task: string | undefined;
  optimizer: string | undefined;
  created_at: string;
  /** The model the prompt runs with (θ), and where it is served (no secrets). */
  model: string | undefined;
  base_url: string | undefined;
  /** The metric the run searched (lf1 or f1). */
  metric: string | undefined;
  /**
   * The frozen prompt's validation score, 0–100: the search's objective, the mean
   * per-sample score on the whole validation split (as report.md's "validation").
   */
  val_score: number | undefined;
}

interface ListedConfig {
  task?: string;
  optimizer?: string;
  created_at?: string;
  models?: { inference?: { model?: string; base_url?: string } };
  settings?: { metric?: string };
}

export function listRuns(runsDir: string): RunListing[] {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir)
    .filter((name) => existsSync(join(runsDir, name, "config.json")))
    .map((name): RunListing => {
      const run = new RunFolder(runsDir, name);
      const config = run.readJson<ListedConfig>("config.json");
      const metric = config.settings?.metric;
      const scores = run.has("frozen.json") ? run.readJson<{ provenance?: { scores?: Record<string, unknown> } }>("frozen.json").provenance?.scores : undefined;
      const raw = metric ? scores?.[`val_${metric}`] : undefined;
      // Frozen prompts before scores said their scale held 0–1 values.
      const val = typeof raw === "number" ? (scores?.["scale"] === "0-100" ? raw : 100 * raw) : undefined;
      return {
        id: name,
        state: run.status()?.state ?? "unknown",
        task: config.task,
        optimizer: config.optimizer,
        created_at: config.created_at ?? statSync(run.dir).mtime.toISOString(),
        model: config.models?.inference?.model,
        base_url: config.models?.inference?.base_url,
        metric,
        val_score: val,
      };
    })
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/**
 * A run kept in memory: the same files as a run folder, never written to disk (library
 * use: `optimize({ ..., inMemory: true })`). It cannot be resumed after the process ends.
 */
export class MemoryRunFolder extends RunFolder {
  readonly files = new Map<string, string>();

  constructor(id: string) {
    super("", id, `memory:${id}`);
  }

  override path(name: string): string {
    return `${this.dir}/${name}`;
  }

  override has(name: string): boolean {
    return this.files.has(name);
  }

  override writeJson(name: string, value: unknown): void {
    this.files.set(name, `${JSON.stringify(value, null, 2)}\n`);
  }

  override writeText(name: string, text: string): void {
    this.files.set(name, text);
  }

  override readText(name: string): string {
    const text = this.files.get(name);
    if (text === undefined) throw new Error(`in-memory run ${this.id} has no ${name}`);
    return text;
  }

  override readJson<T = unknown>(name: string): T {
    return JSON.parse(this.readText(name)) as T;
  }

  override appendLog(name: string, record: unknown): void {
    this.files.set(name, `${this.files.get(name) ?? ""}${JSON.stringify(record)}\n`);
  }

  override readLog<T = unknown>(name: string): T[] {
    const text = this.files.get(name) ?? "";
    return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as T);
  }
}
