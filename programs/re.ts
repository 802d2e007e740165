import { RE, type ReRecord } from "../src/tasks/builtin.ts";
import { defineProgram, exemplar, QUERY_FIELDS } from "./program.ts";

export const re = defineProgram({
  task: RE,
  title: "relation extraction",
  description:
    "Relation extraction: given a text in any language and a list of relation types, list every pair of mentions (head, tail) that the text relates by one of these relations. Head and tail are copied verbatim from the text; the direction matters (head works_for tail). The answer is an empty list when no such relation is stated.",
  inputFields: QUERY_FIELDS,
  defaultInstruction:
    'Extract the relations of the given relation types stated in the text. Copy the head and tail mentions exactly as they are written in the text; the relation reads "head relation tail". Answer with a JSON list of objects {"head": ..., "tail": ..., "relation": ...}, and with [] when no relation of these types is stated.',
  defaultDemos: [
    exemplar<ReRecord>("Satya Nadella has led Microsoft since 2014.", ["works_for", "located_in", "founded_by"], [
      { head: "Satya Nadella", tail: "Microsoft", relation: "works_for" },
    ]),
    exemplar<ReRecord>("The Louvre, in Paris, reopened on Monday.", ["located_in", "capital_of", "born_in"], [
      { head: "The Louvre", tail: "Paris", relation: "located_in" },
    ]),
    exemplar<ReRecord>("Both teams played well in the final.", ["works_for", "born_in"], []),
  ],
});
