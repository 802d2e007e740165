/**
 * The unlabeled sample form (design.md's sample contract, its gold-free variant): what
 * `ieopt predict` reads. A line holds the text and what to extract, nothing more:
 *
 *   {"id": "u1", "text": "Wird es morgen in Berlin regnen?",
 *    "schema": ["weather/attribute", "datetime", "location"]}
 *
 * Optional: `task` (must match the prompt's; default the prompt's task), `lang` (ISO
 * 639-3, default "und", undetermined), `dataset` (default "unlabeled"), `instance_id`
 * (samples already batched by hand share it; default `id`), `schema_descriptions`.
 * `labels` and `split`, if present, are ignored, so a labeled file can be predicted too.
 * Unknown fields are kept and ignored, as in the labeled form.
 *
 * Commands that score against gold (score, optimize, eval, data batch/sample) keep the
 * labeled form and refuse an unlabeled line, saying to use `ieopt predict`.
 */
import { z } from "zod";
import { TaskSchema, type Sample, type SchemaItem } from "./sample.ts";
import { getTask } from "../tasks/registry.ts";

const nonEmpty = z.string().min(1, "must be a non-empty string");

export const UNLABELED_LANG = "und";
export const UNLABELED_DATASET = "unlabeled";

export const UnlabeledSampleSchema = z.looseObject({
  id: nonEmpty,
  instance_id: nonEmpty.optional(),
  text: z.string(),
  schema: z.array(z.unknown()).min(1, "must name at least one type to extract"),
  task: TaskSchema.optional(),
  lang: z
    .string()
    .regex(/^[a-z]{3}$/, "must be an ISO 639-3 code (three lowercase letters, e.g. 'eng', 'deu', 'zho')")
    .optional(),
  dataset: nonEmpty.optional(),
  schema_descriptions: z.record(z.string(), z.string()).optional(),
});
export type UnlabeledSample = z.infer<typeof UnlabeledSampleSchema>;

/**
 * The sample an unlabeled line stands for under a prompt of `task` (empty gold, test
 * split), or the problem with it: a task that differs from the prompt's, or schema items
 * the task's definition does not accept (EE items are {event_type, roles}, others names).
 */
export function unlabeledToSample(line: UnlabeledSample, task: string): { sample: Sample } | { problem: string; field: string } {
  if (line.task !== undefined && line.task !== task) {
    return { problem: `the sample is ${line.task}, but the prompt is for ${task}; predict each task's data with its own prompt`, field: "task" };
  }
  const def = getTask(task);
  const schema: SchemaItem[] = [];
  for (const [i, item] of line.schema.entries()) {
    const parsed = def.schemaItem.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return { problem: `not a ${task} schema item: ${issue.message}`, field: ["schema", i, ...issue.path].join(".") };
    }
    schema.push(parsed.data as SchemaItem);
  }
  const { labels: _labels, split: _split, ...rest } = line as UnlabeledSample & { labels?: unknown; split?: unknown };
  return {
    sample: {
      ...rest,
      id: line.id,
      instance_id: line.instance_id ?? line.id,
      dataset: line.dataset ?? UNLABELED_DATASET,
      lang: line.lang ?? UNLABELED_LANG,
      task,
      split: "test",
      text: line.text,
      schema,
      labels: [],
    } as Sample,
  };
}
