/**
 * Universal NER (IOB2 with `# text` lines; `-` in unused columns). The schema is UNER's
 * documented type set, not the types a file happens to contain (the Tagalog test file has
 * no ORG), so every language is queried with the same schema.
 */
import type { Sample } from "../sample.ts";
import { importBio, type BioFormat } from "./bio-importer.ts";
import type { ImportOptions } from "./source-info.ts";

export const UNER_TYPES = ["PER", "ORG", "LOC"] as const;

export const UNER_FORMAT: BioFormat = {
  format: "uner",
  task: "NER",
  tokenColumn: 1,
  tagColumn: 2,
  knownTypes: UNER_TYPES,
  // Abbreviated labels get a supplementary description (method.md §1).
  descriptions: { PER: "Person", ORG: "Organization", LOC: "Location" },
  record: (entity, entityType) => ({ entity, entity_type: entityType }),
  sourceId: (sentence, ordinal) => sentence.comments.get("sent_id")?.trim() || String(ordinal),
};

export function importUner(path: string, options: ImportOptions = {}): Sample[] {
  return importBio(path, UNER_FORMAT, options);
}
