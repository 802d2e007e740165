/**
 * What the sim knows before it reads a prompt, and nothing more: scripts, casing, digits,
 * punctuation, and a small multilingual set of very common words (articles, prepositions,
 * pronouns, a few label words). No names, places, trigger verbs, slot words or relation
 * cues: everything about a task's types comes from the prompt (instruction, type names and
 * descriptions, demos). test/sim/overlap.test.ts checks that no list here overlaps the
 * spans of examples/ or of the real data under ../shared/data.
 *
 * Coverage is uneven on purpose: spaced scripts with case (Latin, Cyrillic, Greek) give
 * the casing cue for names; uncased and unspaced scripts give the sim little to go on
 * beyond what demos show — the transfer gap the eval CLI is meant to show.
 */

export type Script = "latin" | "cyrillic" | "greek" | "arabic" | "hebrew" | "han" | "kana" | "hangul" | "devanagari" | "thai" | "other";

const SCRIPT_TESTS: [Script, RegExp][] = [
  ["latin", /\p{Script=Latin}/u],
  ["cyrillic", /\p{Script=Cyrillic}/u],
  ["greek", /\p{Script=Greek}/u],
  ["arabic", /\p{Script=Arabic}/u],
  ["hebrew", /\p{Script=Hebrew}/u],
  ["kana", /[\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ["han", /\p{Script=Han}/u],
  ["hangul", /\p{Script=Hangul}/u],
  ["devanagari", /\p{Script=Devanagari}/u],
  ["thai", /\p{Script=Thai}/u],
];

/** The script most letters of the text are written in (kana wins over Han: Japanese). */
export function detectScript(text: string): Script {
  const counts = new Map<Script, number>();
  for (const ch of text) {
    if (!/\p{L}/u.test(ch)) continue;
    let s: Script = "other";
    for (const [name, re] of SCRIPT_TESTS) if (re.test(ch)) { s = name; break; }
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  if ((counts.get("kana") ?? 0) > 0 && (counts.get("han") ?? 0) + (counts.get("kana") ?? 0) >= (counts.get("latin") ?? 0)) return "kana";
  let best: Script = "latin";
  let bestN = 0;
  for (const [s, n] of counts) if (n > bestN) { best = s; bestN = n; }
  return best;
}

/**
 * How well the sim's cues cover a script (1 = as well as English). Multiplies recall of
 * the generic detectors; lexicon matches from demos are not affected.
 */
export const SCRIPT_COVERAGE: Readonly<Record<Script, number>> = {
  latin: 1, cyrillic: 0.85, greek: 0.7, arabic: 0.7, hebrew: 0.6, han: 0.75, kana: 0.65, hangul: 0.6, devanagari: 0.6, thai: 0.5, other: 0.45,
};

/** Scripts written without spaces between words: candidate spans come from substring search. */
export function isUnspaced(script: Script): boolean {
  return script === "han" || script === "kana" || script === "thai";
}

export function hasCase(script: Script): boolean {
  return script === "latin" || script === "cyrillic" || script === "greek";
}

/** A crude language guess from function words, for dataset observations. */
export const STOPWORDS: [string, string, string[]][] = [
  ["eng", "English", ["the", "and", "of", "to", "in", "is", "was", "for", "me", "will", "it", "what"]],
  ["deu", "German", ["der", "die", "das", "und", "ist", "nicht", "mit", "ein", "eine", "wird", "ich", "mich"]],
  ["fra", "French", ["le", "la", "les", "et", "est", "des", "une", "du", "dans", "pour", "il", "moi"]],
  ["spa", "Spanish", ["el", "los", "las", "y", "es", "del", "una", "por", "con", "para", "que", "qué"]],
  ["ita", "Italian", ["il", "di", "che", "è", "gli", "della", "una", "per", "sono", "nel"]],
  ["por", "Portuguese", ["o", "os", "não", "do", "da", "em", "uma", "para", "com", "que"]],
  ["nld", "Dutch", ["de", "het", "een", "en", "van", "is", "niet", "op", "ik", "naar"]],
  ["tur", "Turkish", ["ve", "bir", "bu", "için", "ile", "da", "de", "mı"]],
  ["ind", "Indonesian", ["yang", "di", "ini", "itu", "ke", "dari", "akan"]],
];

export function guessLanguage(text: string): string {
  const script = detectScript(text);
  switch (script) {
    case "cyrillic": return "Russian or another Cyrillic-script language";
    case "arabic": return "Arabic";
    case "hebrew": return "Hebrew";
    case "han": return "Chinese";
    case "kana": return "Japanese";
    case "hangul": return "Korean";
    case "devanagari": return "Hindi";
    case "thai": return "Thai";
    case "greek": return "Greek";
    case "other": return "a non-Latin script";
    case "latin": break;
  }
  const words = text.toLowerCase().split(/[^\p{L}]+/u);
  let best = "English";
  let bestN = 0;
  for (const [, name, list] of STOPWORDS) {
    const n = words.filter((w) => list.includes(w)).length;
    if (n > bestN) { best = name; bestN = n; }
  }
  return best;
}

// ---------------------------------------------------------------------------------------
// Function words (boundaries, sentence-initial capitals). Articles and prepositions only:
// possessives and demonstratives are slot values in some datasets, so they are not here.

export const PREPOSITIONS = new Set([
  "in", "at", "on", "to", "from", "for", "by", "of", "with", "into", "until", "after", "before", "during",
  "im", "am", "um", "auf", "nach", "von", "vom", "zu", "zum", "zur", "bei", "aus", "für", "mit", "bis",
  "à", "au", "aux", "en", "dans", "du", "des", "pour", "vers", "chez", "sur", "avec",
  "al", "del", "para", "por", "con", "desde", "hasta", "nel", "alla", "em", "ao",
  "op", "aan", "naar", "van", "bij",
  "в", "во", "на", "к", "из", "от", "у", "до", "с", "по",
]);

export const DETERMINERS = new Set([
  "the", "a", "an", "der", "die", "das", "den", "dem", "ein", "eine", "einen", "einem", "einer",
  "le", "la", "les", "une", "el", "los", "las", "una", "il", "lo", "gli", "het", "een",
]);

/** Other very common words that open sentences with a capital without being names. */
export const COMMON_WORDS = new Set([
  "i", "you", "he", "she", "it", "we", "they", "and", "or", "but", "if", "when", "then", "there", "here", "what", "who", "how", "why", "where", "which",
  "is", "are", "was", "were", "will", "can", "should", "could", "would", "do", "does", "did", "please", "yes", "also", "after", "before", "on",
  "ich", "du", "er", "sie", "es", "wir", "und", "oder", "aber", "wenn", "wann", "wie", "was", "wo", "ist", "sind", "war", "bitte",
  "je", "tu", "il", "elle", "nous", "vous", "ils", "et", "ou", "mais", "quand", "comment", "est", "sont", "était",
  "yo", "él", "ella", "y", "pero", "cuando", "cómo", "dónde", "es", "son", "fue", "por favor",
  "я", "ты", "он", "она", "мы", "вы", "они", "и", "или", "но", "когда", "как", "где", "это",
]);

/** Whether a multi-word span opens with one of `words` ("in Paris" for PREPOSITIONS). */
export function opensWith(span: string, words: ReadonlySet<string>): boolean {
  return span.includes(" ") && words.has(span.split(/\s+/)[0]!.toLowerCase());
}

/** Currency and percent signs: punctuation-level knowledge of amounts. */
export const AMOUNT_SIGNS = /[$€£¥₹%]/u;

// ---------------------------------------------------------------------------------------
// Label words: what a type *name* says about the shape of its spans (an LLM reads "date" or
// "person" in a schema). Shapes, not categories: which name belongs to which type is left to
// the prompt.

export type SpanShape = "name" | "number" | "amount" | "time" | "word";

export const LABEL_SHAPES: readonly [SpanShape, readonly string[]][] = [
  ["amount", ["money", "price", "cost", "amount", "currency", "salary"]],
  ["time", ["date", "time", "datetime", "day", "year", "when", "duration"]],
  ["number", ["number", "num", "quantity", "count", "percent", "cardinal", "ordinal"]],
  ["name", ["person", "per", "people", "name", "organization", "organisation", "org", "company", "location", "loc", "place", "gpe", "city", "country", "norp", "product", "brand", "facility", "fac", "work", "title", "agent", "attacker", "victim", "buyer", "seller", "entity"]],
];

/**
 * The shape a type name suggests, or undefined when it says nothing. An abbreviated name
 * ("GPE", "P1") is read through its description; a word name is read alone (an event
 * type "Die" described as "a person dies" is not a person).
 */
export function shapeOfLabel(name: string, description?: string): SpanShape | undefined {
  const words = (text: string) => text.toLowerCase().split(/[^\p{L}]+/u).filter(Boolean).map((w) => w.replace(/ies$/, "y").replace(/s$/, ""));
  const abbreviated = /^[\p{Lu}\d_-]+$/u.test(name) || /\d/.test(name);
  const pools = abbreviated && description ? [words(name), words(description)] : [words(name)];
  for (const pool of pools) {
    for (const [shape, labels] of LABEL_SHAPES) if (pool.some((w) => labels.includes(w))) return shape;
  }
  return undefined;
}
