/**
 * The tiny annotation markup the example sentences are written in.
 *
 *   [span](tag)          an annotated span; several tags separated by ";"
 *   {cat}                a placeholder, filled from the lexicon category `cat`
 *   {cat:2}              a second, different entry of the same category
 *   {cat.field}          a field of an object entry (e.g. {capital.city}, {capital.country}
 *                        — both from the same entry)
 *   {cat|tag}            the filled value is annotated as `[value](tag)`
 *
 * Without `|tag` a placeholder takes the task's default tag for its category (if any),
 * else it is inserted as plain text. A lexicon value may itself contain markup (e.g.
 * "on [Friday](datetime)", so a preposition stays outside the span).
 */
import type { Rng } from "../../src/util/random.ts";

export type LexEntry = string | Readonly<Record<string, string>>;
export type Lexicon = Readonly<Record<string, readonly LexEntry[]>>;

export interface Span {
  text: string;
  tags: string[];
  /** UTF-16 offset of the span in the plain text (for debugging only). */
  start: number;
}

const PLACEHOLDER = /\{([a-z_]+)(?:\.([a-z_]+))?(?::(\d+))?(?:\|([^}]+))?\}/g;
const SPAN = /\[([^[\]]+)\]\(([^()]+)\)/g;

/** Fill every placeholder of `template`; distinct `:n` indices of a category get distinct entries. */
export function fill(template: string, lexicon: Lexicon, defaults: Readonly<Record<string, string>>, rng: Rng): string {
  const chosen = new Map<string, LexEntry>();
  const used = new Map<string, Set<LexEntry>>();
  const values = new Set<string>(); // a value never fills two different placeholders
  return template.replace(PLACEHOLDER, (_m, cat: string, field: string | undefined, n: string | undefined, tag: string | undefined) => {
    const entries = lexicon[cat];
    if (!entries || entries.length === 0) throw new Error(`unknown lexicon category '${cat}' in: ${template}`);
    const key = `${cat}:${n ?? "1"}`;
    let entry = chosen.get(key);
    if (entry === undefined) {
      const taken = used.get(cat) ?? new Set<LexEntry>();
      const free = entries.filter((e) => !taken.has(e) && !(typeof e === "string" ? [e] : Object.values(e)).some((v) => values.has(v)));
      if (free.length === 0) throw new Error(`lexicon category '${cat}' exhausted in: ${template}`);
      entry = rng.choice(free);
      taken.add(entry);
      used.set(cat, taken);
      chosen.set(key, entry);
    }
    let value: string;
    if (typeof entry === "string") {
      if (field) throw new Error(`category '${cat}' has string entries; no field '${field}'`);
      value = entry;
    } else {
      if (!field || entry[field] === undefined) throw new Error(`category '${cat}' needs a known field, got '${field}'`);
      value = entry[field]!;
    }
    values.add(value);
    const t = tag ?? defaults[field ? `${cat}.${field}` : cat];
    return t && !value.includes("](") ? `[${value}](${t})` : value;
  });
}

/** Strip the markup: the plain text and its annotated spans, in order. */
export function parse(marked: string): { text: string; spans: Span[] } {
  if (/\{[a-z_]/.test(marked)) throw new Error(`unfilled placeholder in: ${marked}`);
  const spans: Span[] = [];
  let text = "";
  let last = 0;
  for (const m of marked.matchAll(SPAN)) {
    text += marked.slice(last, m.index);
    spans.push({ text: m[1]!, tags: m[2]!.split(";").map((s) => s.trim()), start: text.length });
    text += m[1]!;
    last = m.index + m[0].length;
  }
  text += marked.slice(last);
  if (/[[\]]/.test(text) || /\]\(/.test(text)) throw new Error(`stray markup in: ${marked}`);
  return { text, spans };
}
