/**
 * A persistent LM response cache in SQLite (node:sqlite, no native addon), shared across
 * runs and processes: a resumed or repeated run does not pay for calls it already made.
 *
 * Safety: WAL journal + busy_timeout, so two processes can read and write at once and a
 * killed process leaves a consistent file. Only successful responses are stored, and
 * only choices + usage: never a key, a header, or an error.
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { CompleteOptions, LM, LMRequest, LMResponse, TokenUsage } from "./types.ts";
import { LMCallError } from "./types.ts";
import { sha256, stableStringify } from "../util/hash.ts";
import { UserInputError } from "../errors.ts";

export const DEFAULT_CACHE_RELATIVE_PATH = ".cache/ieopt/lm-cache.sqlite";

/** IEOPT_CACHE if set, else .cache/ieopt/lm-cache.sqlite under cwd. `:memory:` is allowed. */
export function defaultCachePath(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const fromEnv = env["IEOPT_CACHE"];
  if (fromEnv && fromEnv.trim() !== "") return fromEnv === ":memory:" ? fromEnv : resolve(cwd, fromEnv);
  return resolve(cwd, DEFAULT_CACHE_RELATIVE_PATH);
}

/**
 * The cache key: sha256 of the stable JSON of everything that can change the answer.
 * Unset temperature / n hash like their defaults (0 / 1), which is what the client sends.
 * `draw` only matters when answers can differ between draws (temperature > 0 or n > 1);
 * for greedy single requests every draw is the same answer, so it shares one entry.
 */
export function cacheKey(lmId: string, model: string, request: LMRequest): string {
  const temperature = request.temperature ?? 0;
  const n = request.n ?? 1;
  const material: Record<string, unknown> = {
    v: 1,
    lm: lmId,
    model,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    temperature,
    n,
  };
  if (request.max_tokens !== undefined) material["max_tokens"] = request.max_tokens;
  if (request.seed !== undefined) material["seed"] = request.seed;
  if (request.stop && request.stop.length > 0) material["stop"] = request.stop;
  if (request.response_format !== undefined) material["response_format"] = request.response_format;
  if ((temperature > 0 || n > 1) && request.draw !== undefined) material["draw"] = request.draw;
  return sha256(stableStringify(material));
}

export interface CachedResponse {
  choices: string[];
  usage: TokenUsage;
}

export interface CacheStats {
  hits: number;
  misses: number;
  writes: number;
  /** Writes that failed (e.g. disk full, lock timeout); the answer was still returned. */
  write_errors: number;
}

const MAX_PENDING_WRITES = 256;

export class LMCache {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #get: StatementSync;
  readonly #put: StatementSync;
  readonly stats: CacheStats = { hits: 0, misses: 0, writes: 0, write_errors: 0 };
  /**
   * Answers not yet written: writes are batched into one transaction per turn of the event
   * loop (setImmediate) or of MAX_PENDING_WRITES, off the calls' hot path; reads see them at
   * once, and close(), size() and process exit flush them. A hard kill loses at most one
   * batch.
   */
  readonly #pending = new Map<string, { model: string; response: string; at: number }>();
  #flushScheduled = false;
  readonly #flushOnExit = () => this.flush();

  /** Opens (creating if needed) the cache at `path` (default: defaultCachePath()). */
  constructor(path: string = defaultCachePath(), options: { busyTimeoutMs?: number } = {}) {
    this.path = path;
    try {
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      this.#db = new DatabaseSync(path);
      // busy_timeout first: switching to WAL itself needs a lock another process may hold.
      const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000));
      this.#db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
      // Two processes opening a new file at once can both hold a read lock and both want to
      // switch it to WAL; SQLite then answers "database is locked" at once instead of waiting
      // (its deadlock rule bypasses busy_timeout), so the switch is retried here.
      retryWhileLocked(() => this.#db.exec("PRAGMA journal_mode = WAL"), busyTimeoutMs);
      // NORMAL is durable against process kills in WAL mode (only an OS crash may lose the
      // last commits, which are re-fetchable), and much faster than FULL.
      this.#db.exec("PRAGMA synchronous = NORMAL");
      this.#db.exec(`CREATE TABLE IF NOT EXISTS lm_cache (
        key TEXT PRIMARY KEY,
        model TEXT NOT NULL,
        response TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID`);
    } catch (err) {
      // A bad --cache / IEOPT_CACHE path (a directory, not writable, not a database) is the user's to fix.
      throw new UserInputError(`cannot open the LM cache: ${err instanceof Error ? err.message : String(err)}`, { file: path });
    }
    this.#get = this.#db.prepare("SELECT response FROM lm_cache WHERE key = ?");
    // First writer wins: two processes racing on one key got equivalent answers anyway.
    this.#put = this.#db.prepare("INSERT OR IGNORE INTO lm_cache (key, model, response, created_at) VALUES (?, ?, ?, ?)");
  }

  get(key: string): CachedResponse | undefined {
    const row = (this.#pending.get(key) ?? this.#get.get(key)) as { response?: unknown } | undefined;
    if (!row || typeof row.response !== "string") {
      this.stats.misses += 1;
      return undefined;
    }
    try {
      const value = JSON.parse(row.response) as CachedResponse;
      if (!Array.isArray(value.choices) || typeof value.usage !== "object") throw new Error("bad row");
      this.stats.hits += 1;
      return value;
    } catch {
      this.stats.misses += 1;
      return undefined;
    }
  }

  set(key: string, model: string, value: CachedResponse): void {
    const stored: CachedResponse = {
      choices: value.choices,
      usage: { prompt_tokens: value.usage.prompt_tokens, completion_tokens: value.usage.completion_tokens },
    };
    if (!this.#pending.has(key)) this.#pending.set(key, { model, response: JSON.stringify(stored), at: Date.now() });
    if (this.#pending.size >= MAX_PENDING_WRITES) return this.flush();
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.once("exit", this.#flushOnExit);
      setImmediate(() => this.flush());
    }
  }

  /** Writes the pending answers in one transaction. */
  flush(): void {
    this.#flushScheduled = false;
    process.off("exit", this.#flushOnExit);
    if (this.#pending.size === 0 || !this.#db.isOpen) return;
    const batch = [...this.#pending];
    this.#pending.clear();
    try {
      this.#db.exec("BEGIN");
      for (const [key, row] of batch) this.#put.run(key, row.model, row.response, row.at);
      this.#db.exec("COMMIT");
      this.stats.writes += batch.length;
    } catch {
      // A cache that cannot write must not fail a call that was answered (and paid).
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      this.stats.write_errors += batch.length;
    }
  }

  /** Number of stored responses. */
  size(): number {
    this.flush();
    const row = this.#db.prepare("SELECT COUNT(*) AS n FROM lm_cache").get() as { n: number | bigint };
    return Number(row.n);
  }

  close(): void {
    this.flush();
    if (this.#db.isOpen) this.#db.close();
  }
}

/**
 * Calls on their way to the endpoint, per cache, so every CachedLM over one cache (all
 * roles of a run) coalesces with the others.
 */
const inflightByCache = new WeakMap<LMCache, Map<string, Promise<LMResponse>>>();

function inflightFor(cache: LMCache): Map<string, Promise<LMResponse>> {
  let map = inflightByCache.get(cache);
  if (!map) {
    map = new Map();
    inflightByCache.set(cache, map);
  }
  return map;
}

/**
 * Serves repeated requests from the cache; a hit returns `cached: true`. Concurrent
 * identical requests are coalesced: one goes to the endpoint, the others wait for it and
 * count as hits (nothing extra was paid).
 */
export class CachedLM implements LM {
  readonly id: string;
  readonly model: string;
  readonly #inner: LM;
  readonly #cache: LMCache;
  readonly #inflight: Map<string, Promise<LMResponse>>;

  constructor(inner: LM, cache: LMCache) {
    this.#inner = inner;
    this.#cache = cache;
    this.#inflight = inflightFor(cache);
    this.id = inner.id;
    this.model = inner.model;
  }

  async complete(request: LMRequest, options?: CompleteOptions): Promise<LMResponse> {
    const key = cacheKey(this.id, this.model, request);
    const hit = this.#cache.get(key);
    if (hit) return { choices: hit.choices.slice(), usage: { ...hit.usage }, cached: true };
    const pending = this.#inflight.get(key);
    if (pending) {
      let shared: LMResponse;
      try {
        shared = await pending;
      } catch (err) {
        // The leader's own caller gave up; that is no reason for this caller to fail.
        const leaderAborted = err instanceof LMCallError && err.kind === "aborted";
        if (leaderAborted && !options?.signal?.aborted && this.#inflight.get(key) !== pending) return this.complete(request, options);
        throw err;
      }
      return { choices: shared.choices.slice(), usage: { ...shared.usage }, cached: true };
    }
    const call = this.#inner.complete(request, options).then((response) => {
      // An inner cache (or the sim) may already report a hit; only fresh answers are stored.
      if (!response.cached) this.#cache.set(key, this.model, response);
      return response;
    });
    this.#inflight.set(key, call);
    try {
      return await call;
    } finally {
      this.#inflight.delete(key);
    }
  }
}

/** Runs `step`, retrying with short sleeps while SQLite says the database is locked, for up to `timeoutMs`. */
export function retryWhileLocked(step: () => void, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      step();
      return;
    } catch (err) {
      const locked = err instanceof Error && /database is locked|SQLITE_BUSY/i.test(err.message);
      if (!locked || Date.now() >= deadline) throw err;
      // A synchronous sleep: the constructor is synchronous, and this happens once per open at most a few times.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(200, 10 * attempt));
    }
  }
}
