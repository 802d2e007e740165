/**
 * De-duplication and de-contamination (method.md §2).
 *
 * - Within a sample, repeated labels are dropped (same record, field for field).
 * - Across samples, a sample repeating an earlier one's task, dataset, language, split,
 *   text, schema and labels is dropped. Split is part of the key so that a text shared by
 *   train and test is left to de-contamination, which removes the train copy, not the test one.
 * - De-contamination drops train/dev samples whose text occurs in any test split. Texts are
 *   compared after NFC, whitespace collapsing and trimming, so a copy differing only in
 *   spacing still counts.
 */
import { stableStringify } from "../util/hash.ts";
import type { Sample } from "./sample.ts";

/** Removes repeated records (same fields, same values, in any key order), keeping first occurrences. */
export function uniqueRecords<R>(records: readonly R[]): R[] {
  const seen = new Set<string>();
  return records.filter((record) => {
    const key = stableStringify(record);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function uniqueLabels(sample: Sample): Sample {
  const labels = uniqueRecords(sample.labels as unknown[]);
  return labels.length === sample.labels.length ? sample : ({ ...sample, labels } as Sample);
}

function duplicateKey(sample: Sample): string {
  const labels = (sample.labels as unknown[]).map(stableStringify).sort();
  return stableStringify([sample.task, sample.dataset, sample.lang, sample.split, sample.text, sample.schema, labels]);
}

export interface DedupResult {
  samples: Sample[];
  /** Repeated labels removed inside samples. */
  labelsRemoved: number;
  /** Whole samples removed as duplicates. */
  samplesRemoved: number;
}

export function deduplicate(samples: readonly Sample[]): DedupResult {
  const seen = new Set<string>();
  let labelsRemoved = 0;
  const out: Sample[] = [];
  for (const original of samples) {
    const sample = uniqueLabels(original);
    labelsRemoved += original.labels.length - sample.labels.length;
    const key = duplicateKey(sample);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(sample);
  }
  return { samples: out, labelsRemoved, samplesRemoved: samples.length - out.length };
}

function normalizeForContamination(text: string): string {
  return text.normalize("NFC").replace(/\s+/gu, " ").trim();
}

/** Texts of all test-split samples, normalized for comparison. */
export function testTexts(samples: Iterable<Sample>): Set<string> {
  const texts = new Set<string>();
  for (const s of samples) if (s.split === "test") texts.add(normalizeForContamination(s.text));
  return texts;
}

export interface DecontaminateResult {
  samples: Sample[];
  removed: number;
}

export function decontaminate(samples: readonly Sample[], test: ReadonlySet<string>): DecontaminateResult {
  const kept = samples.filter((s) => s.split === "test" || !test.has(normalizeForContamination(s.text)));
  return { samples: kept, removed: samples.length - kept.length };
}
