/**
 * BIO / IOB2 tag sequences to typed token spans. An `I-X` that does not continue an `X`
 * span opens a new span (IOB1 files and annotation slips), rather than being dropped.
 */

export interface TokenSpan {
  type: string;
  /** Index of the first token. */
  first: number;
  /** Index of the last token (inclusive). */
  last: number;
}

export type ParsedTag = { kind: "O" } | { kind: "B" | "I"; type: string };

/** Parses one tag; undefined when it is not `O`, `B-<type>` or `I-<type>`. */
export function parseTag(tag: string): ParsedTag | undefined {
  if (tag === "O") return { kind: "O" };
  const match = /^([BI])-(.+)$/.exec(tag);
  if (!match) return undefined;
  return { kind: match[1] as "B" | "I", type: match[2]! };
}

export function bioSpans(tags: readonly ParsedTag[]): TokenSpan[] {
  const spans: TokenSpan[] = [];
  let open: TokenSpan | undefined;
  tags.forEach((tag, i) => {
    if (tag.kind === "I" && open && open.type === tag.type) {
      open.last = i;
      return;
    }
    open = undefined;
    if (tag.kind !== "O") {
      open = { type: tag.type, first: i, last: i };
      spans.push(open);
    }
  });
  return spans;
}
