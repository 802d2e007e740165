/**
 * One process at a time per run folder (optimize) or eval --out folder: a lock file in the
 * folder naming its holder (pid, host, start time). A second process is refused at once
 * (exit 2) with the holder's name; a lock left by a process that no longer runs on this
 * host (kill -9, a crash) is taken over.
 *
 * Taking a lock is an exclusive create of a fully written file (link(2) of a temp file,
 * so nobody ever reads a half-written lock). Taking over a stale one happens under a
 * second, short-lived lock, so two processes that both find the same stale lock cannot
 * both take it. Hand-written rather than proper-lockfile: that package decides staleness
 * by mtime age (wall-clock), while a dead pid on the same host is a certain answer.
 */
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { UserInputError } from "../errors.ts";

export const LOCK_FILE = ".ieopt.lock";

export interface LockHolder {
  pid: number;
  host: string;
  started_at: string;
  /** Kernel start time of the process (Linux), so a reused pid is not mistaken for the holder. */
  proc_start?: string;
  command?: string;
}

/** The lock is held by a live process. Bad input for the CLI (exit 2). */
export class LockHeld extends UserInputError {
  readonly holder: LockHolder;
  /** `subject` is the locked folder or file, `lockPath` the lock file a user may delete. */
  constructor(what: string, subject: string, holder: LockHolder, lockPath: string) {
    super(
      `${what} ${subject} is in use by ${holder.command ? `'${holder.command}' ` : ""}pid ${holder.pid} on ${holder.host}, started ${holder.started_at}; ` +
        `wait for it to finish (or stop it), then try again. If that process is gone, delete ${lockPath}`,
    );
    this.name = "LockHeld";
    this.holder = holder;
  }
}

export interface FolderLock {
  readonly path: string;
  /** The stale holder this lock replaced, if any. */
  readonly tookOverFrom: LockHolder | undefined;
  release(): void;
}

function procStart(pid: number): string | undefined {
  try {
    // Field 22 (starttime); the command name (field 2) may hold spaces, so split after ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Whether the holder is still running; a holder on another host is assumed alive. */
export function holderAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  if (holder.proc_start !== undefined) {
    const now = procStart(holder.pid);
    if (now !== undefined && now !== holder.proc_start) return false;
  }
  return true;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as LockHolder;
    return typeof value?.pid === "number" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Exclusive create of `path` holding `text`, fully written before it appears. */
function createExclusive(path: string, text: string): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, text);
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Locks `dir` for this process or throws LockHeld. `what` names the folder in the
 * message ("run", "eval output folder").
 */
export function lockFolder(dir: string, what: string, command?: string): FolderLock {
  mkdirSync(dir, { recursive: true });
  const lock = acquireLock(join(dir, LOCK_FILE), what, dir, command);
  removeStaleTempFiles(dir);
  removeStaleTempFiles(join(dir, "predictions"));
  return lock;
}

/**
 * Locks one output file (e.g. `ieopt predict --out`) for this process or throws LockHeld:
 * the lock is `<file>.lock` beside it, so other files in the same folder stay free.
 */
export function lockFile(file: string, what: string, command?: string): FolderLock {
  mkdirSync(dirname(file), { recursive: true });
  return acquireLock(`${file}.lock`, what, file, command);
}

function acquireLock(path: string, what: string, subject: string, command: string | undefined): FolderLock {
  const me: LockHolder = { pid: process.pid, host: hostname(), started_at: new Date().toISOString(), ...(procStart(process.pid) ? { proc_start: procStart(process.pid)! } : {}), ...(command ? { command } : {}) };
  const text = JSON.stringify(me) + "\n";
  let tookOverFrom: LockHolder | undefined;
  for (let attempt = 0; ; attempt++) {
    if (createExclusive(path, text)) break;
    const holder = readHolder(path);
    if (holder && holderAlive(holder)) throw new LockHeld(what, subject, holder, path);
    if (attempt >= 3) throw new LockHeld(what, subject, holder ?? { pid: -1, host: "unknown", started_at: "unknown" }, path);
    // Stale (dead holder, or unreadable): replace it under the takeover lock.
    const takeover = `${path}.takeover`;
    if (!createExclusive(takeover, text)) {
      const other = readHolder(takeover);
      if (other && holderAlive(other)) throw new LockHeld(what, subject, other, path);
      rmSync(takeover, { force: true });
      continue;
    }
    try {
      // Re-read under the takeover lock: only the lock we judged stale is removed.
      const again = readHolder(path);
      if (again && holderAlive(again)) throw new LockHeld(what, subject, again, path);
      rmSync(path, { force: true });
      if (createExclusive(path, text)) {
        tookOverFrom = holder;
        break;
      }
    } finally {
      rmSync(takeover, { force: true });
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off("exit", release);
    // Only our own lock is removed.
    if (readHolder(path)?.pid === me.pid && readHolder(path)?.started_at === me.started_at) rmSync(path, { force: true });
  };
  process.on("exit", release);
  return { path, tookOverFrom, release };
}

/**
 * Temp files a killed writer left beside its output (`.<name>.<pid>.<time>.tmp` of atomic
 * writes, `<name>.<pid>.tmp` of streamed failures): removed when their process is gone.
 * Called with the folder's lock held, so no live writer of this folder is affected.
 */
export function removeStaleTempFiles(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".tmp") || name.startsWith(LOCK_FILE)) continue;
    const pid = Number(/\.(\d+)(?:\.\d+)?\.tmp$/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || holderAlive({ pid, host: hostname(), started_at: "" })) continue;
    rmSync(join(dir, name), { force: true });
  }
}
