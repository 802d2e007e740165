/**
 * FewFC (Chinese financial events), JSONL:
 * `{"id", "content", "events": [{"type", "mentions": [{"word", "span", "role"}]}]}`.
 * The mention with role `trigger` is the event's trigger; the others are its arguments.
 * One file yields ED samples (triggers only) or EE samples (triggers with arguments).
 * Spans are taken from `word` (the source's `span` offsets count code points, JS strings
 * count UTF-16 units), and checked to occur in the text.
 */
import { z } from "zod";
import { UserInputError } from "../../errors.ts";
import { uniqueRecords } from "../dedup.ts";
import { readJsonl } from "../jsonl.ts";
import type { EdRecord, EeRecord, EeSchemaItem, Sample, SampleInput } from "../sample.ts";
import { finalizeInstances, type BuiltInstance } from "./finalize.ts";
import { instanceId, resolveSourceInfo, type ImportOptions } from "./source-info.ts";

const TRIGGER_ROLE = "trigger";

const FewfcMention = z.object({ word: z.string().min(1), span: z.array(z.number()).optional(), role: z.string().min(1) });
const FewfcEvent = z.object({ type: z.string().min(1), mentions: z.array(FewfcMention) });
const FewfcLineSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number()]),
  content: z.string(),
  events: z.array(FewfcEvent).default([]),
});
type FewfcLine = z.infer<typeof FewfcLineSchema>;

export interface FewfcImportOptions extends ImportOptions {
  task: "ED" | "EE";
}

interface ParsedEvent {
  type: string;
  trigger: string;
  arguments: { role: string; argument: string }[];
}

function parseEvents(row: FewfcLine, file: string, line: number): ParsedEvent[] {
  return row.events.map((event, e) => {
    const triggers = event.mentions.filter((m) => m.role === TRIGGER_ROLE);
    if (triggers.length !== 1) {
      throw new UserInputError(`event ${e} ('${event.type}') has ${triggers.length} trigger mentions, expected exactly one`, {
        file,
        line,
        field: `events.${e}.mentions`,
      });
    }
    event.mentions.forEach((m, k) => {
      if (!row.content.includes(m.word)) {
        throw new UserInputError(`mention '${m.word}' does not occur in the content`, {
          file,
          line,
          field: `events.${e}.mentions.${k}.word`,
        });
      }
    });
    return {
      type: event.type,
      trigger: triggers[0]!.word,
      arguments: event.mentions.filter((m) => m.role !== TRIGGER_ROLE).map((m) => ({ role: m.role, argument: m.word })),
    };
  });
}

/** EE schema from the events seen: each type with the sorted roles it takes. */
function collectEeSchema(events: ParsedEvent[]): EeSchemaItem[] {
  const roles = new Map<string, Set<string>>();
  for (const event of events) {
    const set = roles.get(event.type) ?? new Set<string>();
    for (const arg of event.arguments) set.add(arg.role);
    roles.set(event.type, set);
  }
  return [...roles.keys()].sort().map((type) => ({ event_type: type, roles: [...roles.get(type)!].sort() }));
}

export async function importFewfc(path: string, options: FewfcImportOptions): Promise<Sample[]> {
  // FewFC is a Chinese dataset; its files are named dev_trans.json, test_trans.json ...
  const info = resolveSourceInfo(path, "fewfc", options.task, options, { lang: "zh" });
  const rows: { row: FewfcLine; line: number; events: ParsedEvent[] }[] = [];
  for await (const { value, line } of readJsonl(path, FewfcLineSchema)) {
    rows.push({ row: value, line, events: parseEvents(value, path, line) });
  }
  if (rows.length === 0) throw new UserInputError("no entries (the file is empty)", { file: path });
  // Roles are those seen in the file; a listed type the file never shows gets no roles.
  const found = collectEeSchema(rows.flatMap((r) => r.events));
  const rolesOf = new Map(found.map((item) => [item.event_type, item.roles]));
  const eventTypes = options.types === undefined || options.types === "file" ? found.map((s) => s.event_type) : options.types;
  const schema: SampleInput["schema"] =
    options.task === "EE" ? eventTypes.map((t) => ({ event_type: t, roles: rolesOf.get(t) ?? [] })) : [...eventTypes];
  const allowed = new Set(eventTypes);
  const built: BuiltInstance[] = rows.map(({ row, line, events }) => {
    for (const event of events) {
      if (!allowed.has(event.type)) {
        throw new UserInputError(`event type '${event.type}' is not in the schema; pass --types to change it`, { file: path, line });
      }
    }
    const labels: (EdRecord | EeRecord)[] =
      options.task === "EE"
        ? events.map((e) => ({ event_trigger: e.trigger, event_type: e.type, arguments: uniqueRecords(e.arguments) }))
        : events.map((e) => ({ event_trigger: e.trigger, event_type: e.type }));
    const id = instanceId(info, String(row.id));
    const sample = {
      id,
      instance_id: id,
      dataset: info.dataset,
      lang: info.lang,
      task: options.task,
      split: info.split,
      text: row.content,
      schema,
      labels: uniqueRecords(labels),
    } as SampleInput;
    return { sample, line };
  });
  return finalizeInstances(built, path);
}
