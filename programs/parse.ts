/**
 * Turning raw model text into JSON: the tolerant half of parsing, shared by every task.
 * Real models wrap JSON in code fences, prose, "Thought: … Answer: …" scaffolding, and
 * leave trailing commas or truncated brackets. `jsonrepair` repairs the JSON itself; this
 * file finds it.
 */
import { jsonrepair } from "jsonrepair";

export type JsonExtraction = { ok: true; value: unknown } | { ok: false; reason: string };

const LABEL_WORD = /answer|thought|reasoning/i;

/** Split a reasoning output into its thought and its answer part. */
export function splitThought(text: string): { thought: string | undefined; answer: string } {
  // Both labels contain one of these words (same flags, so the same case rules): without
  // any, neither pattern can match and the whole text is the answer (most outputs).
  if (!LABEL_WORD.test(text)) return { thought: undefined, answer: text };
  return splitThoughtByLabels(text);
}

/** `splitThought` without the shortcut: the label patterns themselves (exported for the test that holds both equal). */
export function splitThoughtByLabels(text: string): { thought: string | undefined; answer: string } {
  const answerAt = lastIndexOfLabel(text, /(^|\n)\s*\**answer\**\s*:/gi);
  const thoughtMatch = /(^|\n)\s*\**(thought|reasoning)\**\s*:\s*/i.exec(text);
  if (answerAt === undefined) {
    if (!thoughtMatch) return { thought: undefined, answer: text };
    // A thought with no "Answer:" label: the answer is the JSON after the thought, if any.
    const rest = text.slice(thoughtMatch.index + thoughtMatch[0].length);
    const jsonAt = rest.search(/[[{]/);
    return jsonAt < 0
      ? { thought: rest.trim(), answer: "" }
      : { thought: rest.slice(0, jsonAt).trim() || undefined, answer: rest.slice(jsonAt) };
  }
  const answer = text.slice(answerAt.end);
  const thought = thoughtMatch && thoughtMatch.index < answerAt.start
    ? text.slice(thoughtMatch.index + thoughtMatch[0].length, answerAt.start).trim()
    : undefined;
  return { thought: thought || undefined, answer };
}

function lastIndexOfLabel(text: string, pattern: RegExp): { start: number; end: number } | undefined {
  let found: { start: number; end: number } | undefined;
  for (const m of text.matchAll(pattern)) found = { start: m.index, end: m.index + m[0].length };
  return found;
}

/** The body of the last fenced code block, or the text itself when there is none. */
function stripFences(text: string): string {
  if (!text.includes("```")) return text; // the common case, without running the patterns
  const blocks = [...text.matchAll(/```[a-zA-Z]*\s*\n?([\s\S]*?)```/g)];
  if (blocks.length > 0) return blocks[blocks.length - 1]![1]!;
  // An unclosed fence (truncated output): drop the opening line.
  const open = /```[a-zA-Z]*\s*\n?/.exec(text);
  return open ? text.slice(open.index + open[0].length) : text;
}

/** Find and repair the JSON value in free text. */
export function extractJson(text: string): JsonExtraction {
  const body = stripFences(text).trim();
  if (body === "") return { ok: false, reason: "empty output" };
  const start = body.search(/[[{]/);
  if (start < 0) return { ok: false, reason: `no JSON list or object in the output: ${preview(body)}` };
  const end = Math.max(body.lastIndexOf("]"), body.lastIndexOf("}"));
  const candidate = end > start ? body.slice(start, end + 1) : body.slice(start);
  try {
    return { ok: true, value: JSON.parse(candidate) };
  } catch {
    try {
      return { ok: true, value: JSON.parse(jsonrepair(candidate)) };
    } catch (err) {
      return { ok: false, reason: `output is not valid JSON (${(err as Error).message}): ${preview(candidate)}` };
    }
  }
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 80 ? `'${flat.slice(0, 77)}...'` : `'${flat}'`;
}
