/**
 * Token counts for `usage`: a deterministic estimate, not a tokenizer. One token per 4
 * UTF-16 units of Latin-like text, one per character of CJK/kana/hangul (those scripts
 * tokenize near one token per character), plus 4 tokens of framing per chat message —
 * close enough to OpenAI's counts for budgets and cost reports to be meaningful.
 */
import type { ChatMessage } from "../src/lm/types.ts";

const WIDE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;

export function estimateTokens(text: string): number {
  if (text.length === 0) return 0;
  const wide = text.match(WIDE)?.length ?? 0;
  return wide + Math.ceil((text.length - wide) / 4);
}

export function promptTokens(messages: readonly ChatMessage[]): number {
  let n = 3;
  for (const m of messages) n += 4 + estimateTokens(m.content);
  return n;
}

/** Cuts text to about `maxTokens` tokens (the inverse of `estimateTokens`). */
export function truncateToTokens(text: string, maxTokens: number): { text: string; truncated: boolean } {
  if (estimateTokens(text) <= maxTokens) return { text, truncated: false };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (estimateTokens(text.slice(0, mid)) <= maxTokens) lo = mid;
    else hi = mid - 1;
  }
  return { text: text.slice(0, lo), truncated: true };
}
