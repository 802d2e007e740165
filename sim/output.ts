/**
 * Writing the answer: records → text, the way the prompt taught the model to write it.
 *
 * A model that knows the format (keys in the instruction, well-formed demos) writes a
 * compact JSON list with the demos' keys. One that does not sometimes writes prose, its
 * own key names, a dict keyed by type, a fenced block with a preamble, or a truncated
 * list — the failure modes real models show. With reasoning it writes "Thought: …" then
 * "Answer: …"; with response_format it always writes valid {"records": [...]}.
 */
import type { Task } from "../src/data/sample.ts";
import type { PromptReading } from "./learn.ts";
import { SIM_TASKS } from "./tasks.ts";
import type { SimRecord } from "./extract.ts";
import type { SimRandom } from "./rand.ts";

const WRONG_KEYS: Readonly<Record<Task, string[][]>> = {
  NER: [["span", "category"], ["word", "class"], ["entity", "category"]],
  RE: [["subject", "object", "type_of_relation"], ["arg1", "arg2", "relation"], ["entity1", "entity2", "rel"]],
  SF: [["slot_value", "slot_name"], ["value", "slot"], ["span", "category"]],
  ED: [["trigger_word", "event"], ["word", "event_class"], ["event", "event_type"]],
  EE: [["trigger_word", "event", "args"], ["word", "event_class", "arguments"], ["trigger", "event", "participants"]],
};

/** The record with the demos' key names (by position) when the demos used other keys. */
function rename(task: Task, rec: SimRecord, keys: readonly string[]): SimRecord {
  const canonical = SIM_TASKS[task].keys;
  const out: SimRecord = {};
  canonical.forEach((k, i) => {
    if (k in rec) out[keys[i] ?? k] = rec[k];
  });
  return out;
}

function spanAndType(task: Task, rec: SimRecord): [string, string] {
  switch (task) {
    case "NER": return [String(rec.entity), String(rec.entity_type)];
    case "SF": return [String(rec.slot), String(rec.slot_type)];
    case "RE": return [`${String(rec.head)} → ${String(rec.tail)}`, String(rec.relation)];
    default: return [String(rec.event_trigger), String(rec.event_type)];
  }
}

function prose(task: Task, records: readonly SimRecord[]): string {
  if (records.length === 0) {
    return task === "RE" ? "There are no relations of these types in the text." : task === "SF" ? "None of the slots is mentioned in the request." : "I could not find anything of these types in the text.";
  }
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
export function renderAnswer(task: Task, records: SimRecord[], reading: PromptReading, rand: SimRandom, formatError: number, proseAsked = false): string {
  const keys = reading.demoKeys ?? SIM_TASKS[task].keys;
  const shaped = records.map((r) => rename(task, r, keys));
  const u = rand.text.u("format");
  if (u >= formatError) return JSON.stringify(shaped);
  const kind = rand.text.u("format:kind");
  if (proseAsked || kind < 0.3) return prose(task, records);
  if (kind < 0.6) {
    const options = WRONG_KEYS[task];
    const wrong = options[Math.floor(rand.text.u("format:keys") * options.length)]!;
    return JSON.stringify(records.map((r) => rename(task, r, wrong)), null, 1);
  }
  if (kind < 0.72 && task !== "RE" && task !== "EE") {
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
export function thoughtFor(task: Task, records: readonly SimRecord[], textPreview: string, detailed: boolean): string {
  if (records.length === 0) {
    return `I look for spans of the given types in "${preview(textPreview)}". None of the words clearly belongs to one of these types, so the answer is empty.`;
  }
  const parts = records.slice(0, 6).map((r) => {
    if (task === "RE") return `"${String(r.head)}" and "${String(r.tail)}" are linked by ${String(r.relation)}`;
    const [span, type] = spanAndType(task, r);
    const args = task === "EE" && Array.isArray(r.arguments) && r.arguments.length > 0
      ? ` with ${(r.arguments as { role: string; argument: string }[]).map((a) => `${a.role} "${a.argument}"`).join(", ")}`
      : "";
    return `"${span}" is ${type}${args}`;
  });
  const lead = task === "RE" ? "I look for pairs of mentions that the text relates." : task === "ED" || task === "EE" ? "I look for words that express events." : "I look for spans of the given types.";
  return detailed ? `${lead} ${parts.join("; ")}. Other words do not match the given types.` : `${lead} ${parts.join("; ")}.`;
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}
