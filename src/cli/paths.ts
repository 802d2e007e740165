/**
 * Output paths checked before any work (and any paid call): a file in the way of a folder,
 * a dangling symlink, a folder where a file should go, or no permission to write become a
 * UserInputError naming the flag and the path, not a stack trace after the work is done.
 */
import { accessSync, constants, lstatSync, statSync, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";
import { UserInputError } from "../errors.ts";

function statOrUndefined(path: string, follow: boolean): Stats | undefined {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR") return undefined; // a file higher up is in the way: found by the walk up
    throw err;
  }
}

/** The path itself must not be a dangling link. */
function checkNotDangling(path: string, flag: string): void {
  const link = statOrUndefined(path, false);
  if (link?.isSymbolicLink() && statOrUndefined(path, true) === undefined) {
    throw new UserInputError(`${flag} ${path} is a symbolic link to something that does not exist; remove the link or point it at a real ${flag === "--out" ? "location" : "folder"}`);
  }
}

/** The nearest existing ancestor must be a writable folder (a file there is "in the way"). */
function checkCreatable(path: string, flag: string): void {
  let at = resolve(path);
  for (;;) {
    const stats = statOrUndefined(at, true);
    if (stats) {
      if (!stats.isDirectory()) throw new UserInputError(`${flag} ${path}: ${at} is a file, not a folder, so nothing can be written below it; choose another path or move the file`);
      try {
        accessSync(at, constants.W_OK);
      } catch {
        throw new UserInputError(`${flag} ${path}: no permission to write in ${at}`);
      }
      return;
    }
    const parent = dirname(at);
    if (parent === at) return;
    at = parent;
  }
}

/** A file the command will write (created or replaced). */
export function checkOutputFile(path: string, flag: string): void {
  checkNotDangling(path, flag);
  const stats = statOrUndefined(path, true);
  if (stats?.isDirectory()) throw new UserInputError(`${flag} ${path} is a folder; give a file path`);
  if (stats) {
    try {
      accessSync(path, constants.W_OK);
    } catch {
      throw new UserInputError(`${flag} ${path}: no permission to write the file`);
    }
    return;
  }
  checkCreatable(dirname(resolve(path)), flag);
}

/** A folder the command will create (if needed) and write into. */
export function checkOutputDir(path: string, flag: string): void {
  checkNotDangling(path, flag);
  const stats = statOrUndefined(path, true);
  if (stats && !stats.isDirectory()) throw new UserInputError(`${flag} ${path} is a file, not a folder; choose another path or move the file`);
  checkCreatable(path, flag);
}

/** A file the command reads: it must exist and be a file (checked before anything else about it). */
export function checkInputFile(path: string, flag: string): void {
  checkNotDangling(path, flag);
  const stats = statOrUndefined(path, true);
  if (!stats) throw new UserInputError(`${flag} ${path}: no such file; check the path`);
  if (stats.isDirectory()) throw new UserInputError(`${flag} ${path} is a folder; give a file`);
}

/**
 * A file-system error the OS raised for a path (a file in the way, no permission, a full
 * or read-only disk): the user's to fix, so a message naming the path, not a bug report.
 * Undefined for anything else.
 */
export function describeFsError(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  if (!e || typeof e.code !== "string" || typeof e.path !== "string") return undefined;
  const reasons: Record<string, string> = {
    ENOTDIR: "a part of the path is a file, not a folder",
    EEXIST: "something is already there (a file where a folder is needed?)",
    EISDIR: "it is a folder, not a file",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "the file system is read-only",
    ENOSPC: "no space left on the device",
    ENOENT: "no such file or folder (a dangling link, or a missing folder?)",
    ELOOP: "too many symbolic links (a link loop?)",
  };
  const reason = reasons[e.code];
  return reason === undefined ? undefined : `cannot ${e.syscall === "open" || e.syscall === "scandir" || e.syscall === "stat" ? "use" : e.syscall ?? "use"} ${e.path}: ${reason}; choose another path or fix it`;
}
