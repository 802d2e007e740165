/**
 * The optimizer's own requests to the teachers (Φ, Θ): dataset observations and their
 * summary, the program summary, grounded instruction proposals and reasoning thoughts.
 * Modeled on DSPy's GroundedProposer (DatasetDescriptor, ObservationSummarizer,
 * DescribeProgram, GenerateSingleModuleInstruction), rewritten for IE.
 *
 * Each request opens its user message with a "# <Heading>" line, so the request kind is
 * plain to a human reading the run folder (and to the sim model, which reads it like an
 * LLM would).
 */
import type { ChatMessage } from "../src/lm/types.ts";
import type { IERecord } from "../src/data/sample.ts";
import type { IEProgram, QueryInput, Demo } from "../programs/index.ts";

export const HEADINGS = {
  observations: "# Dataset observations",
  summary: "# Summarize observations",
  program: "# Describe the program",
  proposal: "# Propose an instruction",
  explain: "# Explain the answer",
  think: "# Think before answering",
} as const;

const TEACHER_SYSTEM =
  "You are an expert in information extraction and prompt engineering. Answer precisely and briefly.";

function request(heading: string, body: string[]): ChatMessage[] {
  return [
    { role: "system", content: TEACHER_SYSTEM },
    { role: "user", content: [heading, "", ...body].join("\n") },
  ];
}

/** Renders demos as readable Input/Output blocks (not chat turns) for teacher prompts. */
export function renderDemoBlock(program: IEProgram, demos: readonly Demo[], withThoughts = false): string {
  return demos
    .map((d, i) =>
      [
        `Example ${i + 1}`,
        `Input:\n${program.renderQuery(d.input)}`,
        `Output:\n${program.renderOutput(d.records, withThoughts ? (d.thought ?? "") : undefined)}`,
      ].join("\n"),
    )
    .join("\n\n");
}

/** Step 1 of the dataset summary: Φ writes observations about one batch of train data. */
export function observationsRequest(program: IEProgram, batch: readonly Demo[], priorObservations: string): ChatMessage[] {
  return request(HEADINGS.observations, [
    `Here are examples from a ${program.title} dataset.`,
    "",
    renderDemoBlock(program, batch),
    "",
    priorObservations ? `Observations so far:\n${priorObservations}\n` : "",
    "Write observations about trends that hold for most or all of these examples: the language and genre of the texts, which types occur and how often, how long the extracted spans are and where their boundaries fall, and how often the answer is empty. Add only observations that are new. One observation per line.",
  ]);
}

/** Step 2 of the dataset summary: condense the observations. */
export function summaryRequest(observations: string): ChatMessage[] {
  return request(HEADINGS.summary, [
    "Observations about a dataset:",
    observations,
    "",
    "Summarize them in two or three sentences that keep only the details most useful to someone writing an extraction instruction for this data.",
  ]);
}

/** The program summary: what the IE program does and what its fields are. */
export function programSummaryRequest(program: IEProgram): ChatMessage[] {
  const fields = (docs: readonly { name: string; description: string }[]) => docs.map((f) => `- ${f.name}: ${f.description}`).join("\n");
  return request(HEADINGS.program, [
    `Program: ${program.title} (${program.task})`,
    program.description,
    "",
    `Input fields:\n${fields(program.inputFields)}`,
    `Output: a JSON list of records with the fields:\n${fields(program.outputFields)}`,
    "",
    "Describe in two or three sentences what task this program solves and how its inputs become its outputs.",
  ]);
}

export interface ProposalGrounding {
  datasetSummary: string;
  programSummary: string;
  demos: readonly Demo[];
  tip: string;
  /** Instructions already proposed, so the teacher can vary from them. */
  previous: readonly string[];
}

/** A grounded instruction proposal (MIPRO step 2). */
export function proposalRequest(program: IEProgram, grounding: ProposalGrounding): ChatMessage[] {
  return request(HEADINGS.proposal, [
    `Write a new instruction for a language model that performs ${program.title}.`,
    "",
    "## Dataset summary",
    grounding.datasetSummary,
    "",
    "## Program summary",
    grounding.programSummary,
    "",
    "## Examples of the task",
    // Thought-carrying demos (AutoThought) are shown with their reasoning, so the
    // instruction is proposed for a prompt that reasons before answering.
    grounding.demos.length > 0 ? renderDemoBlock(program, grounding.demos, grounding.demos.some((d) => d.thought !== undefined)) : "(no examples)",
    "",
    "## Basic instruction",
    program.defaultInstruction,
    "",
    grounding.previous.length > 0 ? `## Instructions proposed before\n${grounding.previous.map((p) => `- ${p}`).join("\n")}\n` : "",
    "## Tip",
    grounding.tip,
    "",
    'Reply with the instruction only, after "Proposed instruction:".',
  ]);
}

/** The teacher's reply to a proposal request, without its label and quotes. */
export function cleanProposal(text: string): string {
  const labelled = /proposed instruction\s*:\s*/i.exec(text);
  let out = labelled ? text.slice(labelled.index + labelled[0].length) : text;
  out = out.trim().replace(/^["'“”]+|["'“”]+$/g, "").trim();
  return out;
}

/** Θ(T | x, y): explain why a known answer is right (AutoThought-1, Default-CoT). */
export function explainRequest(program: IEProgram, query: QueryInput, records: readonly IERecord[]): ChatMessage[] {
  return request(HEADINGS.explain, [
    `Task: ${program.title}.`,
    program.renderQuery(query),
    `Answer: ${JSON.stringify(records)}`,
    "",
    "Explain step by step, in two to four sentences, how the text leads to this answer: which spans belong to which types and why other candidates do not. Write the reasoning only, not the answer.",
  ]);
}

/** Θ(T | x): reason about the text before knowing the answer (AutoThought-2, -3, -4). */
export function thinkRequest(program: IEProgram, query: QueryInput): ChatMessage[] {
  return request(HEADINGS.think, [
    `Task: ${program.title}.`,
    program.renderQuery(query),
    "",
    "Think step by step, in two to four sentences, about which spans of the text belong to the given types and which do not. Write the reasoning only, not the answer.",
  ]);
}

/** The reply to a thought request, trimmed of a leading label. */
export function cleanThought(text: string): string {
  return text.replace(/^\s*(thought|reasoning)\s*:\s*/i, "").trim();
}

/**
 * y′ = M(x, T) (AutoThought-3, -4): the extraction prompt rendered with reasoning on is
 * followed by this one extra user turn, which hands the model a thought and asks only
 * for the answer that follows from it.
 */
export function useThoughtMessage(thought: string): ChatMessage {
  return { role: "user", content: `Use this reasoning: ${thought}\nWrite the Answer.` };
}
