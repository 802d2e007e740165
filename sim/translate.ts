/**
 * Translation requests (src/pipelines/translator.ts): the sim cannot translate, and says
 * so. It answers with an untranslated copy of the text between the <translation> tags the
 * request asks for (markers included, so marker projection finds its spans again), and a
 * note outside the tags, which readers of the translation ignore, that this is a copy.
 * Enough to run the translate-test and TransFusion plumbing offline; it says nothing about
 * how those pipelines do with a real translator.
 */
import type { ChatMessage } from "../src/lm/types.ts";
import { TRANSLATE_HEADING } from "../src/pipelines/translator.ts";

export const UNTRANSLATED_NOTE = "[sim: cannot translate; the text above is an untranslated copy of the input]";

/** The sim's reply to a translation request, or undefined when the request is not one. */
export function translationCopy(messages: readonly ChatMessage[]): string | undefined {
  const last = [...messages].reverse().find((m) => m.role === "user");
  if (!last || !last.content.trimStart().startsWith(TRANSLATE_HEADING)) return undefined;
  const at = last.content.indexOf("\nText:\n");
  const text = at < 0 ? "" : last.content.slice(at + "\nText:\n".length);
  return `<translation>${text}</translation>\n${UNTRANSLATED_NOTE}`;
}
