/**
 * The thought teacher's operations (method.md §4 Default-CoT, §6 AutoThought):
 *
 *   explainThought     T ~ Θ(T | x, y)   explain a known answer      (Default-CoT, AutoThought-1)
 *   thinkThought       T ~ Θ(T | x)      reason before any answer    (AutoThought-2, -3; Φ for -4)
 *   answerWithThought  y′ = M(x, T)      the answer that follows T   (AutoThought-3 with Θ, -4 with Φ)
 *
 * and their per-demo forms (`explainDemo`, `thinkDemo`, `thinkAndAnswerDemo`), which turn a
 * demo (x, y) into a thought-carrying one and say what happened in a `ThoughtNote` for
 * candidates.json.
 *
 * Failure policy (one rule for every variant): a thought that cannot be had — the call
 * failed after the client's retries, or the reply is empty — or, for AutoThought-3/-4, an
 * answer y′ that fails or does not parse, leaves the demo as it was: (x, y) without a
 * thought. A demo set was optimized as a whole, so losing one demo would cost more than
 * one missing thought; and keeping T with the old y in AutoThought-3 would break exactly
 * the thought/answer agreement that variant is about. The failure is recorded in the
 * note. Only a budget stop or an abort propagates (the run stops cleanly, resumable).
 *
 * Decoding: thoughts greedy (temperature 0), like the rest of ieopt, so a run is
 * reproducible and its thought calls are cache hits on resume. y′ is decoded like any
 * reasoning extraction (greedy, the program's reasoning max_tokens).
 */
import type { IERecord } from "../src/data/sample.ts";
import type { LM, ChatMessage } from "../src/lm/types.ts";
import type { Demo, IEProgram, QueryInput } from "../programs/index.ts";
import { askTeacher, type TeacherExchange } from "./propose.ts";
import { explainRequest, thinkRequest, cleanThought, useThoughtMessage } from "./prompts.ts";

export const THOUGHT_TEMPERATURE = 0;
/** A thought is two to four sentences; this leaves ample room. */
export const THOUGHT_MAX_TOKENS = 512;

export interface ThoughtCallOptions {
  signal?: AbortSignal | undefined;
  /** Every request and reply is appended here (kept in candidates.json). */
  log?: TeacherExchange[] | undefined;
  /** Label for the log, e.g. the demo's sample id. */
  purpose?: string | undefined;
}

/** One greedy teacher call (see askTeacher: a fault becomes `undefined`, recorded). */
function ask(model: LM, messages: ChatMessage[], maxTokens: number, purpose: string, options: ThoughtCallOptions): Promise<string | undefined> {
  return askTeacher(model, { messages, temperature: THOUGHT_TEMPERATURE, max_tokens: maxTokens }, purpose, options);
}

const label = (kind: string, options: ThoughtCallOptions) => (options.purpose ? `${kind} ${options.purpose}` : kind);

/** T ~ Θ(T | x, y): why the known answer is right. `undefined` when no thought could be had. */
export async function explainThought(
  program: IEProgram,
  thoughtModel: LM,
  query: QueryInput,
  records: readonly IERecord[],
  options: ThoughtCallOptions = {},
): Promise<string | undefined> {
  const reply = await ask(thoughtModel, explainRequest(program, query, records), THOUGHT_MAX_TOKENS, label("explain", options), options);
  return reply === undefined ? undefined : cleanThought(reply) || undefined;
}

/** T ~ Θ(T | x): reasoning about the text with no answer given. */
export async function thinkThought(program: IEProgram, thoughtModel: LM, query: QueryInput, options: ThoughtCallOptions = {}): Promise<string | undefined> {
  const reply = await ask(thoughtModel, thinkRequest(program, query), THOUGHT_MAX_TOKENS, label("think", options), options);
  return reply === undefined ? undefined : cleanThought(reply) || undefined;
}

/**
 * The request for y′ = M(x, T): the extraction prompt for x (this instruction, these demos)
 * rendered with reasoning on, then one user turn handing over the thought.
 */
export function answerWithThoughtMessages(program: IEProgram, instruction: string, query: QueryInput, thought: string, demos: readonly Demo[] = []): ChatMessage[] {
  return [...program.render(query, { instruction, demos, reasoning: true }), useThoughtMessage(thought)];
}

export interface AnswerOptions extends ThoughtCallOptions {
  /** Demos shown before the query; none by default (the instruction and T carry the task). */
  demos?: readonly Demo[];
}

/** y′ = M(x, T): the parsed records, or `undefined` when the call fails or the output does not parse. */
export async function answerWithThought(
  program: IEProgram,
  model: LM,
  instruction: string,
  query: QueryInput,
  thought: string,
  options: AnswerOptions = {},
): Promise<IERecord[] | undefined> {
  const messages = answerWithThoughtMessages(program, instruction, query, thought, options.demos);
  const reply = await ask(model, messages, program.maxTokens(true), label("answer with thought", options), options);
  if (reply === undefined) return undefined;
  const parsed = program.parse(reply, { schema: query.schema });
  if (!parsed.ok) {
    const last = options.log?.at(-1);
    if (last && last.messages === messages) last.error = `unparseable answer: ${parsed.reason}`;
    return undefined;
  }
  return parsed.records;
}

/** What happened to one demo, for candidates.json. */
export interface ThoughtNote {
  sample_id: string | undefined;
  /** explain: T ~ M(T | x, y); think: T ~ M(T | x); think+answer: and y replaced by y′ = M(x, T). */
  step: "explain" | "think" | "think+answer";
  thought: string | undefined;
  /** Whether the demo's output is its original y or the thought's y′. */
  output: "kept" | "replaced";
  /** Why the demo carries no thought (it keeps its original output then). */
  failure?: string;
}

export interface DemoWithNote {
  demo: Demo;
  note: ThoughtNote;
}

const withoutThought = (demo: Demo): Demo => {
  const { thought: _dropped, ...rest } = demo;
  return rest;
};

/** Default-CoT and AutoThought-1: add T ~ Θ(T | x, y), keep y. */
export async function explainDemo(program: IEProgram, thoughtModel: LM, demo: Demo, options: ThoughtCallOptions = {}): Promise<DemoWithNote> {
  const thought = await explainThought(program, thoughtModel, demo.input, demo.records, { ...options, purpose: options.purpose ?? demo.sample_id });
  const note: ThoughtNote = { sample_id: demo.sample_id, step: "explain", thought, output: "kept" };
  if (thought === undefined) return { demo: withoutThought(demo), note: { ...note, failure: "no thought from the thought teacher" } };
  return { demo: { ...demo, thought }, note };
}

/** AutoThought-2: add T ~ Θ(T | x), keep y (the two may disagree; that is the variant). */
export async function thinkDemo(program: IEProgram, thoughtModel: LM, demo: Demo, options: ThoughtCallOptions = {}): Promise<DemoWithNote> {
  const thought = await thinkThought(program, thoughtModel, demo.input, { ...options, purpose: options.purpose ?? demo.sample_id });
  const note: ThoughtNote = { sample_id: demo.sample_id, step: "think", thought, output: "kept" };
  if (thought === undefined) return { demo: withoutThought(demo), note: { ...note, failure: "no thought from the thought teacher" } };
  return { demo: { ...demo, thought }, note };
}

/**
 * AutoThought-3 (with Θ) and -4 (with Φ): T ~ M(T | x), then y′ = M(x, T) replaces y, so
 * thought and answer agree. The demo becomes "augmented": its output is a model's.
 */
export async function thinkAndAnswerDemo(
  program: IEProgram,
  model: LM,
  instruction: string,
  demo: Demo,
  options: ThoughtCallOptions = {},
): Promise<DemoWithNote> {
  const purpose = options.purpose ?? demo.sample_id;
  const thought = await thinkThought(program, model, demo.input, { ...options, purpose });
  const note: ThoughtNote = { sample_id: demo.sample_id, step: "think+answer", thought, output: "kept" };
  if (thought === undefined) return { demo: withoutThought(demo), note: { ...note, failure: "no thought from the teacher" } };
  const records = await answerWithThought(program, model, instruction, demo.input, thought, { ...options, purpose });
  if (records === undefined) return { demo: withoutThought(demo), note: { ...note, thought: undefined, failure: `no parseable answer for the thought: ${thought}` } };
  // The demo's score was its old output's; y′ is scored (or not) by the caller.
  const { score: _stale, ...rest } = demo;
  return { demo: { ...rest, thought, records, source: "augmented" }, note: { ...note, output: "replaced" } };
}
