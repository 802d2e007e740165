/**
 * xSID (slot filling): `# text`, `# intent` (`# text-en` in translated files), then rows
 * `id token intent BIO-slot`.
 * The default schema is xSID's full slot set (the union over all its 0.7 files), not the
 * types one file happens to contain: the Japanese file covers only 6 of them.
 */
import type { Sample } from "../sample.ts";
import { importBio, type BioFormat } from "./bio-importer.ts";
import type { ImportOptions } from "./source-info.ts";

export const XSID_TYPES = [
  "album", "artist", "best_rating", "condition_description", "condition_temperature", "cuisine",
  "datetime", "entity_name", "facility", "genre", "location", "movie_name", "movie_type",
  "music_item", "object_location_type", "object_name", "object_part_of_series_type",
  "object_select", "object_type", "party_size_description", "party_size_number", "playlist",
  "rating_unit", "rating_value", "recurring_datetime", "reference", "reference-part",
  "reminder/todo", "restaurant_name", "restaurant_type", "served_dish", "service", "sort",
  "track", "weather/attribute",
] as const;

export const XSID_FORMAT: BioFormat = {
  format: "xsid",
  task: "SF",
  tokenColumn: 1,
  tagColumn: 3,
  knownTypes: XSID_TYPES,
  record: (slot, slotType) => ({ slot, slot_type: slotType }),
  // Position, not `# id`: English files have no `# id`, and lt repeats some. Files are
  // parallel, so the same position is the same utterance across languages.
  sourceId: (_sentence, ordinal) => String(ordinal),
  // The translated files keep their English source in `# text-en` (kept as `text_en`, so
  // translate-test projection can be checked against the parallel English).
  extra: (sentence): Record<string, string> => {
    const intent = sentence.comments.get("intent")?.trim();
    const textEn = sentence.comments.get("text-en")?.trim();
    return { ...(intent ? { intent } : {}), ...(textEn ? { text_en: textEn } : {}) };
  },
};

export function importXsid(path: string, options: ImportOptions = {}): Sample[] {
  return importBio(path, XSID_FORMAT, options);
}
