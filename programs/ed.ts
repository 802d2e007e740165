import { ED, type EdRecord } from "../src/tasks/builtin.ts";
import { defineProgram, exemplar, QUERY_FIELDS } from "./program.ts";

export const ed = defineProgram({
  task: ED,
  title: "event detection",
  description:
    "Event detection: given a text in any language and a list of event types, find every word or phrase that triggers an event of one of these types. Each record gives the trigger (copied verbatim) and its event type; the answer is an empty list when no such event is mentioned.",
  inputFields: QUERY_FIELDS,
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
});
