/**
 * Shared importer for CoNLL/BIO files with `# text` lines (xSID, UNER): tokens are
 * aligned to the text, BIO tags become spans, each span is cut from the text itself so it
 * is always an exact substring.
 */
import { UserInputError } from "../../errors.ts";
import { uniqueRecords } from "../dedup.ts";
import type { Sample, SampleInput, Split } from "../sample.ts";
import { alignTokens, spanText } from "./align.ts";
import { bioSpans, parseTag, type ParsedTag } from "./bio.ts";
import { parseConll, type ConllSentence } from "./conll.ts";
import { finalizeInstances, type BuiltInstance } from "./finalize.ts";
import { instanceId, resolveSourceInfo, type ImportOptions } from "./source-info.ts";
import { readSourceLines } from "./text-file.ts";

export interface BioFormat {
  format: string;
  task: "NER" | "SF";
  tokenColumn: number;
  tagColumn: number;
  /** The dataset's documented type list; when absent, the types found in the file. */
  knownTypes?: readonly string[];
  descriptions?: Readonly<Record<string, string>>;
  /** The record for one span (field names depend on the task). */
  record(span: string, type: string): Record<string, string>;
  /** A stable id for the sentence: its own id comment, else its 1-based position. */
  sourceId(sentence: ConllSentence, ordinal: number): string;
  /** Extra fields kept on the sample (unknown fields are allowed by the contract). */
  extra?(sentence: ConllSentence): Record<string, string>;
  defaults?: { lang?: string; split?: Split };
}

interface ParsedSentence {
  sentence: ConllSentence;
  text: string;
  spans: { type: string; text: string }[];
}

function parseSentence(sentence: ConllSentence, format: BioFormat, file: string): ParsedSentence {
  const text = sentence.comments.get("text");
  if (text === undefined) {
    throw new UserInputError("sentence has no '# text = ...' line; spans are recovered from it", {
      file,
      line: sentence.line,
    });
  }
  const tags: ParsedTag[] = sentence.rows.map((row) => {
    const raw = row.columns[format.tagColumn];
    if (raw === undefined || row.columns[format.tokenColumn] === undefined) {
      throw new UserInputError(
        `expected at least ${format.tagColumn + 1} tab-separated columns, found ${row.columns.length}`,
        { file, line: row.line },
      );
    }
    const tag = parseTag(raw.trim());
    if (!tag) throw new UserInputError(`tag '${raw}' is not O, B-<type> or I-<type>`, { file, line: row.line });
    return tag;
  });
  const tokens = sentence.rows.map((row) => row.columns[format.tokenColumn]!);
  const aligned = alignTokens(text, tokens);
  if ("failedToken" in aligned) {
    const row = sentence.rows[aligned.failedToken]!;
    throw new UserInputError(`token '${tokens[aligned.failedToken]}' cannot be found in the '# text' line in order`, {
      file,
      line: row.line,
    });
  }
  const spans = bioSpans(tags).flatMap((span) => {
    const covered = spanText(text, aligned.ranges, span.first, span.last);
    return covered === undefined ? [] : [{ type: span.type, text: covered }]; // only empty tokens: nothing to extract
  });
  return { sentence, text, spans };
}

export function importBio(path: string, format: BioFormat, options: ImportOptions = {}): Sample[] {
  const info = resolveSourceInfo(path, format.format, format.task, options, format.defaults);
  const sentences = parseConll(readSourceLines(path)).filter((s) => s.rows.length > 0);
  const parsed = sentences.map((s) => parseSentence(s, format, path));
  const found = [...new Set(parsed.flatMap((p) => p.spans.map((s) => s.type)))].sort();
  const schema = options.types === "file" ? found : (options.types ?? format.knownTypes ?? found);
  const allowed = new Set(schema);
  const built: BuiltInstance[] = parsed.map((p, i) => {
    for (const span of p.spans) {
      if (!allowed.has(span.type)) {
        throw new UserInputError(`type '${span.type}' is not in the schema (${schema.join(", ")}); pass --types to change it`, {
          file: path,
          line: p.sentence.line,
        });
      }
    }
    const id = instanceId(info, format.sourceId(p.sentence, i + 1));
    const descriptions = format.descriptions
      ? Object.fromEntries(schema.filter((t) => format.descriptions![t] !== undefined).map((t) => [t, format.descriptions![t]!]))
      : undefined;
    const sample = {
      id,
      instance_id: id,
      dataset: info.dataset,
      lang: info.lang,
      task: format.task,
      split: info.split,
      text: p.text,
      schema: [...schema],
      labels: uniqueRecords(p.spans.map((s) => format.record(s.text, s.type))),
      ...(descriptions && Object.keys(descriptions).length > 0 ? { schema_descriptions: descriptions } : {}),
      ...format.extra?.(p.sentence),
    } as SampleInput;
    return { sample, line: p.sentence.line };
  });
  return finalizeInstances(built, path);
}
