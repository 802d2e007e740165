/**
 * Writing the answer: records → text, the way the prompt taught the model to write it.
 *
 * A model that knows the format (keys in the instruction, well-formed demos) writes a
 * compact JSON list with the demos' keys. One that does not sometimes writes prose, its
 * own key names, a dict keyed by type, a fenced block with a preamble, or a truncated
 * list — the failure modes real models show. With reasoning it writes "Thought: …" then
 * "Answer: …"; with response_format it always writes valid {"records": [...]}.
 */
import type { PromptReading } from "./learn.ts";
import { taskOf } from "./tasks.ts";
import type { SimRecord } from "./extract.ts";
import type { SimRandom } from "./rand.ts";

/** Key names an unguided model uses instead of the task's own (by position: span(s), type). */
const WRONG_KEYS: readonly string[][] = [["phrase", "category"], ["word", "class"], ["item", "kind"]];

function wrongKeys(task: string, pick: number): string[] {
  const t = taskOf(task);
  const generic = WRONG_KEYS[Math.floor(pick * WRONG_KEYS.length)]!;
  return t.keys.map((k, i) => (k === t.typeField ? generic[generic.length - 1]! : t.spanFields.includes(k) ? `${generic[0]}${t.spanFields.length > 1 ? i + 1 : ""}` : `${k}_list`));
}

/** The record with the demos' key names (by position) when the demos used other keys. */
function rename(task: string, rec: SimRecord, keys: readonly string[]): SimRecord {
  const canonical = taskOf(task).keys;
  const out: SimRecord = {};
  canonical.forEach((k, i) => {
    if (k in rec) out[keys[i] ?? k] = rec[k];
  });
  return out;
}

function spanAndType(task: string, rec: SimRecord): [string, string] {
  const t = taskOf(task);
  return [t.spanFields.map((f) => String(rec[f])).join(" → "), String(rec[t.typeField])];
}

function prose(task: string, records: readonly SimRecord[]): string {
  if (records.length === 0) return `I could not find any ${taskOf(task).label.toLowerCase().replace(/ types?$/, "")} of these types in the text.`;
  const parts = records.map((r) => {
    const [span, type] = spanAndType(task, r);
    return `${span} (${type})`;
  });
  return `The text mentions ${parts.join(", ")}.`;
}

/**
 * The JSON answer with the right keys, or (probability `formatError`) a plausible wrong
 * shape: prose, wrong keys, a dict by type or a list cut short — or a fenced block with a
 * preamble, which still holds the right JSON.
 */
export function renderAnswer(task: string, records: SimRecord[], reading: PromptReading, rand: SimRandom, formatError: number, proseAsked = false): string {
  const keys = reading.demoKeys ?? taskOf(task).keys;
  const shaped = records.map((r) => rename(task, r, keys));
  const u = rand.text.u("format");
  if (u >= formatError) return JSON.stringify(shaped);
  const kind = rand.text.u("format:kind");
  if (proseAsked || kind < 0.3) return prose(task, records);
  if (kind < 0.6) {
    return JSON.stringify(records.map((r) => rename(task, r, wrongKeys(task, rand.text.u("format:keys")))), null, 1);
  }
  if (kind < 0.72 && !taskOf(task).complex) {
    const dict: Record<string, string[]> = {};
    for (const r of records) {
      const [span, type] = spanAndType(task, r);
      (dict[type] ??= []).push(span);
    }
    return JSON.stringify(dict);
  }
  if (kind < 0.86) return `Here is the answer:\n\`\`\`json\n${JSON.stringify(shaped, null, 2)}\n\`\`\``;
  // A rambling answer cut off mid-list (the model ran on; still partly readable).
  if (records.length === 0) return "The answer is: none.";
  const json = JSON.stringify(shaped);
  return json.length > 8 ? json.slice(0, Math.max(2, Math.floor(json.length * (0.4 + 0.4 * rand.text.u("format:cut"))))) : json.slice(0, 1);
}

/** A reasoning text naming the answer's spans and types. */
export function thoughtFor(task: string, records: readonly SimRecord[], textPreview: string, detailed: boolean): string {
  const t = taskOf(task);
  const label = t.label.toLowerCase();
  if (records.length === 0) {
    return `I look for spans of the given ${label} in "${preview(textPreview)}". None of the words clearly belongs to one of these types, so the answer is empty.`;
  }
  const parts = records.slice(0, 6).map((r) => {
    if (t.spanFields.length > 1) return `${t.spanFields.map((f) => `"${String(r[f])}"`).join(" and ")} are linked by ${String(r[t.typeField])}`;
    const [span, type] = spanAndType(task, r);
    const list = t.nested ? r[t.nested.list] : undefined;
    const args = t.nested && Array.isArray(list) && list.length > 0
      ? ` with ${(list as Record<string, unknown>[]).map((a) => `${String(a[t.nested!.role])} "${String(a[t.nested!.span])}"`).join(", ")}`
      : "";
    return `"${span}" is ${type}${args}`;
  });
  const lead = t.spanFields.length > 1 ? "I look for pairs of mentions that the text relates." : `I look for spans of the given ${label}.`;
  return detailed ? `${lead} ${parts.join("; ")}. Other words do not match the given types.` : `${lead} ${parts.join("; ")}.`;
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}
