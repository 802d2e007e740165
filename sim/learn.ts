/**
 * In-context learning: what the sim takes from the prompt before it reads the query.
 *
 * The instruction is read as statements (instructions.ts). The demos teach, right or
 * wrong: which spans have which type (a lexicon), what spans of each type look like (their
 * last and first words, the words around them, their shape and length), span boundaries
 * (is the preposition or article part of the span?), the output keys and shape, whether
 * [] is a valid answer, which words stand between a relation's head and tail, and where
 * EE arguments sit. A profile's `icl` scales how strongly these lessons are taken, so a
 * larger profile follows mislabelled demos more strongly (as larger LLMs follow flipped
 * in-context labels more).
 *
 * Everything condenses into `understanding` (0..1), with the per-topic rules kept for the
 * decisions they govern (extract.ts, output.ts).
 */
import type { ChatMessage } from "../src/lm/types.ts";
import { DETERMINERS, PREPOSITIONS, opensWith } from "./knowledge.ts";
import { shapeOf, stemOf, tokenAfter, tokenBefore, tokenize, type Shape } from "./detect.ts";
import { parseOutput, parseQuery, recordSpanType, type ParsedQuery } from "./query.ts";
import { readInstruction, ruleOf, type InstructionReading } from "./instructions.ts";
import { taskOf } from "./tasks.ts";
import type { SimProfile } from "./profiles.ts";

export interface Demo {
  query: ParsedQuery;
  records: Record<string, unknown>[] | undefined;
  thought: string | undefined;
  framed: boolean;
}

/** What the demos showed about spans of one type. */
export interface TypeLesson {
  n: number;
  head: Map<string, number>;
  first: Map<string, number>;
  prev: Map<string, number>;
  next: Map<string, number>;
  shape: Map<Shape, number>;
  /** Stems of the words of lower-case spans (slot words, triggers). */
  stems: Map<string, number>;
  /** Spans right after a preposition (a generalisation over the words before them). */
  afterPreposition: number;
}

export interface PromptReading {
  task: string;
  instruction: InstructionReading;
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
  lessons: Map<string, TypeLesson>;
  /** type → share of its demo spans that start with a preposition / article. */
  prepShare: Map<string, number>;
  detShare: Map<string, number>;
  /** RE: relation → words seen between head and tail (+ order markers). */
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

export function readPrompt(task: string, messages: readonly ChatMessage[], queryIndex: number, profile: SimProfile): PromptReading {
  const system = messages.filter((m, i) => m.role === "system" && i < queryIndex).map((m) => m.content).join("\n\n");
  const reasoningLine = /First think step by step, writing "Thought:"/.test(system);
  const instruction = system.replace(/First think step by step, writing "Thought:"[^\n]*/, "").trim();

  const demos: Demo[] = [];
  for (let i = 0; i < queryIndex; i++) {
    const m = messages[i]!;
    const next = messages[i + 1];
    if (m.role !== "user" || !next || next.role !== "assistant" || i + 1 >= queryIndex) continue;
    const query = parseQuery(m.content);
    if (!query) continue;
    const out = parseOutput(next.content);
    demos.push({ query, records: query.task === task ? out.records : undefined, thought: out.thought, framed: out.framed });
  }

  const reading: PromptReading = {
    task, instruction: readInstruction(taskOf(task), instruction), reasoning: reasoningLine || demos.some((d) => d.framed), demos,
    wellFormedDemos: 0, emptyDemos: 0, demoKeys: undefined, demoTypes: new Set(),
    lexicon: new Map(), lexiconSpans: new Map(), lessons: new Map(), prepShare: new Map(), detShare: new Map(), relationCues: new Map(), roleCues: new Map(),
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

function count<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** Counts one span towards a share: [spans that opened with the function word, all spans]. */
function tally(shares: Map<string, [number, number]>, key: string, hit: boolean): void {
  const counts = shares.get(key) ?? [0, 0];
  counts[0] += hit ? 1 : 0;
  counts[1] += 1;
  shares.set(key, counts);
}

export function lessonOf(reading: PromptReading, type: string): TypeLesson {
  let lesson = reading.lessons.get(type);
  if (!lesson) {
    lesson = { n: 0, head: new Map(), first: new Map(), prev: new Map(), next: new Map(), shape: new Map(), stems: new Map(), afterPreposition: 0 };
    reading.lessons.set(type, lesson);
  }
  return lesson;
}

function learnFromDemos(r: PromptReading, profile: SimProfile): void {
  const prep = new Map<string, [number, number]>();
  const det = new Map<string, [number, number]>();
  const sim = taskOf(r.task);
  let thoughtful = 0;
  for (const demo of r.demos) {
    const records = demo.records;
    if (!records) continue;
    const shaped = records.every((rec) => sim.keys.slice(0, 2).every((k: string) => k in rec));
    if (shaped) r.wellFormedDemos++;
    if (records.length === 0) r.emptyDemos++;
    if (records.length > 0 && !r.demoKeys) r.demoKeys = Object.keys(records[0]!);
    const text = demo.query.text;
    const tokens = tokenize(text);
    const spansHere: string[] = [];
    const learnSpan = (span: string, type: string) => {
      spansHere.push(span);
      const lower = span.toLowerCase();
      bump(r.lexicon, lower, type, profile.icl);
      r.lexiconSpans.set(lower, span);
      const words = lower.split(/\s+/).filter(Boolean);
      const lesson = lessonOf(r, type);
      lesson.n++;
      count(lesson.shape, shapeOf(span));
      const content = words.filter((w) => !PREPOSITIONS.has(w) && !DETERMINERS.has(w));
      if (content.length > 0) {
        count(lesson.head, content[content.length - 1]!);
        if (words.length > 1) count(lesson.first, words[0]!);
      }
      if (shapeOf(span) === "lower" || shapeOf(span) === "uncased") for (const w of content) count(lesson.stems, stemOf(w));
      const at = text.indexOf(span);
      if (at < 0) return;
      const before = tokenBefore(tokens, at);
      const after = tokenAfter(tokens, at + span.length);
      if (before && before.sentence === tokenAfter(tokens, at)?.sentence) {
        count(lesson.prev, before.lower);
        if (PREPOSITIONS.has(before.lower)) lesson.afterPreposition++;
      }
      if (after) count(lesson.next, after.lower);
      tally(prep, type, opensWith(span, PREPOSITIONS));
      tally(det, type, opensWith(span, DETERMINERS));
    };
    for (const rec of records) {
      const type = rec[sim.typeField];
      if (typeof type === "string") r.demoTypes.add(type);
      for (const { span, type: t } of recordSpanType(r.task, rec)) learnSpan(span, t);
      if (sim.spanFields.length === 2) learnPair(r, text, rec, sim.spanFields as [string, string], sim.typeField, spansHere);
      const trigger = rec[sim.spanFields[0]!];
      if (sim.nested && Array.isArray(rec[sim.nested.list]) && typeof trigger === "string") learnRoles(r, text, tokens, trigger, rec[sim.nested.list] as unknown[], sim.nested, det, spansHere);
    }
    if (demo.thought && spansHere.some((s) => demo.thought!.includes(s))) thoughtful++;
  }
  for (const [type, [a, n]] of prep) r.prepShare.set(type, a / n);
  for (const [type, [a, n]] of det) r.detShare.set(type, a / n);
  const withThought = r.demos.filter((d) => d.thought !== undefined).length;
  r.informativeThoughts = withThought > 0 ? thoughtful / withThought : 0;
}

/** A two-span record (RE's head and tail): the words between them and their order. */
function learnPair(r: PromptReading, text: string, rec: Record<string, unknown>, fields: [string, string], typeField: string, spansHere: string[]): void {
  const [head, tail, relation] = [rec[fields[0]], rec[fields[1]], rec[typeField]];
  if (typeof head !== "string" || typeof tail !== "string" || typeof relation !== "string") return;
  spansHere.push(head, tail);
  for (const [span, role] of [[head, "head"], [tail, "tail"]] as const) {
    const lesson = lessonOf(r, `${relation}:${role}`);
    lesson.n++;
    count(lesson.shape, shapeOf(span));
  }
  const h = text.indexOf(head);
  const t = text.indexOf(tail);
  if (h < 0 || t < 0) return;
  const between = h < t ? text.slice(h + head.length, t) : text.slice(t + tail.length, h);
  for (const w of between.toLowerCase().split(/[^\p{L}\p{N},]+/u).filter(Boolean).slice(0, 6)) bump(r.relationCues, relation, w);
  bump(r.relationCues, relation, h < t ? "<order:head-first>" : "<order:tail-first>");
}

/** Nested role items (EE arguments): which preposition precedes them, which side of the trigger. */
function learnRoles(r: PromptReading, text: string, tokens: ReturnType<typeof tokenize>, trigger: string, args: unknown[], fields: { role: string; span: string }, det: Map<string, [number, number]>, spansHere: string[]): void {
  const trigAt = text.indexOf(trigger);
  for (const a of args) {
    if (!a || typeof a !== "object") continue;
    const role = (a as Record<string, unknown>)[fields.role];
    const argument = (a as Record<string, unknown>)[fields.span];
    if (typeof role !== "string" || typeof argument !== "string") continue;
    spansHere.push(argument);
    const at = text.indexOf(argument);
    let cue = r.roleCues.get(role);
    if (!cue) r.roleCues.set(role, (cue = { prep: new Map(), side: 0 }));
    if (at >= 0 && trigAt >= 0) cue.side += at < trigAt ? -1 : 1;
    const before = at >= 0 ? tokenBefore(tokens, at) : undefined;
    if (before && PREPOSITIONS.has(before.lower)) count(cue.prep, before.lower);
    const withDet = opensWith(argument, DETERMINERS);
    tally(det, `arg:${role}`, withDet);
    tally(det, "arg:*", withDet);
  }
}

/** Prompt understanding: what the instruction states, what the demos show, what costs. */
function score(r: PromptReading): void {
  const ins = r.instruction;
  const rule = (t: Parameters<typeof ruleOf>[1]) => ruleOf(ins, t);
  let u = 0.12;
  u += 0.2 * ins.task;
  u += 0.04 * rule("schemaOnly");
  u += 0.05 * Math.max(0, rule("format")) + 0.05 * Math.max(0, rule("keys"));
  u += 0.04 * Math.max(0, rule("verbatim"));
  u += 0.04 * Math.max(0, rule("empty"));
  u += 0.02 * Math.max(0, rule("descriptions"));
  if (ins.task === 0 && ins.words < 8) u -= 0.05;
  u -= 0.08 * ins.contradictions;
  u -= Math.min(0.3, 0.15 * ins.wrongTask);
  u -= Math.min(0.1, 0.025 * ins.irrelevant);
  u -= Math.min(0.06, 0.012 * ins.fragments);
  // Understood, but in another language: a small penalty (English instructions did slightly better).
  u -= 0.03 * ins.foreign;
  // Demos: the first three help most; more add little (the study: more is not better).
  const good = r.wellFormedDemos;
  u += Math.min(good, 3) * 0.08 + Math.max(0, Math.min(good - 3, 3)) * 0.015;
  // Demos that do not show this task's record shape confuse a little.
  u -= (r.demos.length - good) * 0.03;
  // Very long prompts dilute attention a little.
  if (r.promptChars > 6000) u -= Math.min(0.12, ((r.promptChars - 6000) / 3000) * 0.03);
  r.understanding = Math.max(0, Math.min(1, u));

  const fromInstruction = (rule("keys") > 0 ? 0.6 : 0) + (rule("format") > 0 ? 0.25 : 0) + 0.05 * ins.task;
  const fromDemos = good === 0 ? 0 : good === 1 ? 0.7 : good === 2 ? 0.85 : 0.95;
  r.formatKnowledge = 1 - (1 - Math.min(0.95, fromInstruction)) * (1 - fromDemos);
}
