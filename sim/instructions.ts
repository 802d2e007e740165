/**
 * Reading an instruction as statements, the way an instruction-following model does —
 * not by counting keywords.
 *
 * The instruction is cut into sentences, each sentence into a main clause and an optional
 * condition ("when there is nothing, …"). A sentence counts only when it is a statement:
 * at least three words, a verb the model understands (an imperative such as "extract",
 * "copy", "answer", or a copula such as "is", "means"), and ordinary grammar (function
 * words, not a heap of terms). Each statement then says something about one or more
 * *topics* — what to extract, copying spans verbatim, the output format and keys, the
 * empty answer, span boundaries (prepositions, articles, full names), staying within the
 * given types, type descriptions, completeness, not inventing, and type mappings
 * ("label X as Y"). A negation in the main clause flips what it says ("do not copy
 * exactly" asks for paraphrase); the same topic stated both ways is a contradiction, and
 * the rule is lost. Saying a thing twice says it once. Fragments ("Boundary. Every.") and
 * word salads say nothing; statements about nothing the task needs, or about another task
 * ("translate the text", "extract the relations" in an entity prompt), cost attention.
 *
 * The vocabulary is small and multilingual (English, German, French, Spanish, Russian):
 * verbs of instruction, the nouns of the five tasks, and the words for format, boundaries
 * and emptiness. Statements in another of these languages are understood with a small
 * penalty; text in a language outside the set is not understood at all.
 */
import { simTask, type SimTask } from "./tasks.ts";
import { taskNames } from "../src/tasks/index.ts";

export type Topic = "verbatim" | "format" | "keys" | "empty" | "preposition" | "article" | "fullSpan" | "schemaOnly" | "descriptions" | "recall" | "precision";

/** What an instruction says about a topic: +1 do it, −1 do the opposite, 0 contradicted. */
export type Polarity = -1 | 0 | 1;

/** "Label X as Y": spans the model would file under the type X names are filed under Y. */
export interface TypeMapping {
  from: string[];
  to: string[];
  /** The target as written ("Transport"), for a type the query's batch does not list. */
  toText: string;
  /** "do not label X as Y" clarifies instead of remapping. */
  negated: boolean;
}

/** '"Paris" is a location': an example the instruction gives of a type. */
export interface InstructionExample {
  span: string;
  type: string[];
}

export interface InstructionReading {
  /** 0..1: how clearly a statement asks for this task's extraction. */
  task: number;
  examples: InstructionExample[];
  rules: Map<Topic, { polarity: Polarity; weight: number }>;
  mappings: TypeMapping[];
  /** Statements about another task or another job (translate, summarise, …). */
  wrongTask: number;
  /** Well-formed statements about nothing the task needs. */
  irrelevant: number;
  /** Sentences that are not statements (fragments, word salad). */
  fragments: number;
  contradictions: number;
  /** Share of the understood statements written in a language other than English. */
  foreign: number;
  /** Words in the instruction (for vagueness). */
  words: number;
}

type Lang = "en" | "de" | "fr" | "es" | "ru";

/** Function words per language: what makes a sentence grammatical, and in which language. */
const FUNCTION_WORDS: Readonly<Record<Lang, readonly string[]>> = {
  en: ["the", "a", "an", "of", "to", "in", "and", "or", "with", "as", "for", "each", "every", "it", "is", "are", "be", "that", "this", "there", "when", "if", "not", "no", "do", "don't", "only", "from", "by", "its", "them", "any", "all", "one", "you"],
  de: ["der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "und", "oder", "mit", "als", "für", "von", "im", "in", "zu", "ist", "sind", "wenn", "nicht", "kein", "keine", "nur", "jede", "jeden", "jedes", "alle", "es", "sie", "aus", "dem"],
  fr: ["le", "la", "les", "un", "une", "des", "du", "de", "et", "ou", "avec", "comme", "pour", "dans", "est", "sont", "quand", "si", "ne", "pas", "aucun", "aucune", "seulement", "chaque", "tous", "toutes", "il", "elle", "qui", "que"],
  es: ["el", "la", "los", "las", "un", "una", "de", "del", "y", "o", "con", "como", "para", "en", "es", "son", "cuando", "si", "no", "solo", "sólo", "cada", "todos", "todas", "que", "lo"],
  ru: ["и", "или", "в", "на", "с", "как", "для", "из", "по", "не", "нет", "только", "каждый", "каждую", "все", "это", "если", "когда", "что"],
};

/** Instruction verbs (stems) and copulas: a statement needs one. */
const VERBS = [
  "extract", "identif", "find", "list", "detect", "fill", "tag", "label", "recogni", "annotat", "return", "output", "give", "write", "answer", "copy", "include", "keep",
  "treat", "read", "follow", "consider", "leave", "omit", "exclude", "invent", "guess", "make", "add", "respond", "reply", "put", "classify", "translate", "summari", "paraphras", "rephras", "count", "drop", "strip", "miss", "skip", "produce", "report", "stay", "avoid", "do",
  "is", "are", "means", "mean", "covers", "denotes", "refers", "must", "should",
  "extrahier", "finde", "identifizier", "erkenne", "gib", "liste", "markier", "kopier", "antworte", "verwende", "nutze", "behalte", "schreib", "übernimm", "lass", "füge", "erfinde", "übersetz", "ordne", "behandle", "bedeutet", "ist", "sind", "soll", "gibt", "bezeichne", "fasse",
  "extrai", "identifi", "trouve", "repère", "donne", "copie", "réponds", "répond", "utilise", "garde", "inclu", "écri", "renvoie", "invente", "tradui", "étiquet", "considère", "signifie", "est", "sont", "omets", "résume", "laisse",
  "extrae", "identifica", "encuentra", "copia", "responde", "utiliza", "incluye", "devuelve", "escribe", "marca", "inventes", "inventa", "traduce", "etiqueta", "significa", "es", "son", "omite", "resume", "deja", "considera", "trata",
  "извлеки", "извлек", "найди", "выдели", "перечисли", "скопируй", "копируй", "ответь", "отвечай", "используй", "верни", "включ", "не", "придумыв", "выдумыв", "переведи", "означает", "является", "пометь", "оставь",
];

const NEGATORS = new Set(["not", "never", "don't", "dont", "no", "nicht", "nie", "niemals", "kein", "keine", "keinen", "ne", "pas", "jamais", "n'", "nunca", "не", "никогда"]);
/** Words that open a condition clause ("when there is no entity"): negation there does not flip the rule. */
const CONDITIONS = new Set(["when", "if", "unless", "where", "wenn", "falls", "sofern", "quand", "si", "lorsque", "cuando", "если", "когда"]);

/**
 * Translations (stems) of the words tasks name themselves by: a task's own nouns come from
 * its definition's label and fields (sim/tasks.ts), and each is understood in these forms.
 */
const NOUN_FORMS: Readonly<Record<string, readonly string[]>> = {
  entit: ["entit", "entid", "named", "сущност", "именован"],
  relation: ["relation", "relaci", "triple", "beziehung", "отношени", "связ"],
  head: ["head", "relation", "relaci", "beziehung", "отношени"],
  slot: ["slot", "request", "utterance", "anfrage", "requête", "solicitud", "запрос", "слот"],
  event: ["event", "ereignis", "événement", "evento", "событи"],
  trigger: ["trigger", "auslöser", "déclencheur", "disparador", "триггер"],
  argument: ["argument", "argumento", "аргумент", "role", "rolle", "rôle", "роль"],
};

/** The nouns a task is named by, in every form the sim understands. */
function nounsOf(task: SimTask): string[] {
  const out = new Set<string>();
  for (const noun of task.nouns) {
    out.add(noun);
    for (const [key, forms] of Object.entries(NOUN_FORMS)) if (noun.startsWith(key)) for (const f of forms) out.add(f);
  }
  return [...out];
}

/** Jobs that are not extraction at all. */
const OTHER_JOBS = ["translat", "summar", "sentiment", "poem", "story", "übersetz", "zusammenfass", "tradu", "résum", "resum", "переве", "кратко"];

/** Topic words (stems, lower case). */
const TOPIC_WORDS: Readonly<Record<Exclude<Topic, "keys">, readonly string[]>> = {
  verbatim: ["exact", "verbatim", "written", "character", "unchanged", "genau", "exakt", "wörtlich", "unverändert", "geschrieben", "exactement", "textuellement", "tel quel", "exactamente", "literal", "escrit", "точно", "дословно", "написан"],
  format: ["json", "object", "objekt", "objet", "objeto", "объект", "{"],
  empty: ["[]", "empty", "nothing", "none", "leer", "leere", "nichts", "vide", "rien", "vacía", "vacío", "nada", "пуст", "ничего"],
  preposition: ["preposition", "präposition", "préposition", "preposición", "предлог"],
  article: ["article", "determiner", "artikel", "artículo", "determinante", "артикл"],
  fullSpan: ["full name", "whole name", "complete name", "full span", "whole span", "entire name", "vollständig", "ganzen namen", "nom complet", "nombre completo", "полное имя", "полностью"],
  schemaOnly: ["given list", "the list", "given type", "listed type", "provided type", "these type", "given entity type", "given relation type", "given slot type", "given event type", "listed entity", "listed slot", "listed event", "listed relation", "gegebenen", "angegebenen", "aufgeführten", "types donnés", "types indiqués", "tipos dados", "tipos indicados", "заданн", "указанн", "other type"],
  descriptions: ["description", "definition", "beschreibung", "définition", "descripción", "definición", "описани", "определени"],
  recall: ["every", "each", "all ", "do not miss", "don't miss", "jede", "alle ", "tous", "toutes", "chaque", "todos", "todas", "cada", "кажд", "все "],
  precision: ["invent", "guess", "hallucinat", "make up", "made up", "fabricat", "erfind", "rate", "inventer", "invente", "inventes", "inventar", "придумыв", "выдумыв"],
};

/** Words that say the opposite of a topic's plain reading, without a negator. */
const OPPOSITES: Partial<Record<Topic, readonly string[]>> = {
  verbatim: ["paraphras", "rephras", "reword", "normali", "umschreib", "reformul", "parafrase", "перефраз"],
  format: ["prose", "plain text", "in words", "sentences", "fließtext", "prosa", "texte libre", "texto libre", "прозой"],
  empty: ["at least one", "mindestens ein", "au moins un", "al menos un", "хотя бы один"],
  preposition: ["without", "exclude", "omit", "leave out", "drop", "strip", "ohne", "weglassen", "sans", "omets", "sin ", "omite", "без"],
  article: ["without", "exclude", "omit", "leave out", "drop", "strip", "ohne", "weglassen", "sans", "omets", "sin ", "omite", "без"],
  precision: ["when unsure", "if unsure", "im zweifel", "en cas de doute", "en caso de duda", "если не уверен"],
  schemaOnly: ["any type", "new type", "own type", "beliebige", "nouveaux types", "nuevos tipos", "любые типы"],
};

/** Topics whose plain reading is already a negation ("do not invent" is the precision rule). */
const NEGATIVE_PLAIN = new Set<Topic>(["precision"]);

/** "label/treat/tag X as Y" in the five languages. */
const MAPPING = /\b(?:label|tag|mark|annotate|classify|treat|file|count|consider|type|kennzeichne|markiere|behandle|ordne|étiquette|étiquetez|marque|classe|considère|etiqueta|marca|clasifica|trata|considera|пометь|считай|отмечай)\s+(.+?)\s+(?:as|als|comme|como|как)\s+(?:an?\s+|the\s+|eine?n?\s+|des\s+|une?\s+|une\s+)?(.+)$/iu;

const SENTENCE_SPLIT = /(?<=[.!?。；;])\s+|\n+/u;

function tokens(sentence: string): string[] {
  return sentence.toLowerCase().match(/\[\]|\{|[\p{L}\p{M}'’_]+/gu) ?? [];
}

function has(text: string, words: readonly string[], toks: readonly string[]): boolean {
  return words.some((w) => (w.includes(" ") || /[^\p{L}]/u.test(w) ? text.includes(w) : toks.some((t) => t.startsWith(w))));
}

function languageOf(toks: readonly string[]): Lang | undefined {
  let best: Lang | undefined;
  let bestN = 0;
  for (const [lang, words] of Object.entries(FUNCTION_WORDS) as [Lang, readonly string[]][]) {
    const n = toks.filter((t) => words.includes(t)).length;
    if (n > bestN) { best = lang; bestN = n; }
  }
  return best;
}

export function readInstruction(sim: SimTask, instruction: string): InstructionReading {
  const reading: InstructionReading = { task: 0, examples: [], rules: new Map(), mappings: [], wrongTask: 0, irrelevant: 0, fragments: 0, contradictions: 0, foreign: 0, words: 0 };
  const ownNouns = nounsOf(sim);
  // Another task's nouns (those this task does not share): "extract the relations" in an entity prompt.
  const otherNouns = taskNames()
    .filter((name) => name !== sim.name)
    .flatMap((name) => nounsOf(simTask(name)!))
    .filter((n) => !ownNouns.some((o) => o.startsWith(n) || n.startsWith(o)));
  const said = new Map<Topic, Set<Polarity>>();
  let understood = 0;
  let foreign = 0;
  for (const raw of instruction.split(SENTENCE_SPLIT)) {
    const sentence = raw.trim();
    if (!sentence) continue;
    const toks = tokens(sentence);
    reading.words += toks.length;
    const lang = languageOf(toks);
    const functionShare = toks.filter((t) => lang && FUNCTION_WORDS[lang].includes(t)).length / Math.max(1, toks.length);
    const hasVerb = toks.some((t) => VERBS.some((v) => (v.length <= 3 ? t === v : t.startsWith(v))));
    // A statement: a verb, three words or more, and grammar (function words), not a heap of terms.
    if (toks.length < 3 || !hasVerb || !lang || (toks.length >= 6 && functionShare < 0.12)) {
      reading.fragments++;
      continue;
    }
    understood++;
    if (lang !== "en") foreign++;
    // Main clause vs condition: negation in "when there is no entity" does not flip the rule.
    const condAt = toks.findIndex((t, i) => i > 0 && CONDITIONS.has(t));
    const main = condAt > 0 ? toks.slice(0, condAt) : toks;
    const lower = sentence.toLowerCase();
    const mainText = condAt > 0 ? lower.slice(0, Math.max(0, lower.indexOf(` ${toks[condAt]} `))) || lower : lower;
    const negated = main.some((t) => NEGATORS.has(t) || t.endsWith("n't"));

    let topics = 0;
    // Examples of types: '"Marie Curie" is a person', '«Paris» ist ein Ort'.
    for (const m of sentence.matchAll(/["“'‘«]([^"”'’»]{1,40})["”'’»]\s+(?:is|are|ist|sind|est|es|это)\s+(?:an?\s+|the\s+|eine?\s+|une?\s+|una?\s+)?([\p{L}_/-]+)/gu)) {
      reading.examples.push({ span: m[1]!, type: tokens(m[2]!) });
      topics++;
    }
    const mapping = MAPPING.exec(sentence.replace(/[.!?;]+$/u, ""));
    if (mapping) {
      reading.mappings.push({ from: tokens(mapping[1]!), to: tokens(mapping[2]!), toText: mapping[2]!.trim(), negated });
      topics++;
    }
    const job = has(lower, OTHER_JOBS, toks);
    const ownTask = has(lower, ownNouns, toks);
    const otherTask = !ownTask && has(lower, otherNouns, toks);
    if (job || otherTask) {
      reading.wrongTask++;
      continue;
    }
    if (ownTask && !negated && !mapping) reading.task = Math.max(reading.task, 1);

    const keysNamed = sim.keys.filter((k: string) => lower.includes(k)).length;
    // Negation reaches to the end of its clause piece: "answer in prose, not JSON" negates JSON only.
    const pieces = mainText.split(/[,;:]|\s(?:and|und|et|y|и)\s/u).map((p) => ({ text: p, toks: tokens(p) }));
    const negatedIn = (toks: readonly string[], words: readonly string[]) => {
      const neg = toks.findIndex((t) => NEGATORS.has(t) || t.endsWith("n't"));
      if (neg < 0) return false;
      return toks.slice(neg + 1).some((t) => words.some((w) => t.startsWith(w.trim())));
    };
    for (const topic of Object.keys(TOPIC_WORDS) as Exclude<Topic, "keys">[]) {
      const words = TOPIC_WORDS[topic];
      const opposite = OPPOSITES[topic] ?? [];
      const polarities: Polarity[] = [];
      for (const piece of pieces) {
        const plain = has(piece.text, words, piece.toks);
        const against = has(piece.text, opposite, piece.toks);
        if (!plain && !against) continue;
        if (topic === "preposition" || topic === "article") {
          // a convention statement: include it, or leave it out
          const include = /(includ|keep|inclu|behalt|garde|incluy|включ)/.test(piece.text) || /\bwith\b|\bmit\b|\bavec\b|\bcon\b/.test(piece.text);
          if (!against && !include) continue;
          const neg = negatedIn(piece.toks, [...words, "includ", "keep", "inclu"]);
          polarities.push(against !== neg ? -1 : 1);
          continue;
        }
        if (NEGATIVE_PLAIN.has(topic)) {
          // "do not invent" is the precision rule; "invent when unsure" its opposite
          polarities.push(against ? -1 : negatedIn(piece.toks, words) ? 1 : -1);
          continue;
        }
        if (against) polarities.push(negatedIn(piece.toks, opposite) ? 1 : -1);
        if (plain) polarities.push(negatedIn(piece.toks, words) ? -1 : 1);
      }
      // The condition clause can still name the empty answer ("… and with [] when nothing occurs").
      if (topic === "empty" && polarities.length === 0 && has(lower, words, toks) && !negated) polarities.push(1);
      if (polarities.length === 0) continue;
      if (topic === "recall" && !ownTask) continue;
      topics++;
      const seen = said.get(topic) ?? new Set<Polarity>();
      for (const p of polarities) seen.add(p);
      said.set(topic, seen);
    }
    if (keysNamed >= Math.min(2, sim.keys.length)) {
      topics++;
      const seen = said.get("keys") ?? new Set<Polarity>();
      seen.add(1);
      said.set("keys", seen);
    }
    if (topics === 0 && !ownTask) reading.irrelevant++;
  }
  for (const [topic, polarities] of said) {
    if (polarities.size > 1) {
      reading.contradictions++;
      reading.rules.set(topic, { polarity: 0, weight: 0 });
    } else {
      reading.rules.set(topic, { polarity: [...polarities][0]!, weight: 1 });
    }
  }
  reading.foreign = understood === 0 ? 0 : foreign / understood;
  return reading;
}

/** The polarity an instruction gives a topic (0 when unsaid or contradicted). */
export function ruleOf(reading: InstructionReading, topic: Topic): Polarity {
  return reading.rules.get(topic)?.polarity ?? 0;
}

/** The closed-class words the instruction reader knows (articles, pronouns, negators, …). */
export const INSTRUCTION_FUNCTION_WORDS: readonly string[] = [...Object.values(FUNCTION_WORDS).flat(), ...NEGATORS, ...CONDITIONS];

/** The instruction reader's terms: verbs, task nouns, topic words (for the overlap test). */
export const INSTRUCTION_TERMS: readonly string[] = [
  ...VERBS, ...Object.values(NOUN_FORMS).flat(), ...OTHER_JOBS, ...Object.values(TOPIC_WORDS).flat(), ...Object.values(OPPOSITES).flat(),
].filter((w) => !INSTRUCTION_FUNCTION_WORDS.includes(w.trim()));
