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
import type { Rng } from "../src/util/random.ts";
import { DETERMINERS, PREPOSITIONS, guessLanguage, opensWith } from "./knowledge.ts";
import { parseOutput, parseQuery, recordSpanType, type ParsedQuery } from "./query.ts";
import { queryLabels, simTask, taskOf as simTaskOf } from "./tasks.ts";
import { taskNames } from "../src/tasks/index.ts";
import { thoughtFor } from "./output.ts";
import type { SimRecord } from "./extract.ts";

interface Example {
  query: ParsedQuery;
  records: Record<string, unknown>[];
}

/** Reads "Example N / Input: / Output:" blocks (optimizers/prompts.ts renderDemoBlock). */
export function readExamples(body: string): Example[] {
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

/** The task a request is about: its examples' query label, else the registered task its title names. */
function taskFrom(examples: readonly Example[], text: string): string | undefined {
  if (examples[0]) return examples[0].query.task;
  const lower = text.toLowerCase();
  for (const name of taskNames()) {
    const t = simTask(name)!;
    if (lower.includes(t.label.toLowerCase()) || new RegExp(`\\(${name}\\)`).test(text)) return name;
  }
  return undefined;
}

/** "entity types", "slot types": how a task's types are called (its query label). */
const typesNoun = (task: string) => simTaskOf(task).label.toLowerCase();

function typeCounts(task: string, examples: readonly Example[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const ex of examples) {
    for (const r of ex.records) {
      const type = r[simTaskOf(task).typeField];
      if (typeof type === "string") counts.set(type, (counts.get(type) ?? 0) + 1);
    }
  }
  return counts;
}

function spansOf(task: string, ex: Example): string[] {
  const t = simTaskOf(task);
  const out: string[] = [];
  for (const r of ex.records) {
    for (const f of t.spanFields) if (typeof r[f] === "string") out.push(r[f] as string);
    const list = t.nested ? r[t.nested.list] : undefined;
    if (t.nested && Array.isArray(list)) for (const a of list as Record<string, unknown>[]) if (typeof a[t.nested.span] === "string") out.push(a[t.nested.span] as string);
  }
  return out;
}

// ---------------------------------------------------------------------------------------

export function observations(body: string, rng: Rng): string {
  const examples = readExamples(body);
  const task = taskFrom(examples, body);
  const prior = /Observations so far:\n([\s\S]*?)\n\n/.exec(body)?.[1] ?? "";
  if (examples.length === 0 || !task) return "The examples could not be read; no new observations.";
  const t = simTaskOf(task);
  const lines: string[] = [];
  const langs = new Map<string, number>();
  for (const ex of examples) {
    const lang = guessLanguage(ex.query.text);
    langs.set(lang, (langs.get(lang) ?? 0) + 1);
  }
  const langList = [...langs.entries()].sort((a, b) => b[1] - a[1]).map(([l]) => l);
  lines.push(langList.length === 1 ? `All texts are in ${langList[0]}.` : `The texts are in ${langList.join(", ")}.`);
  const meanWords = examples.reduce((n, ex) => n + ex.query.text.split(/\s+/).length, 0) / examples.length;
  const lowerCased = examples.filter((ex) => /^\p{Ll}/u.test(ex.query.text.trim())).length / examples.length;
  lines.push(lowerCased > 0.5 ? `The texts are short spoken-style requests, mostly in lower case (about ${Math.round(meanWords)} words).` : `The texts are ${meanWords < 15 ? "short" : "medium-length"} sentences of about ${Math.round(meanWords)} words, news-like in style.`);
  const counts = typeCounts(task, examples);
  if (counts.size > 0) {
    const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    lines.push(`The most frequent ${typesNoun(task)} are ${sorted.slice(0, 4).map(([t, n]) => `${t} (${n})`).join(", ")}.`);
    const schemaTypes = new Set(examples.flatMap((e) => e.query.schema.map((s) => s.name)));
    const unused = [...schemaTypes].filter((t) => !counts.has(t));
    if (unused.length > 0) lines.push(`Some listed types never occur in the answers (${unused.slice(0, 4).join(", ")}), so many listed types are negatives.`);
  }
  const meanSchema = examples.reduce((n, e) => n + e.query.schema.length, 0) / examples.length;
  lines.push(`Each query lists about ${Math.round(meanSchema)} ${typesNoun(task)}.`);
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
  if (t.nested) {
    const nested = t.nested;
    const items = examples.flatMap((e) => e.records.flatMap((r) => (Array.isArray(r[nested.list]) ? (r[nested.list] as Record<string, unknown>[]) : [])));
    const records = examples.reduce((n, e) => n + e.records.length, 0);
    if (items.length > 0) lines.push(`Records carry about ${(items.length / Math.max(1, records)).toFixed(1)} ${nested.list} each; roles such as ${[...new Set(items.map((a) => String(a[nested.role])))].slice(0, 3).join(", ")} are common.`);
  }
  if (t.spanFields.length === 2) {
    const [a, b] = t.spanFields;
    let first = 0;
    let n = 0;
    for (const ex of examples) for (const r of ex.records) {
      const x = ex.query.text.indexOf(String(r[a!]));
      const y = ex.query.text.indexOf(String(r[b!]));
      if (x >= 0 && y >= 0) { n++; if (x < y) first++; }
    }
    if (n > 0) lines.push(first / n >= 0.5 ? `The ${a} usually comes before the ${b} in the text.` : `The ${b} often comes before the ${a} in the text.`);
  }
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

/**
 * The colleague's habits: how it phrases things, independent of how the extractor reads
 * them. Each proposal starts from one of four moves, drawn at random like a teacher's
 * mood: rework the basic instruction (reword it, sometimes dropping a sentence), extend it
 * with what the dataset summary, the examples or the tip suggest, write a fresh one from
 * the program summary, or — now and then — miss the point (a narrower or different job).
 */
const REWORDINGS: readonly [RegExp, readonly string[]][] = [
  [/^Extract /, ["Find ", "Identify ", "List ", "Pull out "]],
  [/exactly as (it is|they are) written in the text/, ["verbatim from the text", "character for character as in the text", "without changing a letter"]],
  [/^Answer with /, ["Reply with ", "Return ", "Output "]],
  [/a JSON list of objects/, ["a JSON array of objects", "a list of JSON objects"]],
];

/** A sentence of the basic instruction reworded by the colleague's habits. */
function reword(sentence: string, rng: Rng): string {
  let out = sentence;
  for (const [re, options] of REWORDINGS) if (re.test(out) && rng.next() < 0.6) out = out.replace(re, rng.choice(options));
  return out;
}

function sentencesOf(text: string): string[] {
  return text.split(/(?<=[.!?])\s+(?=[A-Z"])/u).map((x) => x.trim()).filter(Boolean);
}

/** Advice the summary's observations suggest, in the colleague's words. */
function adviceFromSummary(summaryText: string): string[] {
  const out: string[] = [];
  const example = /e\.g\. "([^"]+)"/.exec(summaryText)?.[1];
  if (/start with a preposition/i.test(summaryText)) out.push(example ? `When a preposition belongs to the span, as in "${example}", include it.` : "Include the preposition when it belongs to the span.");
  else if (/exclude prepositions/i.test(summaryText)) out.push("Leave out prepositions in front of a span.");
  if (/empty lists/i.test(summaryText)) out.push("Many texts contain none of the listed types; answer [] for them.");
  if (/description/i.test(summaryText)) out.push("Use the type descriptions to understand what each label means.");
  if (/spoken-style|lower case/i.test(summaryText)) out.push("The texts are short spoken requests, often in lower case.");
  if (/any language|texts are in [^.]*,/i.test(summaryText)) out.push("Keep every span in the language and script of the text.");
  return out;
}

/** Advice drawn from the examples: what the spans of a type look like there. */
function adviceFromExamples(task: string, examples: readonly Example[], rng: Rng): string | undefined {
  const t = simTaskOf(task);
  const pairs: [string, string][] = [];
  for (const ex of examples) for (const r of ex.records) {
    const span = t.spanFields.length === 1 ? r[t.spanFields[0]!] : undefined;
    if (typeof span === "string" && typeof r[t.typeField] === "string") pairs.push([span, r[t.typeField] as string]);
  }
  if (pairs.length === 0) return undefined;
  const picked = rng.shuffle(pairs).slice(0, 2);
  return `For example, ${picked.map(([span, type]) => `"${span}" is ${/^[aeiou]/i.test(type) ? "an" : "a"} ${type}`).join(" and ")}.`;
}

/** What a tip makes the colleague add (its own words; some tips add little). */
const TIP_ADVICE: readonly [RegExp, readonly string[]][] = [
  [/persona|expert/i, ["You are an experienced annotator of this kind of data."]],
  [/high stakes|cost/i, ["This matters: every missed or invented span has a cost."]],
  [/where a span starts|boundar/i, ["Give the whole span and nothing around it: no extra punctuation or neighbouring words."]],
  [/character for character|paraphras|verbatim/i, ["Never paraphrase, translate or normalize a span."]],
  [/empty list|guessing/i, ["If none of the types occurs, answer [] rather than guessing."]],
  [/language or script/i, ["The text may be in any language; keep spans in its original script."]],
  [/only the types listed|type descriptions/i, ["Use only the types listed in the query, spelled as given, and read their descriptions."]],
  [/output format|field names/i, ["Answer with the JSON list only, using exactly the given field names."]],
  [/short and direct/i, []],
  [/in detail|what each type means/i, ["Each type covers what its name and description say, nothing else."]],
];

function tipAdvice(tip: string, rng: Rng): string[] {
  for (const [re, options] of TIP_ADVICE) if (re.test(tip)) return options.length > 0 ? [rng.choice(options)] : [];
  return [];
}

export function proposal(body: string, rng: Rng): string {
  const examples = readExamples(section(body, "Examples of the task"));
  const title = /performs (.+?)\.\n/.exec(body)?.[1] ?? "";
  const task = taskFrom(examples, body);
  const basic = section(body, "Basic instruction");
  const summaryText = section(body, "Dataset summary");
  const tip = section(body, "Tip");
  const previous = section(body, "Instructions proposed before").split("\n").map((l) => l.replace(/^- /, "").trim()).filter(Boolean);
  const concise = /short and direct/i.test(tip);
  const types = task ? [...typeCounts(task, examples).keys()] : [];
  const noun = task ? typesNoun(task) : "types";

  for (let attempt = 0; attempt < 6; attempt++) {
    const move = rng.next();
    let parts: string[];
    if (move < 0.35) {
      // Rework the basic instruction; a hurried colleague drops a sentence now and then.
      parts = sentencesOf(basic).map((x) => reword(x, rng));
      if (parts.length > 1 && rng.next() < (concise ? 0.6 : 0.3)) parts.splice(Math.floor(rng.next() * parts.length), 1);
    } else if (move < 0.7) {
      // Extend it with what the grounding suggests.
      parts = sentencesOf(basic).map((x) => (rng.next() < 0.3 ? reword(x, rng) : x));
      const extra = [...adviceFromSummary(summaryText), ...tipAdvice(tip, rng)];
      const fromExamples = task && rng.next() < 0.4 ? adviceFromExamples(task, examples, rng) : undefined;
      if (fromExamples) extra.push(fromExamples);
      parts.push(...rng.shuffle(extra).slice(0, concise ? 1 : 1 + rng.int(0, 2)));
    } else if (move < 0.9) {
      // A fresh instruction from the program summary, in the colleague's own words.
      parts = [`Read the text and list what it mentions of the given ${noun}${title ? ` (${title})` : ""}.`];
      if (rng.next() < 0.6) parts.push("Copy each span as it appears in the text.");
      const keys = task ? simTaskOf(task).keys : [];
      if (keys.length > 0 && rng.next() < 0.6) parts.push(`Give each result as a JSON object with the fields ${keys.join(", ")}, all in one list.`);
      if (rng.next() < 0.5) parts.push("If nothing fits, return [].");
      parts.push(...tipAdvice(tip, rng));
    } else {
      // Off target: a narrower or a different job than the task asks for.
      const main = types[0];
      parts = rng.next() < 0.5 && main
        ? [`Find the ${main} in the text and return it.`, "Ignore everything else."]
        : [`Summarize which ${noun} the text talks about, in a sentence or two.`];
    }
    const instruction = parts.join(" ").trim() || basic;
    if (!previous.includes(instruction) || attempt === 5) return `Proposed instruction: ${instruction}`;
  }
  return `Proposed instruction: ${basic}`;
}

// ---------------------------------------------------------------------------------------

/** "# Explain the answer": 2-4 sentences naming the answer's spans and types. */
export function explain(body: string): string {
  const query = extractQuery(body);
  const task = query?.task ?? taskFrom([], body);
  if (!task) return "The request holds no readable query, so there is nothing to explain.";
  const answerLine = /(?:^|\n)Answer:\s*(\[[\s\S]*?\])\s*(?:\n|$)/.exec(body);
  let records: SimRecord[] = [];
  try {
    records = answerLine ? (JSON.parse(answerLine[1]!) as SimRecord[]) : [];
  } catch {
    records = [];
  }
  const text = query?.text.split("\n")[0] ?? "";
  const base = thoughtFor(task, records, text, true);
  const why = records.length > 0 ? " Each of these spans is copied exactly from the text and fits the meaning of its type." : " The types listed are negatives for this text.";
  return base + why;
}

/** The query embedded in a teacher request (from its label line to just before the instructions). */
export function extractQuery(body: string): ParsedQuery | undefined {
  const lines = body.split("\n");
  const start = lines.findIndex((l) => queryLabels().some(([label]) => l.startsWith(`${label}:`)));
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
