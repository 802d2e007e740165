/**
 * Where the sim "sees" candidate spans before it decides their types, from generic cues
 * only: casing (names in scripts with case), digits and currency signs (numbers, amounts,
 * times, dates), quotes, and whatever the prompt taught — demo spans and words, the
 * examples a type description gives, the stems of type names (knowledge.ts holds no
 * names, places or trigger words). Typing happens in extract.ts.
 */
import { AMOUNT_SIGNS, COMMON_WORDS, DETERMINERS, PREPOSITIONS, hasCase, type Script } from "./knowledge.ts";

export interface Token {
  text: string;
  lower: string;
  start: number;
  end: number;
  /** Index of the sentence the token is in. */
  sentence: number;
}

export type Shape = "cap1" | "capN" | "upper" | "digit" | "amount" | "lower" | "mixed" | "uncased";

export interface Candidate {
  start: number;
  end: number;
  text: string;
  shape: Shape;
  /** How sure the detector is that this is a span at all (0..1). */
  confidence: number;
  /** Where it came from: caps, digits, quoted, lexicon, learned, described, named, hint. */
  source: string;
  /** Type evidence from the prompt's text: descriptions, type-name stems, reasoning hints. */
  hints: Record<string, number>;
  /** Type evidence the demos taught (their words and stems). */
  taught: Record<string, number>;
}

const TOKEN_RE = /[\p{L}\p{M}\p{N}]+(?:['’\-.:/][\p{L}\p{M}\p{N}]+)*/gu;
const SENTENCE_END = /[.!?。！？؟\n]/;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let sentence = 0;
  let last = 0;
  for (const m of text.matchAll(TOKEN_RE)) {
    if (SENTENCE_END.test(text.slice(last, m.index))) sentence++;
    tokens.push({ text: m[0], lower: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length, sentence });
    last = m.index + m[0].length;
  }
  return tokens;
}

/** The last token that ends at or before `at` (the word before a span starting there). */
export function tokenBefore(tokens: readonly Token[], at: number): Token | undefined {
  for (let i = tokens.length - 1; i >= 0; i--) if (tokens[i]!.end <= at) return tokens[i];
  return undefined;
}

/** The first token that starts at or after `at` (the word after a span ending there). */
export function tokenAfter(tokens: readonly Token[], at: number): Token | undefined {
  return tokens.find((t) => t.start >= at);
}

export function shapeOf(span: string): Shape {
  if (AMOUNT_SIGNS.test(span) && /\d/.test(span)) return "amount";
  if (/\d/.test(span)) return "digit";
  const words = span.split(/\s+/).filter(Boolean);
  if (!/[\p{Lu}\p{Ll}]/u.test(span)) return "uncased";
  if (words.length === 1 && /^\p{Lu}{2,}$/u.test(span)) return "upper";
  if (words.every((w) => /^\p{Ll}/u.test(w))) return "lower";
  if (words.every((w) => /^\p{Lu}/u.test(w) || COMMON_WORDS.has(w) || w.length <= 3)) return words.length === 1 ? "cap1" : "capN";
  return "mixed";
}

export function make(text: string, start: number, end: number, confidence: number, source: string, hints: Record<string, number> = {}, taught: Record<string, number> = {}): Candidate {
  const span = text.slice(start, end);
  // Keyed by type names (user data): without a prototype, "__proto__" is an ordinary key.
  const keyed = (o: Record<string, number>) => Object.assign(Object.create(null) as Record<string, number>, o);
  return { start, end, text: span, shape: shapeOf(span), confidence, source, hints: keyed(hints), taught: keyed(taught) };
}

/** Every occurrence of `needle` in `text`, at word boundaries when the script has spaces. */
export function findAll(text: string, needle: string, wordBoundaries: boolean): number[] {
  const out: number[] = [];
  if (!needle) return out;
  let at = text.indexOf(needle);
  while (at >= 0) {
    const before = at > 0 ? text[at - 1]! : " ";
    const after = text[at + needle.length] ?? " ";
    if (!wordBoundaries || (!/[\p{L}\p{N}]/u.test(before) && !/[\p{L}\p{N}]/u.test(after))) out.push(at);
    at = text.indexOf(needle, at + 1);
  }
  return out;
}

const isCap = (t: Token) => /^\p{Lu}/u.test(t.text);
/** Short lower-case words that join the parts of a name ("Bank of Leeds", "Ana de Souza"). */
export const CONNECTORS = new Set(["of", "de", "del", "della", "van", "von", "der", "la", "le", "du", "da", "di", "y", "&"]);
const isFunctionWord = (lower: string) => DETERMINERS.has(lower) || PREPOSITIONS.has(lower) || COMMON_WORDS.has(lower);

function isSentenceStart(text: string, tokens: readonly Token[], i: number): boolean {
  if (i === 0) return true;
  const gap = text.slice(tokens[i - 1]!.end, tokens[i]!.start);
  return /[.!?:;"«„“\n]/.test(gap);
}

/** Capitalised sequences: names, in scripts with case (and Latin names in any text). */
export function capitalCandidates(text: string, tokens: readonly Token[], script: Script): Candidate[] {
  const out: Candidate[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!isCap(t) || !/\p{L}/u.test(t.text)) continue;
    let j = i;
    while (j + 1 < tokens.length) {
      const next = tokens[j + 1]!;
      const gap = text.slice(tokens[j]!.end, next.start);
      if (next.sentence !== t.sentence || !/^[ \t]*$/.test(gap)) break;
      if (isCap(next)) { j++; continue; }
      if (CONNECTORS.has(next.lower) && j + 2 < tokens.length && isCap(tokens[j + 2]!) && /^[ \t]*$/.test(text.slice(next.end, tokens[j + 2]!.start))) { j += 2; continue; }
      break;
    }
    let first = i;
    // A capitalised function word opening a sentence is not part of a name.
    while (first <= j && isFunctionWord(tokens[first]!.lower)) first++;
    if (first > j) { i = j; continue; }
    const lone = first === j && isSentenceStart(text, tokens, first);
    let end = tokens[j]!.end;
    const possessive = /['’]s$/u.exec(tokens[j]!.text);
    if (possessive) end -= possessive[0].length;
    out.push(make(text, tokens[first]!.start, end, lone ? 0.35 : hasCase(script) ? 0.85 : 0.7, "caps"));
    i = j;
  }
  return out;
}

/**
 * Numbers, amounts, times and dates from digits: a digit token with a currency or
 * percent sign, short unit words right after it ("6:30 am"), and capitalised words or
 * other numbers it stands next to ("1 March 2024").
 */
export function digitCandidates(text: string, tokens: readonly Token[]): Candidate[] {
  const out: Candidate[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (!/\d/.test(tokens[i]!.text)) continue;
    let a = i;
    let b = i;
    const joins = (x: Token, y: Token) => y.start - x.end <= 1 && x.sentence === y.sentence;
    while (b + 1 < tokens.length && joins(tokens[b]!, tokens[b + 1]!)) {
      const n = tokens[b + 1]!;
      if (/\d/.test(n.text) || (isCap(n) && !isFunctionWord(n.lower)) || (/^\p{Ll}{1,3}$/u.test(n.text) && !isFunctionWord(n.lower))) b++;
      else break;
    }
    while (a > 0 && joins(tokens[a - 1]!, tokens[a]!) && isCap(tokens[a - 1]!) && !isFunctionWord(tokens[a - 1]!.lower) && !isSentenceStart(text, tokens, a - 1)) a--;
    let start = tokens[a]!.start;
    let end = tokens[b]!.end;
    if (start > 0 && AMOUNT_SIGNS.test(text[start - 1]!)) start--;
    else if (start > 1 && AMOUNT_SIGNS.test(text[start - 2]!) && text[start - 1] === " ") start -= 2;
    if (AMOUNT_SIGNS.test(text[end] ?? "")) end++;
    out.push(make(text, start, end, 0.75, "digits"));
    i = b;
  }
  return out;
}

export function quotedCandidates(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(/["«„“「『]([^"»“”」』\n]{2,60})["»“”」』]/gu)) {
    const start = m.index + m[0].indexOf(m[1]!);
    out.push(make(text, start, start + m[1]!.length, 0.6, "quoted"));
  }
  return out;
}

/** Whether a text token is an inflection of a learned word or stem ("attacked" for "attack"). */
export function stemMatches(token: string, stem: string): boolean {
  if (token === stem) return true;
  if (stem.length < 3 || !token.startsWith(stem)) return false;
  const rest = token.slice(stem.length);
  if (stem.length <= 4) return /^(?:s|d|ed|es|ing|n|en|er)$/.test(rest);
  return rest.length <= 4;
}

/** The stem a model would generalise a learned word to (drops a common ending). */
export function stemOf(word: string): string {
  const w = word.toLowerCase();
  if (!/^[\p{Script=Latin}\p{Script=Cyrillic}]+$/u.test(w) || w.length <= 4) return w;
  return w.replace(/(?:ing|ed|es|s|e|en|ung|ion)$/u, "") || w;
}

/** Remove exact duplicates, merging their hints and keeping the most confident source. */
export function dedupe(cands: readonly Candidate[]): Candidate[] {
  const best = new Map<string, Candidate>();
  for (const c of cands) {
    const key = `${c.start}:${c.end}`;
    const prev = best.get(key);
    if (!prev) { best.set(key, { ...c, hints: Object.assign(Object.create(null) as Record<string, number>, c.hints), taught: Object.assign(Object.create(null) as Record<string, number>, c.taught) }); continue; }
    for (const [k, v] of Object.entries(c.hints)) prev.hints[k] = Math.max(prev.hints[k] ?? 0, v);
    for (const [k, v] of Object.entries(c.taught)) prev.taught[k] = Math.max(prev.taught[k] ?? 0, v);
    if (c.confidence > prev.confidence) { prev.confidence = c.confidence; prev.source = c.source; }
  }
  return [...best.values()].sort((a, b) => a.start - b.start || b.end - a.end);
}

/** Drops candidates nested inside a longer one that is about as confident (keeps the outer span). */
export function dropNested(cands: readonly Candidate[]): Candidate[] {
  return cands.filter((c) => !cands.some((o) => o !== c && o.start <= c.start && o.end >= c.end && o.end - o.start > c.end - c.start && o.confidence >= c.confidence - 0.1));
}
