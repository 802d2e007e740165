/**
 * CoNLL-style files: sentences separated by blank lines, `# key = value` comment lines,
 * then one tab-separated token row per line. Line numbers are kept for error messages.
 */

export interface ConllRow {
  columns: string[];
  line: number;
}

export interface ConllSentence {
  /** Comment values by key (`# text = ...` → text). The first occurrence wins. */
  comments: Map<string, string>;
  rows: ConllRow[];
  /** Line of the sentence's first line (comment or row). */
  line: number;
}

const COMMENT = /^#\s*([^=:]+?)\s*[=:] ?(.*)$/;

export function parseConll(lines: readonly string[]): ConllSentence[] {
  const sentences: ConllSentence[] = [];
  let current: ConllSentence | undefined;
  const close = (): void => {
    if (current && (current.rows.length > 0 || current.comments.size > 0)) sentences.push(current);
    current = undefined;
  };
  lines.forEach((text, i) => {
    const line = i + 1;
    if (text.trim() === "") {
      close();
      return;
    }
    if (text.startsWith("#")) {
      // A comment after token rows starts the next sentence even without a blank line.
      if (current && current.rows.length > 0) close();
      current ??= { comments: new Map(), rows: [], line };
      const match = COMMENT.exec(text);
      if (match && !current.comments.has(match[1]!)) current.comments.set(match[1]!, match[2]!);
      return;
    }
    current ??= { comments: new Map(), rows: [], line };
    current.rows.push({ columns: text.split("\t"), line });
  });
  close();
  return sentences;
}
