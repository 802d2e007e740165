/**
 * RELX (relation extraction, KBP37 labels). Each entry is
 *
 *     <id>\t"<sentence with <e1> X </e1> and <e2> Y </e2>>"
 *     <relation>(e1,e2) | <relation>(e2,e1) | no_relation
 *
 * followed by blank lines. Markers are removed with the space just inside them, so the
 * entities are exact substrings of the clean text. The direction decides head and tail:
 * `r(e2,e1)` means e2 is the head. `no_relation` (and `Other`, its name in some KBP
 * releases) means no relation: empty labels.
 */
import { UserInputError } from "../../errors.ts";
import type { Sample, SampleInput } from "../sample.ts";
import { finalizeInstances, type BuiltInstance } from "./finalize.ts";
import { instanceId, resolveSourceInfo, type ImportOptions } from "./source-info.ts";
import { readSourceLines } from "./text-file.ts";

/** KBP37's 18 relations (directions are folded into head/tail). */
export const KBP37_RELATIONS = [
  "per:alternate_names",
  "per:origin",
  "per:spouse",
  "per:title",
  "per:employee_of",
  "per:countries_of_residence",
  "per:stateorprovinces_of_residence",
  "per:cities_of_residence",
  "per:country_of_birth",
  "org:alternate_names",
  "org:subsidiaries",
  "org:top_members/employees",
  "org:founded",
  "org:founded_by",
  "org:country_of_headquarters",
  "org:stateorprovince_of_headquarters",
  "org:city_of_headquarters",
  "org:members",
] as const;

/** Supplementary descriptions: what head and tail stand for in each relation. */
export const KBP37_DESCRIPTIONS: Readonly<Record<string, string>> = {
  "per:alternate_names": "head person is also known as the tail name",
  "per:origin": "head person comes from the tail place or nationality",
  "per:spouse": "head person is married to the tail person",
  "per:title": "head person holds the tail title or position",
  "per:employee_of": "head person works for or is a member of the tail organization",
  "per:countries_of_residence": "head person lives or lived in the tail country",
  "per:stateorprovinces_of_residence": "head person lives or lived in the tail state or province",
  "per:cities_of_residence": "head person lives or lived in the tail city",
  "per:country_of_birth": "head person was born in the tail country",
  "org:alternate_names": "head organization is also known as the tail name",
  "org:subsidiaries": "tail organization is a subsidiary of the head organization",
  "org:top_members/employees": "tail person is a leader or top employee of the head organization",
  "org:founded": "head organization was founded at the tail date",
  "org:founded_by": "head organization was founded by the tail person or organization",
  "org:country_of_headquarters": "head organization is headquartered in the tail country",
  "org:stateorprovince_of_headquarters": "head organization is headquartered in the tail state or province",
  "org:city_of_headquarters": "head organization is headquartered in the tail city",
  "org:members": "tail is a member of the head organization",
};

const NO_RELATION = new Set(["no_relation", "other"]);
const SENTENCE_LINE = /^(\S+)\t(.*)$/;
const LABEL = /^(.+?)(?:\((e1|e2),(e1|e2)\))?$/;
const MARKER = /<(\/?)(e1|e2)>/g;

export interface MarkedSentence {
  text: string;
  e1: string;
  e2: string;
}

/**
 * Removes `<e1>`/`</e1>`/`<e2>`/`</e2>` markers and the whitespace just inside them.
 * Returns undefined when a marker is missing, repeated or unbalanced.
 */
export function stripEntityMarkers(marked: string): MarkedSentence | undefined {
  let text = "";
  let last = 0;
  const open: Partial<Record<"e1" | "e2", number>> = {};
  const found: Partial<Record<"e1" | "e2", string>> = {};
  for (const match of marked.matchAll(MARKER)) {
    const closing = match[1] === "/";
    const name = match[2] as "e1" | "e2";
    let before = marked.slice(last, match.index);
    if (closing) before = before.replace(/\s+$/u, "");
    text += before;
    last = match.index + match[0].length;
    if (!closing) {
      if (open[name] !== undefined || found[name] !== undefined) return undefined;
      // Drop the whitespace just inside the opening marker.
      const rest = /^\s*/u.exec(marked.slice(last))![0];
      last += rest.length;
      open[name] = text.length;
    } else {
      const start = open[name];
      if (start === undefined) return undefined;
      found[name] = text.slice(start);
      delete open[name];
    }
  }
  text += marked.slice(last);
  if (found.e1 === undefined || found.e2 === undefined || open.e1 !== undefined || open.e2 !== undefined) return undefined;
  return { text, e1: found.e1, e2: found.e2 };
}

/** The outer quotes RELX wraps sentences in. */
function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** Trims whitespace from a marked entity, which may hold stray spaces (e.g. `<e2>1922 </e2>`). */
function entityText(raw: string): string {
  return raw.trim();
}

export function importRelx(path: string, options: ImportOptions = {}): Sample[] {
  const info = resolveSourceInfo(path, "relx", "RE", options, { split: "test" }); // RELX is a test set
  const lines = readSourceLines(path);
  const relationFile = lines.flatMap((text, i) => (text.trim() === "" ? [] : [{ text, line: i + 1 }]));
  const built: {
    sourceId: string;
    text: string;
    line: number;
    labelLine: number;
    relation?: { head: string; tail: string; relation: string };
  }[] = [];
  for (let i = 0; i < relationFile.length; i += 2) {
    const sentenceLine = relationFile[i]!;
    const labelLine = relationFile[i + 1];
    const match = SENTENCE_LINE.exec(sentenceLine.text);
    if (!match) {
      throw new UserInputError('expected "<id><TAB><sentence with <e1>..</e1> and <e2>..</e2>>"', {
        file: path,
        line: sentenceLine.line,
      });
    }
    if (!labelLine) {
      throw new UserInputError("sentence without a relation label on the next non-blank line", {
        file: path,
        line: sentenceLine.line,
      });
    }
    const marked = stripEntityMarkers(unquote(match[2]!));
    if (!marked) {
      throw new UserInputError("the sentence needs exactly one <e1>..</e1> and one <e2>..</e2>", {
        file: path,
        line: sentenceLine.line,
      });
    }
    const label = labelLine.text.trim();
    const entry = { sourceId: match[1]!, text: marked.text, line: sentenceLine.line, labelLine: labelLine.line };
    if (NO_RELATION.has(label.toLowerCase())) {
      built.push(entry);
      continue;
    }
    const parsed = LABEL.exec(label)!;
    const relation = parsed[1]!;
    const [headKey, tailKey] = parsed[2] ? [parsed[2], parsed[3]] : ["e1", "e2"]; // no direction: e1 → e2
    if (headKey === tailKey) {
      throw new UserInputError(`relation label '${label}' has the same entity twice`, { file: path, line: labelLine.line });
    }
    const head = entityText(headKey === "e1" ? marked.e1 : marked.e2);
    const tail = entityText(tailKey === "e1" ? marked.e1 : marked.e2);
    if (head === "" || tail === "") {
      throw new UserInputError("an entity marker encloses no text", { file: path, line: sentenceLine.line });
    }
    built.push({ ...entry, relation: { head, tail, relation } });
  }
  const relations: readonly string[] =
    options.types === "file"
      ? [...new Set(built.flatMap((b) => (b.relation ? [b.relation.relation] : [])))].sort()
      : (options.types ?? KBP37_RELATIONS);
  const allowed = new Set<string>(relations);
  const descriptions = Object.fromEntries(relations.flatMap((r) => (KBP37_DESCRIPTIONS[r] ? [[r, KBP37_DESCRIPTIONS[r]]] : [])));
  const instances: BuiltInstance[] = built.map((b) => {
    if (b.relation && !allowed.has(b.relation.relation)) {
      throw new UserInputError(`relation '${b.relation.relation}' is not in the schema; pass --types to change it`, {
        file: path,
        line: b.labelLine,
      });
    }
    const id = instanceId(info, b.sourceId);
    const sample: SampleInput = {
      id,
      instance_id: id,
      dataset: info.dataset,
      lang: info.lang,
      task: "RE",
      split: info.split,
      text: b.text,
      schema: [...relations],
      labels: b.relation ? [b.relation] : [],
      ...(Object.keys(descriptions).length > 0 ? { schema_descriptions: descriptions } : {}),
    };
    return { sample, line: b.line };
  });
  return finalizeInstances(instances, path);
}
