/**
 * The sample contract (design.md): one line of a data JSONL file.
 *
 * An *instance* is one annotated text with the dataset's whole schema; a *sample* is one
 * query sent to the LM — the text plus a batch of schema items. Samples of the same
 * instance share `instance_id` (which defaults to `id`).
 */
import { z } from "zod";

export const TASKS = ["NER", "RE", "SF", "ED", "EE"] as const;
export const TaskSchema = z.enum(TASKS);
export type Task = z.infer<typeof TaskSchema>;

export const SPLITS = ["train", "dev", "test"] as const;
export const SplitSchema = z.enum(SPLITS);
export type Split = z.infer<typeof SplitSchema>;

const nonEmpty = z.string().min(1, "must be a non-empty string");

export const NerRecordSchema = z.object({ entity: nonEmpty, entity_type: nonEmpty });
export const ReRecordSchema = z.object({ head: nonEmpty, tail: nonEmpty, relation: nonEmpty });
export const SfRecordSchema = z.object({ slot: nonEmpty, slot_type: nonEmpty });
export const EdRecordSchema = z.object({ event_trigger: nonEmpty, event_type: nonEmpty });
export const EeArgumentSchema = z.object({ role: nonEmpty, argument: nonEmpty });
export const EeRecordSchema = z.object({
  event_trigger: nonEmpty,
  event_type: nonEmpty,
  arguments: z.array(EeArgumentSchema).default([]),
});

export type NerRecord = z.infer<typeof NerRecordSchema>;
export type ReRecord = z.infer<typeof ReRecordSchema>;
export type SfRecord = z.infer<typeof SfRecordSchema>;
export type EdRecord = z.infer<typeof EdRecordSchema>;
export type EeArgument = z.infer<typeof EeArgumentSchema>;
export type EeRecord = z.infer<typeof EeRecordSchema>;

/** Record schema per task: the one place that says what a task's output looks like. */
export const RECORD_SCHEMAS = {
  NER: NerRecordSchema,
  RE: ReRecordSchema,
  SF: SfRecordSchema,
  ED: EdRecordSchema,
  EE: EeRecordSchema,
} as const;

export interface RecordOf {
  NER: NerRecord;
  RE: ReRecord;
  SF: SfRecord;
  ED: EdRecord;
  EE: EeRecord;
}
export type IERecord = RecordOf[Task];

/** EE schema items carry their roles; every other task's schema item is a type name. */
export const EeSchemaItemSchema = z.object({ event_type: nonEmpty, roles: z.array(nonEmpty) });
export type EeSchemaItem = z.infer<typeof EeSchemaItemSchema>;
export const SchemaItemSchema = z.union([nonEmpty, EeSchemaItemSchema]);
export type SchemaItem = string | EeSchemaItem;

/** The type name a schema item stands for (its routing key at the top level). */
export function schemaItemName(item: SchemaItem): string {
  return typeof item === "string" ? item : item.event_type;
}

/** The field of a task's record that holds its type (the name a schema item stands for). */
export const RECORD_TYPE_FIELD = {
  NER: "entity_type",
  RE: "relation",
  SF: "slot_type",
  ED: "event_type",
  EE: "event_type",
} as const satisfies { [T in Task]: keyof RecordOf[T] };

/** The type a record is filed under (the field the schema item names). */
export function recordTypeName(task: Task, record: IERecord): string {
  return (record as unknown as Record<string, string>)[RECORD_TYPE_FIELD[task]]!;
}

/**
 * Checks `items` against the task's record schema. The first bad item is described as
 * `record <i> field '<path>': <problem>`, for the caller to report.
 */
export function parseRecords(task: Task, items: readonly unknown[]): { records: IERecord[] } | { problem: string } {
  const schema = RECORD_SCHEMAS[task];
  const records: IERecord[] = [];
  for (const [i, item] of items.entries()) {
    const parsed = schema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length > 0 ? ` field '${issue.path.join(".")}'` : "";
      return { problem: `record ${i}${field}: ${issue.message}` };
    }
    records.push(parsed.data as IERecord);
  }
  return { records };
}

/** Every span of a record that must be copied verbatim from the text. */
export function recordSpans(task: Task, record: IERecord): string[] {
  switch (task) {
    case "NER":
      return [(record as NerRecord).entity];
    case "RE":
      return [(record as ReRecord).head, (record as ReRecord).tail];
    case "SF":
      return [(record as SfRecord).slot];
    case "ED":
      return [(record as EdRecord).event_trigger];
    case "EE": {
      const r = record as EeRecord;
      return [r.event_trigger, ...r.arguments.map((a) => a.argument)];
    }
  }
}

/**
 * A record with every span replaced by `map(span)`. A span mapped to undefined takes
 * what depends on it along: the record (its NER/SF/ED span, an RE head or tail, an EE
 * trigger) or just that EE argument. `lost` counts the spans mapped to undefined.
 */
export function mapRecordSpans(task: Task, record: IERecord, map: (span: string) => string | undefined): { record: IERecord | undefined; lost: number } {
  const mapped = recordSpans(task, record).map(map);
  const lost = mapped.filter((s) => s === undefined).length;
  const [first, second] = mapped;
  if (first === undefined) return { record: undefined, lost };
  switch (task) {
    case "NER":
      return { record: { ...(record as NerRecord), entity: first }, lost };
    case "SF":
      return { record: { ...(record as SfRecord), slot: first }, lost };
    case "ED":
      return { record: { ...(record as EdRecord), event_trigger: first }, lost };
    case "RE":
      return { record: second === undefined ? undefined : { ...(record as ReRecord), head: first, tail: second }, lost };
    case "EE": {
      const r = record as EeRecord;
      const args = r.arguments.flatMap((a, i) => (mapped[i + 1] === undefined ? [] : [{ ...a, argument: mapped[i + 1]! }]));
      return { record: { ...r, event_trigger: first, arguments: args }, lost };
    }
  }
}

const SampleBase = z.looseObject({
  id: nonEmpty,
  instance_id: nonEmpty.optional(),
  dataset: nonEmpty,
  lang: z
    .string()
    .regex(/^[a-z]{3}$/, "must be an ISO 639-3 code (three lowercase letters, e.g. 'eng', 'deu', 'zho')"),
  task: TaskSchema,
  split: SplitSchema,
  text: z.string(),
  schema_descriptions: z.record(z.string(), z.string()).optional(),
});

function taskSample<T extends Task, S extends z.ZodType, R extends z.ZodType>(task: T, schemaItem: S, record: R) {
  return SampleBase.extend({
    task: z.literal(task),
    schema: z.array(schemaItem),
    labels: z.array(record),
  });
}

const RawSampleSchema = z.discriminatedUnion("task", [
  taskSample("NER", nonEmpty, NerRecordSchema),
  taskSample("RE", nonEmpty, ReRecordSchema),
  taskSample("SF", nonEmpty, SfRecordSchema),
  taskSample("ED", nonEmpty, EdRecordSchema),
  taskSample("EE", EeSchemaItemSchema, EeRecordSchema),
]);

/**
 * A sample, checked beyond its shape: every label span occurs verbatim in the text and
 * every label's type is in the sample's schema. `instance_id` is filled from `id`.
 */
export const SampleSchema = RawSampleSchema.superRefine((s, ctx) => {
  const names = new Set((s.schema as SchemaItem[]).map(schemaItemName));
  const roles = new Map<string, Set<string>>();
  if (s.task === "EE") for (const item of s.schema) roles.set(item.event_type, new Set(item.roles));
  (s.labels as IERecord[]).forEach((label, i) => {
    const type = recordTypeName(s.task, label);
    if (!names.has(type)) {
      ctx.addIssue({ code: "custom", path: ["labels", i], message: `type '${type}' is not in the sample's schema` });
    }
    for (const span of recordSpans(s.task, label)) {
      if (!s.text.includes(span)) {
        ctx.addIssue({ code: "custom", path: ["labels", i], message: `span '${span}' does not occur in the text` });
      }
    }
    if (s.task === "EE") {
      const allowed = roles.get(type);
      (label as EeRecord).arguments.forEach((arg, j) => {
        if (allowed && !allowed.has(arg.role)) {
          ctx.addIssue({
            code: "custom",
            path: ["labels", i, "arguments", j, "role"],
            message: `role '${arg.role}' is not a role of event type '${type}'`,
          });
        }
      });
    }
  });
}).transform((s) => ({ ...s, instance_id: s.instance_id ?? s.id }));

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
