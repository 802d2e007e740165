/**
 * Token-to-text alignment. CoNLL tokens are not always separated by spaces in the
 * sentence text (Japanese `表示` is two tokens; xSID Neapolitan has token `tutt'` for text
 * `tutt '`), so spans are recovered by walking the text, never by joining tokens.
 */

export interface CharRange {
  start: number;
  end: number;
}

const isSpace = (ch: string): boolean => /\s/u.test(ch);

/**
 * Character ranges of `tokens` in `text`, matched in order. Whitespace in the text is
 * skipped between tokens and also inside a token (the text may split what the tokenizer
 * joined). An empty token (xSID zh has one) has no range. Returns the index of the first
 * token that does not match, if any.
 */
export function alignTokens(
  text: string,
  tokens: readonly string[],
): { ranges: (CharRange | undefined)[] } | { failedToken: number } {
  const ranges: (CharRange | undefined)[] = [];
  let pos = 0;
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!;
    let start = -1;
    for (const ch of token) {
      if (isSpace(ch)) continue;
      while (pos < text.length && isSpace(text[pos]!)) pos++;
      if (!text.startsWith(ch, pos)) return { failedToken: t };
      if (start === -1) start = pos;
      pos += ch.length;
    }
    ranges.push(start === -1 ? undefined : { start, end: pos });
  }
  return { ranges };
}

/** The text covered by tokens first..last (inclusive), ignoring empty tokens; undefined if all are empty. */
export function spanText(text: string, ranges: readonly (CharRange | undefined)[], first: number, last: number): string | undefined {
  const covered = ranges.slice(first, last + 1).filter((r): r is CharRange => r !== undefined);
  const head = covered[0];
  const tail = covered[covered.length - 1];
  return head && tail ? text.slice(head.start, tail.end) : undefined;
}
