/**
 * The sample contract (design.md): one line of a data JSONL file.
 *
 * An *instance* is one annotated text with the dataset's whole schema; a *sample* is one
 * query sent to the LM — the text plus a batch of schema items. Samples of the same
 * instance share `instance_id` (which defaults to `id`).
 *
 * `task` names a registered task definition (src/tasks): the five built-ins or one a user
 * registered. The definition says what the sample's schema items and labels look like.
 */
import { z } from "zod";
import { nonEmpty, type IERecord, type SchemaItem } from "../tasks/definition.ts";
import { findTask, getTask, unknownTaskMessage } from "../tasks/registry.ts";
import { BUILTIN_TASKS } from "../tasks/builtin.ts";

export type { IERecord, SchemaItem } from "../tasks/definition.ts";
export {
  NerRecordSchema, ReRecordSchema, SfRecordSchema, EdRecordSchema, EeArgumentSchema, EeRecordSchema, EeSchemaItemSchema,
  type NerRecord, type ReRecord, type SfRecord, type EdRecord, type EeArgument, type EeRecord, type EeSchemaItem,
} from "../tasks/builtin.ts";

/** A built-in task name (method.md §1); `taskNames()` also lists registered ones. */
export type Task = (typeof BUILTIN_TASKS)[number]["name"];
/** The built-in task names. A sample's `task` may also name a registered task (a string). */
export const TASKS: readonly Task[] = BUILTIN_TASKS.map((d) => d.name);
export const TaskSchema = nonEmpty.superRefine((name, ctx) => {
  if (findTask(name) === undefined) ctx.addIssue({ code: "custom", message: unknownTaskMessage(name) });
});

export const SPLITS = ["train", "dev", "test"] as const;
export const SplitSchema = z.enum(SPLITS);
export type Split = z.infer<typeof SplitSchema>;

/** The type name a schema item stands for, under the sample's task. */
export function schemaItemName(task: string, item: SchemaItem): string {
  return getTask(task).itemName(item);
}

/** The type a record is filed under (the field the schema item names); undefined for a text-level record. */
export function recordTypeName(task: string, record: IERecord): string | undefined {
  return getTask(task).typeOf(record);
}

/**
 * Checks `items` against the task's record schema. The first bad item is described as
 * `record <i> field '<path>': <problem>`, for the caller to report.
 */
export function parseRecords(task: string, items: readonly unknown[]): { records: IERecord[] } | { problem: string } {
  return getTask(task).parseRecords(items);
}

/** Every span of a record that must be copied verbatim from the text. */
export function recordSpans(task: string, record: IERecord): string[] {
  return getTask(task).spans(record);
}

/**
 * A record with every span replaced by `map(span)`. A span mapped to undefined takes
 * what depends on it along: the record (a top-level span such as an RE head or an EE
 * trigger) or just that nested item (an EE argument). `lost` counts the spans mapped to
 * undefined.
 */
export function mapRecordSpans(task: string, record: IERecord, map: (span: string) => string | undefined): { record: IERecord | undefined; lost: number } {
  return getTask(task).mapSpans(record, map);
}

const SampleShape = z.looseObject({
  id: nonEmpty,
  instance_id: nonEmpty.optional(),
  dataset: nonEmpty,
  lang: z
    .string()
    .regex(/^[a-z]{3}$/, "must be an ISO 639-3 code (three lowercase letters, e.g. 'eng', 'deu', 'zho')"),
  task: TaskSchema,
  split: SplitSchema,
  text: z.string(),
  schema: z.array(z.unknown()),
  labels: z.array(z.unknown()),
  schema_descriptions: z.record(z.string(), z.string()).optional(),
});

/**
 * A sample, checked beyond its shape: schema items and labels against the task's
 * definition, every label span occurs verbatim in the text, every label's type is in the
 * sample's schema (plus the task's own label checks). `instance_id` is filled from `id`.
 */
export const SampleSchema = SampleShape.transform((s, ctx) => {
  const def = getTask(s.task); // known: TaskSchema checked it
  const schema: SchemaItem[] = [];
  s.schema.forEach((item, i) => {
    const parsed = def.schemaItem.safeParse(item);
    if (parsed.success) schema.push(parsed.data as SchemaItem);
    else for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: ["schema", i, ...issue.path], message: issue.message });
  });
  const labels: IERecord[] = [];
  s.labels.forEach((label, i) => {
    const parsed = def.record.safeParse(label);
    if (parsed.success) labels.push(parsed.data as IERecord);
    else for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: ["labels", i, ...issue.path], message: issue.message });
  });
  if (schema.length !== s.schema.length || labels.length !== s.labels.length) return z.NEVER;
  const items = new Map(schema.map((item) => [def.itemName(item), item]));
  labels.forEach((label, i) => {
    const type = def.typeOf(label);
    const item = type === undefined ? undefined : items.get(type);
    if (type !== undefined && item === undefined) {
      ctx.addIssue({ code: "custom", path: ["labels", i], message: `type '${type}' is not in the sample's schema` });
    }
    for (const span of def.spans(label)) {
      if (!s.text.includes(span)) {
        ctx.addIssue({ code: "custom", path: ["labels", i], message: `span '${span}' does not occur in the text` });
      }
    }
    if (item !== undefined) {
      for (const issue of def.labelIssues(label, item)) ctx.addIssue({ code: "custom", path: ["labels", i, ...issue.path], message: issue.message });
    }
  });
  return { ...s, schema, labels, instance_id: s.instance_id ?? s.id };
});

export type Sample = z.output<typeof SampleSchema>;
export type SampleInput = z.input<typeof SampleSchema>;

/** One line of a prediction file (contract): raw model text or already-parsed records. */
export const PredictionLineSchema = z.union([
  z.looseObject({ id: nonEmpty, output: z.string() }),
  z.looseObject({ id: nonEmpty, records: z.array(z.unknown()) }),
]);
export type PredictionLine = z.infer<typeof PredictionLineSchema>;

/** Language codes treated as English for the "non-English" aggregate. */
export const ENGLISH = "eng";
