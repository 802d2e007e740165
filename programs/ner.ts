import { NER, type NerRecord } from "../src/tasks/builtin.ts";
import { defineProgram, exemplar, QUERY_FIELDS } from "./program.ts";

export const ner = defineProgram({
  task: NER,
  title: "named entity recognition",
  description:
    "Named entity recognition: given a text in any language and a list of entity types, list every entity mention whose type is in the list. Each record names the mention (copied verbatim from the text) and its type; the answer is an empty list when no mention of these types occurs.",
  inputFields: QUERY_FIELDS,
  defaultInstruction:
    'Extract the named entities of the given entity types from the text. Copy each entity exactly as it is written in the text. Answer with a JSON list of objects {"entity": ..., "entity_type": ...}, and with [] when there is no entity of these types.',
  defaultDemos: [
    exemplar<NerRecord>("Marie Curie moved to Paris in 1891 to study at the Sorbonne.", ["person", "location", "organization"], [
      { entity: "Marie Curie", entity_type: "person" },
      { entity: "Paris", entity_type: "location" },
      { entity: "Sorbonne", entity_type: "organization" },
    ]),
    exemplar<NerRecord>("The committee will meet again after the summer break.", ["person", "location", "date"], []),
    exemplar<NerRecord>("Toyota opened a new plant near Kentucky last spring.", ["organization", "location", "product"], [
      { entity: "Toyota", entity_type: "organization" },
      { entity: "Kentucky", entity_type: "location" },
    ]),
  ],
});
