/**
 * MIPRO step 2: grounded instruction proposals (method.md §5).
 *
 * Φ first describes the training data batch by batch and condenses its observations into
 * a dataset summary; it summarizes the program; then, for each proposal, it sees the
 * summaries, one bootstrapped demo set, the basic (default) instruction and one random
 * tip, at temperature T_init = 0.5. The default instruction is candidate 0; identical
 * proposals are merged. Every request and reply is kept for the run folder.
 */
import type { Sample } from "../src/data/sample.ts";
import type { ChatMessage, LM, LMRequest } from "../src/lm/types.ts";
import { LMCallError } from "../src/lm/types.ts";
import type { Rng } from "../src/util/random.ts";
import type { IEProgram } from "../programs/index.ts";
import { TIPS, type Tip } from "../tips/index.ts";
import type { DemoSet } from "./bootstrap.ts";
import { labeledDemo } from "./bootstrap.ts";
import {
  observationsRequest,
  summaryRequest,
  programSummaryRequest,
  proposalRequest,
  cleanProposal,
} from "./prompts.ts";

/** One teacher exchange, kept verbatim in candidates.json. */
export interface TeacherExchange {
  purpose: string;
  messages: ChatMessage[];
  reply: string | undefined;
  error?: string;
}

export interface InstructionCandidate {
  index: number;
  text: string;
  origin: "default" | "proposed";
  tip?: string;
  demo_set?: number;
}

export interface ProposalResult {
  datasetSummary: string;
  programSummary: string;
  instructions: InstructionCandidate[];
  exchanges: TeacherExchange[];
}

export interface ProposeOptions {
  program: IEProgram;
  train: readonly Sample[];
  demoSets: readonly DemoSet[];
  /** Total candidates, the default instruction included. */
  count: number;
  teacher: LM;
  rng: Rng;
  temperature?: number;
  /** Train samples per observation batch, and at most this many batches. */
  viewBatchSize?: number;
  maxViewBatches?: number;
  tips?: readonly Tip[];
  signal?: AbortSignal | undefined;
}

export const T_INIT = 0.5;

/** Same instruction up to case, spacing and trailing punctuation (how duplicates are merged). */
export function normaliseInstruction(text: string): string {
  return text.toLowerCase().replace(/\s+/g, " ").replace(/[.!\s]+$/, "").trim();
}

/**
 * One teacher call (Φ or Θ), its request and reply appended to `log`. A fault after the
 * client's retries becomes `undefined`, recorded with its error: it costs one grounding
 * piece, proposal or thought, never the run. Only a budget stop or an abort propagates.
 */
export async function askTeacher(
  teacher: LM,
  request: LMRequest,
  purpose: string,
  options: { log?: TeacherExchange[] | undefined; signal?: AbortSignal | undefined },
): Promise<string | undefined> {
  const { messages } = request;
  try {
    const response = await teacher.complete(request, { signal: options.signal });
    const reply = response.choices[0] ?? "";
    options.log?.push({ purpose, messages, reply });
    return reply;
  } catch (err) {
    if (err instanceof LMCallError && (err.kind === "budget" || err.kind === "aborted")) throw err;
    if (options.signal?.aborted) throw err;
    options.log?.push({ purpose, messages, reply: undefined, error: (err as Error).message });
    return undefined;
  }
}

/** What grounds the proposals besides the demos: the dataset and program summaries. */
export interface Grounding {
  datasetSummary: string;
  programSummary: string;
  /** The exchanges that produced them, in request order. */
  exchanges: TeacherExchange[];
}

/**
 * Teacher calls that run concurrently keep their own logs, appended in request order, so
 * candidates.json does not depend on which reply came first.
 */
function teacherCalls(teacher: LM, signal: AbortSignal | undefined, exchanges: TeacherExchange[]) {
  const ask = async (purpose: string, messages: ChatMessage[], temperature: number, draw = 0) => {
    const log: TeacherExchange[] = [];
    const reply = await askTeacher(teacher, { messages, temperature, max_tokens: 512, draw }, purpose, { log, signal });
    return { reply, log };
  };
  const keep = (call: { reply: string | undefined; log: TeacherExchange[] }): string | undefined => {
    exchanges.push(...call.log);
    return call.reply;
  };
  return { ask, keep };
}

/**
 * The dataset summary (Φ describes batches of training data, then condenses its
 * observations) and the program summary. Needs no demos, so it can run while they are
 * bootstrapped.
 */
export async function groundProposals(options: Omit<ProposeOptions, "demoSets" | "count" | "temperature" | "tips">): Promise<Grounding> {
  const { program } = options;
  const exchanges: TeacherExchange[] = [];
  const { ask, keep } = teacherCalls(options.teacher, options.signal, exchanges);
  // The program summary needs nothing else, so it runs alongside the dataset observations
  // (a chain: each batch sees the observations so far) and their summary.
  const programCall = ask("program summary", programSummaryRequest(program), 0);
  programCall.catch(() => {}); // awaited below; a stop in the chain must not leave it unobserved
  const batchSize = options.viewBatchSize ?? 8;
  const shuffled = options.rng.fork("view").shuffle(options.train);
  let observations = "";
  for (let b = 0; b < (options.maxViewBatches ?? 3) && b * batchSize < shuffled.length; b++) {
    const batch = shuffled.slice(b * batchSize, (b + 1) * batchSize).map(labeledDemo);
    const reply = keep(await ask(`dataset observations ${b + 1}`, observationsRequest(program, batch, observations), 0));
    if (reply) observations = [observations, reply.trim()].filter(Boolean).join("\n");
  }
  const datasetSummary = observations ? (keep(await ask("dataset summary", summaryRequest(observations), 0))?.trim() ?? observations) : "";
  const programSummary = keep(await programCall)?.trim() ?? program.description;
  return { datasetSummary, programSummary, exchanges };
}

/** Grounds (unless `grounding` is given, from groundProposals with the same options) and proposes. */
export async function proposeInstructions(options: ProposeOptions & { grounding?: Grounding }): Promise<ProposalResult> {
  const { program, rng } = options;
  const { datasetSummary, programSummary, exchanges: groundingExchanges } = options.grounding ?? (await groundProposals(options));
  const exchanges: TeacherExchange[] = [...groundingExchanges];
  const { ask, keep } = teacherCalls(options.teacher, options.signal, exchanges);

  const instructions: InstructionCandidate[] = [{ index: 0, text: program.defaultInstruction, origin: "default" }];
  const seen = new Set([normaliseInstruction(program.defaultInstruction)]);
  const nonEmptySets = options.demoSets.filter((s) => s.demos.length > 0);
  const tips = options.tips ?? TIPS;
  const tipRng = rng.fork("tips");
  // A few extra attempts make up for merged duplicates and failed calls. Proposals go out
  // in rounds, each asking for half of what is still missing (at least one) at once, so
  // the phase takes a few waves of calls while later rounds still see earlier proposals.
  const attempts = (options.count - 1) * 2;
  let attempt = 0;
  while (attempt < attempts && instructions.length < options.count) {
    const round = Math.min(attempts - attempt, Math.max(1, Math.ceil((options.count - instructions.length) / 2)));
    const previous = instructions.slice(1).map((c) => c.text);
    const calls = Array.from({ length: round }, (_, k) => {
      const n = attempt + k;
      const tip = tipRng.choice(tips);
      const demoSet = nonEmptySets.length > 0 ? nonEmptySets[n % nonEmptySets.length] : undefined;
      const messages = proposalRequest(program, { datasetSummary, programSummary, demos: demoSet?.demos ?? [], tip: tip.text, previous });
      return { tip, demoSet, call: ask(`proposal ${n + 1} (tip ${tip.id})`, messages, options.temperature ?? T_INIT, n) };
    });
    attempt += round;
    for (const c of calls) c.call.catch(() => {}); // each is awaited in order below
    for (const { tip, demoSet, call } of calls) {
      const reply = keep(await call);
      if (reply === undefined) continue;
      const text = cleanProposal(reply);
      const key = normaliseInstruction(text);
      if (!text || seen.has(key) || instructions.length >= options.count) continue;
      seen.add(key);
      instructions.push({ index: instructions.length, text, origin: "proposed", tip: tip.id, demo_set: demoSet?.index });
    }
  }
  return { datasetSummary, programSummary, instructions, exchanges };
}
