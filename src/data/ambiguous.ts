/**
 * Ambiguous types (method.md §2): "Misc", "Other", "Other-X" change meaning with the batch
 * they are in (everything not covered by the *other* types of that query), so the study
 * removed them. A type is ambiguous when its name, or its first word, is one of these.
 * `per:other_family` is not: there "other" qualifies a well-defined relation.
 */
import type { IERecord, Sample, SchemaItem } from "./sample.ts";
import { getTask } from "../tasks/registry.ts";

const AMBIGUOUS_WORDS = new Set(["misc", "miscellaneous", "other", "others", "oth"]);

export function isAmbiguousType(name: string): boolean {
  const first = name.trim().toLowerCase().split(/[\s\-_:/.]+/)[0] ?? "";
  return AMBIGUOUS_WORDS.has(first);
}

/**
 * Drops ambiguous schema items, their labels and descriptions. A sample left with no
 * schema item cannot be queried and is dropped.
 */
export function removeAmbiguousTypes(samples: readonly Sample[], isAmbiguous: (name: string) => boolean = isAmbiguousType): Sample[] {
  return samples.flatMap((sample) => {
    const task = getTask(sample.task);
    const schema = (sample.schema as SchemaItem[]).filter((item) => !isAmbiguous(task.itemName(item)));
    if (schema.length === 0) return [];
    if (schema.length === sample.schema.length) return [sample];
    const labels = (sample.labels as IERecord[]).filter((r) => {
      const type = task.typeOf(r);
      return type === undefined || !isAmbiguous(type);
    });
    const descriptions = sample.schema_descriptions
      ? Object.fromEntries(Object.entries(sample.schema_descriptions).filter(([name]) => !isAmbiguous(name)))
      : undefined;
    return [{ ...sample, schema, labels, ...(descriptions ? { schema_descriptions: descriptions } : {}) } as Sample];
  });
}
