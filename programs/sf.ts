import { SF, type SfRecord } from "../src/tasks/builtin.ts";
import { defineProgram, exemplar, QUERY_FIELDS } from "./program.ts";

export const sf = defineProgram({
  task: SF,
  title: "slot filling",
  description:
    "Slot filling: given a user's request to a voice assistant (in any language) and a list of slot types, list every span of the request that fills one of the slots. Each record gives the span (copied verbatim) and its slot type; the answer is an empty list when no slot of these types is filled.",
  inputFields: QUERY_FIELDS,
  defaultInstruction:
    'Fill the given slot types from the user\'s request. Copy each slot value exactly as it is written in the text. Answer with a JSON list of objects {"slot": ..., "slot_type": ...}, and with [] when none of the slots is mentioned.',
  defaultDemos: [
    exemplar<SfRecord>("will it rain in Glasgow tomorrow morning", ["weather/attribute", "location", "datetime"], [
      { slot: "rain", slot_type: "weather/attribute" },
      { slot: "Glasgow", slot_type: "location" },
      { slot: "tomorrow morning", slot_type: "datetime" },
    ]),
    exemplar<SfRecord>("remind me to call the dentist at 5 pm", ["reminder/todo", "datetime", "location"], [
      { slot: "call the dentist", slot_type: "reminder/todo" },
      { slot: "at 5 pm", slot_type: "datetime" },
    ]),
    exemplar<SfRecord>("cancel it", ["alarm/alarm_modifier", "datetime"], []),
  ],
});
