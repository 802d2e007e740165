/**
 * Reading a whole source file (CoNLL, RELX) as lines. These files are small; JSONL
 * sources go through the streaming reader instead. Same tolerance rules as readJsonl:
 * one BOM at the start and CRLF endings are fine, invalid UTF-8 is an error naming the line.
 */
import { readFileSync } from "node:fs";
import { UserInputError } from "../../errors.ts";
import { asFileError, NOT_UTF8 } from "../jsonl.ts";

export function readSourceLines(path: string): string[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw asFileError(err, path, "a data file");
  }
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new UserInputError(NOT_UTF8, { file: path, line: firstInvalidLine(bytes, decoder) });
  }
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  return text.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
}

/** The 1-based line holding the first invalid UTF-8 sequence (only called on failure). */
function firstInvalidLine(bytes: Buffer, decoder: InstanceType<typeof TextDecoder>): number {
  let start = 0;
  for (let line = 1; ; line++) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    try {
      decoder.decode(bytes.subarray(start, end));
    } catch {
      return line;
    }
    if (end >= bytes.length) return line;
    start = end + 1;
  }
}
