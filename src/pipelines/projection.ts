/**
 * Label projection for translate-test (method.md §8): spans found in an English
 * translation are carried back onto the source text.
 *
 * Marker-based projection as in EasyProject: the English text is sent back through the
 * translator with numbered markers around the spans (`<m1>today at 4pm</m1>`); what the
 * markers enclose in the translation is then located in the source text. A translation
 * is never the source itself, so locating is fuzzy: the source window (a run of whole
 * tokens) most similar to the marked words, accepted above a similarity threshold.
 * Fallback alignment, when the markers are lost or their words are not found: the
 * English span itself is located in the source the same way (names, numbers and
 * cognates carry over across languages), at a stricter threshold because there is no
 * translation behind the match.
 *
 * A span that neither step places is dropped and counted. Every projected span is a
 * slice of the source text, so it occurs there verbatim by construction; `projectRecords`
 * checks that anyway, since the whole point is not to trust the translation.
 *
 * Pure functions only: no LM calls here (src/pipelines/translate-test.ts makes them).
 */
import { spanSimilarity } from "../metrics/levenshtein.ts";

/** The accepted similarity of a located window (method.md §3's code-point similarity). */
export interface ProjectionThresholds {
  /** Marker contents (a translation of the span) vs the source window. */
  marker: number;
  /** The English span itself vs the source window (fallback alignment). */
  alignment: number;
}

export const DEFAULT_THRESHOLDS: ProjectionThresholds = { marker: 0.6, alignment: 0.8 };

export interface MarkedText {
  /** The English text with `<mN>…</mN>` around the marked spans. */
  text: string;
  /** Marker number → the English span it encloses. */
  markers: Map<number, string>;
}

/**
 * Puts numbered markers around the first occurrence of each distinct span. Markers may
 * nest (a span inside another), never cross: a span whose occurrences all cross an
 * already marked one stays unmarked (fallback alignment places it), as does a span that
 * does not occur in the text.
 */
export function markSpans(text: string, spans: readonly string[]): MarkedText {
  const intervals: { id: number; start: number; end: number }[] = [];
  const markers = new Map<number, string>();
  const crosses = (s: number, e: number) => intervals.some((iv) => (s < iv.start && e > iv.start && e < iv.end) || (s > iv.start && s < iv.end && e > iv.end));
  for (const span of new Set(spans)) {
    if (span.trim() === "") continue;
    for (let at = text.indexOf(span); at >= 0; at = text.indexOf(span, at + 1)) {
      const end = at + span.length;
      if (crosses(at, end) || intervals.some((iv) => iv.start === at && iv.end === end)) continue;
      const id = markers.size + 1;
      markers.set(id, span);
      intervals.push({ id, start: at, end });
      break;
    }
  }
  // Insert tags from the end so earlier offsets stay valid; at one offset closing tags go
  // before opening ones, and the outer span opens first and closes last.
  const tags: { at: number; tag: string; order: number }[] = [];
  for (const iv of intervals) {
    tags.push({ at: iv.start, tag: `<m${iv.id}>`, order: 1 + (1e9 - (iv.end - iv.start)) });
    tags.push({ at: iv.end, tag: `</m${iv.id}>`, order: -(1e9 - (iv.end - iv.start)) });
  }
  tags.sort((a, b) => a.at - b.at || a.order - b.order);
  let out = "";
  let last = 0;
  for (const t of tags) {
    out += text.slice(last, t.at) + t.tag;
    last = t.at;
  }
  return { text: out + text.slice(last), markers };
}

const TAG = /<\s*(\/?)\s*m(\d+)\s*>/gi;

/**
 * Reads a marked translation: the text without markers, and what each marker encloses
 * (markers inside are removed from it). A marker that is opened twice takes its first
 * pair; one never closed, or closed without opening, is ignored.
 */
export function readMarkers(translated: string): { plain: string; spans: Map<number, string> } {
  const spans = new Map<number, string>();
  const open = new Map<number, number>();
  let plain = "";
  let last = 0;
  for (const m of translated.matchAll(TAG)) {
    plain += translated.slice(last, m.index);
    last = m.index + m[0].length;
    const id = Number(m[2]);
    if (m[1] === "") {
      if (!open.has(id) && !spans.has(id)) open.set(id, plain.length);
    } else if (open.has(id)) {
      spans.set(id, plain.slice(open.get(id)!, plain.length).trim());
      open.delete(id);
    }
  }
  plain += translated.slice(last);
  return { plain, spans };
}

// A token is a run of letters, marks and digits, or one character of a script written
// without spaces (Han, kana, Thai), or one other non-space character. Windows over tokens
// never cut a word in half.
const UNSPACED = "\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Thai}";
const TOKEN = new RegExp(`[${UNSPACED}]|(?:(?![${UNSPACED}])[\\p{L}\\p{M}\\p{N}])+|\\S`, "gu");

export function tokenOffsets(text: string): { start: number; end: number }[] {
  return [...text.matchAll(TOKEN)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

export interface Located {
  /** A slice of the source: source.slice(start, end) === text. */
  start: number;
  end: number;
  text: string;
  similarity: number;
}

/**
 * The source window (whole tokens) most similar to `candidate`, case-insensitively, or
 * undefined when the best one is below `minSimilarity`. An exact occurrence wins outright.
 * Ties go to the window closest in length, then the earliest.
 */
export function locate(source: string, candidate: string, minSimilarity: number): Located | undefined {
  const wanted = candidate.trim();
  if (wanted === "") return undefined;
  const exact = source.indexOf(wanted);
  if (exact >= 0) return { start: exact, end: exact + wanted.length, text: wanted, similarity: 1 };
  const tokens = tokenOffsets(source);
  const lower = wanted.toLowerCase();
  const maxWindow = tokenOffsets(wanted).length * 2 + 2;
  let best: Located | undefined;
  for (let i = 0; i < tokens.length; i++) {
    for (let j = i; j < tokens.length && j < i + maxWindow; j++) {
      const start = tokens[i]!.start;
      const end = tokens[j]!.end;
      const text = source.slice(start, end);
      const similarity = spanSimilarity(text.toLowerCase(), lower);
      if (
        !best ||
        similarity > best.similarity ||
        (similarity === best.similarity && Math.abs(text.length - wanted.length) < Math.abs(best.text.length - wanted.length))
      ) {
        best = { start, end, text, similarity };
      }
    }
  }
  return best && best.similarity >= minSimilarity ? best : undefined;
}

export type ProjectionMethod = "marker" | "alignment";

export interface SpanProjection {
  /** The English span. */
  span: string;
  /** Its place in the source; undefined when it could not be projected (dropped). */
  projected: string | undefined;
  method: ProjectionMethod | undefined;
  similarity: number | undefined;
}

/**
 * Projects each English span onto the source: through its marker's contents first, else
 * by fallback alignment of the span itself; `markerText` maps an English span to what its
 * marker enclosed in the back-translation (absent when the marker was lost).
 */
export function projectSpans(
  source: string,
  englishSpans: readonly string[],
  markerText: ReadonlyMap<string, string>,
  thresholds: ProjectionThresholds = DEFAULT_THRESHOLDS,
): Map<string, SpanProjection> {
  const out = new Map<string, SpanProjection>();
  for (const span of englishSpans) {
    if (out.has(span)) continue;
    const marked = markerText.get(span);
    const viaMarker = marked === undefined ? undefined : locate(source, marked, thresholds.marker);
    const located = viaMarker ?? locate(source, span, thresholds.alignment);
    out.set(span, {
      span,
      projected: located?.text,
      method: located ? (viaMarker ? "marker" : "alignment") : undefined,
      similarity: located?.similarity,
    });
  }
  return out;
}

/** English span → the marker contents of the back-translation (for `projectSpans`). */
export function markerContents(marked: MarkedText, translated: string): Map<string, string> {
  const { spans } = readMarkers(translated);
  const out = new Map<string, string>();
  for (const [id, english] of marked.markers) {
    const text = spans.get(id);
    if (text !== undefined && text !== "") out.set(english, text);
  }
  return out;
}
