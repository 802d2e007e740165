/**
 * Answers to the optimizer's own requests (optimizers/prompts.ts), read by their heading:
 * dataset observations, their summary, the program summary, grounded instruction
 * proposals, and thoughts (explain a known answer / think before answering).
 *
 * Everything is derived from what the request contains — the examples shown, the
 * observations, the tip — never from data files. Proposals vary with the request's
 * random stream (temperature, seed, draw), and are sometimes better, sometimes worse than
 * the basic instruction: some omit the format, some are vague, some add conventions the
 * summary or the tip suggest. That spread is what the search has to sort out.
 */
import type { Task } from "../src/data/sample.ts";
import type { Rng } from "../src/util/random.ts";
import { DETERMINERS, PREPOSITIONS, guessLanguage, opensWith } from "./knowledge.ts";
import { parseOutput, parseQuery, recordSpanType, type ParsedQuery } from "./query.ts";
import { QUERY_LABELS, SIM_TASKS } from "./tasks.ts";
import { thoughtFor } from "./output.ts";
import type { SimRecord } from "./extract.ts";

interface Example {
  query: ParsedQuery;
  records: Record<string, unknown>[];
}

/** Reads "Example N / Input: / Output:" blocks (optimizers/prompts.ts renderDemoBlock). */
function readExamples(body: string): Example[] {
  const out: Example[] = [];
  const chunks = body.split(/(?:^|\n)Example \d+\nInput:\n/).slice(1);
  for (const chunk of chunks) {
    const at = chunk.lastIndexOf("\nOutput:\n");
    if (at < 0) continue;
    const query = parseQuery(chunk.slice(0, at));
    const outText = chunk.slice(at + "\nOutput:\n".length).split(/\n\n/)[0] ?? "";
    const parsed = parseOutput(outText);
    if (query) out.push({ query, records: parsed.records ?? [] });
  }
  return out;
}

const TASK_BY_TITLE: [RegExp, Task][] = [
  [/named entity|\bNER\b/i, "NER"],
  [/relation/i, "RE"],
  [/slot/i, "SF"],
  [/event extraction|\bEE\b/i, "EE"],
  [/event detection|\bED\b/i, "ED"],
];

function taskOf(text: string): Task | undefined {
  for (const [re, t] of TASK_BY_TITLE) if (re.test(text)) return t;
  return undefined;
}

const NOUN: Readonly<Record<Task, [string, string]>> = {
  NER: ["entity", "entity types"],
  RE: ["relation", "relation types"],
  SF: ["slot value", "slot types"],
  ED: ["event trigger", "event types"],
  EE: ["event", "event types"],
};

function typeCounts(task: Task, examples: readonly Example[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const ex of examples) {
    for (const r of ex.records) {
      const type = r[SIM_TASKS[task].typeField];
      if (typeof type === "string") counts.set(type, (counts.get(type) ?? 0) + 1);
    }
  }
  return counts;
}

function spansOf(task: Task, ex: Example): string[] {
  const out: string[] = [];
  for (const r of ex.records) {
    if (task === "RE") {
      if (typeof r.head === "string") out.push(r.head);
      if (typeof r.tail === "string") out.push(r.tail);
    } else for (const { span } of recordSpanType(task, r)) out.push(span);
    if (task === "EE" && Array.isArray(r.arguments)) for (const a of r.arguments as { argument?: unknown }[]) if (typeof a?.argument === "string") out.push(a.argument);
  }
  return out;
}

// ---------------------------------------------------------------------------------------

export function observations(body: string, rng: Rng): string {
  const examples = readExamples(body);
  const task = examples[0]?.query.task ?? taskOf(body) ?? "NER";
  const prior = /Observations so far:\n([\s\S]*?)\n\n/.exec(body)?.[1] ?? "";
  if (examples.length === 0) return "The examples could not be read; no new observations.";
  const lines: string[] = [];
  const langs = new Map<string, number>();
  for (const ex of examples) {
    const lang = guessLanguage(ex.query.text);
    langs.set(lang, (langs.get(lang) ?? 0) + 1);
  }
  const langList = [...langs.entries()].sort((a, b) => b[1] - a[1]).map(([l]) => l);
  lines.push(langList.length === 1 ? `All texts are in ${langList[0]}.` : `The texts are in ${langList.join(", ")}.`);
  const meanWords = examples.reduce((n, ex) => n + ex.query.text.split(/\s+/).length, 0) / examples.length;
  lines.push(task === "SF" ? `The texts are short spoken-style requests to a voice assistant (about ${Math.round(meanWords)} words).` : `The texts are ${meanWords < 15 ? "short" : "medium-length"} sentences of about ${Math.round(meanWords)} words, news-like in style.`);
  const counts = typeCounts(task, examples);
  if (counts.size > 0) {
    const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    lines.push(`The most frequent ${NOUN[task][1]} are ${sorted.slice(0, 4).map(([t, n]) => `${t} (${n})`).join(", ")}.`);
    const schemaTypes = new Set(examples.flatMap((e) => e.query.schema.map((s) => s.name)));
    const unused = [...schemaTypes].filter((t) => !counts.has(t));
    if (unused.length > 0) lines.push(`Some listed types never occur in the answers (${unused.slice(0, 4).join(", ")}), so many listed types are negatives.`);
  }
  const meanSchema = examples.reduce((n, e) => n + e.query.schema.length, 0) / examples.length;
  lines.push(`Each query lists about ${Math.round(meanSchema)} ${NOUN[task][1]}.`);
  const empty = examples.filter((e) => e.records.length === 0).length;
  lines.push(empty === 0 ? "Every example has at least one record." : `${Math.round((100 * empty) / examples.length)}% of the answers are empty lists ([]).`);
  const spans = examples.flatMap((e) => spansOf(task, e));
  if (spans.length > 0) {
    const words = spans.reduce((n, s) => n + s.split(/\s+/).length, 0) / spans.length;
    lines.push(`Spans are short: ${words.toFixed(1)} words on average, copied verbatim from the text.`);
    const withPrep = spans.filter((s) => opensWith(s, PREPOSITIONS));
    const withDet = spans.filter((s) => opensWith(s, DETERMINERS));
    if (withPrep.length > 0) lines.push(`Some spans start with a preposition (e.g. "${withPrep[0]}"), so the preposition belongs to the span there.`);
    else lines.push("Span boundaries exclude prepositions before the span.");
    if (withDet.length > 0) lines.push(`Determiners are kept inside some spans (e.g. "${withDet[0]}").`);
    const caps = spans.filter((s) => /^\p{Lu}/u.test(s)).length / spans.length;
    if (caps > 0.6) lines.push("Most spans are capitalised names.");
    else if (caps < 0.3) lines.push("Most spans are lower-case words or phrases rather than names.");
  }
  if (task === "EE") {
    const args = examples.flatMap((e) => e.records.flatMap((r) => (Array.isArray(r.arguments) ? (r.arguments as { role?: string }[]) : [])));
    if (args.length > 0) lines.push(`Events carry about ${(args.length / Math.max(1, examples.reduce((n, e) => n + e.records.length, 0))).toFixed(1)} arguments each; roles such as ${[...new Set(args.map((a) => a.role))].slice(0, 3).join(", ")} are common.`);
  }
  if (task === "RE") lines.push("Relations are directed: the head usually comes first in the text.");
  if (examples.some((e) => Object.keys(e.query.descriptions).length > 0)) lines.push("Some types come with descriptions that explain abbreviated labels.");
  const fresh = lines.filter((l) => !prior.includes(l));
  if (fresh.length === 0) return "No new observations.";
  const keep = Math.max(3, Math.min(fresh.length, 4 + rng.int(0, 2)));
  return rng.shuffle(fresh.slice(0, 2)).concat(rng.shuffle(fresh.slice(2)).slice(0, keep - 2)).join("\n");
}

export function summary(body: string, rng: Rng): string {
  const obs = (/Observations about a dataset:\n([\s\S]*?)\n\n/.exec(body)?.[1] ?? body).split("\n").map((l) => l.trim()).filter((l) => l && !/^Summarize/.test(l));
  if (obs.length === 0) return "The dataset has no observations yet.";
  const priority = [/language|texts are in/i, /frequent/i, /empty/i, /preposition|determiner|boundar/i, /short|words/i, /description/i, /direct|argument/i];
  const picked: string[] = [];
  for (const re of priority) {
    const hit = obs.find((o) => re.test(o) && !picked.includes(o));
    if (hit) picked.push(hit);
    if (picked.length >= 4) break;
  }
  const sentences = picked.slice(0, 2 + rng.int(0, 1));
  return sentences.map((s) => s.replace(/\.$/, "")).join(". ").replace(/([^.])$/, "$1.");
}

export function programSummary(body: string): string {
  const head = /Program:\s*(.+?)\s*\((\w+)\)/.exec(body);
  const title = head?.[1] ?? "information extraction";
  const desc = body.split("\n").find((l) => l.length > 40 && !l.startsWith("-") && !l.startsWith("Program:")) ?? "";
  const outFields = /Output:[^\n]*\n((?:- .*\n?)+)/.exec(body)?.[1]?.split("\n").map((l) => /^- (\w+)/.exec(l)?.[1]).filter(Boolean) ?? [];
  const first = desc.split(/(?<=\.)\s/)[0] ?? desc;
  return `The program performs ${title}. ${first} It reads a text and a batch of types, and returns a JSON list of records with the fields ${outFields.join(", ")}, copying spans verbatim; an empty list means nothing of these types occurs.`;
}

// ---------------------------------------------------------------------------------------

function section(body: string, name: string): string {
  const re = new RegExp(`## ${name}\\n([\\s\\S]*?)(?=\\n## |\\nReply with|$)`);
  return (re.exec(body)?.[1] ?? "").trim();
}

const FORMAT: Readonly<Record<Task, string>> = {
  NER: '{"entity": ..., "entity_type": ...}',
  RE: '{"head": ..., "tail": ..., "relation": ...}',
  SF: '{"slot": ..., "slot_type": ...}',
  ED: '{"event_trigger": ..., "event_type": ...}',
  EE: '{"event_trigger": ..., "event_type": ..., "arguments": [{"role": ..., "argument": ...}]}',
};

const OPENINGS: Readonly<Record<Task, string[]>> = {
  NER: ["Extract every named entity of the given entity types from the text.", "Identify all mentions of the listed entity types in the text.", "Read the text and list each named entity whose type is one of the given entity types."],
  RE: ["Extract the relations of the given relation types that the text states between two mentions.", "Identify each pair of mentions (head, tail) that the text connects by one of the listed relation types.", "List every relation of the given types stated in the text, reading it as head relation tail."],
  SF: ["Fill the given slot types from the user's request.", "Identify the spans of the request that fill one of the listed slot types.", "Read the voice-assistant request and extract every slot value of the given slot types."],
  ED: ["Detect the events of the given event types and their trigger words.", "Identify every word that triggers an event of one of the listed event types.", "Find each event trigger in the text whose event type is one of the given types."],
  EE: ["Extract the events of the given event types with their triggers and arguments.", "Identify every event of the listed types, its trigger word and the arguments filling its roles.", "For each event of the given types, give its trigger and the arguments for its roles."],
};

const VAGUE = ["Analyze the text carefully and find the important information.", "Read the input and produce the expected output.", "Look at the text and extract what is relevant."];

/** Clauses a tip can ask for, recognised by the tip's theme. */
const TIP_THEMES: [RegExp, string][] = [
  [/boundar|span length|minimal|preposition|article|determiner/i, "boundary"],
  [/description|definition|abbreviat|label meaning/i, "descriptions"],
  [/json|format|schema|key|structure/i, "format"],
  [/verbatim|exact|copy|as written/i, "verbatim"],
  [/empty|nothing|none|negative|no answer/i, "empty"],
  [/hallucinat|invent|precis|only the|false positive/i, "precision"],
  [/recall|every|miss|complete|exhaustive/i, "recall"],
  [/persona|role|expert|you are/i, "persona"],
  [/step|reason|think/i, "reasoning"],
  [/short|concise|brief/i, "concise"],
  [/language|multilingual|script|translat/i, "multilingual"],
  [/example|demonstration/i, "examples"],
];

export function proposal(body: string, rng: Rng): string {
  const title = /performs (.+?)\.\n/.exec(body)?.[1] ?? "";
  const examples = readExamples(section(body, "Examples of the task"));
  const task = taskOf(title) ?? examples[0]?.query.task ?? "NER";
  const summaryText = section(body, "Dataset summary");
  const tip = section(body, "Tip");
  const previous = section(body, "Instructions proposed before").split("\n").map((l) => l.replace(/^- /, "").trim()).filter(Boolean);
  const themes = new Set(TIP_THEMES.filter(([re]) => re.test(tip)).map(([, t]) => t));
  const types = [...typeCounts(task, examples).keys()];

  for (let attempt = 0; attempt < 6; attempt++) {
    const parts: string[] = [];
    const vague = !themes.has("format") && rng.next() < 0.12;
    if (themes.has("persona") || rng.next() < 0.15) parts.push("You are an expert annotator for information extraction.");
    parts.push(vague ? rng.choice(VAGUE) : rng.choice(OPENINGS[task]));
    if (types.length > 0 && rng.next() < 0.35) parts.push(`Types seen in this data include ${types.slice(0, 4).join(", ")}; only use the types listed in the query.`);
    if (themes.has("multilingual") || rng.next() < 0.15) parts.push("The text may be in any language and script; keep spans in the original script.");
    const concise = themes.has("concise");
    if (themes.has("verbatim") || rng.next() < (concise ? 0.4 : 0.7)) parts.push(rng.choice(["Copy each span exactly as it is written in the text.", "Copy spans verbatim, character for character.", "Use the exact wording of the text for every span."]));
    if (themes.has("boundary")) parts.push(rng.choice(["Keep span boundaries tight: no surrounding punctuation, and include a preposition or determiner only when the examples do.", "Mind the span boundaries: give the full name, without extra words around it."]));
    if (/preposition/i.test(summaryText) && rng.next() < 0.5) parts.push("Follow the boundary convention of the data: when a preposition is part of the span in the examples (e.g. a time like \"at 5 pm\"), include it.");
    if (themes.has("descriptions") || (/description/i.test(summaryText) && rng.next() < 0.5)) parts.push("Use the type descriptions to understand what each (possibly abbreviated) label means.");
    if (themes.has("precision")) parts.push("Do not invent spans that are not in the text, and only output types from the given list.");
    if (themes.has("recall")) parts.push("List every mention, even repeated or short ones; do not miss any.");
    if (themes.has("reasoning")) parts.push("Consider each candidate span and check its type before answering.");
    if (themes.has("examples")) parts.push("Follow the conventions shown in the examples.");
    const wantsFormat = themes.has("format") || rng.next() < (concise ? 0.45 : vague ? 0.3 : 0.75);
    if (wantsFormat) parts.push(rng.choice([`Answer with a JSON list of objects ${FORMAT[task]}.`, `Return a JSON list where each item is ${FORMAT[task]}.`]));
    else if (rng.next() < 0.5) parts.push("Return the results as a list.");
    if (themes.has("empty") || /empty/i.test(summaryText) ? rng.next() < 0.9 : rng.next() < 0.55) parts.push(rng.choice(["Answer [] when nothing of these types occurs.", "If there is nothing to extract, return an empty list []."]));
    const instruction = parts.join(" ");
    if (!previous.includes(instruction) || attempt === 5) return `Proposed instruction: ${instruction}`;
  }
  return "Proposed instruction: " + OPENINGS[task][0];
}

// ---------------------------------------------------------------------------------------

/** "# Explain the answer": 2-4 sentences naming the answer's spans and types. */
export function explain(body: string): string {
  const task = taskOf(/Task:\s*(.+?)\./.exec(body)?.[1] ?? "") ?? "NER";
  const answerLine = /(?:^|\n)Answer:\s*(\[[\s\S]*?\])\s*(?:\n|$)/.exec(body);
  let records: SimRecord[] = [];
  try {
    records = answerLine ? (JSON.parse(answerLine[1]!) as SimRecord[]) : [];
  } catch {
    records = [];
  }
  const query = extractQuery(body);
  const text = query?.text.split("\n")[0] ?? "";
  const base = thoughtFor(task, records, text, true);
  const why = records.length > 0 ? " Each of these spans is copied exactly from the text and fits the meaning of its type." : " The types listed are negatives for this text.";
  return base + why;
}

/** The query embedded in a teacher request (from its label line to just before the instructions). */
export function extractQuery(body: string): ParsedQuery | undefined {
  const lines = body.split("\n");
  const start = lines.findIndex((l) => QUERY_LABELS.some(([label]) => l.startsWith(`${label}:`)));
  if (start < 0) return undefined;
  const rest = lines.slice(start);
  // The text ends at the blank line before the request's closing instruction.
  const textAt = rest.findIndex((l) => l.startsWith("Text:"));
  let end = rest.length;
  for (let i = Math.max(textAt, 0) + 1; i < rest.length; i++) {
    if (rest[i] === "" || /^Answer:\s*\[/.test(rest[i]!)) { end = i; break; }
  }
  return parseQuery(rest.slice(0, end).join("\n"));
}

export function chatReply(): string {
  return "I am the offline sim model. Send an extraction query (\"Entity types: [...]\\nText: ...\") or one of the optimizer's requests.";
}
