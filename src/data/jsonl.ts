/**
 * JSONL reading and writing with errors a user can act on: every problem names the file,
 * the 1-based line and (for schema problems) the field path, says what is wrong and what
 * to do. Files are streamed line by line, so a huge file is never held in memory and an
 * over-long line is rejected before it is buffered in full.
 *
 * Tolerated because editors produce them: a UTF-8 byte-order mark at the very start of the
 * file, CRLF line endings, blank lines. Rejected: a byte-order mark anywhere else (a sign
 * of files concatenated together), bytes that are not UTF-8, lines over the length cap.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { z } from "zod";
import { UserInputError } from "../errors.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { SampleSchema, type Sample } from "./sample.ts";
import { fastSample } from "./fast-check.ts";

export const DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024;

export interface ReadJsonlOptions {
  /** Longest accepted line in bytes, without its line ending. Default 4 MiB. */
  maxLineBytes?: number;
}

/**
 * A fast check of a parsed line (fast-check.ts): exactly the schema's output for a line it
 * accepts, undefined to let the schema decide and explain.
 */
export type FastParse<T> = (json: Record<string, unknown>) => T | undefined;

export interface JsonlRow<T> {
  value: T;
  /** 1-based line number in the file. */
  line: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const BOM = "\uFEFF";

/** Streams the file's lines as raw bytes (line ending removed), with their line numbers. */
async function* readLineBytes(path: string, maxLineBytes: number): AsyncGenerator<{ bytes: Buffer; line: number }> {
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 1;
  const tooLong = (): UserInputError =>
    new UserInputError(
      `line is longer than the ${formatBytes(maxLineBytes)} limit (${maxLineBytes} bytes); ` +
        "a sample this large is almost certainly a malformed file (a missing line break?). Split or fix that line.",
      { file: path, line },
    );
  const stream = createReadStream(path);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
        const piece = chunk.subarray(start, nl);
        const bytes = stripCr(pending.length > 0 ? Buffer.concat([...pending, piece]) : piece);
        if (bytes.length > maxLineBytes) throw tooLong();
        yield { bytes, line };
        pending.length = 0;
        pendingBytes = 0;
        line++;
        start = nl + 1;
      }
      if (start < chunk.length) {
        pending.push(chunk.subarray(start));
        pendingBytes += chunk.length - start;
        // Stop as soon as the cap is passed instead of buffering a runaway line.
        if (pendingBytes > maxLineBytes + 1) throw tooLong();
      }
    }
  } catch (err) {
    throw asFileError(err, path);
  } finally {
    stream.destroy();
  }
  if (pendingBytes > 0) {
    const bytes = stripCr(Buffer.concat(pending));
    if (bytes.length > maxLineBytes) throw tooLong();
    yield { bytes, line };
  }
}

function stripCr(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, bytes.length - 1) : bytes;
}

function formatBytes(n: number): string {
  if (n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/**
 * File-system failures (missing file, a directory...) are the user's to fix too. `expected`
 * names what the path should have been, for the directory case.
 */
export function asFileError(err: unknown, path: string, expected = "a JSONL file"): unknown {
  if (err instanceof UserInputError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return new UserInputError("file not found; check the path", { file: path });
  if (code === "EISDIR") return new UserInputError(`is a directory, expected ${expected}`, { file: path });
  if (code === "EACCES" || code === "EPERM") return new UserInputError("permission denied reading the file", { file: path });
  return err;
}

/** `labels.0.slot_type`: the dotted path of a zod issue. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join(".");
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // zod says "expected string, received undefined" for an absent field; say it plainly.
  if (issue.code === "invalid_type" && issue.message.endsWith("received undefined")) {
    return `is missing (expected ${issue.expected})`;
  }
  return issue.message;
}

/** A sample line without `labels` is the unlabeled form (unlabeled.ts): say so, not "labels is missing". */
export const UNLABELED_REFUSAL =
  "is missing: this line is an unlabeled sample (text + schema only), but this command scores against gold labels; " +
  "label it, or extract from unlabeled text with `ieopt predict --prompt FROZEN --data FILE --out FILE`";

function isMissingLabels(issue: z.core.$ZodIssue): boolean {
  return issue.path.length === 1 && issue.path[0] === "labels" && issue.code === "invalid_type" && issue.message.endsWith("received undefined");
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The message for a line that is not UTF-8 (every reader of source files uses it). */
export const NOT_UTF8 = "the line contains bytes that are not valid UTF-8; re-save the file as UTF-8";

/** Decodes one line, enforcing UTF-8 and the byte-order-mark rule. */
function decodeLine(bytes: Buffer, line: number, path: string): string {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new UserInputError(NOT_UTF8, { file: path, line });
  }
  if (line === 1 && text.startsWith(BOM)) text = text.slice(1);
  if (text.startsWith(BOM)) {
    throw new UserInputError(
      "byte-order mark (U+FEFF) in the middle of the file; it is only allowed at the very start " +
        "(were several files concatenated?). Remove it from this line.",
      { file: path, line },
    );
  }
  return text;
}

/**
 * Deepest nesting a line may have. Real samples nest a few levels; a deeper line would
 * overflow the stack of whatever walks it recursively later (data batch, the schema), so
 * it is refused where it is read.
 */
export const MAX_JSON_DEPTH = 64;

/** Nesting depth of a parsed JSON value, walked with an explicit stack (never recursion). */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return deepest;
}

function parseJsonLine(text: string, line: number, path: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const bomHint = text.includes(BOM) ? " The line contains a byte-order mark (U+FEFF) outside a string; remove it." : "";
    throw new UserInputError(
      `invalid JSON (${reason}).${bomHint} Each line must hold exactly one JSON object; fix the syntax on this line.`,
      { file: path, line },
    );
  }
  if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new UserInputError(`the line nests deeper than ${MAX_JSON_DEPTH} levels; a sample needs a few (fix or remove this line)`, { file: path, line });
  }
  return value;
}

/**
 * Streams a JSONL file, parsing each non-blank line with `schema`. Yields values with their
 * 1-based line numbers; throws UserInputError at the first bad line.
 */
export async function* readJsonl<T>(
  path: string,
  schema: z.ZodType<T>,
  options: ReadJsonlOptions & { fast?: FastParse<T> } = {},
): AsyncGenerator<JsonlRow<T>> {
  const fast = options.fast;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  for await (const { bytes, line } of readLineBytes(path, maxLineBytes)) {
    const text = decodeLine(bytes, line, path);
    if (text.trim() === "") continue;
    const json = parseJsonLine(text, line, path);
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      throw new UserInputError(`the line is ${kindOf(json)}, expected a JSON object (one record per line)`, {
        file: path,
        line,
      });
    }
    const quick = fast?.(json as Record<string, unknown>);
    if (quick !== undefined) {
      yield { value: quick, line };
      continue;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      // An unlabeled line usually lacks other fields too; the missing labels explain them all.
      const unlabeled = ((schema as unknown) === SampleSchema && !("labels" in json)) || parsed.error.issues.some(isMissingLabels);
      if (unlabeled) throw new UserInputError(UNLABELED_REFUSAL, { file: path, line, field: "labels" });
      const [first, ...rest] = parsed.error.issues;
      const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? "s" : ""} on this line)` : "";
      const field = first && first.path.length > 0 ? formatIssuePath(first.path) : undefined;
        throw new UserInputError(`${first ? describeIssue(first) : "invalid record"}${more}; fix this line`, {
        file: path,
        line,
        ...(field !== undefined ? { field } : {}),
      });
    }
    yield { value: parsed.data, line };
  }
}

/**
 * Reads a file of samples (the sample contract). Rejects duplicate ids and a file with no
 * samples at all (almost always a wrong path or an export that failed).
 */
export async function readSamples(path: string, options: ReadJsonlOptions = {}): Promise<Sample[]> {
  return readSamplesMany([path], options);
}

/** Reads several sample files; ids must be unique across all of them. */
export async function readSamplesMany(paths: readonly string[], options: ReadJsonlOptions = {}): Promise<Sample[]> {
  return readSamplesAs(paths, (s) => s, options);
}

/**
 * Reads sample files keeping `project(sample)` of each valid sample (e.g. only the fields
 * scoring needs, so a large file's texts are not held); ids must be unique across files.
 */
export async function readSamplesAs<T>(paths: readonly string[], project: (sample: Sample) => T, options: ReadJsonlOptions = {}): Promise<T[]> {
  const all: T[] = [];
  // id → file index · 2^32 + line: one number per sample, not an object.
  const firstUse = new Map<string, number>();
  for (const [fileIndex, path] of paths.entries()) {
    const before = all.length;
    for await (const { value, line } of readJsonl(path, SampleSchema, { ...options, fast: fastSample })) {
      const seen = firstUse.get(value.id);
      if (seen !== undefined) {
        const seenFile = Math.floor(seen / 2 ** 32);
        const message =
          seenFile === fileIndex
            ? `duplicate id '${value.id}' (first used on line ${seen % 2 ** 32}); sample ids must be unique`
            : `duplicate id '${value.id}', also in ${paths[seenFile]!}; sample ids must be unique across files`;
        throw new UserInputError(message, { file: path, line, field: "id" });
      }
      firstUse.set(value.id, fileIndex * 2 ** 32 + line);
      all.push(project(value));
    }
    if (all.length === before) throw new UserInputError("no samples (the file is empty or holds only blank lines)", { file: path });
  }
  return all;
}

/** Writes one JSON value per line, atomically (temp file + rename). */
/**
 * Reads a JSONL file that ieopt appends to as it works (predictions, predict output): each
 * line is checked with `schema` and handed to `onLine`. Only the last line may be damaged (a
 * process killed mid-write): it is skipped and reported as `droppedTail`. A bad line
 * anywhere else is an error naming file:line ("not <what>").
 */
export async function readAppendLog<S extends z.ZodType>(
  path: string,
  schema: S,
  what: string,
  onLine: (value: z.infer<S>, text: string) => void,
): Promise<{ droppedTail: boolean }> {
  const take = (text: string, line: number, last: boolean): boolean => {
    if (text.trim() === "") return true;
    let parsed: { success: true; data: z.infer<S> } | { success: false } = { success: false };
    try {
      parsed = schema.safeParse(JSON.parse(text));
    } catch {
      // not JSON: handled below like a line that fails the schema
    }
    if (!parsed.success) {
      if (last) return false;
      throw new UserInputError(`not ${what}; fix or delete the file to start over`, { file: path, line });
    }
    onLine(parsed.data, text);
    return true;
  };
  // One line behind: a line is only judged "last" once the file has ended.
  let pending: { text: string; line: number } | undefined;
  let lineNo = 0;
  for await (const text of createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity })) {
    lineNo++;
    if (pending) take(pending.text, pending.line, false);
    pending = { text, line: lineNo };
  }
  return { droppedTail: pending ? !take(pending.text, pending.line, true) : false };
}

export function writeJsonl(path: string, values: Iterable<unknown>): void {
  const lines: string[] = [];
  for (const value of values) lines.push(JSON.stringify(value));
  writeFileAtomic(path, lines.length > 0 ? lines.join("\n") + "\n" : "");
}
