/**
 * Extraction: candidate spans (detect.ts) → typed records for the query's schema, shaped
 * by what the prompt taught (learn.ts, instructions.ts) and limited by the profile.
 *
 * Typing a candidate adds up evidence for each schema type: the demos' lexicon (a span
 * shown with a type), what demo spans of the type looked like (shape, last and first
 * words, the words around them), the examples a type description gives, the stem of the
 * type name ("attacked" for Attack), and what the type *name* says about shape ("date"
 * wants digits, "person" a capitalised name). Between several name-like types with no
 * lesson to tell them apart, the sim guesses. A "label X as Y" statement is obeyed. Then
 * graded noise, driven by prompt understanding and the instruction's rules: misses, wrong
 * types, boundary slips, paraphrased spans, out-of-schema type names, invented records,
 * and reluctance to answer [] when nothing said [] is allowed.
 */
import { DETERMINERS, PREPOSITIONS, SCRIPT_COVERAGE, detectScript, isUnspaced, opensWith, shapeOfLabel, type SpanShape } from "./knowledge.ts";
import {
  capitalCandidates, dedupe, digitCandidates, dropNested, findAll, make, quotedCandidates, stemMatches, stemOf, tokenAfter, tokenBefore, tokenize,
  type Candidate, type Shape, type Token,
} from "./detect.ts";
import type { ParsedQuery } from "./query.ts";
import type { PromptReading } from "./learn.ts";
import { ruleOf } from "./instructions.ts";
import { taskOf } from "./tasks.ts";
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
  shape: SpanShape | undefined;
  /** Stems the type name and its description offer ("attack", "travel", …). */
  stems: string[];
  /** Example spans quoted in the description ('rain', 'fog'). */
  examples: string[];
  roles: string[];
}

/** Rates for this (prompt, profile, text): the knobs every decision reads. */
interface Rates {
  q: number;
  recall: number;
  typeError: number;
  boundaryError: number;
  hallucination: number;
  paraphrase: number;
  offSchema: number;
  forceAnswer: number;
  /** How much the description is taken in (more when the instruction points at it). */
  descriptions: number;
}

const clamp = (x: number) => Math.max(0, Math.min(1, x));

function rates(query: ParsedQuery, reading: PromptReading, profile: SimProfile, reasoning: boolean): Rates {
  const ins = reading.instruction;
  const rule = (t: Parameters<typeof ruleOf>[1]) => ruleOf(ins, t);
  let u = reading.understanding;
  // Demos that show this query's types teach more than demos of other types.
  if (query.schema.length > 0 && reading.demoTypes.size > 0) {
    u += 0.08 * (query.schema.filter((s) => reading.demoTypes.has(s.name)).length / query.schema.length);
  }
  if (rule("descriptions") > 0 && Object.keys(query.descriptions).length > 0) u += 0.04;
  // Pairing and nested roles are the complex tasks (RE, EE); the others are simple.
  const simple = !taskOf(query.task).complex;
  // Reasoning: thoughts that name spans help simple tasks a bit; on RE/EE reasoning
  // tends to derail untuned prompts (the study's finding).
  if (reasoning) u += simple ? 0.03 + 0.05 * reading.informativeThoughts : -0.06 + 0.02 * reading.informativeThoughts;
  u = clamp(u);
  const q = 1 - Math.pow(1 - u, 1 / profile.sensitivity);
  const coverage = Math.min(1, SCRIPT_COVERAGE[detectScript(query.text)] + profile.transfer);
  const emptyKnown = rule("empty") < 0 ? 0 : Math.max(rule("empty") > 0 ? 0.8 : 0, reading.emptyDemos > 0 ? 0.9 : 0);
  const precision = rule("precision");
  return {
    q,
    recall: profile.recall * coverage * (0.5 + 0.5 * q) * (reasoning && !simple ? 0.9 : 1) * (precision > 0 ? 0.97 : 1) * (rule("recall") > 0 ? 1.04 : 1),
    typeError: profile.typeError * Math.pow(1 - q, 0.8) * (reasoning && !simple ? 1.6 : 1),
    boundaryError: profile.boundaryError * (1.15 - q) * (1 - 0.3 * Math.max(0, rule("verbatim")) - 0.25 * Math.max(0, rule("fullSpan"))),
    hallucination: profile.hallucination * Math.pow(1 - q, 1.4) * (precision > 0 ? 0.6 : precision < 0 ? 1.8 : 1) * (rule("recall") > 0 ? 1.1 : 1) + (reasoning && !simple ? 0.25 : 0),
    paraphrase: rule("verbatim") > 0 ? 0 : rule("verbatim") < 0 ? 0.5 : 0.12 * (1 - q),
    offSchema: rule("schemaOnly") < 0 ? 0.3 : rule("schemaOnly") > 0 || reading.wellFormedDemos > 0 ? 0.02 * (1 - q) : 0.2 * (1 - q),
    forceAnswer: rule("empty") < 0 ? 0.95 : (1 - emptyKnown) * 0.7 * (1 - q * 0.7),
    descriptions: rule("descriptions") > 0 ? 1 : 0.6,
  };
}

const FUNCTION = (w: string) => PREPOSITIONS.has(w) || DETERMINERS.has(w);

/** What the schema item's name and description offer: shape, stems, quoted examples. */
function typeInfos(query: ParsedQuery): TypeInfo[] {
  return query.schema.map((s) => {
    const desc = query.descriptions[s.name] ?? "";
    const examples = [...desc.matchAll(/['‘"“]([^'’"”]{1,40})['’"”]/gu)].map((m) => m[1]!);
    const listed = [...desc.matchAll(/\(([^)]*)\)/gu)].flatMap((m) => m[1]!.split(/,|\bor\b/).map((w) => w.trim())).filter((w) => w && !w.includes(" "));
    const nameWords = s.name.split(/[^\p{L}]+/u).filter((w) => w.length >= 3 && !FUNCTION(w.toLowerCase()));
    const stems = [...new Set([...nameWords, ...listed].map(stemOf).filter((w) => w.length >= 3))];
    return { name: s.name, shape: shapeOfLabel(s.name, desc), stems, examples, roles: s.roles };
  });
}

/** The schema type some instruction words name ("persons" → person), if any. */
function typeMatcher(types: readonly TypeInfo[]): (words: readonly string[]) => TypeInfo | undefined {
  return (words) => types.find((t) => words.some((w) => { const a = stemOf(w); const b = stemOf(t.name); return a.length >= 3 && (a.startsWith(b) || b.startsWith(a)); }));
}

/** "label X as Y" statements resolved against this query's schema: type → type. */
function remapping(reading: PromptReading, types: readonly TypeInfo[]): Map<string, string> {
  const out = new Map<string, string>();
  const typeFor = typeMatcher(types);
  for (const m of reading.instruction.mappings) {
    if (m.negated) continue;
    const from = typeFor(m.from);
    // A target the batch does not list is still written as the instruction names it.
    const to = typeFor(m.to)?.name ?? (m.toText.split(/\s+/).length === 1 ? m.toText : undefined);
    if (from && to && from.name !== to) out.set(from.name, to);
  }
  return out;
}

const NAME_SHAPES = new Set<Shape>(["cap1", "capN", "upper", "mixed", "uncased"]);

/** What the type name says about a candidate's shape (generic label knowledge). */
function shapePrior(shape: SpanShape | undefined, c: Candidate): number {
  if (!shape || shape === "word") return 0;
  const digits = c.shape === "digit" || c.shape === "amount";
  if (shape === "name") return NAME_SHAPES.has(c.shape) ? (c.shape === "uncased" ? 0.4 : 0.56) : digits ? -0.3 : 0;
  if (shape === "amount") return c.shape === "amount" ? 0.65 : c.shape === "digit" ? 0.3 : -0.2;
  if (shape === "time" || shape === "number") return c.shape === "digit" ? 0.55 : c.shape === "amount" ? 0.1 : NAME_SHAPES.has(c.shape) ? -0.2 : 0;
  return 0;
}

function share(m: Map<string, number> | undefined, key: string | undefined): number {
  if (!m || key === undefined) return 0;
  let n = 0;
  for (const v of m.values()) n += v;
  return n === 0 ? 0 : (m.get(key) ?? 0) / n;
}

interface Context {
  before: Token | undefined;
  after: Token | undefined;
  head: string;
  first: string;
}

/** Evidence that candidate `c` is of type `t`: what the demos taught, and everything else. */
function typeScore(c: Candidate, ctx: Context, t: TypeInfo, reading: PromptReading, profile: SimProfile): { demos: number; prior: number } {
  let s = 0;
  const lex = reading.lexicon.get(c.text.toLowerCase());
  if (lex) s += 1.6 * share(lex, t.name) * profile.icl;
  s += c.taught[t.name] ?? 0;
  const lesson = reading.lessons.get(t.name);
  if (lesson && lesson.n > 0) {
    const icl = profile.icl;
    s += 0.45 * icl * ((lesson.shape.get(c.shape) ?? 0) / lesson.n);
    if (lesson.head.has(ctx.head)) s += 0.5 * icl;
    if (ctx.first && lesson.first.has(ctx.first)) s += 0.2 * icl;
    if (ctx.before && lesson.prev.has(ctx.before.lower)) s += 0.3 * icl * Math.min(1, (lesson.prev.get(ctx.before.lower) ?? 0) / Math.max(1, lesson.n) + 0.5);
    if (ctx.after && lesson.next.has(ctx.after.lower)) s += 0.15 * icl;
    // Generalising: spans of this type followed prepositions in the demos, and so does this one.
    if (ctx.before && PREPOSITIONS.has(ctx.before.lower) && ctx.before.end >= c.start - 1) s += 0.25 * icl * (lesson.afterPreposition / lesson.n);
  }
  return { demos: s, prior: (c.hints[t.name] ?? 0) + shapePrior(t.shape, c) };
}

interface Typed {
  c: Candidate;
  type: string;
  score: number;
  second: string | undefined;
}

function typeCandidates(cands: readonly Candidate[], types: readonly TypeInfo[], reading: PromptReading, tokens: readonly Token[], profile: SimProfile, rand: SimRandom): { typed: Typed[]; untyped: Typed[] } {
  const typed: Typed[] = [];
  const untyped: Typed[] = [];
  for (const c of cands) {
    const words = c.text.toLowerCase().split(/\s+/).filter((w) => w && !FUNCTION(w));
    const ctx: Context = { before: tokenBefore(tokens, c.start), after: tokenAfter(tokens, c.end), head: words[words.length - 1] ?? "", first: c.text.includes(" ") ? c.text.split(/\s+/)[0]!.toLowerCase() : "" };
    // A model with nothing to tell two name-like types apart guesses: a small keyed jitter.
    const scored = types
      .map((t) => {
        const { demos, prior } = typeScore(c, ctx, t, reading, profile);
        const jitter = 0.08 * rand.text.u(`guess:${c.text}:${t.name}`);
        return { t, s: demos + prior + jitter, prior: prior + jitter };
      })
      .sort((a, b) => b.s - a.s);
    let best = scored[0];
    if (!best) continue;
    // Demos that file a span under another type than the prompt's own words suggest are
    // followed with the profile's label-following rate; otherwise the prior wins.
    const byPrior = [...scored].sort((a, b) => b.prior - a.prior)[0]!;
    if (byPrior.t !== best.t && byPrior.prior >= 0.5 && rand.text.u(`follow:${c.start}:${c.text}`) >= profile.labelFollowing) best = { ...byPrior, s: Math.max(byPrior.prior, 0.5) };
    const entry = { c, type: best.t.name, score: best.s, second: scored.find((x) => x.t !== best.t)?.t.name };
    (best.s >= 0.5 ? typed : untyped).push(entry);
  }
  return { typed, untyped };
}

/** Candidates from what the prompt taught: demo spans, description examples, stems, hints. */
function taughtCandidates(text: string, tokens: readonly Token[], reading: PromptReading, types: readonly TypeInfo[], r: Rates, profile: SimProfile, hint: string | undefined, spaced: boolean): Candidate[] {
  const out: Candidate[] = [];
  for (const span of reading.lexiconSpans.values()) {
    for (const at of findAll(text, span, spaced)) out.push(make(text, at, at + span.length, 0.95, "lexicon"));
  }
  // Examples the instruction gives ('"Paris" is a location') teach like description examples.
  const typeByWords = typeMatcher(types);
  for (const ex of reading.instruction.examples) {
    const t = typeByWords(ex.type);
    if (!t) continue;
    for (const at of findAll(text, ex.span, spaced)) out.push(make(text, at, at + ex.span.length, 0.9, "instructed", { [t.name]: 0.9 }));
  }
  for (const t of types) {
    for (const ex of t.examples) {
      for (const at of findAll(text.toLowerCase(), ex.toLowerCase(), spaced)) out.push(make(text, at, at + ex.length, 0.8, "described", { [t.name]: 0.9 * r.descriptions }));
    }
    const lesson = reading.lessons.get(t.name);
    for (const tok of tokens) {
      if (lesson) {
        for (const [stem, n] of lesson.stems) {
          if (stemMatches(tok.lower, stem)) out.push(make(text, tok.start, tok.end, 0.75, "learned", {}, { [t.name]: Math.min(1, 0.6 + 0.2 * n) * profile.icl }));
        }
      }
      // A lower-case word sharing a stem with the name or description of a type that is not
      // a name, date or number ("attacked" for Attack, "rainy" for weather (rain, fog)).
      if (!t.shape && /^\p{Ll}/u.test(tok.text)) {
        for (const stem of t.stems) if (stemMatches(tok.lower, stem)) out.push(make(text, tok.start, tok.end, 0.7, "named", { [t.name]: 0.8 * (0.7 + 0.3 * r.descriptions) }));
      }
    }
  }
  if (hint) {
    for (const m of hint.matchAll(/['"“‘«「]([^'"”’»」]{1,60})['"”’»」]/gu)) {
      const span = m[1]!;
      const after = hint.slice(m.index + m[0].length, m.index + m[0].length + 80).toLowerCase();
      const named = types.map((t) => ({ t, at: after.indexOf(t.name.toLowerCase()) })).filter((x) => x.at >= 0).sort((a, b) => a.at - b.at)[0];
      for (const at of findAll(text, span, false)) out.push(make(text, at, at + span.length, 0.95, "hint", named ? { [named.t.name]: 0.9 } : {}));
    }
  }
  return out;
}

export function extract(query: ParsedQuery, reading: PromptReading, profile: SimProfile, rand: SimRandom, opts: ExtractOptions): SimRecord[] {
  const text = query.text;
  const script = detectScript(text);
  const tokens = tokenize(text);
  const r = rates(query, reading, profile, opts.reasoning);
  const types = typeInfos(query);
  if (types.length === 0) return [];
  const spaced = !isUnspaced(script);
  const remap = remapping(reading, types);
  const task = taskOf(query.task);
  const taught = taughtCandidates(text, tokens, reading, types, r, profile, opts.hint, spaced);
  const ctx: Ctx = { text, tokens, types, reading, profile, rand, r, remap };
  // Two spans per record (RE's head and tail): pair names in a sentence.
  if (task.spanFields.length === 2) return pairTask(ctx, dropNested(dedupe([...taught, ...capitalCandidates(text, tokens, script)])), task.spanFields as [string, string], task.typeField);
  const generic = [...capitalCandidates(text, tokens, script), ...digitCandidates(text, tokens), ...quotedCandidates(text)];
  const cands = dropNested(dedupe([...taught, ...generic]));
  const spans = finishSpans(ctx, cands, task.spanFields[0]!, task.typeField);
  return task.nested ? withArguments(ctx, spans, script, task.spanFields[0]!, task.typeField, task.nested) : spans;
}

interface Ctx {
  text: string;
  tokens: Token[];
  types: TypeInfo[];
  reading: PromptReading;
  profile: SimProfile;
  rand: SimRandom;
  r: Rates;
  remap: Map<string, string>;
}

function finishSpans(ctx: Ctx, cands: readonly Candidate[], spanKey: string, typeKey: string): SimRecord[] {
  const { text, tokens, types, reading, profile, rand, r } = ctx;
  const { typed, untyped } = typeCandidates(cands, types, reading, tokens, profile, rand);
  const out: SimRecord[] = [];
  const seen = new Set<string>();
  for (const x of typed) {
    const key = `${x.c.start}:${x.c.text}`;
    const copied = x.c.source === "lexicon" || x.c.source === "hint";
    const p = copied ? 0.97 : r.recall * (0.7 + 0.3 * x.c.confidence) * Math.min(1, 0.75 + 0.35 * x.score);
    if (rand.text.u(`find:${key}`) >= p) continue;
    let type = x.type;
    if (x.second && rand.text.u(`type:${key}`) < r.typeError * (copied ? 0.3 : 1)) type = x.second;
    type = ctx.remap.get(type) ?? type;
    if (rand.text.u(`off:${key}`) < r.offSchema) type = offSchemaName(types.find((t) => t.name === type));
    const span = adjustSpan(text, tokens, x.c, type, reading, r, rand, key, profile);
    const id = `${span}\u0000${type}`;
    if (seen.has(id) || !span.trim()) continue;
    seen.add(id);
    out.push({ [spanKey]: span, [typeKey]: type });
  }
  out.push(...inventions(text, tokens, types, untyped, r, rand, out.length === 0, (span, type) => ({ [spanKey]: span, [typeKey]: type })));
  return out;
}

/** A type name outside the schema, as an unguided model writes one. */
function offSchemaName(t: TypeInfo | undefined): string {
  if (!t) return "other";
  return t.shape === "name" ? "name" : t.shape === "time" ? "time" : t.shape ? "number" : `${t.name.toLowerCase().split(/[^\p{L}]+/u)[0] || "other"}_mention`;
}

/** Boundary conventions (instruction rules, then demo habits) and random slips. */
function adjustSpan(text: string, tokens: readonly Token[], c: Candidate, type: string, reading: PromptReading, r: Rates, rand: SimRandom, key: string, profile: SimProfile): string {
  let start = c.start;
  let end = c.end;
  const ins = reading.instruction;
  const before = tokenBefore(tokens, start);
  const adjacent = before && start - before.end <= 1 && before.sentence === tokenAfter(tokens, start)?.sentence;
  const lesson = reading.lessons.get(type);
  const convention = (rule: -1 | 0 | 1, share: number | undefined, words: ReadonlySet<string>, tag: string) => {
    if (!adjacent || !words.has(before!.lower)) return;
    // A stated rule is followed most of the time; else the demos' habit; else an untaught slip.
    const p = rule > 0 ? 0.85 : rule < 0 ? 0 : share !== undefined ? share * profile.icl : r.boundaryError * 0.5;
    if (rand.text.u(`${tag}:${key}`) < p) start = before!.start;
  };
  convention(ruleOf(ins, "preposition"), reading.prepShare.get(type), PREPOSITIONS, "prep");
  if (start === c.start) convention(ruleOf(ins, "article"), reading.detShare.get(type), DETERMINERS, "det");
  // A learned opening word ("next" before a day) joins the span.
  if (start === c.start && adjacent && lesson?.first.has(before!.lower) && !PREPOSITIONS.has(before!.lower) && rand.text.u(`first:${key}`) < 0.9 * profile.icl) start = before!.start;
  // A stated rule removes the function word from a span that opens with it.
  let span = text.slice(start, end);
  if (ruleOf(ins, "preposition") < 0 && opensWith(span, PREPOSITIONS)) start += span.indexOf(" ") + 1;
  span = text.slice(start, end);
  if (ruleOf(ins, "article") < 0 && opensWith(span, DETERMINERS)) start += span.indexOf(" ") + 1;
  const copied = c.source === "lexicon" || c.source === "hint";
  if (!copied && rand.text.u(`slip:${key}`) < r.boundaryError) {
    const inside = tokens.filter((x) => x.start >= start && x.end <= end);
    const v = rand.text.u(`slipkind:${key}`);
    const after = tokenAfter(tokens, end);
    if (v < 0.4 && inside.length >= 2) end = inside[inside.length - 2]!.end;
    else if (v < 0.7 && after && after.sentence === (inside[0]?.sentence ?? after.sentence) && after.start - end <= 1) end = after.end;
    else if (before && start === c.start && start - before.end <= 1) start = before.start;
  }
  span = text.slice(start, end);
  if (rand.text.u(`para:${key}`) < r.paraphrase) span = rand.text.u(`parakind:${key}`) < 0.5 ? span.toLowerCase() : `the ${span}`;
  return span;
}

/** Invented records: more under weak prompts, and when [] was never shown to be valid. */
function inventions(text: string, tokens: readonly Token[], types: readonly TypeInfo[], untyped: readonly Typed[], r: Rates, rand: SimRandom, empty: boolean, build: (span: string, type: string) => SimRecord): SimRecord[] {
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
// EE arguments

function nounPhrases(text: string, tokens: readonly Token[], script: ReturnType<typeof detectScript>): Candidate[] {
  const out = [...capitalCandidates(text, tokens, script), ...digitCandidates(text, tokens)];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i]!;
    const n1 = tokens[i + 1]!;
    if (!DETERMINERS.has(t.lower) || n1.sentence !== t.sentence || FUNCTION(n1.lower)) continue;
    out.push(make(text, t.start, n1.end, 0.6, "np"));
  }
  return dropNested(dedupe(out));
}

/** Nested role items (EE arguments) for each found record, from its roles in the schema. */
function withArguments(ctx: Ctx, events: SimRecord[], script: ReturnType<typeof detectScript>, spanKey: string, typeKey: string, nested: { list: string; role: string; span: string }): SimRecord[] {
  const { text, tokens, types, reading, rand, r } = ctx;
  const nps = nounPhrases(text, tokens, script);
  return events.map((ev, i) => {
    const trigger = String(ev[spanKey]);
    const info = types.find((t) => t.name === ev[typeKey]);
    const trigAt = text.indexOf(trigger);
    const args: Record<string, string>[] = [];
    if (info && trigAt >= 0) {
      const sentence = tokenAfter(tokens, trigAt)?.sentence ?? 0;
      const used = new Set<string>();
      info.roles.forEach((role, roleIndex) => {
        const key = `arg:${i}:${role}`;
        const np = pickArgument(role, roleIndex, tokens, nps, trigAt, trigAt + trigger.length, sentence, reading, used);
        if (!np) return;
        if (rand.text.u(`find:${key}:${np.text}`) >= r.recall * 0.9) return;
        let argument = np.text;
        const detShare = reading.detShare.get(`arg:${role}`) ?? reading.detShare.get("arg:*");
        if (detShare !== undefined && detShare < 0.5 && opensWith(argument, DETERMINERS)) argument = argument.slice(argument.indexOf(" ") + 1);
        if (rand.text.u(`slip:${key}`) < r.boundaryError) argument = argument.split(/\s+/).slice(-1)[0]!;
        used.add(np.text);
        let roleOut = role;
        if (info.roles.length > 1 && rand.text.u(`role:${key}`) < r.typeError) roleOut = info.roles[(roleIndex + 1) % info.roles.length]!;
        args.push({ [nested.role]: roleOut, [nested.span]: argument });
      });
    }
    return { ...ev, [nested.list]: args };
  });
}

/** The argument for a role: the demos' habit (preposition, side of the trigger), else position. */
function pickArgument(role: string, roleIndex: number, tokens: readonly Token[], nps: readonly Candidate[], trigStart: number, trigEnd: number, sentence: number, reading: PromptReading, used: Set<string>): Candidate | undefined {
  const inSentence = nps.filter((c) => (tokenAfter(tokens, c.start)?.sentence ?? -1) === sentence && !used.has(c.text) && (c.end <= trigStart || c.start >= trigEnd));
  const prevWord = (c: Candidate) => tokenBefore(tokens, c.start)?.lower ?? "";
  const learned = reading.roleCues.get(role);
  if (learned) {
    const preps = [...learned.prep.keys()];
    const side = Math.sign(learned.side);
    const pool = inSentence.filter((c) => (side >= 0 ? c.start >= trigEnd : c.end <= trigStart));
    const viaPrep = preps.length > 0 ? pool.find((c) => preps.includes(prevWord(c))) : undefined;
    if (viaPrep) return viaPrep;
    if (preps.length === 0) return side < 0 ? pool[pool.length - 1] : pool.find((c) => !PREPOSITIONS.has(prevWord(c)));
    return undefined;
  }
  // Untaught: the first role is the doer before the trigger, the next the thing after it.
  if (roleIndex === 0) return inSentence.filter((c) => c.end <= trigStart).pop();
  if (roleIndex === 1) return inSentence.find((c) => c.start >= trigEnd && !PREPOSITIONS.has(prevWord(c)));
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Two-span records (RE)

function pairTask(ctx: Ctx, ents: readonly Candidate[], [headKey, tailKey]: [string, string], typeKey: string): SimRecord[] {
  const { text, tokens, types, reading, profile, rand, r } = ctx;
  const sentenceOf = (c: Candidate) => tokenAfter(tokens, c.start)?.sentence ?? -1;
  const out: SimRecord[] = [];
  const seen = new Set<string>();
  const descWords = new Map(types.map((t) => [t.name, t.stems] as const));
  for (let i = 0; i < ents.length; i++) {
    for (let j = 0; j < ents.length; j++) {
      if (i === j) continue;
      const a = ents[i]!;
      const b = ents[j]!;
      if (sentenceOf(a) !== sentenceOf(b) || Math.abs(a.start - b.start) > 120 || a.shape === "digit" || b.shape === "digit") continue;
      const first = a.start < b.start ? a : b;
      const second = first === a ? b : a;
      const between = text.slice(first.end, second.start).toLowerCase();
      const words = between.split(/[^\p{L}\p{N},]+/u).filter(Boolean);
      const interveners = ents.filter((e) => e.start >= first.end && e.end <= second.start).length;
      const headFirst = a === first;
      let best: { t: TypeInfo; s: number } | undefined;
      for (const t of types) {
        let s = 0;
        // The type name and description name the relation ("born", "married", "founded").
        const stems = descWords.get(t.name) ?? [];
        if (words.some((w) => stems.some((st) => stemMatches(w, st)))) s += 0.6 * (0.7 + 0.3 * r.descriptions);
        if (headFirst) s += 0.1;
        const cues = reading.relationCues.get(t.name);
        if (cues) {
          const hits = words.filter((w) => cues.has(w) && !FUNCTION(w)).length + 0.5 * words.filter((w) => cues.has(w) && FUNCTION(w)).length;
          s += Math.min(0.6, hits * 0.25) * profile.icl;
          const hf = cues.get("<order:head-first>") ?? 0;
          const tf = cues.get("<order:tail-first>") ?? 0;
          if (headFirst ? hf > tf : tf > hf) s += 0.2 * profile.icl;
          const hl = reading.lessons.get(`${t.name}:head`);
          const tl = reading.lessons.get(`${t.name}:tail`);
          if (hl) s += 0.15 * profile.icl * ((hl.shape.get(a.shape) ?? 0) / hl.n);
          if (tl) s += 0.15 * profile.icl * ((tl.shape.get(b.shape) ?? 0) / tl.n);
        }
        s -= 0.3 * interveners;
        if (between.length > 60) s -= 0.2;
        s += 0.05 * rand.text.u(`guess:${a.text}:${b.text}:${t.name}`);
        if (!best || s > best.s) best = { t, s };
      }
      if (!best || best.s < 0.5) continue;
      const key = `rel:${a.text}:${b.text}`;
      if (rand.text.u(`find:${key}`) >= r.recall * Math.min(1, 0.4 + 0.6 * best.s)) continue;
      let relation = best.t.name;
      if (types.length > 1 && rand.text.u(`type:${key}`) < r.typeError) relation = types[(types.indexOf(best.t) + 1) % types.length]!.name;
      relation = ctx.remap.get(relation) ?? relation;
      if (rand.text.u(`off:${key}`) < r.offSchema) relation = offSchemaName(best.t);
      let head = a.text;
      let tail = b.text;
      if (rand.text.u(`swap:${key}`) < r.typeError * 0.8) [head, tail] = [tail, head];
      if (rand.text.u(`slip:${key}`) < r.boundaryError) head = head.split(/\s+/).slice(-1)[0]!;
      if (rand.text.u(`para:${key}`) < r.paraphrase) head = head.toLowerCase();
      const id = `${head}|${tail}|${relation}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ [headKey]: head, [tailKey]: tail, [typeKey]: relation });
    }
  }
  const n = Math.floor(r.hallucination * 0.7 + rand.text.u("hall:n"));
  const force = out.length === 0 && rand.text.u("force") < r.forceAnswer;
  for (let k = 0; k < Math.max(n, force ? 1 : 0) && ents.length >= 2; k++) {
    const a = ents[Math.floor(rand.text.u(`hall:a:${k}`) * ents.length)]!;
    const b = ents[Math.floor(rand.text.u(`hall:b:${k}`) * ents.length)]!;
    if (a === b) continue;
    out.push({ [headKey]: a.text, [tailKey]: b.text, [typeKey]: types[Math.floor(rand.text.u(`hall:r:${k}`) * types.length)]!.name });
  }
  return out;
}

