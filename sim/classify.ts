/**
 * What kind of request this is, judged from the messages alone (as an LLM would): one of
 * the optimizer's meta requests (by the "# Heading" its user message opens with), an
 * extraction query (by the program's query label), an AutoThought-3 follow-up ("Use this
 * reasoning: …"), or anything else.
 */
import type { ChatMessage } from "../src/lm/types.ts";
import { parseQuery, type ParsedQuery } from "./query.ts";

export type MetaKind = "observations" | "summary" | "program" | "proposal" | "explain" | "think";

const HEADING_KINDS: [string, MetaKind][] = [
  ["# Dataset observations", "observations"],
  ["# Summarize observations", "summary"],
  ["# Describe the program", "program"],
  ["# Propose an instruction", "proposal"],
  ["# Explain the answer", "explain"],
  ["# Think before answering", "think"],
];

export type RequestKind =
  | { kind: "meta"; meta: MetaKind; body: string }
  | { kind: "extract"; query: ParsedQuery; queryIndex: number; reasoningHint: string | undefined }
  | { kind: "chat" };

export function classify(messages: readonly ChatMessage[]): RequestKind {
  let lastUser = -1;
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === "user") { lastUser = i; break; }
  if (lastUser < 0) return { kind: "chat" };
  const content = messages[lastUser]!.content;
  const opening = content.trimStart();
  for (const [heading, meta] of HEADING_KINDS) {
    if (opening.startsWith(heading)) return { kind: "meta", meta, body: opening.slice(heading.length).trim() };
  }
  const reasoning = /^Use this reasoning:\s*([\s\S]*?)\n\s*Write the Answer\.?\s*$/i.exec(opening) ?? /^Use this reasoning:\s*([\s\S]*)$/i.exec(opening);
  if (reasoning) {
    for (let i = lastUser - 1; i >= 0; i--) {
      if (messages[i]!.role !== "user") continue;
      const query = parseQuery(messages[i]!.content);
      if (query) return { kind: "extract", query, queryIndex: i, reasoningHint: reasoning[1]!.trim() };
      break;
    }
  }
  const query = parseQuery(content);
  if (query) return { kind: "extract", query, queryIndex: lastUser, reasoningHint: undefined };
  return { kind: "chat" };
}
