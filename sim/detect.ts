/**
 * Generic span detectors: where a model "sees" candidate spans in a text of any script
 * before deciding their types. Each candidate carries category evidence from built-in
 * knowledge (knowledge.ts); typing against the query's schema happens in extract.ts.
 *
 * Detectors: gazetteer and lexicon substring search (works in every script), capitalised
 * sequences (Latin/Cyrillic/Greek), cue words before/after names (titles, place
 * prepositions, organisation words, CJK suffixes), quoted spans, numbers, dates/times,
 * weather words, "remind me to …" to-dos, and event-trigger stems.
 */
import {
  POSTPOSITIONS_AGENT, POSTPOSITIONS_LOC, EVENT_NAME_UNSPACED, EVENT_NAME_WORDS, GROUP_WORDS, NATURAL_UNSPACED, NATURAL_WORDS, NEGATION_UNSPACED, NEGATION_WORDS, RECURRING_CUES, RECURRING_UNSPACED,
  REFERENCE_UNSPACED, REFERENCE_WORDS, TEMPERATURE_UNSPACED, TEMPERATURE_WORDS,
  CJK_SURNAMES, DETERMINERS, EVENT_STEMS, GAZETTEER, LOC_PREPS, LOC_PREPS_UNSPACED, MONTHS, ORG_SUFFIXES_UNSPACED, ORG_WORDS,
  PERSON_SUFFIXES_UNSPACED, PERSON_TITLES, PREPOSITIONS, TIME_MODIFIERS, TIME_REGEXES, TIME_UNSPACED, TIME_WORDS, TODO_CUES,
  WEATHER_UNSPACED, WEATHER_WORDS, WEEKDAYS, hasCase, isUnspaced, type Script,
} from "./knowledge.ts";

export interface Token {
  text: string;
  lower: string;
  start: number;
  end: number;
  /** Index of the sentence the token is in. */
  sentence: number;
}

export interface Candidate {
  start: number;
  end: number;
  text: string;
  /** Category evidence (0..1 each) from built-in knowledge. */
  cats: Record<string, number>;
  /** How sure the detector is that this is a span at all (0..1). */
  confidence: number;
  source: string;
}

const TOKEN_RE = /[\p{L}\p{M}\p{N}]+(?:['’\-.][\p{L}\p{M}\p{N}]+)*/gu;
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

export function make(text: string, start: number, end: number, cats: Record<string, number>, confidence: number, source: string): Candidate {
  return { start, end, text: text.slice(start, end), cats, confidence, source };
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

// Gazetteer entries by first character: a text only checks names that could start in it.
const GAZETTEER_BY_FIRST = new Map<string, [string, string][]>();
for (const [name, cat] of Object.entries(GAZETTEER)) {
  const first = [...name][0]!;
  const list = GAZETTEER_BY_FIRST.get(first) ?? [];
  list.push([name, cat]);
  GAZETTEER_BY_FIRST.set(first, list);
}

const isCap = (t: Token) => /^\p{Lu}/u.test(t.text);
const CONNECTORS = new Set(["of", "de", "del", "della", "van", "von", "der", "la", "le", "al", "bin", "du", "da", "di", "y", "и", "&"]);

function isSentenceStart(text: string, tokens: Token[], i: number): boolean {
  if (i === 0) return true;
  const gap = text.slice(tokens[i - 1]!.end, tokens[i]!.start);
  return /[.!?:;"«„“\n]/.test(gap);
}

/** Entity-like candidates: names of persons, places, organisations, works. */
export function entityCandidates(text: string, tokens: Token[], script: Script): Candidate[] {
  const out: Candidate[] = [];
  const spaced = !isUnspaced(script);
  const chars = new Set(text);
  for (const [first, entries] of GAZETTEER_BY_FIRST) {
    if (!chars.has(first)) continue;
    for (const [name, cat] of entries) {
      const cats: Record<string, number> = cat === "location" ? { gpe: 0.9, location: 0.55 } : cat === "natural" ? { location: 0.9 } : { organization: 0.9 };
      for (const at of findAll(text, name, spaced && /^[\p{Script=Latin}\p{Script=Cyrillic}]/u.test(name))) {
        out.push(make(text, at, at + name.length, { ...cats }, 0.95, "gazetteer"));
      }
    }
  }
  // Capitalised sequences: scripts with case, and Latin names embedded in any text.
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
    const sentenceStart = isSentenceStart(text, tokens, i);
    // A capitalised function word opening a sentence is not part of a name.
    while (first <= j && (DETERMINERS.has(tokens[first]!.lower) || PREPOSITIONS.has(tokens[first]!.lower) || TIME_WORDS.includes(tokens[first]!.lower) || WEEKDAYS.some((w) => tokens[first]!.lower.startsWith(w)))) first++;
    const prev = tokens[first - 1];
    let titled = false;
    while (first <= j && PERSON_TITLES.has(tokens[first]!.lower.replace(/\.$/, ""))) { first++; titled = true; }
    if (first > j) { i = j; continue; }
    const span = tokens.slice(first, j + 1);
    const start = span[0]!.start;
    const cats: Record<string, number> = {};
    const words = span.map((s) => s.lower.replace(/\.$/, ""));
    const prevLower = prev?.lower.replace(/\.$/, "") ?? "";
    const nextTok = tokens[j + 1];
    const lone = span.length === 1 && sentenceStart && first === i;
    // A lone capitalised plural opening a sentence is a common noun ("Visitors queued").
    if (lone && /\p{Ll}s$/u.test(span[0]!.text) && !GROUP_WORDS.has(words[0]!)) { i = j; continue; }
    if (titled || PERSON_TITLES.has(prevLower)) cats.person = 0.85;
    else if (words.some((w) => ORG_WORDS.has(w))) cats.organization = 0.8;
    else if (words.some((w) => EVENT_NAME_WORDS.has(w))) cats.event_name = 0.8;
    else if (words.some((w) => NATURAL_WORDS.has(w)) || (prev && NATURAL_WORDS.has(prev.lower))) cats.location = 0.8;
    else if (span.length === 1 && (GROUP_WORDS.has(words[0]!) || /(?:ish|ian|an|ese|ean|ic|i)$/.test(words[0]!)) && !(nextTok && isCap(nextTok) && nextTok.sentence === t.sentence)) { cats.group = 0.7; cats.gpe = 0.15; }
    else if (nextTok && /^\d/.test(nextTok.text) && nextTok.start - span[span.length - 1]!.end === 1 && !MONTHS.some((m) => words[0]!.startsWith(m))) { cats.product = 0.6; cats.organization = 0.2; }
    else if (span.length === 1 && /^\p{Lu}{2,6}$/u.test(span[0]!.text)) { cats.organization = 0.55; cats.gpe = 0.25; }
    else if (prev && LOC_PREPS.has(prev.lower)) { cats.gpe = 0.45; cats.location = 0.4; cats.organization = 0.25; cats.person = 0.1; }
    else if (span.length >= 2) { cats.person = 0.6; cats.organization = 0.3; cats.gpe = 0.1; }
    else { cats.person = 0.35; cats.gpe = 0.3; cats.organization = 0.3; cats.location = 0.2; }
    if (MONTHS.some((m) => words.length === 1 && words[0] === m) || WEEKDAYS.some((w) => words[0]!.startsWith(w))) { i = j; continue; }
    // Product names often carry a model number ("Brewmaster 3").
    let endAt = span[span.length - 1]!.end;
    // Possessives are not part of the name ("Tomas Novak's wife").
    const possessive = /['’]s$/u.exec(span[span.length - 1]!.text);
    if (possessive) endAt -= possessive[0].length;
    if (cats.product && nextTok) endAt = nextTok.end;
    if (lone) for (const k of Object.keys(cats)) cats[k] = cats[k]! * 0.6;
    out.push(make(text, start, endAt, cats, lone ? 0.35 : 0.85, "caps"));
    i = j;
  }
  if (!hasCase(script)) out.push(...uncasedEntityCandidates(text, tokens, script));
  // Quoted spans: titles of works, products, sometimes names.
  for (const m of text.matchAll(/["«„“「『]([^"»“”」』\n]{2,60})["»“”」』]/gu)) {
    const start = m.index + m[0].indexOf(m[1]!);
    out.push(make(text, start, start + m[1]!.length, { work: 0.6, product: 0.4, event_name: 0.2 }, 0.7, "quoted"));
  }
  return out;
}

/** Names in scripts without case: cue words around them, and CJK affixes. */
function uncasedEntityCandidates(text: string, tokens: Token[], script: Script): Candidate[] {
  const out: Candidate[] = [];
  if (isUnspaced(script)) {
    const HAN = /[\p{Script=Han}\p{Script=Katakana}ー]/u;
    const STOP = new Set([..."的了和与是在于到说表示举行进发开会访问将已从对把被向也都这那上下中后前里"]);
    for (const cue of LOC_PREPS_UNSPACED) {
      for (const at of findAll(text, cue, false)) {
        let end = at + cue.length;
        while (end < text.length && end - at - cue.length < 4 && HAN.test(text[end]!) && !STOP.has(text[end]!)) end++;
        if (end - at - cue.length >= 2) out.push(make(text, at + cue.length, end, { location: 0.6, organization: 0.2 }, 0.6, "cue-loc"));
      }
    }
    for (const suf of ORG_SUFFIXES_UNSPACED) {
      for (const at of findAll(text, suf, false)) {
        let start = at;
        while (start > 0 && at - start < 4 && HAN.test(text[start - 1]!) && !STOP.has(text[start - 1]!)) start--;
        if (at - start >= 1) out.push(make(text, start, at + suf.length, { organization: 0.75 }, 0.65, "cue-org"));
      }
    }
    for (const suf of PERSON_SUFFIXES_UNSPACED) {
      for (const at of findAll(text, suf, false)) {
        for (const len of [3, 2]) {
          const start = at - len;
          if (start >= 0 && CJK_SURNAMES.includes(text[start]!) && [...text.slice(start, at)].every((c) => HAN.test(c) && !STOP.has(c))) {
            out.push(make(text, start, at, { person: 0.75 }, 0.6, "cue-person"));
            break;
          }
        }
      }
    }
    for (const suf of [...NATURAL_UNSPACED, ...EVENT_NAME_UNSPACED]) {
      for (const at of findAll(text, suf, false)) {
        let start = at;
        while (start > 0 && at - start < 4 && HAN.test(text[start - 1]!) && !STOP.has(text[start - 1]!)) start--;
        if (at - start >= 1) out.push(make(text, start, at + suf.length, NATURAL_UNSPACED.includes(suf) ? { location: 0.7 } : { event_name: 0.7 }, 0.55, "cue-suffix"));
      }
    }
    for (const m of text.matchAll(/[\p{Script=Katakana}ー・]{3,}/gu)) {
      out.push(make(text, m.index, m.index + m[0].length, { person: 0.4, location: 0.35, organization: 0.25 }, 0.5, "katakana"));
    }
    return out;
  }
  // Spaced scripts without case (Arabic, Hebrew, Devanagari, …): a word after a place
  // preposition (or before a Hindi postposition), two words after a title, names next to
  // organisation / nature / event words (after them in Arabic, before them in Hindi).
  const headFinal = script === "devanagari";
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    const prev = tokens[i - 1];
    const sameNext = next && next.sentence === t.sentence ? next : undefined;
    const samePrev = prev && prev.sentence === t.sentence ? prev : undefined;
    if (sameNext && LOC_PREPS.has(t.lower) && !PREPOSITIONS.has(sameNext.lower)) out.push(make(text, sameNext.start, sameNext.end, { location: 0.45, gpe: 0.45, organization: 0.2 }, 0.5, "cue-loc"));
    if (samePrev && POSTPOSITIONS_LOC.has(t.lower)) out.push(make(text, samePrev.start, samePrev.end, { gpe: 0.4, location: 0.4, organization: 0.2 }, 0.45, "cue-loc"));
    if (samePrev && POSTPOSITIONS_AGENT.has(t.lower)) {
      const first = tokens[i - 2] && tokens[i - 2]!.sentence === t.sentence && i - 2 === 0 ? tokens[i - 2]! : samePrev;
      out.push(make(text, first.start, samePrev.end, { person: 0.5, organization: 0.3 }, 0.45, "cue-person"));
    }
    if (sameNext && PERSON_TITLES.has(t.lower)) {
      const after = tokens[i + 2];
      const end = after && after.sentence === t.sentence && !PREPOSITIONS.has(after.lower) ? after.end : sameNext.end;
      out.push(make(text, sameNext.start, end, { person: 0.7 }, 0.55, "cue-person"));
    }
    const kind = ORG_WORDS.has(t.lower) ? "organization" : NATURAL_WORDS.has(t.lower) ? "location" : EVENT_NAME_WORDS.has(t.lower) ? "event_name" : undefined;
    if (!kind) continue;
    if (headFinal && samePrev && !PREPOSITIONS.has(samePrev.lower)) out.push(make(text, samePrev.start, t.end, { [kind]: 0.65 }, 0.5, "cue-word"));
    if (!headFinal && sameNext && !PREPOSITIONS.has(sameNext.lower)) {
      // Arabic: the head noun (company, lake, festival…) is part of nature and event names
      // but usually not of a company's name.
      const after = tokens[i + 2];
      const end = kind === "organization" && after && after.sentence === t.sentence && after.start - sameNext.end <= 1 && !PREPOSITIONS.has(after.lower) ? after.end : sameNext.end;
      out.push(make(text, kind === "organization" ? sameNext.start : t.start, end, { [kind]: 0.65 }, 0.5, "cue-word"));
    }
  }
  return out;
}

/** Dates and times, merged when adjacent ("tomorrow morning", "next Friday at 5 pm"). */
export function timeCandidates(text: string, tokens: Token[], script: Script): Candidate[] {
  const pieces: [number, number][] = [];
  for (const re of TIME_REGEXES) for (const m of text.matchAll(re)) pieces.push([m.index, m.index + m[0].length]);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const isTime = TIME_WORDS.includes(t.lower) || WEEKDAYS.some((w) => t.lower.startsWith(w)) || MONTHS.some((m) => t.lower === m || (m.length >= 4 && t.lower.startsWith(m)));
    if (!isTime) continue;
    let start = t.start;
    const prev = tokens[i - 1];
    if (prev && [...TIME_MODIFIERS].some((m) => prev.lower.startsWith(m))) start = prev.start;
    pieces.push([start, t.end]);
  }
  if (isUnspaced(script)) for (const w of TIME_UNSPACED) for (const at of findAll(text, w, false)) pieces.push([at, at + w.length]);
  pieces.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const p of pieces) {
    const last = merged[merged.length - 1];
    // Pieces separated only by a space form one expression ("tomorrow morning"); "Thursday at 8" stays two.
    if (last && (p[0] <= last[1] || (/^[ \t]+$/.test(text.slice(last[1], p[0])) && p[0] - last[1] <= 2))) last[1] = Math.max(last[1], p[1]);
    else merged.push([p[0], p[1]]);
  }
  return merged.map(([s, e]) => make(text, s, e, { datetime: 0.9, number: 0.1 }, 0.8, "time"));
}

const CURRENCY = /[$€£¥₹]|euros?|dollars?|pounds?|yuan|rupees?|рубл|долл|евро|юан|дирхам|دولار|يورو|جنيه|درهم|ريال|دينار|美元|欧元|元|रुपये|डॉलर|यूरो/iu;

export function numberCandidates(text: string): Candidate[] {
  const out: Candidate[] = [];
  const re = /(?:[$€£¥₹]\s?)?\d+(?:[.,]\d+)*(?:\s?(?:%|percent|million|billion|millionen|millones|millions|milliards?|млн|миллион\p{L}*|миллиард\p{L}*|مليون|مليار|万|亿|करोड़|लाख|मिलियन))*(?:\s?(?:euros?|dollars?|pounds?|yuan|rupees?|рубл\p{L}*|долл\p{L}*|евро|юаней|دولار|يورو|دينار|درهم|ريال|جنيه|美元|欧元|元|रुपये|डॉलर|यूरो))?/gu;
  for (const m of text.matchAll(re)) {
    const money = CURRENCY.test(m[0]);
    out.push(make(text, m.index, m.index + m[0].length, money ? { money: 0.85, number: 0.3 } : { number: 0.7, money: 0.15 }, 0.6, "number"));
  }
  return out;
}

/** Voice-assistant slot words: temperature, negation, reference, recurrence. */
export function slotWordCandidates(text: string, tokens: Token[], script: Script): Candidate[] {
  const out: Candidate[] = [];
  const lower = text.toLowerCase();
  const lists: [readonly string[], readonly string[], string][] = [
    [TEMPERATURE_WORDS, TEMPERATURE_UNSPACED, "temperature"],
    [NEGATION_WORDS, NEGATION_UNSPACED, "negation"],
    [REFERENCE_WORDS, REFERENCE_UNSPACED, "reference"],
  ];
  for (const [words, unspaced, cat] of lists) {
    for (const w of words) for (const at of findAll(lower, w, true)) out.push(make(text, at, at + w.length, { [cat]: 0.75 }, 0.7, cat));
    if (isUnspaced(script)) for (const w of unspaced) for (const at of findAll(text, w, false)) out.push(make(text, at, at + w.length, { [cat]: 0.7 }, 0.6, cat));
  }
  // Recurrence: a cue word plus the next word ("every Monday", "each morning"); "daily" alone.
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!RECURRING_CUES.includes(t.lower)) continue;
    const next = tokens[i + 1];
    const single = /^(daily|weekly|monthly|täglich|wöchentlich|quotidien|diario|ежедневно|يوميا|रोज़|रोज)$/.test(t.lower);
    const end = !single && next && next.sentence === t.sentence ? next.end : t.end;
    out.push(make(text, t.start, end, { recurring: 0.8 }, 0.7, "recurring"));
  }
  if (isUnspaced(script)) {
    for (const w of RECURRING_UNSPACED) for (const at of findAll(text, w, false)) out.push(make(text, at, Math.min(text.length, at + w.length + (w === "每" ? 1 : 0)), { recurring: 0.7 }, 0.6, "recurring"));
  }
  return out;
}

export function weatherCandidates(text: string, tokens: Token[], script: Script): Candidate[] {
  const out: Candidate[] = [];
  for (const t of tokens) if (WEATHER_WORDS.includes(t.lower)) out.push(make(text, t.start, t.end, { weather: 0.85 }, 0.8, "weather"));
  if (isUnspaced(script)) {
    for (const w of WEATHER_UNSPACED) for (const at of findAll(text, w, false)) out.push(make(text, at, at + w.length, { weather: 0.8 }, 0.7, "weather"));
  }
  return out;
}

/** "remind me to <todo> [time]": the to-do runs to the next time expression or the end. */
export function todoCandidates(text: string, times: readonly Candidate[]): Candidate[] {
  const lower = text.toLowerCase();
  for (const cue of TODO_CUES) {
    const at = lower.indexOf(cue);
    if (at < 0) continue;
    let start = at + cue.length;
    while (start < text.length && /[\s,:]/.test(text[start]!)) start++;
    let end = text.length;
    for (const t of times) if (t.start >= start && t.start < end) end = t.start;
    let stop = text.slice(start, end);
    stop = stop.replace(/[\s,.!?。]+$/u, "").replace(/\s+(?:at|on|in|um|am|à|le|a las|в|во)$/iu, "");
    if (stop.length >= 2) return [make(text, start, start + stop.length, { todo: 0.85 }, 0.75, "todo")];
  }
  return [];
}

/** The stem rule: short Latin stems only match their common inflections. */
function stemMatches(token: string, stem: string): boolean {
  if (!token.startsWith(stem)) return false;
  const rest = token.slice(stem.length);
  if (/^[a-z]+$/.test(stem) && stem.length <= 4) return /^(?:|s|d|ed|es|ing|ings)$/.test(rest) || (stem.endsWith("e") && /^(?:d|s)$/.test(rest));
  return rest.length <= 5;
}

export interface TriggerCandidate extends Candidate {
  /** Event category → evidence. */
  events: Record<string, number>;
}

// Built-in stems indexed by their first two characters, so each token checks only a few.
const SPACED_STEMS = new Map<string, [string, string][]>();
const PHRASE_STEMS: [string, string][] = [];
const UNSPACED_STEMS: [string, string][] = [];
for (const [cat, stems] of Object.entries(EVENT_STEMS)) {
  for (const stem of stems) {
    if (!/^[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Arabic}\p{Script=Devanagari}]/u.test(stem)) UNSPACED_STEMS.push([stem, cat]);
    else if (stem.includes(" ")) PHRASE_STEMS.push([stem, cat]);
    else {
      const key = stem.slice(0, 2);
      const list = SPACED_STEMS.get(key) ?? [];
      list.push([stem, cat]);
      SPACED_STEMS.set(key, list);
    }
  }
}
const ARABIC_STEMS = [...SPACED_STEMS.values()].flat().filter(([stem]) => /^\p{Script=Arabic}/u.test(stem));

/** Event triggers from built-in stems (and learned stems, passed in). */
export function triggerCandidates(text: string, tokens: Token[], script: Script, learned: ReadonlyMap<string, Map<string, number>>): TriggerCandidate[] {
  const out: TriggerCandidate[] = [];
  const unspaced = isUnspaced(script);
  const add = (start: number, end: number, cat: string) => out.push({ ...make(text, start, end, {}, 0.75, "stem"), events: { [cat]: 0.8 } });
  if (unspaced) {
    for (const [stem, cat] of UNSPACED_STEMS) for (const at of findAll(text, stem, false)) add(at, at + stem.length, cat);
  } else {
    const lower = text.toLowerCase();
    for (const [stem, cat] of PHRASE_STEMS) for (const at of findAll(lower, stem, true)) add(at, at + stem.length, cat);
    for (const t of tokens) {
      for (const [stem, cat] of SPACED_STEMS.get(t.lower.slice(0, 2)) ?? []) if (stemMatches(t.lower, stem)) add(t.start, t.end, cat);
      // Arabic attaches clitics in front (و، ف، ب): look inside the word.
      if (script === "arabic") for (const [stem, cat] of ARABIC_STEMS) if (t.lower.includes(stem) && !t.lower.startsWith(stem) && t.lower.length <= stem.length + 3) add(t.start, t.end, cat);
    }
  }
  // Triggers learned from the demos: a shared stem is a strong hint in any language.
  for (const [stem, types] of learned) {
    // Shared by this stem's hits: nothing writes to `events` (dedupe merges `cats`).
    const events = Object.fromEntries([...types].map(([k, v]) => [`type:${k}`, v]));
    if (unspaced || !/^\p{L}/u.test(stem)) {
      for (const at of findAll(text, stem, false)) out.push({ ...make(text, at, at + stem.length, {}, 0.85, "lexicon"), events });
      continue;
    }
    for (const t of tokens) {
      if (t.lower.startsWith(stem) && t.lower.length <= stem.length + 4) out.push({ ...make(text, t.start, t.end, {}, 0.85, "lexicon"), events });
    }
  }
  return out;
}

/** Noun phrases for EE arguments: names, times, numbers and "determiner + noun". */
export function nounPhrases(text: string, tokens: Token[], script: Script): Candidate[] {
  const out = [...entityCandidates(text, tokens, script), ...timeCandidates(text, tokens, script), ...numberCandidates(text)];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const t = tokens[i]!;
    if (!DETERMINERS.has(t.lower)) continue;
    const n1 = tokens[i + 1]!;
    if (n1.sentence !== t.sentence || PREPOSITIONS.has(n1.lower) || DETERMINERS.has(n1.lower)) continue;
    out.push(make(text, t.start, n1.end, { thing: 0.6 }, 0.6, "np"));
  }
  // Bare plural-looking lowercase subject at the start of a sentence ("rebels attacked").
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isSentenceStart(text, tokens, i) && /^\p{Lu}\p{Ll}+s$/u.test(t.text) && !DETERMINERS.has(t.lower)) out.push(make(text, t.start, t.end, { thing: 0.5 }, 0.5, "np"));
  }
  return out;
}

/** Remove exact duplicates, keeping the most confident. */
export function dedupe<T extends Candidate>(cands: T[]): T[] {
  const best = new Map<string, T>();
  for (const c of cands) {
    const key = `${c.start}:${c.end}`;
    const prev = best.get(key);
    if (!prev || c.confidence > prev.confidence) {
      if (prev) for (const [k, v] of Object.entries(prev.cats)) c.cats[k] = Math.max(c.cats[k] ?? 0, v);
      best.set(key, c);
    } else {
      for (const [k, v] of Object.entries(c.cats)) prev.cats[k] = Math.max(prev.cats[k] ?? 0, v);
    }
  }
  return [...best.values()].sort((a, b) => a.start - b.start || b.end - a.end);
}

/** Drops candidates nested inside a more confident longer one (keeps the outer span). */
export function dropNested<T extends Candidate>(cands: T[]): T[] {
  return cands.filter((c) => !cands.some((o) => o !== c && o.start <= c.start && o.end >= c.end && o.end - o.start > c.end - c.start && o.confidence >= c.confidence - 0.1));
}
