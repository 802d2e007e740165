import type { EdRecord } from "../src/data/sample.ts";
import { defineProgram, exemplar, QUERY_FIELDS, spanRecordsFromTypeDict } from "./program.ts";

export const ed = defineProgram({
  task: "ED",
  title: "event detection",
  description:
    "Event detection: given a text in any language and a list of event types, find every word or phrase that triggers an event of one of these types. Each record gives the trigger (copied verbatim) and its event type; the answer is an empty list when no such event is mentioned.",
  inputFields: QUERY_FIELDS,
  outputFields: [
    { name: "event_trigger", description: "the word or phrase that expresses the event, copied exactly from the text" },
    { name: "event_type", description: "one of the given event types" },
  ],
  schemaLabel: "Event types",
  defaultInstruction:
    'Detect the events of the given event types in the text. For each event, copy the trigger word exactly as it is written in the text. Answer with a JSON list of objects {"event_trigger": ..., "event_type": ...}, and with [] when no event of these types occurs.',
  defaultDemos: [
    exemplar<EdRecord>("Rebels attacked the convoy before it reached the border.", ["Attack", "Transport", "Meet"], [
      { event_trigger: "attacked", event_type: "Attack" },
      { event_trigger: "reached", event_type: "Transport" },
    ]),
    exemplar<EdRecord>("The museum is open every day except Monday.", ["Attack", "Die", "Acquire"], []),
    exemplar<EdRecord>("The two ministers met in Vienna to discuss the treaty.", ["Meet", "Transport"], [
      { event_trigger: "met", event_type: "Meet" },
    ]),
  ],
  keyAliases: { trigger: "event_trigger", text: "event_trigger", type: "event_type", label: "event_type" },
  recordsFromTypeDict: spanRecordsFromTypeDict("event_trigger", "event_type"),
});
