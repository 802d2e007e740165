/**
 * What a run's LM calls cost across all the processes that worked on it (a first start,
 * resumes after Ctrl-C, budget stops, kill -9): every usage event of the meter is appended
 * to usage-log.jsonl as it happens (a plain write per line: it survives kill -9), under the
 * session (process) that made it. usage.json is the fold of that journal: the run's total,
 * per role, and a per-session breakdown. A budget applies to the run's total.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { MemoryRunFolder, type RunFolder } from "./run-folder.ts";
import { ROLES, applyUsageEvent, emptyCounts, type PriceTable, type UsageCounts, type UsageEvent, type UsageMeter } from "../lm/usage.ts";

export const USAGE_LOG = "usage-log.jsonl";

interface SessionLine {
  session: number;
  started_at: string;
  pid: number;
  host: string;
}
type EventLine = UsageEvent & { s: number };
type UsageLine = SessionLine | EventLine;

export interface SessionUsage extends SessionLine {
  roles: Record<string, UsageCounts>;
  total: UsageCounts;
}

/** usage.json */
export interface RunUsage {
  roles: Record<string, UsageCounts>;
  total: UsageCounts;
  priced: boolean;
  sessions: SessionUsage[];
}

function emptyRoles(): Record<string, UsageCounts> {
  return Object.fromEntries(ROLES.map((r) => [r, emptyCounts()]));
}

/** The journal's lines folded into the run's usage (a pure function of the lines). */
export function foldUsage(lines: readonly UsageLine[], prices: PriceTable | undefined): RunUsage {
  const usage: RunUsage = { roles: emptyRoles(), total: emptyCounts(), priced: prices !== undefined, sessions: [] };
  const sessions = new Map<number, SessionUsage>();
  for (const line of lines) {
    if ("session" in line) {
      const session: SessionUsage = { ...line, roles: emptyRoles(), total: emptyCounts() };
      sessions.set(line.session, session);
      usage.sessions.push(session);
      continue;
    }
    const { s, ...event } = line;
    const session = sessions.get(s);
    for (const counts of [usage.roles, session?.roles]) {
      if (!counts) continue;
      counts[event.role] ??= emptyCounts();
      applyUsageEvent(counts[event.role]!, event, prices);
    }
    applyUsageEvent(usage.total, event, prices);
    if (session) applyUsageEvent(session.total, event, prices);
  }
  return usage;
}

/** Journals one process's usage into a run folder; hold the run's lock while it is open. */
export class RunUsageJournal {
  readonly #run: RunFolder;
  readonly #prices: PriceTable | undefined;
  readonly #session: number;
  readonly #earlier: RunUsage;
  #fd: number | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(run: RunFolder, meter: UsageMeter) {
    this.#run = run;
    this.#prices = meter.prices;
    // readLog cuts off a line torn by a kill, so this session's lines start on a fresh line.
    const lines = run.readLog<UsageLine>(USAGE_LOG);
    this.#earlier = foldUsage(lines, meter.prices);
    this.#session = Math.max(0, ...this.#earlier.sessions.map((s) => s.session)) + 1;
    this.#unsubscribe = meter.subscribe((event) => this.#append({ s: this.#session, ...event }));
  }

  /** What the earlier processes of this run used. */
  get earlier(): RunUsage {
    return this.#earlier;
  }

  /** Whether this process recorded anything (a session appears only once it did). */
  get active(): boolean {
    return this.#fd !== undefined || this.#inMemory;
  }

  #inMemory = false;

  #append(line: UsageLine): void {
    if (this.#run instanceof MemoryRunFolder) {
      // An in-memory run keeps its journal with its other files.
      if (!this.#inMemory) this.#run.appendLog(USAGE_LOG, { session: this.#session, started_at: new Date().toISOString(), pid: process.pid, host: hostname() });
      this.#inMemory = true;
      this.#run.appendLog(USAGE_LOG, line);
      return;
    }
    if (this.#fd === undefined) {
      this.#fd = openSync(this.#run.path(USAGE_LOG), "a");
      const header: SessionLine = { session: this.#session, started_at: new Date().toISOString(), pid: process.pid, host: hostname() };
      writeSync(this.#fd, JSON.stringify(header) + "\n");
    }
    writeSync(this.#fd, JSON.stringify(line) + "\n");
  }

  /** The run's usage so far, this process included. */
  usage(): RunUsage {
    return foldUsage(this.#run.readLog<UsageLine>(USAGE_LOG), this.#prices);
  }

  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
