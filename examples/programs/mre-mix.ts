/**
 * A joint text-level + span-level task (method.md §8, the MRE mix): one output holds the
 * sentence's class and its entities,
 *
 *   [{"entity": "Lionel Messi", "entity_type": "person"}, {"sentence_class": "sports"}]
 *
 * scored by LF1 on the entities and accuracy on the class, averaged (`mreMixMetric`).
 * Written only against ieopt's public API: a task definition, a program on it, a metric.
 * Use it from the CLI with `--program examples/programs/mre-mix.ts` (and
 * `--metric examples/programs/mre-mix.ts` for the combined metric).
 */
import { defineProgram, defineTask, exemplar, z, QUERY_FIELDS, scoreSample, spanRecordsFromTypeDict, type IERecord, type Metric, type TaskRef } from "ieopt";

/** The sentence classes (a fixed set of this task; the schema lists the entity types). */
export const SENTENCE_CLASSES = ["sports", "business", "politics", "weather"] as const;

const nonEmpty = z.string().min(1);
const EntityRecord = z.object({ entity: nonEmpty, entity_type: nonEmpty });
const ClassRecord = z.object({ sentence_class: z.enum(SENTENCE_CLASSES) });

export const MRE_MIX = defineTask({
  name: "MRE-MIX",
  record: z.union([EntityRecord, ClassRecord]),
  // Entity records are typed and routed by LF1; the class record has no entity_type, so
  // it is a text-level record that the metric below scores.
  typeField: "entity_type",
  units: [{ kind: "entity", type: "entity_type", spans: ["entity"] }],
  fields: [
    { name: "entity", description: "an entity mention, copied exactly from the text" },
    { name: "entity_type", description: "one of the given entity types" },
    { name: "sentence_class", description: `the one class of the whole sentence: ${SENTENCE_CLASSES.join(", ")}` },
  ],
  schemaLabel: "Entity types",
  keyAliases: { text: "entity", span: "entity", type: "entity_type", label: "entity_type", class: "sentence_class", topic: "sentence_class" },
  recordsFromTypeDict: spanRecordsFromTypeDict("entity", "entity_type"),
});

const TYPES = ["person", "location", "organization"];

export const program = defineProgram({
  task: MRE_MIX,
  title: "sentence classification with entity extraction",
  description: `Joint sentence classification and named entity recognition: given a text in any language and a list of entity types, list every entity mention of these types and add one record naming the sentence's class (${SENTENCE_CLASSES.join(", ")}).`,
  inputFields: QUERY_FIELDS,
  defaultInstruction: `Extract the named entities of the given entity types from the text, copying each entity exactly as written, and classify the whole sentence as one of: ${SENTENCE_CLASSES.join(", ")}. Answer with a JSON list of objects {"entity": ..., "entity_type": ...} followed by one object {"sentence_class": ...}.`,
  defaultDemos: [
    exemplar("Lionel Messi scored twice for Inter Miami on Saturday.", TYPES, [
      { entity: "Lionel Messi", entity_type: "person" },
      { entity: "Inter Miami", entity_type: "organization" },
      { sentence_class: "sports" },
    ]),
    exemplar("Siemens will build a new factory near Lisbon next year.", TYPES, [
      { entity: "Siemens", entity_type: "organization" },
      { entity: "Lisbon", entity_type: "location" },
      { sentence_class: "business" },
    ]),
    exemplar("Heavy rain is expected across the region tonight.", TYPES, [{ sentence_class: "weather" }]),
  ],
});

export default program;

const fold = (s: unknown) => (typeof s === "string" ? s.normalize("NFC").trim().toLowerCase() : undefined);
const classOf = (records: readonly IERecord[]) => fold(records.find((r) => typeof r.sentence_class === "string")?.sentence_class);

/** 1 when the predicted class equals the gold class (case-folded), else 0; a failed output scores 0. */
export function classAccuracy(pred: readonly IERecord[] | null, gold: readonly IERecord[]): number {
  if (pred === null) return 0;
  const want = classOf(gold);
  return want !== undefined && classOf(pred) === want ? 1 : 0;
}

/** μ = ½ LF1(entities) + ½ accuracy(class), per sample in [0, 1]. */
export const mreMixMetric: Metric = {
  name: "mre-mix",
  score: (task: TaskRef, pred, gold, schema) => 0.5 * scoreSample(task, pred, gold, schema).lf1 + 0.5 * classAccuracy(pred, gold),
};

export const metric = mreMixMetric;
