/**
 * The sim knows nothing tuned to our data. Its content words (the label words it reads in
 * type names, the instruction reader's verbs, task nouns and topic words) are never a
 * labeled span of examples/ or of the real datasets under ../shared/data (skipped, saying
 * so, when that folder is absent). Its closed-class words (articles, prepositions,
 * pronouns, negators: the "very common words" it may know) can coincide with a span —
 * xSID labels "it" or "this" as a reference — but only as common text: a word that is
 * mostly a span somewhere would be a cue tuned to that data, and fails. Spans are compared
 * case-folded and trimmed.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SampleSchema, type Sample } from "../../src/data/sample.ts";
import { importFile, type ImportFormat } from "../../src/data/importers/index.ts";
import { COMMON_WORDS, DETERMINERS, LABEL_SHAPES, PREPOSITIONS, STOPWORDS } from "../../sim/knowledge.ts";
import { CONNECTORS } from "../../sim/detect.ts";
import { INSTRUCTION_FUNCTION_WORDS, INSTRUCTION_TERMS } from "../../sim/instructions.ts";
import { registerProgram } from "../../programs/index.ts";
import { program as mreMix } from "../../examples/programs/mre-mix.ts";

// examples/data/mre holds samples of a user task (examples/programs/mre-mix.ts).
registerProgram(mreMix);

const ROOT = join(import.meta.dirname, "..", "..");
const SHARED = join(ROOT, "..", "shared", "data");

/** Closed-class word lists the sim applies to the texts it reads, by name. */
const FUNCTION_LISTS: Record<string, readonly string[]> = {
  prepositions: [...PREPOSITIONS],
  determiners: [...DETERMINERS],
  commonWords: [...COMMON_WORDS],
  connectors: [...CONNECTORS],
  languageGuessWords: STOPWORDS.flatMap(([, , words]) => words),
};
// The instruction reader's own closed-class words (negators such as "don't", which xSID
// labels as negation) read the instruction only, never the text, so they are not listed
// above; they only keep closed-class words out of the content check below.
const FUNCTION = new Set([...Object.values(FUNCTION_LISTS).flat(), ...INSTRUCTION_FUNCTION_WORDS].map((w) => w.trim().toLowerCase()));

/** Content word lists, by name (closed-class words among them are checked as such). */
const CONTENT_LISTS: Record<string, readonly string[]> = {
  labelWords: LABEL_SHAPES.flatMap(([, words]) => words),
  instructionTerms: INSTRUCTION_TERMS,
};

const norm = (s: string) => s.normalize("NFC").trim().toLowerCase();

interface Lexicon {
  /** span → times it is labeled */
  spans: Map<string, number>;
  /** word → times it occurs as a token of the texts */
  tokens: Map<string, number>;
}

function lexiconOf(samples: readonly Sample[], into: Lexicon = { spans: new Map(), tokens: new Map() }): Lexicon {
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const seenText = new Set<string>();
  for (const s of samples) {
    if (!seenText.has(s.text)) {
      seenText.add(s.text);
      for (const t of s.text.toLowerCase().match(/[\p{L}\p{M}'’]+/gu) ?? []) add(into.tokens, norm(t));
    }
    for (const r of s.labels as unknown as Record<string, unknown>[]) {
      for (const key of ["entity", "slot", "event_trigger", "head", "tail"]) if (typeof r[key] === "string") add(into.spans, norm(r[key] as string));
      if (Array.isArray(r.arguments)) for (const a of r.arguments as { argument?: unknown }[]) if (typeof a.argument === "string") add(into.spans, norm(a.argument));
    }
  }
  return into;
}

/** Content words that are spans, and closed-class words that are mostly spans. */
function overlaps(lexicon: Lexicon): string[] {
  const hits: string[] = [];
  for (const [list, words] of Object.entries(CONTENT_LISTS)) {
    for (const w of words) if (!FUNCTION.has(norm(w)) && lexicon.spans.has(norm(w))) hits.push(`${list}: "${w}"`);
  }
  for (const [list, words] of Object.entries(FUNCTION_LISTS)) {
    for (const w of words) {
      const asSpan = lexicon.spans.get(norm(w)) ?? 0;
      const inText = lexicon.tokens.get(norm(w)) ?? 0;
      if (asSpan > 0 && asSpan > 0.2 * inText) hits.push(`${list}: "${w}" (a span ${asSpan} of ${inText} times in the texts)`);
    }
  }
  return hits;
}

function exampleSamples(): Sample[] {
  const dir = join(ROOT, "examples", "data");
  const out: Sample[] = [];
  for (const task of readdirSync(dir)) {
    for (const file of readdirSync(join(dir, task)).filter((f) => f.endsWith(".jsonl"))) {
      for (const line of readFileSync(join(dir, task, file), "utf8").split("\n")) if (line.trim()) out.push(SampleSchema.parse(JSON.parse(line)));
    }
  }
  return out;
}

describe("the sim's prior knowledge does not overlap our data", () => {
  it("checks real lists (not vacuous), and would catch a tuned cue", () => {
    for (const [name, words] of Object.entries({ ...FUNCTION_LISTS, ...CONTENT_LISTS })) expect(words.length, name).toBeGreaterThan(5);
    const lexicon = lexiconOf(exampleSamples());
    const someSpan = [...lexicon.spans.keys()].find((s) => s.length > 4)!;
    CONTENT_LISTS.probe = [someSpan];
    try {
      expect(overlaps(lexicon)).toContain(`probe: "${someSpan}"`);
    } finally {
      delete CONTENT_LISTS.probe;
    }
  });

  it("no knowledge word is a labeled span of examples/", () => {
    const lexicon = lexiconOf(exampleSamples());
    expect(lexicon.spans.size).toBeGreaterThan(300);
    expect(overlaps(lexicon)).toEqual([]);
  });

  const sources: [ImportFormat, string, { task?: "ED" | "EE" }][] = [
    ["xsid", "xsid/en.valid.conll", {}],
    ["xsid", "xsid/en.test.conll", {}],
    ["xsid", "xsid/de.test.conll", {}],
    ["uner", "uner/en_ewt-ud-dev.iob2", {}],
    ["uner", "uner/en_ewt-ud-test.iob2", {}],
    ["uner", "uner/pt_bosque-ud-test.iob2", {}],
    ["relx", "relx/RELX_en.txt", {}],
    ["relx", "relx/RELX_de.txt", {}],
    ["fewfc", "fewfc/test_trans.json", { task: "EE" }],
  ];
  const present = existsSync(SHARED);
  if (!present) console.log(`[overlap] ../shared/data is absent (${SHARED}); the real-data part is skipped`);
  it.skipIf(!present)("no knowledge word is a labeled span of the real datasets in ../shared/data", async () => {
    const lexicon: Lexicon = { spans: new Map(), tokens: new Map() };
    for (const [format, file, options] of sources) {
      const path = join(SHARED, file);
      if (existsSync(path)) lexiconOf(await importFile(format, path, options), lexicon);
    }
    expect(lexicon.spans.size).toBeGreaterThan(1000);
    expect(overlaps(lexicon)).toEqual([]);
  });
});
