/**
 * The translator role: translation requests for the translate-test and TransFusion
 * pipelines, sent to any LM (an OpenAI-compatible model, cached like every call, or the
 * sim, which cannot translate and answers with a marked, untranslated copy).
 *
 * The request opens with the "# Translate" heading (as the optimizer's own requests open
 * with theirs), names both languages, and asks for the translation alone between
 * <translation> tags, so prose around it is ignored. For marked text it asks to keep the
 * <mN>…</mN> markers around the words that translate the marked ones (EasyProject).
 */
import type { ChatMessage, LM, LMRequest } from "../lm/types.ts";

export const ENGLISH_CODE = "eng";
export const TRANSLATE_HEADING = "# Translate";

const displayNames = new Intl.DisplayNames(["en"], { type: "language" });

/** "German (deu)": the language's English name with its code, or the code alone. */
export function languageLabel(code: string): string {
  let name: string | undefined;
  try {
    name = displayNames.of(code);
  } catch {
    name = undefined;
  }
  return name && name !== code ? `${name} (${code})` : code;
}

export interface TranslationQuery {
  text: string;
  /** ISO 639-3 codes. */
  from: string;
  to: string;
  /** The text carries <mN>…</mN> markers to keep. */
  markers?: boolean;
}

const SYSTEM =
  "You are a careful translator. Translate the text faithfully and completely, sentence by sentence, without explaining it. " +
  "Keep names, numbers, dates and times as they are written. Answer with the translation only, between <translation> and </translation>.";

export function translationMessages(query: TranslationQuery): ChatMessage[] {
  const lines = [TRANSLATE_HEADING, `From: ${languageLabel(query.from)}`, `To: ${languageLabel(query.to)}`];
  if (query.markers) {
    lines.push("The text marks some words with numbered markers such as <m1>…</m1>. Keep every marker, around the words of your translation that translate the marked words.");
  }
  lines.push("Text:", query.text);
  return [
    { role: "system", content: SYSTEM },
    { role: "user", content: lines.join("\n") },
  ];
}

export function translationRequest(query: TranslationQuery): LMRequest {
  // Greedy; room for a translation somewhat longer than the text (≈ 4 characters a token).
  return { messages: translationMessages(query), temperature: 0, max_tokens: Math.min(4096, 64 + Math.ceil(query.text.length / 2)) };
}

/** The translation in a reply: between <translation> tags, else the whole reply; undefined when empty. */
export function readTranslation(reply: string): string | undefined {
  const tagged = /<translation>([\s\S]*?)(?:<\/translation>|$)/i.exec(reply);
  const text = (tagged ? tagged[1]! : reply).trim();
  return text === "" ? undefined : text;
}

export type Translation = { ok: true; text: string; raw: string } | { ok: false; reason: string; raw: string };

/** Translates one text (LM faults propagate: the caller records them like any call's). */
export async function translate(lm: LM, query: TranslationQuery, signal?: AbortSignal): Promise<Translation> {
  const response = await lm.complete(translationRequest(query), signal ? { signal } : {});
  const raw = response.choices[0] ?? "";
  const text = readTranslation(raw);
  return text === undefined ? { ok: false, reason: "the translator returned no translation", raw } : { ok: true, text, raw };
}
