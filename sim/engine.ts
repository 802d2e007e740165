/**
 * The sim's request handler: classify the request, answer it, apply decoding limits
 * (stop sequences, max_tokens) and count tokens. A pure function of (profile, request).
 */
import type { ChatMessage, LMRequest } from "../src/lm/types.ts";
import { sha256 } from "../src/util/hash.ts";
import { classify } from "./classify.ts";
import { translationCopy } from "./translate.ts";
import { readPrompt, type PromptReading } from "./learn.ts";
import { extract } from "./extract.ts";
import { renderAnswer, thoughtFor } from "./output.ts";
import { ruleOf } from "./instructions.ts";
import { taskOf } from "./tasks.ts";
import { chatReply, explain, extractQuery, observations, programSummary, proposal, summary } from "./meta.ts";
import { simRandom, type SimRandom } from "./rand.ts";
import { promptTokens, estimateTokens, truncateToTokens } from "./tokens.ts";
import type { SimProfile } from "./profiles.ts";
import type { ParsedQuery } from "./query.ts";

export interface SimChoice {
  text: string;
  finish_reason: "stop" | "length";
}

export interface SimResult {
  choices: SimChoice[];
  usage: { prompt_tokens: number; completion_tokens: number };
}

// Prompt readings are reused across the many queries sent under one prompt.
const READINGS = new Map<string, PromptReading>();
const READINGS_MAX = 512;

function cachedReading(task: ParsedQuery["task"], messages: readonly ChatMessage[], queryIndex: number, profile: SimProfile): PromptReading {
  const key = sha256(JSON.stringify([profile.name, task, messages.slice(0, queryIndex).map((m) => [m.role, m.content])]));
  let reading = READINGS.get(key);
  if (!reading) {
    reading = readPrompt(task, messages, queryIndex, profile);
    if (READINGS.size >= READINGS_MAX) READINGS.delete(READINGS.keys().next().value!);
    READINGS.set(key, reading);
  }
  return reading;
}

/** The teacher's own reading of a query it is asked to think about: a competent prompt from the task's definition. */
function teacherThought(query: ParsedQuery, profile: SimProfile, rand: SimRandom): string {
  const t = taskOf(query.task);
  const keys = t.keys.map((k) => `"${k}": ...`).join(", ");
  const messages: ChatMessage[] = [
    { role: "system", content: `Extract the records of the given ${t.label.toLowerCase()} from the text. Copy each span exactly as it is written in the text. Answer with a JSON list of objects {${keys}}, and with [] when there is nothing.` },
    { role: "user", content: "" },
  ];
  const reading = cachedReading(query.task, messages, 1, profile);
  const records = extract(query, reading, profile, rand, { reasoning: false });
  const named = new Set(records.map((r) => String(r[t.typeField])));
  const absent = query.schema.map((s) => s.name).filter((n) => !named.has(n));
  const rest = absent.length > 0 && records.length > 0 ? ` The other listed types (${absent.slice(0, 4).join(", ")}) do not occur.` : "";
  return thoughtFor(query.task, records, query.text, false) + rest;
}

function answerOne(profile: SimProfile, request: LMRequest, choice: number): string {
  const messages = request.messages;
  const copy = translationCopy(messages);
  if (copy !== undefined) return copy;
  const kind = classify(messages);
  const temperature = request.temperature ?? 0;
  const base = {
    profile: profile.name, messages, temperature, seed: request.seed, draw: request.draw, choice,
    settings: { max_tokens: request.max_tokens ?? null, response_format: request.response_format?.type ?? "text" },
  };
  if (kind.kind === "meta") {
    const rand = simRandom({ ...base, queryText: kind.body });
    switch (kind.meta) {
      case "observations": return observations(kind.body, rand.rng);
      case "summary": return summary(kind.body, rand.rng);
      case "program": return programSummary(kind.body);
      case "proposal": return proposal(kind.body, rand.rng);
      case "explain": return explain(kind.body);
      case "think": {
        const query = extractQuery(kind.body);
        return query ? teacherThought(query, profile, rand) : "The request holds no readable query, so there is nothing to reason about.";
      }
    }
  }
  if (kind.kind === "chat") return chatReply();

  const { query, queryIndex, reasoningHint } = kind;
  const reading = cachedReading(query.task, messages, queryIndex, profile);
  const reasoning = reading.reasoning || reasoningHint !== undefined;
  const rand = simRandom({ ...base, queryText: query.text });
  const records = extract(query, reading, profile, rand, { hint: reasoningHint, reasoning });
  const thought = reasoningHint ?? thoughtFor(query.task, records, query.text, reading.informativeThoughts > 0.5);
  const rf = request.response_format?.type;
  if (rf === "json_schema" || rf === "json_object") {
    return JSON.stringify(reasoning ? { thought, records } : { records });
  }
  // An instruction that asks for prose is followed, most of the time.
  const proseAsked = ruleOf(reading.instruction, "format") < 0;
  const formatError = proseAsked ? 0.75 : profile.formatError * Math.pow(1 - reading.formatKnowledge, 1.5);
  const answer = renderAnswer(query.task, records, reading, rand, formatError, proseAsked);
  return reasoning ? `Thought: ${thought}\nAnswer: ${answer}` : answer;
}

function applyLimits(text: string, request: LMRequest): SimChoice {
  let out = text;
  for (const stop of request.stop ?? []) {
    const at = stop ? out.indexOf(stop) : -1;
    if (at >= 0) out = out.slice(0, at);
  }
  if (request.max_tokens !== undefined && request.max_tokens > 0) {
    const cut = truncateToTokens(out, request.max_tokens);
    if (cut.truncated) return { text: cut.text, finish_reason: "length" };
  }
  return { text: out, finish_reason: "stop" };
}

export function simAnswer(profile: SimProfile, request: LMRequest): SimResult {
  if (!Array.isArray(request.messages) || request.messages.length === 0) throw new Error("sim: the request has no messages");
  const n = Math.max(1, Math.floor(request.n ?? 1));
  const choices: SimChoice[] = [];
  for (let i = 0; i < n; i++) choices.push(applyLimits(answerOne(profile, request, i), request));
  return {
    choices,
    usage: { prompt_tokens: promptTokens(request.messages), completion_tokens: choices.reduce((s, c) => s + estimateTokens(c.text), 0) },
  };
}
