/**
 * In-context learning: what the sim takes from the prompt before it reads the query.
 *
 * From the instruction: which task it names, whether it states the output format and the
 * record keys, asks for verbatim copies and [] when nothing is found, mentions type
 * descriptions, span boundaries, completeness or precision. From the demos: a lexicon
 * (span → type), context cues (the word before/after spans of each type), boundary
 * conventions (are prepositions/determiners part of spans?), which built-in categories
 * the demos file under which type (so wrong labels mislead), the keys and JSON shape,
 * whether [] is a valid answer, relation cue words and EE role positions.
 *
 * All of it condenses into `understanding` (0..1), a graded score: each feature helps a
 * bit, so different instructions and demo sets really score differently.
 */
import type { Task } from "../src/data/sample.ts";
import type { ChatMessage } from "../src/lm/types.ts";
import { DETERMINERS, PREPOSITIONS, detectScript, opensWith } from "./knowledge.ts";
import { entityCandidates, timeCandidates, tokenAfter, tokenBefore, tokenize, triggerCandidates, weatherCandidates } from "./detect.ts";
import { parseOutput, parseQuery, recordSpanType, type ParsedQuery } from "./query.ts";
import type { SimProfile } from "./profiles.ts";

export const RECORD_KEYS: Readonly<Record<Task, string[]>> = {
  NER: ["entity", "entity_type"],
  RE: ["head", "tail", "relation"],
  SF: ["slot", "slot_type"],
  ED: ["event_trigger", "event_type"],
  EE: ["event_trigger", "event_type", "arguments"],
};

export interface InstructionFeatures {
  task: boolean;
  schema: boolean;
  format: boolean;
  keys: boolean;
  verbatim: boolean;
  empty: boolean;
  descriptions: boolean;
  boundary: boolean;
  recall: boolean;
  precision: boolean;
  vague: boolean;
}

export interface Demo {
  query: ParsedQuery;
  records: Record<string, unknown>[] | undefined;
  thought: string | undefined;
  framed: boolean;
}

export interface PromptReading {
  task: Task;
  instruction: string;
  features: InstructionFeatures;
  reasoning: boolean;
  demos: Demo[];
  /** Demo outputs that were readable lists with this task's keys. */
  wellFormedDemos: number;
  emptyDemos: number;
  /** Types that occur in the demos' answers. */
  demoTypes: Set<string>;
  /** Keys the demos used (they win over everything else). */
  demoKeys: string[] | undefined;
  /** lower-cased span → type → weight. */
  lexicon: Map<string, Map<string, number>>;
  /** The spans of the lexicon as written (for substring search). */
  lexiconSpans: Map<string, string>;
  /** Word before / after spans of a type: type → word → count. */
  prevCue: Map<string, Map<string, number>>;
  nextCue: Map<string, Map<string, number>>;
  /** Built-in category of demo spans → demo type → count. */
  catToType: Map<string, Map<string, number>>;
  /** type → share of its demo spans that start with a preposition / determiner. */
  prepShare: Map<string, number>;
  detShare: Map<string, number>;
  /** RE: relation → words seen between head and tail. */
  relationCues: Map<string, Map<string, number>>;
  /** EE: role → preposition before the argument, and side (−1 before trigger, +1 after). */
  roleCues: Map<string, { prep: Map<string, number>; side: number }>;
  /** Share of demo thoughts that name spans of their answers. */
  informativeThoughts: number;
  promptChars: number;
  /** 0..1: how well the prompt tells the model what to do. */
  understanding: number;
  /** 0..1: how well the model knows the output format. */
  formatKnowledge: number;
}

const TASK_WORDS: Readonly<Record<Task, RegExp>> = {
  NER: /entit|named|mention|\bner\b|names? of/i,
  RE: /relation|head|tail|triple|\bre\b/i,
  SF: /slot|request|utterance|\bsf\b/i,
  ED: /event|trigger/i,
  EE: /event|trigger|argument|role/i,
};

function instructionFeatures(task: Task, instruction: string): InstructionFeatures {
  const s = instruction;
  const words = s.split(/\s+/).filter(Boolean).length;
  const taskNamed = TASK_WORDS[task].test(s) && /extract|identify|find|list|detect|fill|tag|label|recogni|annotat|output|return/i.test(s);
  return {
    task: taskNamed,
    schema: /given|listed|provided|specified|schema|only .*types?|of these types/i.test(s),
    format: /json|\[\]|list of objects|list of records/i.test(s),
    keys: RECORD_KEYS[task].some((k) => new RegExp(`["'\`]?${k}["'\`]?\\s*[:,}]|\\{\\s*"?${k}`).test(s)) || RECORD_KEYS[task].filter((k) => s.includes(k)).length >= 2,
    verbatim: /exact|verbatim|as (it is )?written|copy|character for character|unchanged/i.test(s),
    empty: /\[\]|empty list|nothing|none of|no (entity|relation|slot|event)|when there is no/i.test(s),
    descriptions: /description|defin|meaning of (the )?(labels?|types?)|abbreviat/i.test(s),
    boundary: /boundar|determiner|article|preposition|shortest|minimal|full (name|span)|whole (name|span|phrase)|do not (extend|include)/i.test(s),
    recall: /\bevery\b|\ball\b|each (mention|entity|slot|event|relation)|do not miss|complete/i.test(s),
    precision: /do not (guess|invent|add|make up|hallucinate)|only (extract|output|list|include)|not in the list|never invent/i.test(s),
    vague: words < 8 && !taskNamed,
  };
}

export function readPrompt(task: Task, messages: readonly ChatMessage[], queryIndex: number, profile: SimProfile): PromptReading {
  const system = messages.filter((m, i) => m.role === "system" && i < queryIndex).map((m) => m.content).join("\n\n");
  const reasoningLine = /First think step by step, writing "Thought:"/.test(system);
  const instruction = system.replace(/First think step by step, writing "Thought:"[^\n]*/, "").trim();
  const features = instructionFeatures(task, instruction);

  const demos: Demo[] = [];
  for (let i = 0; i < queryIndex; i++) {
    const m = messages[i]!;
    const next = messages[i + 1];
    if (m.role !== "user" || !next || next.role !== "assistant" || i + 1 >= queryIndex) continue;
    const query = parseQuery(m.content);
    if (!query) continue;
    const out = parseOutput(next.content);
    demos.push({ query, records: out.records, thought: out.thought, framed: out.framed });
  }

  const reading: PromptReading = {
    task, instruction, features, reasoning: reasoningLine || demos.some((d) => d.framed), demos,
    wellFormedDemos: 0, emptyDemos: 0, demoKeys: undefined, demoTypes: new Set(),
    lexicon: new Map(), lexiconSpans: new Map(), prevCue: new Map(), nextCue: new Map(), catToType: new Map(),
    prepShare: new Map(), detShare: new Map(), relationCues: new Map(), roleCues: new Map(),
    informativeThoughts: 0, promptChars: messages.reduce((n, m) => n + m.content.length, 0), understanding: 0, formatKnowledge: 0,
  };
  learnFromDemos(reading, profile);
  score(reading);
  return reading;
}

function bump<K>(map: Map<K, Map<string, number>>, key: K, sub: string, by = 1): void {
  let inner = map.get(key);
  if (!inner) map.set(key, (inner = new Map()));
  inner.set(sub, (inner.get(sub) ?? 0) + by);
}

/** Counts one span towards a share: [spans that opened with the function word, all spans]. */
function tally(shares: Map<string, [number, number]>, key: string, hit: boolean): void {
  const counts = shares.get(key) ?? [0, 0];
  counts[0] += hit ? 1 : 0;
  counts[1] += 1;
  shares.set(key, counts);
}

function learnFromDemos(r: PromptReading, profile: SimProfile): void {
  const prep = new Map<string, [number, number]>();
  const det = new Map<string, [number, number]>();
  let thoughtful = 0;
  for (const demo of r.demos) {
    const records = demo.records;
    if (!records) continue;
    const keys = RECORD_KEYS[r.task];
    const shaped = records.every((rec) => keys.slice(0, 2).every((k) => k in rec));
    if (shaped) r.wellFormedDemos++;
    if (records.length === 0) r.emptyDemos++;
    if (records.length > 0 && !r.demoKeys) r.demoKeys = Object.keys(records[0]!);
    const text = demo.query.text;
    const tokens = tokenize(text);
    const script = detectScript(text);
    // Built-in categories of spans in the demo text, to learn category → type mappings.
    const builtin = r.task === "ED" || r.task === "EE"
      ? triggerCandidates(text, tokens, script, new Map()).map((c) => ({ ...c, cats: c.events }))
      : [...entityCandidates(text, tokens, script), ...timeCandidates(text, tokens, script), ...weatherCandidates(text, tokens, script)];
    const spansHere: string[] = [];
    const learnSpan = (span: string, type: string) => {
      spansHere.push(span);
      const lower = span.toLowerCase();
      bump(r.lexicon, lower, type, profile.icl);
      r.lexiconSpans.set(lower, span);
      const at = text.indexOf(span);
      if (at < 0) return;
      const before = tokenBefore(tokens, at);
      const after = tokenAfter(tokens, at + span.length);
      if (before) bump(r.prevCue, type, before.lower);
      if (after) bump(r.nextCue, type, after.lower);
      tally(prep, type, opensWith(span, PREPOSITIONS));
      tally(det, type, opensWith(span, DETERMINERS));
      const overlapping = builtin.filter((c) => c.start < at + span.length && c.end > at);
      for (const c of overlapping) {
        for (const [cat, w] of Object.entries(c.cats)) if (w >= 0.5) bump(r.catToType, cat, type, w);
      }
    };
    for (const rec of records) {
      if (typeof rec.relation === "string") r.demoTypes.add(rec.relation);
      for (const { span, type } of recordSpanType(r.task, rec)) {
        learnSpan(span, type);
        r.demoTypes.add(type);
      }
      if (r.task === "RE") {
        const head = typeof rec.head === "string" ? rec.head : undefined;
        const tail = typeof rec.tail === "string" ? rec.tail : undefined;
        const rel = typeof rec.relation === "string" ? rec.relation : undefined;
        if (head && tail && rel) {
          spansHere.push(head, tail);
          const h = text.indexOf(head);
          const t = text.indexOf(tail);
          if (h >= 0 && t >= 0) {
            const between = h < t ? text.slice(h + head.length, t) : text.slice(t + tail.length, h);
            for (const w of between.toLowerCase().split(/[^\p{L}\p{N},]+/u).filter(Boolean).slice(0, 6)) bump(r.relationCues, rel, w);
            bump(r.relationCues, rel, h < t ? "<order:head-first>" : "<order:tail-first>");
          }
          for (const [span, cat] of [[head, "head"], [tail, "tail"]] as const) {
            const at = text.indexOf(span);
            for (const c of builtin.filter((c) => c.start < at + span.length && c.end > at)) {
              for (const [k, w] of Object.entries(c.cats)) if (w >= 0.5) bump(r.catToType, `${rel}:${cat}`, k, w);
            }
          }
        }
      }
      if (r.task === "EE" && Array.isArray(rec.arguments) && typeof rec.event_trigger === "string") {
        const trigAt = text.indexOf(rec.event_trigger);
        for (const a of rec.arguments as unknown[]) {
          if (!a || typeof a !== "object") continue;
          const { role, argument } = a as { role?: unknown; argument?: unknown };
          if (typeof role !== "string" || typeof argument !== "string") continue;
          spansHere.push(argument);
          const at = text.indexOf(argument);
          let cue = r.roleCues.get(role);
          if (!cue) r.roleCues.set(role, (cue = { prep: new Map(), side: 0 }));
          if (at >= 0 && trigAt >= 0) cue.side += at < trigAt ? -1 : 1;
          const before = tokenBefore(tokens, at);
          if (before && PREPOSITIONS.has(before.lower)) cue.prep.set(before.lower, (cue.prep.get(before.lower) ?? 0) + 1);
          const withDet = opensWith(argument, DETERMINERS);
          tally(det, `arg:${role}`, withDet);
          tally(det, "arg:*", withDet);
        }
      }
    }
    if (demo.thought && spansHere.some((s) => demo.thought!.includes(s))) thoughtful++;
  }
  for (const [type, [a, n]] of prep) r.prepShare.set(type, a / n);
  for (const [type, [a, n]] of det) r.detShare.set(type, a / n);
  const withThought = r.demos.filter((d) => d.thought !== undefined).length;
  r.informativeThoughts = withThought > 0 ? thoughtful / withThought : 0;
}

/** The graded prompt-understanding score; weights are documented in the module comment. */
function score(r: PromptReading): void {
  const f = r.features;
  let u = 0.1;
  u += f.task ? 0.14 : 0;
  u += f.schema ? 0.04 : 0;
  u += f.format ? 0.06 : 0;
  u += f.keys ? 0.08 : 0;
  u += f.verbatim ? 0.06 : 0;
  u += f.empty ? 0.05 : 0;
  u += f.boundary ? 0.05 : 0;
  u += f.recall ? 0.03 : 0;
  u += f.precision ? 0.02 : 0;
  u -= f.vague ? 0.05 : 0;
  // Demos: the first three help most; more add little (the study: more is not better).
  const good = r.wellFormedDemos;
  u += Math.min(good, 3) * 0.08 + Math.max(0, Math.min(good - 3, 3)) * 0.015;
  // Demos that do not show this task's record shape confuse a little.
  u -= (r.demos.length - good) * 0.03;
  // Demos whose types share categories with the query's types are more instructive.
  if (good > 0) u += 0.04;
  // Very long prompts dilute attention a little.
  if (r.promptChars > 6000) u -= Math.min(0.12, ((r.promptChars - 6000) / 3000) * 0.03);
  r.understanding = Math.max(0, Math.min(1, u));

  const fromInstruction = (f.keys ? 0.6 : 0) + (f.format ? 0.25 : 0) + (f.task ? 0.05 : 0);
  const fromDemos = good === 0 ? 0 : good === 1 ? 0.7 : good === 2 ? 0.85 : 0.95;
  r.formatKnowledge = 1 - (1 - Math.min(0.95, fromInstruction)) * (1 - fromDemos);
}
