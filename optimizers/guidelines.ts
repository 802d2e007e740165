/**
 * Guideline induction (KnowCoder-X's class comments; method.md §8): the prompt teacher Φ
 * drafts a description of each schema type from a batch of sampled instances that contain
 * it, then refines the description over further batches. The result is a set of type
 * descriptions that fill samples' `schema_descriptions` (which the programs show in the
 * query and the code-style renderer puts in its class docstrings); every exchange with Φ
 * is kept in the result.
 *
 *   ieopt guidelines induce --task T --train F [--types a,b] --out guidelines.json
 *   ieopt guidelines apply --guidelines guidelines.json --in F --out F
 */
import { z } from "zod";
import type { Sample } from "../src/data/sample.ts";
import type { TaskDefinition } from "../src/tasks/definition.ts";
import type { ChatMessage, LM } from "../src/lm/types.ts";
import { LMCallError } from "../src/lm/types.ts";
import { createRng } from "../src/util/random.ts";
import { readFileSync } from "node:fs";
import { UserInputError } from "../src/errors.ts";
import type { TeacherExchange } from "./propose.ts";

export const GUIDELINES_FORMAT = "ieopt.guidelines/v1";

export const GuidelinesSchema = z.object({
  format: z.literal(GUIDELINES_FORMAT),
  task: z.string().min(1),
  descriptions: z.record(z.string(), z.string()),
  exchanges: z.array(z.looseObject({ type: z.string(), batch: z.number(), purpose: z.string(), reply: z.string().optional() })).default([]),
  provenance: z.looseObject({}).default({}),
});
export type GuidelineExchange = TeacherExchange & { type: string; batch: number };
export type Guidelines = Omit<z.infer<typeof GuidelinesSchema>, "exchanges"> & { exchanges: GuidelineExchange[] };

export interface InduceOptions {
  task: TaskDefinition;
  train: readonly Sample[];
  /** The types to describe (default: every type in the train split's schemas). */
  types?: readonly string[];
  teacher: LM;
  /** Instances per batch (the first drafts, the others refine). */
  batchSize?: number;
  /** Batches per type at most (1 = a draft only). */
  batches?: number;
  seed?: string | number;
  signal?: AbortSignal;
}

export const DESCRIBE_HEADING = "# Describe a type";
export const REFINE_HEADING = "# Refine a type description";

/** One instance as Φ sees it: the text and the spans of the type it is asked about. */
function showInstance(task: TaskDefinition, sample: Sample, type: string, n: number): string {
  const spans = (sample.labels as Record<string, unknown>[]).filter((r) => task.typeOf(r) === type).map((r) => task.spans(r).join(" → "));
  return `Example ${n}\nText: ${sample.text}\n${type}: ${spans.map((s) => JSON.stringify(s)).join(", ")}`;
}

export function describeMessages(task: TaskDefinition, type: string, batch: readonly Sample[], current: string | undefined): ChatMessage[] {
  const examples = batch.map((s, i) => showInstance(task, s, type, i + 1)).join("\n\n");
  const head = current === undefined
    ? `${DESCRIBE_HEADING}\nThe examples below mark every "${type}" span in their texts. Write a short annotation guideline for "${type}": what counts as one, and where its span starts and ends. Answer with the guideline only, in at most three sentences.`
    : `${REFINE_HEADING}\nThe current guideline for "${type}" is:\n${current}\n\nRefine it so it also fits the examples below (keep what still holds, fix what they contradict). Answer with the guideline only, in at most three sentences.`;
  return [
    { role: "system", content: "You write precise annotation guidelines for information extraction types, in English." },
    { role: "user", content: `${head}\n\n${examples}` },
  ];
}

/** A reply as a description: trimmed, one paragraph; undefined when empty. */
export function readDescription(reply: string): string | undefined {
  const text = reply.replace(/^\s*(guideline|description)\s*:\s*/i, "").replace(/\s+/g, " ").trim();
  return text === "" ? undefined : text;
}

export async function induceGuidelines(options: InduceOptions): Promise<Guidelines> {
  const { task, train, teacher } = options;
  const batchSize = options.batchSize ?? 10;
  const batches = options.batches ?? 3;
  const rng = createRng(options.seed ?? 0);
  const allTypes = [...new Set(train.flatMap((s) => (s.schema as never[]).map((i) => task.itemName(i))))];
  const types = options.types ?? allTypes;
  const descriptions: Record<string, string> = {};
  const exchanges: GuidelineExchange[] = [];
  const unused: string[] = [];
  for (const type of types) {
    const withType = train.filter((s) => (s.labels as Record<string, unknown>[]).some((r) => task.typeOf(r) === type));
    if (withType.length === 0) {
      unused.push(type);
      continue;
    }
    const order = rng.fork(`type/${type}`).shuffle(withType);
    let current: string | undefined;
    for (let b = 0; b < batches && b * batchSize < order.length; b++) {
      const batch = order.slice(b * batchSize, (b + 1) * batchSize);
      const messages = describeMessages(task, type, batch, current);
      const purpose = current === undefined ? "describe" : "refine";
      try {
        const response = await teacher.complete({ messages, temperature: 0, max_tokens: 256 }, options.signal ? { signal: options.signal } : {});
        const reply = response.choices[0] ?? "";
        exchanges.push({ type, batch: b, purpose, messages, reply });
        current = readDescription(reply) ?? current;
      } catch (err) {
        if (err instanceof LMCallError && (err.kind === "budget" || err.kind === "aborted")) throw err;
        // A failed call keeps the description so far; the exchange records why.
        exchanges.push({ type, batch: b, purpose, messages, reply: undefined, error: (err as Error).message });
      }
    }
    if (current !== undefined) descriptions[type] = current;
  }
  return {
    format: GUIDELINES_FORMAT,
    task: task.name,
    descriptions,
    exchanges,
    provenance: { created_at: new Date().toISOString(), teacher: teacher.model, batch_size: batchSize, batches, seed: String(options.seed ?? 0), ...(unused.length > 0 ? { types_without_instances: unused } : {}) },
  };
}

/** The sample with its schema's missing descriptions filled from the guidelines (given ones are kept). */
export function withGuidelines(sample: Sample, task: TaskDefinition, descriptions: Readonly<Record<string, string>>): Sample {
  const added: Record<string, string> = {};
  for (const item of sample.schema as never[]) {
    const type = task.itemName(item);
    const d = descriptions[type];
    if (d !== undefined && sample.schema_descriptions?.[type] === undefined) added[type] = d;
  }
  return Object.keys(added).length === 0 ? sample : ({ ...sample, schema_descriptions: { ...sample.schema_descriptions, ...added } } as Sample);
}

/** Reads and checks an ieopt.guidelines/v1 file; errors name the file and the field. */
export function loadGuidelines(path: string): z.infer<typeof GuidelinesSchema> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UserInputError(`cannot read the guidelines: ${(err as Error).message}`, { file: path });
  }
  const parsed = GuidelinesSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserInputError(`not a guidelines file: ${issue.message}`, { file: path, field: issue.path.join(".") || undefined });
  }
  return parsed.data;
}
