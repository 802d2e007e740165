/**
 * The five built-in tasks of method.md §1 (NER, RE, SF, ED, EE) as task definitions:
 * their record shapes, LF1 routing, prompt labels and parsing hints live here and nowhere
 * else.
 */
import { z } from "zod";
import { defineTask, nonEmpty, spanRecordsFromTypeDict, type LabelIssue } from "./definition.ts";

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
/** EE schema items carry their roles; every other built-in's schema item is a type name. */
export const EeSchemaItemSchema = z.object({ event_type: nonEmpty, roles: z.array(nonEmpty) });

export type NerRecord = z.infer<typeof NerRecordSchema>;
export type ReRecord = z.infer<typeof ReRecordSchema>;
export type SfRecord = z.infer<typeof SfRecordSchema>;
export type EdRecord = z.infer<typeof EdRecordSchema>;
export type EeArgument = z.infer<typeof EeArgumentSchema>;
export type EeRecord = z.infer<typeof EeRecordSchema>;
export type EeSchemaItem = z.infer<typeof EeSchemaItemSchema>;

const TYPE_DOC = (what: string) => `one of the given ${what} types`;
const TRIGGER_DOC = { name: "event_trigger", description: "the word or phrase that expresses the event, copied exactly from the text" };

export const NER = defineTask({
  name: "NER",
  record: NerRecordSchema,
  typeField: "entity_type",
  units: [{ kind: "entity", type: "entity_type", spans: ["entity"] }],
  fields: [
    { name: "entity", description: "the mention, copied exactly from the text" },
    { name: "entity_type", description: TYPE_DOC("entity") },
  ],
  schemaLabel: "Entity types",
  keyAliases: { text: "entity", span: "entity", name: "entity", mention: "entity", type: "entity_type", label: "entity_type" },
  recordsFromTypeDict: spanRecordsFromTypeDict("entity", "entity_type"),
});

export const RE = defineTask({
  name: "RE",
  record: ReRecordSchema,
  typeField: "relation",
  // One unit per triple; its similarity is the mean of head and tail similarities.
  units: [{ kind: "relation", type: "relation", spans: ["head", "tail"] }],
  fields: [
    { name: "head", description: "the first argument of the relation, copied exactly from the text" },
    { name: "tail", description: "the second argument of the relation, copied exactly from the text" },
    { name: "relation", description: TYPE_DOC("relation") },
  ],
  schemaLabel: "Relation types",
  keyAliases: { subject: "head", object: "tail", source: "head", target: "tail", type: "relation", label: "relation", predicate: "relation" },
  recordsFromTypeDict(type, value) {
    if (!Array.isArray(value)) return undefined;
    return value.map((pair) =>
      Array.isArray(pair) && pair.length === 2 ? { head: pair[0], tail: pair[1], relation: type } : { relation: type, ...(pair as object) },
    );
  },
});

export const SF = defineTask({
  name: "SF",
  record: SfRecordSchema,
  typeField: "slot_type",
  units: [{ kind: "slot", type: "slot_type", spans: ["slot"] }],
  fields: [
    { name: "slot", description: "the span filling the slot, copied exactly from the text" },
    { name: "slot_type", description: TYPE_DOC("slot") },
  ],
  schemaLabel: "Slot types",
  keyAliases: { value: "slot", text: "slot", span: "slot", type: "slot_type", label: "slot_type" },
  recordsFromTypeDict: spanRecordsFromTypeDict("slot", "slot_type"),
});

export const ED = defineTask({
  name: "ED",
  record: EdRecordSchema,
  typeField: "event_type",
  units: [{ kind: "trigger", type: "event_type", spans: ["event_trigger"] }],
  fields: [TRIGGER_DOC, { name: "event_type", description: TYPE_DOC("event") }],
  schemaLabel: "Event types",
  keyAliases: { trigger: "event_trigger", text: "event_trigger", type: "event_type", label: "event_type" },
  recordsFromTypeDict: spanRecordsFromTypeDict("event_trigger", "event_type"),
});

export const EE = defineTask({
  name: "EE",
  record: EeRecordSchema,
  schemaItem: EeSchemaItemSchema,
  schemaItemNameField: "event_type",
  schemaItemRolesField: "roles",
  typeField: "event_type",
  // Triggers by event type; arguments by (event type, role), scored independently of the
  // trigger they hang on, as the study's routing does.
  units: [
    { kind: "trigger", type: "event_type", spans: ["event_trigger"] },
    { kind: "arg", type: "event_type", spans: ["argument"], each: { list: "arguments", role: "role" } },
  ],
  fields: [
    TRIGGER_DOC,
    { name: "event_type", description: TYPE_DOC("event") },
    { name: "arguments", description: "a list of {role, argument}: each role is one of the event type's roles, each argument copied exactly from the text" },
  ],
  schemaLabel: "Event types and their roles",
  keyAliases: { trigger: "event_trigger", type: "event_type", label: "event_type", args: "arguments", roles: "arguments" },
  recordsFromTypeDict(type, value) {
    const list = Array.isArray(value) ? value : undefined;
    if (!list) return undefined;
    return list.map((ev) => (typeof ev === "string" ? { event_trigger: ev, event_type: type, arguments: [] } : { event_type: type, ...(ev as object) }));
  },
  normaliseRecord(record) {
    if (!Array.isArray(record.arguments)) return record;
    // Built by push: a packed array, like JSON.parse's (see fastRecords).
    const args: unknown[] = [];
    for (const arg of record.arguments as unknown[]) {
      if (!arg || typeof arg !== "object") {
        args.push(arg);
        continue;
      }
      const a = arg as Record<string, unknown>;
      args.push({ role: a.role ?? a.type, argument: a.argument ?? a.text ?? a.span ?? a.value });
    }
    record.arguments = args;
    return record;
  },
  labelIssues(label, item): LabelIssue[] {
    // A schema item lists a few roles: scanning them beats building a set per label (every gold line runs this).
    const allowed = (item as EeSchemaItem).roles;
    const args = (label as EeRecord).arguments;
    const issues: LabelIssue[] = [];
    for (let j = 0; j < args.length; j++) {
      const role = args[j]!.role;
      if (!allowed.includes(role)) {
        issues.push({ path: ["arguments", j, "role"], message: `role '${role}' is not a role of event type '${label.event_type as string}'` });
      }
    }
    return issues;
  },
});

export const BUILTIN_TASKS = [NER, RE, SF, ED, EE] as const;
