/**
 * Extraction: candidate spans (detect.ts) → typed records for the query's schema, shaped
 * by what the prompt taught (learn.ts) and limited by the profile's capacity.
 *
 * Typing a candidate against a schema type adds up evidence: a lexicon hit from the demos
 * (strongest), the built-in category of the span vs. the category the type's name or
 * description stands for, how the demos filed that category (so wrong demo labels
 * mislead), and context cues learned from the demos. Then graded noise, all driven by the
 * prompt-understanding score: misses (recall), wrong types, boundary slips, paraphrased
 * spans, out-of-schema type names, invented spans, and a reluctance to answer [] when the
 * prompt never said [] is allowed.
 */
import type { Task } from "../src/data/sample.ts";
import { SCRIPT_COVERAGE, categoryOfTypeName, detectScript, eventCategoryOf, relationCategoryOf, RELATION_KNOWLEDGE, roleKindOf, ROLE_PREPS, LOC_PREPS, TIME_WORDS, PREPOSITIONS, DETERMINERS, isUnspaced, opensWith } from "./knowledge.ts";
import {
  dedupe, dropNested, entityCandidates, findAll, make, nounPhrases, numberCandidates, timeCandidates, todoCandidates, tokenAfter, tokenBefore, tokenize, triggerCandidates,
  weatherCandidates, slotWordCandidates, type Candidate, type Token, type TriggerCandidate,
} from "./detect.ts";
import type { ParsedQuery, SchemaEntry } from "./query.ts";
import type { PromptReading } from "./learn.ts";
import type { SimProfile } from "./profiles.ts";
import type { SimRandom } from "./rand.ts";

/** A record with canonical keys (output.ts may rename them). */
export type SimRecord = Record<string, unknown>;

export interface ExtractOptions {
  /** AutoThought-3: a reasoning text whose quoted spans inform the answer. */
  hint?: string | undefined;
  /** Reasoning is on for this answer (changes quality per task, as in the study). */
  reasoning: boolean;
}

interface TypeInfo {
  name: string;
  cat: string | undefined;
  roles: string[];
}

/** Rates for this (prompt, profile, text): the knobs every decision reads. */
export interface Rates {
  q: number;
  recall: number;
  typeError: number;
  boundaryError: number;
  hallucination: number;
  paraphrase: number;
  offSchema: number;
  forceAnswer: number;
}

function rates(query: ParsedQuery, reading: PromptReading, profile: SimProfile, reasoning: boolean): Rates {
  const task = query.task;
  const text = query.text;
  let u = reading.understanding;
  // Demos that show this query's types teach more than demos of other types (the reason
  // in-domain demos beat generic ones).
  if (query.schema.length > 0 && reading.demoTypes.size > 0) {
    u += 0.08 * (query.schema.filter((s) => reading.demoTypes.has(s.name)).length / query.schema.length);
  }
  // An instruction that points at the type descriptions pays off when there are some.
  if (reading.features.descriptions && Object.keys(query.descriptions).length > 0) u += 0.04;
  const simple = task === "NER" || task === "SF" || task === "ED";
  // Reasoning: thoughts that name spans help simple tasks a bit; on RE/EE reasoning
  // tends to derail untuned prompts (the study's finding).
  if (reasoning) u += simple ? 0.03 + 0.05 * reading.informativeThoughts : -0.06 + 0.02 * reading.informativeThoughts;
  u = Math.max(0, Math.min(1, u));
  const q = 1 - Math.pow(1 - u, 1 / profile.sensitivity);
  const script = detectScript(text);
  const coverage = Math.min(1, SCRIPT_COVERAGE[script] + profile.transfer);
  const f = reading.features;
  const emptyKnown = Math.max(f.empty ? 0.8 : 0, reading.emptyDemos > 0 ? 0.9 : 0);
  return {
    q,
    recall: profile.recall * coverage * (0.5 + 0.5 * q) * (reasoning && !simple ? 0.9 : 1),
    typeError: profile.typeError * Math.pow(1 - q, 0.8) * (reasoning && !simple ? 1.6 : 1) + (f.descriptions ? 0 : 0.02),
    boundaryError: profile.boundaryError * (1.15 - q) * (1 - 0.35 * Number(f.verbatim) - 0.25 * Number(f.boundary)),
    hallucination: profile.hallucination * Math.pow(1 - q, 1.4) * (f.precision ? 0.7 : 1) + (reasoning && !simple ? 0.25 : 0),
    paraphrase: f.verbatim ? 0.01 : 0.12 * (1 - q),
    offSchema: f.schema || reading.wellFormedDemos > 0 ? 0.02 * (1 - q) : 0.3 * (1 - q),
    forceAnswer: (1 - emptyKnown) * 0.7 * (1 - q * 0.7),
  };
}

function typeInfos(query: ParsedQuery, reading: PromptReading): TypeInfo[] {
  return query.schema.map((s: SchemaEntry) => {
    const desc = query.descriptions[s.name];
    let cat = reading.task === "ED" || reading.task === "EE" ? eventCategoryOf(s.name, desc) : reading.task === "RE" ? relationCategoryOf(s.name, desc) : categoryOfTypeName(s.name, desc);
    // An unknown label the demos used: take the category they filed under it.
    if (!cat && reading.task !== "RE") {
      let best = 0;
      for (const [c, types] of reading.catToType) {
        const n = types.get(s.name) ?? 0;
        if (n > best) { best = n; cat = c; }
      }
    }
    return { name: s.name, cat, roles: s.roles };
  });
}

function total(m: Map<string, number> | undefined): number {
  let n = 0;
  if (m) for (const v of m.values()) n += v;
  return n;
}

const RELATED: Readonly<Record<string, number>> = { "gpe|location": 0.6, "location|gpe": 0.6, "facility|location": 0.5, "location|facility": 0.4, "number|money": 0.4, "money|number": 0.5, "datetime|recurring": 0.3 };

/** How well a span of built-in category `cat` fits a type standing for `typeCat`. */
function compat(cat: string, typeCat: string): number {
  return cat === typeCat ? 1 : (RELATED[`${cat}|${typeCat}`] ?? 0);
}

/** The words just before and after a candidate: the same for every type it is scored against. */
interface Context {
  before: Token | undefined;
  after: Token | undefined;
}

/** Evidence that candidate `c` (with context words `ctx`) is of type `t`. */
function typeScore(c: Candidate, ctx: Context, t: TypeInfo, reading: PromptReading, profile: SimProfile): number {
  let s = 0;
  const lex = reading.lexicon.get(c.text.toLowerCase());
  if (lex) s += 1.6 * ((lex.get(t.name) ?? 0) / Math.max(1e-9, total(lex))) * profile.icl;
  if (c.cats[`type:${t.name}`]) s += 1.5 * c.cats[`type:${t.name}`]!;
  // Built-in category vs. the category the type stands for (related ones count partly).
  let catScore = 0;
  for (const [cat, w] of Object.entries(c.cats)) {
    if (cat.startsWith("type:")) continue;
    if (t.cat) catScore = Math.max(catScore, w * compat(cat, t.cat));
    const learned = reading.catToType.get(cat);
    if (learned && w >= 0.3) {
      const n = total(learned);
      const share = (learned.get(t.name) ?? 0) / Math.max(1e-9, n);
      // The demos' habit of filing this category under this type (right or wrong):
      // the more consistent and frequent, the more it weighs.
      const weight = 0.3 + 0.5 * (n >= 2 ? share : 0);
      s += weight * w * share * profile.icl;
    }
  }
  s += catScore;
  const pc = reading.prevCue.get(t.name);
  const nc = reading.nextCue.get(t.name);
  if (ctx.before && pc?.get(ctx.before.lower)) s += 0.15 * profile.icl;
  if (ctx.after && nc?.get(ctx.after.lower)) s += 0.1 * profile.icl;
  return s;
}

interface Typed {
  c: Candidate;
  type: string;
  score: number;
  second: string | undefined;
}

function typeCandidates(cands: Candidate[], types: TypeInfo[], reading: PromptReading, tokens: Token[], profile: SimProfile): { typed: Typed[]; untyped: Typed[] } {
  const typed: Typed[] = [];
  const untyped: Typed[] = [];
  for (const c of cands) {
    const ctx: Context = { before: tokenBefore(tokens, c.start), after: tokenAfter(tokens, c.end) };
    const scored = types.map((t) => ({ t, s: typeScore(c, ctx, t, reading, profile) })).sort((a, b) => b.s - a.s);
    const best = scored[0];
    if (!best) continue;
    const entry = { c, type: best.t.name, score: best.s, second: scored[1]?.t.name };
    (best.s >= 0.5 ? typed : untyped).push(entry);
  }
  return { typed, untyped };
}

/** Applies learned boundary conventions and random slips to a span. */
function adjustSpan(text: string, tokens: Token[], c: Candidate, type: string, reading: PromptReading, r: Rates, rand: SimRandom, key: string): string {
  let start = c.start;
  let end = c.end;
  const before = tokenBefore(tokens, start);
  const prepShare = reading.prepShare.get(type);
  const detShare = reading.detShare.get(type);
  if (before && start - before.end <= 1) {
    if (prepShare !== undefined && PREPOSITIONS.has(before.lower) && rand.text.u(`prep:${key}`) < prepShare) start = before.start;
    else if (detShare !== undefined && DETERMINERS.has(before.lower) && rand.text.u(`det:${key}`) < detShare) start = before.start;
  }
  // Conventions the demos never showed: an untaught model sometimes drags the
  // preposition or determiner in.
  if (prepShare === undefined && before && (PREPOSITIONS.has(before.lower) || DETERMINERS.has(before.lower)) && start === c.start && rand.text.u(`conv:${key}`) < r.boundaryError * 0.6) start = before.start;
  // Spans the demos or a reasoning hint spelled out are copied as shown: no slips.
  const copied = c.source === "lexicon" || c.source === "hint";
  if (!copied && rand.text.u(`slip:${key}`) < r.boundaryError) {
    const inside = tokens.filter((x) => x.start >= start && x.end <= end);
    const v = rand.text.u(`slipkind:${key}`);
    const after = tokenAfter(tokens, end);
    if (v < 0.4 && inside.length >= 2) end = inside[inside.length - 2]!.end;
    else if (v < 0.7 && after && after.sentence === (inside[0]?.sentence ?? after.sentence) && after.start - end <= 1) end = after.end;
    else if (before && start === c.start && start - before.end <= 1) start = before.start;
  }
  let span = text.slice(start, end);
  if (rand.text.u(`para:${key}`) < r.paraphrase) span = rand.text.u(`parakind:${key}`) < 0.5 ? span.toLowerCase() : `the ${span}`;
  return span;
}

function offSchemaName(t: TypeInfo, u: number): string {
  if (t.cat && t.cat !== t.name.toLowerCase()) return t.cat;
  return u < 0.5 ? `${t.name}s` : `${t.name}_type`;
}

function keyOf(c: { start: number; end: number }): string {
  return `${c.start}:${c.end}`;
}

/** Candidates from the lexicon the demos taught (and an AutoThought-3 reasoning hint). */
function lexiconCandidates(text: string, reading: PromptReading, types: TypeInfo[], hint: string | undefined, spaced: boolean): Candidate[] {
  const out: Candidate[] = [];
  // Typing reads the lexicon again (typeScore), so the candidate carries no evidence itself.
  for (const span of reading.lexiconSpans.values()) {
    for (const at of findAll(text, span, spaced)) out.push(make(text, at, at + span.length, {}, 0.95, "lexicon"));
  }
  if (hint) {
    for (const m of hint.matchAll(/['"“‘«「]([^'"”’»」]{1,60})['"”’»」]/gu)) {
      const span = m[1]!;
      const after = hint.slice(m.index + m[0].length, m.index + m[0].length + 80).toLowerCase();
      const named = types.map((t) => ({ t, at: after.indexOf(t.name.toLowerCase()) })).filter((x) => x.at >= 0).sort((a, b) => a.at - b.at)[0];
      for (const at of findAll(text, span, false)) {
        out.push(make(text, at, at + span.length, named ? { [`type:${named.t.name}`]: 0.9 } : {}, 0.95, "hint"));
      }
    }
  }
  return out;
}

export function extract(query: ParsedQuery, reading: PromptReading, profile: SimProfile, rand: SimRandom, opts: ExtractOptions): SimRecord[] {
  const text = query.text;
  const script = detectScript(text);
  const tokens = tokenize(text);
  const r = rates(query, reading, profile, opts.reasoning);
  const types = typeInfos(query, reading);
  if (types.length === 0) return [];
  const spaced = !isUnspaced(script);
  const lexicon = lexiconCandidates(text, reading, types, opts.hint, spaced);
  switch (query.task) {
    case "NER":
    case "SF":
      return spanTask(query.task, text, tokens, script, types, reading, profile, rand, r, lexicon);
    case "ED":
    case "EE":
      return eventTask(query.task, text, tokens, script, types, reading, profile, rand, r, lexicon);
    case "RE":
      return relationTask(text, tokens, script, types, reading, profile, rand, r, lexicon);
  }
}

const SPAN_KEYS = { NER: ["entity", "entity_type"], SF: ["slot", "slot_type"] } as const;

function spanTask(task: "NER" | "SF", text: string, tokens: Token[], script: ReturnType<typeof detectScript>, types: TypeInfo[], reading: PromptReading, profile: SimProfile, rand: SimRandom, r: Rates, lexicon: Candidate[]): SimRecord[] {
  const times = timeCandidates(text, tokens, script);
  let cands: Candidate[] = [...lexicon, ...entityCandidates(text, tokens, script), ...times, ...numberCandidates(text)];
  if (task === "SF") {
    cands.push(...weatherCandidates(text, tokens, script), ...todoCandidates(text, times), ...slotWordCandidates(text, tokens, script));
    // Voice requests are often lower-cased: a word after a place preposition may be a place.
    for (let i = 0; i + 1 < tokens.length; i++) {
      const t = tokens[i]!;
      const n = tokens[i + 1]!;
      if (LOC_PREPS.has(t.lower) && /^\p{Ll}/u.test(n.text) && !TIME_WORDS.includes(n.lower) && !DETERMINERS.has(n.lower) && n.text.length > 2) {
        cands.push(make(text, n.start, n.end, { location: 0.45 }, 0.45, "cue-loc"));
      }
    }
  }
  cands = dropNested(dedupe(cands));
  const [spanKey, typeKey] = SPAN_KEYS[task];
  return finishSpans(text, tokens, cands, types, reading, profile, rand, r, spanKey, typeKey);
}

function finishSpans(text: string, tokens: Token[], cands: Candidate[], types: TypeInfo[], reading: PromptReading, profile: SimProfile, rand: SimRandom, r: Rates, spanKey: string, typeKey: string): SimRecord[] {
  const { typed, untyped } = typeCandidates(cands, types, reading, tokens, profile);
  const out: SimRecord[] = [];
  const seen = new Set<string>();
  for (const x of typed) {
    const key = `${keyOf(x.c)}:${x.c.text}`;
    const lexiconHit = x.c.source === "lexicon" || x.c.source === "hint";
    const p = lexiconHit ? 0.97 : r.recall * (0.7 + 0.3 * x.c.confidence) * Math.min(1, 0.75 + 0.35 * x.score);
    if (rand.text.u(`find:${key}`) >= p) continue;
    let type = x.type;
    if (x.second && rand.text.u(`type:${key}`) < r.typeError * (lexiconHit ? 0.3 : 1)) type = x.second;
    const info = types.find((t) => t.name === type);
    if (info && rand.text.u(`off:${key}`) < r.offSchema) type = offSchemaName(info, rand.text.u(`offk:${key}`));
    const span = adjustSpan(text, tokens, x.c, type, reading, r, rand, key);
    const id = `${span}\u0000${type}`;
    if (seen.has(id) || !span.trim()) continue;
    seen.add(id);
    out.push({ [spanKey]: span, [typeKey]: type });
  }
  out.push(...inventions(text, tokens, types, untyped, r, rand, out.length === 0, (span, type) => ({ [spanKey]: span, [typeKey]: type })));
  return out;
}

/** Invented records: more under weak prompts, and when [] was never shown to be valid. */
function inventions(text: string, tokens: Token[], types: TypeInfo[], untyped: Typed[], r: Rates, rand: SimRandom, empty: boolean, build: (span: string, type: string) => SimRecord): SimRecord[] {
  const out: SimRecord[] = [];
  let n = Math.floor(r.hallucination + rand.text.u("hall:n"));
  if (empty && n === 0 && rand.text.u("force") < r.forceAnswer) n = 1;
  for (let i = 0; i < n && tokens.length > 0; i++) {
    const pool = untyped.length > 0 && rand.text.u(`hall:pool:${i}`) < 0.6 ? untyped.map((x) => x.c) : undefined;
    let span: string;
    if (pool) span = pool[Math.floor(rand.text.u(`hall:c:${i}`) * pool.length)]!.text;
    else {
      const at = Math.floor(rand.text.u(`hall:t:${i}`) * tokens.length);
      const len = 1 + Math.floor(rand.text.u(`hall:l:${i}`) * 2);
      span = text.slice(tokens[at]!.start, tokens[Math.min(tokens.length - 1, at + len - 1)]!.end);
    }
    const type = types[Math.floor(rand.text.u(`hall:ty:${i}`) * types.length)]!.name;
    out.push(build(span, type));
  }
  return out;
}

// ---------------------------------------------------------------------------------------

function eventTask(task: "ED" | "EE", text: string, tokens: Token[], script: ReturnType<typeof detectScript>, types: TypeInfo[], reading: PromptReading, profile: SimProfile, rand: SimRandom, r: Rates, lexicon: Candidate[]): SimRecord[] {
  // Learned trigger stems: demo triggers, shortened to catch other inflections.
  const learned = new Map<string, Map<string, number>>();
  for (const [lower, typesOf] of reading.lexicon) {
    const stem = /^\p{Script=Latin}/u.test(lower) && lower.length > 5 ? lower.slice(0, lower.length - 2) : lower;
    learned.set(stem, typesOf);
  }
  const trig = dedupe<TriggerCandidate>(triggerCandidates(text, tokens, script, learned).concat(lexicon.filter((c) => c.source === "hint").map((c) => ({ ...c, events: c.cats }))));
  // Event categories → candidate category evidence the typing understands.
  const cands: Candidate[] = trig.map((t) => ({ ...t, cats: { ...t.events } }));
  const events = finishSpans(text, tokens, dropNested(cands), types, reading, profile, rand, r, "event_trigger", "event_type");
  if (task === "ED") return events;

  const nps = dropNested(dedupe(nounPhrases(text, tokens, script)));
  return events.map((ev, i) => {
    const trigger = String(ev.event_trigger);
    const info = types.find((t) => t.name === ev.event_type);
    const trigAt = text.indexOf(trigger);
    const args: { role: string; argument: string }[] = [];
    if (info && trigAt >= 0) {
      const sentence = tokenAfter(tokens, trigAt)?.sentence ?? 0;
      const used = new Set<string>();
      for (const role of info.roles) {
        const key = `arg:${i}:${role}`;
        const np = pickArgument(role, text, tokens, nps, trigAt, trigAt + trigger.length, sentence, reading, used);
        if (!np) continue;
        if (rand.text.u(`find:${key}:${np.text}`) >= r.recall * 0.9) continue;
        let argument = np.text;
        const detShare = reading.detShare.get(`arg:${role}`) ?? reading.detShare.get("arg:*");
        const before = tokenBefore(tokens, np.start);
        if (detShare !== undefined && before && DETERMINERS.has(before.lower) && np.start - before.end <= 1 && rand.text.u(`argdet:${key}`) < detShare) argument = text.slice(before.start, np.end);
        if (detShare !== undefined && detShare < 0.5 && opensWith(argument, DETERMINERS)) argument = argument.slice(argument.indexOf(" ") + 1);
        if (rand.text.u(`slip:${key}`) < r.boundaryError) argument = argument.split(/\s+/).slice(-1)[0]!;
        used.add(argument);
        let roleOut = role;
        if (info.roles.length > 1 && rand.text.u(`role:${key}`) < r.typeError) roleOut = info.roles[(info.roles.indexOf(role) + 1) % info.roles.length]!;
        args.push({ role: roleOut, argument });
      }
    }
    return { ...ev, arguments: args };
  });
}

function pickArgument(role: string, text: string, tokens: Token[], nps: Candidate[], trigStart: number, trigEnd: number, sentence: number, reading: PromptReading, used: Set<string>): Candidate | undefined {
  const inSentence = nps.filter((c) => (tokenAfter(tokens, c.start)?.sentence ?? -1) === sentence && !used.has(c.text) && (c.end <= trigStart || c.start >= trigEnd));
  const prevWord = (c: Candidate) => tokenBefore(tokens, c.start)?.lower;
  const learned = reading.roleCues.get(role);
  if (learned && learned.prep.size > 0) {
    const preps = [...learned.prep.keys()];
    const hit = inSentence.find((c) => preps.includes(prevWord(c) ?? "") && (learned.side >= 0 ? c.start >= trigEnd : c.end <= trigStart));
    if (hit) return hit;
  }
  const kind = roleKindOf(role);
  const preps = ROLE_PREPS[kind];
  if (preps) return inSentence.find((c) => preps.includes(prevWord(c) ?? ""));
  if (kind === "time") return inSentence.find((c) => (c.cats.datetime ?? 0) > 0.5);
  if (kind === "money") return inSentence.find((c) => (c.cats.number ?? 0) > 0.5 && /\d/.test(c.text));
  const side = learned ? Math.sign(learned.side) : kind === "agent" ? -1 : kind === "patient" ? 1 : 0;
  const allPreps = new Set(Object.values(ROLE_PREPS).flat());
  if (side < 0) return inSentence.filter((c) => c.end <= trigStart).pop();
  if (side > 0) return inSentence.find((c) => c.start >= trigEnd && !allPreps.has(prevWord(c) ?? ""));
  return undefined;
}

// ---------------------------------------------------------------------------------------

const SINGLE_WORD = /^[\p{Script=Latin}\p{Script=Cyrillic}]+$/u;

function relationTask(text: string, tokens: Token[], script: ReturnType<typeof detectScript>, types: TypeInfo[], reading: PromptReading, profile: SimProfile, rand: SimRandom, r: Rates, lexicon: Candidate[]): SimRecord[] {
  const ents = dropNested(dedupe([...lexicon, ...entityCandidates(text, tokens, script)]));
  const sentenceOf = (c: Candidate) => tokenAfter(tokens, c.start)?.sentence ?? -1;
  const out: SimRecord[] = [];
  const seen = new Set<string>();
  const catWeight = (c: Candidate, cat: string): number =>
    cat === "location" ? Math.max(c.cats.location ?? 0, c.cats.gpe ?? 0) : (c.cats[cat] ?? 0);
  // A one-word Latin/Cyrillic cue must be a whole word between the two names; other cues
  // (phrases, CJK, Arabic) are substrings.
  const cueIn = (between: string, words: ReadonlySet<string>, cue: string): boolean =>
    SINGLE_WORD.test(cue) ? words.has(cue) : between.includes(cue);
  const catOf = (c: Candidate): string => {
    const top = Object.entries(c.cats).sort((a, b) => b[1] - a[1])[0]?.[0] ?? "misc";
    return top === "gpe" || top === "natural" ? "location" : top;
  };
  for (let i = 0; i < ents.length; i++) {
    for (let j = 0; j < ents.length; j++) {
      if (i === j) continue;
      const a = ents[i]!;
      const b = ents[j]!;
      if (sentenceOf(a) !== sentenceOf(b) || Math.abs(a.start - b.start) > 120) continue;
      const first = a.start < b.start ? a : b;
      const second = first === a ? b : a;
      const between = text.slice(first.end, second.start).toLowerCase();
      const betweenWords = new Set(between.split(/[^\p{L}\p{M}]+/u));
      let best: { t: TypeInfo; s: number } | undefined;
      // Another name between the two makes a direct relation less likely.
      const interveners = ents.filter((e) => e.start >= first.end && e.end <= second.start).length;
      for (const t of types) {
        let s = 0;
        const know = t.cat ? RELATION_KNOWLEDGE[t.cat] : undefined;
        const learnedCues = reading.relationCues.get(t.name);
        const headFirst = a === first;
        if (know) {
          s += 0.4 * Math.max(...know.head.map((k) => catWeight(a, k)));
          s += 0.4 * Math.max(...know.tail.map((k) => catWeight(b, k)));
          if (know.cues.some((cue) => cueIn(between, betweenWords, cue))) s += 0.4;
          // Built-in reading order: most relations read head-first; "founded by" reads either way.
          if (!headFirst && t.cat !== "founded_by") s -= 0.4;
        }
        if (learnedCues) {
          const words = between.split(/[^\p{L}\p{N},]+/u).filter(Boolean);
          const hits = words.filter((w) => learnedCues.has(w)).length;
          s += Math.min(0.5, hits * 0.25) * profile.icl;
          const headFirstSeen = learnedCues.get("<order:head-first>") ?? 0;
          const tailFirstSeen = learnedCues.get("<order:tail-first>") ?? 0;
          if (headFirst ? headFirstSeen > tailFirstSeen : tailFirstSeen > headFirstSeen) s += 0.25 * profile.icl;
          const hc = reading.catToType.get(`${t.name}:head`);
          const tc = reading.catToType.get(`${t.name}:tail`);
          if (hc?.get(catOf(a))) s += 0.2 * profile.icl;
          if (tc?.get(catOf(b))) s += 0.2 * profile.icl;
        }
        s -= 0.3 * interveners;
        if (between.length > 60) s -= 0.2;
        if (!best || s > best.s) best = { t, s };
      }
      if (!best || best.s < 0.85) continue;
      const key = `rel:${a.text}:${b.text}`;
      if (rand.text.u(`find:${key}`) >= r.recall * Math.min(1, 0.4 + 0.5 * best.s)) continue;
      let relation = best.t.name;
      if (types.length > 1 && rand.text.u(`type:${key}`) < r.typeError) relation = types[(types.indexOf(best.t) + 1) % types.length]!.name;
      if (rand.text.u(`off:${key}`) < r.offSchema) relation = offSchemaName(best.t, rand.text.u(`offk:${key}`));
      let head = a.text;
      let tail = b.text;
      if (rand.text.u(`swap:${key}`) < r.typeError * 0.8) [head, tail] = [tail, head];
      if (rand.text.u(`slip:${key}`) < r.boundaryError) head = head.split(/\s+/).slice(-1)[0]!;
      const id = `${head}|${tail}|${relation}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ head, tail, relation });
    }
  }
  const n = Math.floor(r.hallucination * 0.7 + rand.text.u("hall:n"));
  const force = out.length === 0 && rand.text.u("force") < r.forceAnswer;
  for (let k = 0; k < Math.max(n, force ? 1 : 0) && ents.length >= 2; k++) {
    const a = ents[Math.floor(rand.text.u(`hall:a:${k}`) * ents.length)]!;
    const b = ents[Math.floor(rand.text.u(`hall:b:${k}`) * ents.length)]!;
    if (a === b) continue;
    out.push({ head: a.text, tail: b.text, relation: types[Math.floor(rand.text.u(`hall:r:${k}`) * types.length)]!.name });
  }
  return out;
}
