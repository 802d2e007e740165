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
import { createReadStream, existsSync, readFileSync, writeFileSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
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
  /**
   * The reader only reads the known fields of what a fast check accepts and never walks
   * it (`ieopt score`): such lines skip the nesting-depth check (MAX_JSON_DEPTH), which
   * guards recursive walks. Lines the fast check leaves to zod are checked as always.
   */
  fastLinesUnwalked?: boolean;
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
const BOM_BYTES = Buffer.from(BOM, "utf8");

/** Bytes read per step. The buffer is reused; it grows only for a line longer than it. */
const READ_CHUNK = 1 << 20;

/**
 * Bytes decoded at a time (whole lines; more for a longer line). Small enough that the
 * decoded text (up to twice as many bytes in UTF-16) is an ordinary young object: V8 puts
 * larger strings in its large-object space, which only a full collection frees, and a
 * file's worth of those cost more collection than the parsing.
 */
const DECODE_STEP = 1 << 16;

/** Lines `first`, `first + 1`, … of a file, decoded, line endings removed (blank lines included). */
interface LineBatch {
  lines: string[];
  first: number;
}

/**
 * Streams the file's lines in batches (DECODE_STEP bytes of them at a time), decoded as
 * UTF-8 with the byte-order-mark and length rules. A clean stretch is decoded in one call;
 * one with anything to report is redone line by line, so the error names the same line it
 * always did, after every line before it was handed over.
 */
async function* readLineBatches(path: string, maxLineBytes: number): AsyncGenerator<LineBatch> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    throw asFileError(err, path);
  }
  let buffer = Buffer.allocUnsafe(2 * READ_CHUNK);
  let filled = 0;
  let line = 1;
  try {
    for (;;) {
      // Room for at least half a step; a line longer than the buffer doubles it.
      if (buffer.length - filled < READ_CHUNK / 2) {
        const grown = Buffer.allocUnsafe(Math.max(2 * buffer.length, filled + READ_CHUNK));
        buffer.copy(grown, 0, 0, filled);
        buffer = grown;
      }
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, filled, Math.min(READ_CHUNK, buffer.length - filled), null));
      } catch (err) {
        throw asFileError(err, path);
      }
      const end = filled + bytesRead;
      const eof = bytesRead === 0;
      // Complete lines end at the last newline; at the end of the file, the rest is a line too.
      const complete = eof ? end : buffer.lastIndexOf(NEWLINE, end - 1) + 1;
      for (let from = 0; from < complete; ) {
        let to = complete;
        if (complete - from > DECODE_STEP) {
          const cut = buffer.lastIndexOf(NEWLINE, from + DECODE_STEP - 1);
          to = cut >= from ? cut + 1 : buffer.indexOf(NEWLINE, from + DECODE_STEP) + 1 || complete;
        }
        for (const batch of splitLines(buffer.subarray(from, to), line, path, maxLineBytes)) {
          yield batch;
          line = batch.first + batch.lines.length;
        }
        from = to;
      }
      if (eof) return;
      // Stop as soon as the cap is passed instead of buffering a runaway line.
      if (end - complete > maxLineBytes + 1) throw tooLong(path, line, maxLineBytes);
      buffer.copyWithin(0, complete, end);
      filled = end - complete;
    }
  } finally {
    await handle.close();
  }
}

function tooLong(path: string, line: number, maxLineBytes: number): UserInputError {
  return new UserInputError(
    `line is longer than the ${formatBytes(maxLineBytes)} limit (${maxLineBytes} bytes); ` +
      "a sample this large is almost certainly a malformed file (a missing line break?). Split or fix that line.",
    { file: path, line },
  );
}

/**
 * The lines of `bytes` (whole lines; a trailing newline ends the last one), numbered from
 * `first`. Yields one batch, or, when a line breaks a rule, the lines before it and then
 * throws that line's error.
 */
function* splitLines(bytes: Buffer, first: number, path: string, maxLineBytes: number): Generator<LineBatch> {
  let text: string | undefined;
  if (bytes.length <= maxLineBytes) {
    try {
      text = decoder.decode(bytes);
    } catch {
      text = undefined; // not UTF-8 somewhere: found line by line below
    }
  }
  // Searched in the bytes (memchr-fast): in valid UTF-8, EF BB BF is U+FEFF and nothing else.
  if (text !== undefined && (bytes.indexOf(BOM_BYTES) === -1 || onlyLeadingBom(text, first))) {
    const lines = text.split("\n");
    if (bytes[bytes.length - 1] === NEWLINE) lines.pop();
    if (bytes.indexOf(CR) !== -1) {
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i]!;
        if (l.length > 0 && l.charCodeAt(l.length - 1) === CR) lines[i] = l.slice(0, -1);
      }
    }
    if (first === 1 && lines.length > 0 && lines[0]!.startsWith(BOM)) lines[0] = lines[0]!.slice(1);
    yield { lines, first };
    return;
  }
  const lines: string[] = [];
  let line = first;
  let error: UserInputError | undefined;
  for (let start = 0; start < bytes.length; line++) {
    const nl = bytes.indexOf(NEWLINE, start);
    const stop = nl === -1 ? bytes.length : nl;
    const lineBytes = stripCr(bytes.subarray(start, stop));
    start = stop + 1;
    if (lineBytes.length > maxLineBytes) {
      error = tooLong(path, line, maxLineBytes);
      break;
    }
    try {
      lines.push(decodeLine(lineBytes, line, path));
    } catch (err) {
      error = err as UserInputError;
      break;
    }
  }
  if (lines.length > 0) yield { lines, first };
  if (error) throw error;
}

/** True when the only byte-order mark in `text` is the file's very first character. */
function onlyLeadingBom(text: string, first: number): boolean {
  return first === 1 && text.startsWith(BOM) && text.indexOf(BOM, 1) === -1;
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

/**
 * Nesting depth of a parsed JSON value (counted up to limit + 1). Up to MAX_JSON_DEPTH it
 * recurses, bounded by the limit and allocating nothing (this runs on every line read);
 * beyond, an explicit stack, so no depth overflows the call stack.
 */
export function jsonDepth(value: unknown, limit = Infinity): number {
  if (limit <= MAX_JSON_DEPTH) return depthUpTo(value, 0, limit);
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

/** Depth of `v` nested `above` levels deep, counted no further than limit + 1. */
function depthUpTo(v: unknown, above: number, limit: number): number {
  if (v === null || typeof v !== "object") return above;
  const depth = above + 1;
  if (depth > limit) return depth;
  let deepest = depth;
  // Only containers are recursed into: most values of a line are strings and numbers.
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const child: unknown = v[i];
      if (child === null || typeof child !== "object") continue;
      const d = depthUpTo(child, depth, limit);
      if (d > deepest && (deepest = d) > limit) return d;
    }
  } else {
    const o = v as Record<string, unknown>;
    for (const key in o) {
      const child = o[key];
      if (child === null || typeof child !== "object") continue;
      const d = depthUpTo(child, depth, limit);
      if (d > deepest && (deepest = d) > limit) return d;
    }
  }
  return deepest;
}

function parseJsonLine(text: string, line: number, path: string, checkDepth = true): unknown {
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
  if (checkDepth) checkJsonDepth(value, line, path);
  return value;
}

function checkJsonDepth(value: unknown, line: number, path: string): void {
  if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new UserInputError(`the line nests deeper than ${MAX_JSON_DEPTH} levels; a sample needs a few (fix or remove this line)`, { file: path, line });
  }
}

const isJsonObject = (json: unknown): json is Record<string, unknown> => json !== null && typeof json === "object" && !Array.isArray(json);

/**
 * Streams a JSONL file, parsing each non-blank line with `schema`. Yields values with their
 * 1-based line numbers; throws UserInputError at the first bad line.
 */
export async function* readJsonl<T>(
  path: string,
  schema: z.ZodType<T>,
  options: ReadJsonlOptions & { fast?: FastParse<T> } = {},
): AsyncGenerator<JsonlRow<T>> {
  for await (const { values, lines } of readJsonlBatches(path, schema, options)) {
    for (let i = 0; i < values.length; i++) yield { value: values[i]!, line: lines[i]! };
  }
}

/** Rows read together: `values[i]` is on line `lines[i]`. */
export interface RowBatch<T> {
  values: T[];
  lines: number[];
}

/**
 * `readJsonl` pulled a batch at a time, for a reader that paces itself by another file
 * (`ieopt score` reads gold as far as its predictions need). Same checks, same errors;
 * the rows before a bad line are handed over before its error is thrown.
 */
export async function* readJsonlBatches<T>(
  path: string,
  schema: z.ZodType<T>,
  options: ReadJsonlOptions & { fast?: FastParse<T> } = {},
): AsyncGenerator<RowBatch<T>> {
  for await (const { lines: texts, first } of readLineBatches(path, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES)) {
    const batch: RowBatch<T> = { values: [], lines: [] };
    try {
      for (let i = 0; i < texts.length; i++) {
        const value = parseLine(texts[i]!, first + i, path, schema, options.fast, options.fastLinesUnwalked === true);
        if (value === undefined) continue;
        batch.values.push(value);
        batch.lines.push(first + i);
      }
    } catch (err) {
      if (batch.values.length > 0) yield batch;
      throw err;
    }
    if (batch.values.length > 0) yield batch;
  }
}

/** One line's value; undefined for a blank line. Throws UserInputError naming file, line and field. */
function parseLine<T>(
  text: string,
  line: number,
  path: string,
  schema: z.ZodType<T>,
  fast: FastParse<T> | undefined,
  fastLinesUnwalked: boolean,
): T | undefined {
  if (isBlank(text)) return undefined;
  const skipDepth = fastLinesUnwalked && fast !== undefined;
  const json = parseJsonLine(text, line, path, !skipDepth);
  // Checked as the fast check would have it: accepted, or depth first, then the rest.
  const quick = isJsonObject(json) ? fast?.(json) : undefined;
  if (quick !== undefined) return quick;
  if (skipDepth) checkJsonDepth(json, line, path);
  if (!isJsonObject(json)) {
    throw new UserInputError(`the line is ${kindOf(json)}, expected a JSON object (one record per line)`, {
      file: path,
      line,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    // An unlabeled line usually lacks other fields too; the missing labels explain them all.
    const unlabeled = ((schema as unknown) === SampleSchema && !("labels" in json)) || parsed.error.issues.some(isMissingLabels);
    if (unlabeled) throw new UserInputError(UNLABELED_REFUSAL, { file: path, line, field: "labels" });
    const [firstIssue, ...rest] = parsed.error.issues;
    const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? "s" : ""} on this line)` : "";
    const field = firstIssue && firstIssue.path.length > 0 ? formatIssuePath(firstIssue.path) : undefined;
    throw new UserInputError(`${firstIssue ? describeIssue(firstIssue) : "invalid record"}${more}; fix this line`, {
      file: path,
      line,
      ...(field !== undefined ? { field } : {}),
    });
  }
  return parsed.data;
}

/** `text.trim() === ""` without trimming a line that starts with its JSON. */
function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  const c = text.charCodeAt(0);
  return (c <= 0x20 || c >= 0x7f) && text.trim() === "";
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
  await forEachSample(paths, options, (sample) => void all.push(project(sample)));
  return all;
}

/**
 * Streams the samples of several files to `onSample` with their ordinal (0, 1, … across
 * the files) and line. Ids must be unique across the files; a file with no samples at all
 * is an error (almost always a wrong path or an export that failed). Returns the ids.
 * `fast` may return a lighter value than the Sample for the lines it accepts (fast-check.ts).
 */
export async function forEachSample<T extends { id: string } = Sample>(
  paths: readonly string[],
  options: ReadJsonlOptions & { fast?: FastParse<T> },
  onSample: (sample: T | Sample, ordinal: number, line: number) => void,
): Promise<SampleIds> {
  const ids = new SampleIds(paths);
  const fast = options.fast ?? (fastSample as unknown as FastParse<T>);
  for (const [fileIndex, path] of paths.entries()) {
    const before = ids.size;
    for await (const { values, lines } of readJsonlBatches<T | Sample>(path, SampleSchema, { ...options, fast })) {
      for (let i = 0; i < values.length; i++) onSample(values[i]!, ids.add(values[i]!.id, fileIndex, lines[i]!), lines[i]!);
    }
    if (ids.size === before) throw new UserInputError("no samples (the file is empty or holds only blank lines)", { file: path });
  }
  return ids;
}

/**
 * A copy of a string taken from a parsed line, for keeping. V8 returns most strings of 13
 * characters or more from JSON.parse (and split, slice) as views into the source text, so
 * keeping one keeps its whole line, or the batch of lines it was decoded with: held per
 * sample, that is the whole file. Concatenation then slicing makes V8 copy (flatten) it.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : (" " + s).slice(1);
}

/** Sample ids in reading order (id → ordinal), each with where it was first used. */
export class SampleIds {
  /** Per ordinal, the sample's id (a copy, see ownString). */
  readonly ids: string[] = [];
  readonly #paths: readonly string[];
  readonly #ordinal = new Map<string, number>();
  /** Per ordinal: file index · 2^32 + line (one number per sample, not an object). */
  readonly #where: number[] = [];

  constructor(paths: readonly string[]) {
    this.#paths = paths;
  }

  get size(): number {
    return this.#where.length;
  }

  /** The id's ordinal, or undefined for an id no sample has. */
  get(id: string): number | undefined {
    return this.#ordinal.get(id);
  }

  /** Registers the next sample's id and returns its ordinal; a second use is an error naming both places. */
  add(id: string, fileIndex: number, line: number): number {
    const ordinal = this.#where.length;
    const own = ownString(id);
    // One hash lookup per sample: set, then a size that did not grow means the id was there.
    this.#ordinal.set(own, ordinal);
    if (this.#ordinal.size === ordinal) {
      const seen = this.#where[this.ids.indexOf(id)]!;
      const seenFile = Math.floor(seen / 2 ** 32);
      const message =
        seenFile === fileIndex
          ? `duplicate id '${id}' (first used on line ${seen % 2 ** 32}); sample ids must be unique`
          : `duplicate id '${id}', also in ${this.#paths[seenFile]!}; sample ids must be unique across files`;
      throw new UserInputError(message, { file: this.#paths[fileIndex]!, line, field: "id" });
    }
    this.ids.push(own);
    this.#where.push(fileIndex * 2 ** 32 + line);
    return ordinal;
  }
}

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

/**
 * The records of a JSONL log ieopt appends to (trials, usage journals), read at once. Only a
 * torn last line (no newline: a kill mid-write) is dropped, cut off the file so appending
 * starts on a fresh line, and reported through `onNotice`; any other line that does not
 * parse is damage nobody should silently lose work to: an error naming file:line.
 */
export function readLogSync<T = unknown>(path: string, onNotice?: (message: string) => void): T[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  const lines = text.split("\n");
  const records: T[] = [];
  let offset = 0;
  for (const [i, line] of lines.entries()) {
    const start = offset;
    offset += line.length + 1;
    if (line.trim() === "") continue;
    try {
      records.push(JSON.parse(line) as T);
    } catch (err) {
      const torn = i === lines.length - 1; // the file does not end with a newline here
      if (!torn) {
        throw new UserInputError(`not valid JSON (${(err as Error).message}); the log is damaged: repair or remove this line, then resume`, { file: path, line: i + 1 });
      }
      writeFileSync(path, text.slice(0, start));
      onNotice?.(`${path}:${i + 1}: dropped a cut-off last line (${line.length} bytes; a kill mid-write): its work is redone`);
    }
  }
  return records;
}

/** Writes one JSON value per line, atomically (temp file + rename). */
export function writeJsonl(path: string, values: Iterable<unknown>): void {
  const lines: string[] = [];
  for (const value of values) lines.push(JSON.stringify(value));
  writeFileAtomic(path, lines.length > 0 ? lines.join("\n") + "\n" : "");
}
