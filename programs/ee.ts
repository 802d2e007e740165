import { EE, type EeRecord } from "../src/tasks/builtin.ts";
import { defineProgram, exemplar, QUERY_FIELDS } from "./program.ts";

const ATTACK = { event_type: "Attack", roles: ["Attacker", "Target", "Place"] };
const TRANSPORT = { event_type: "Transport", roles: ["Agent", "Artifact", "Destination", "Origin"] };
const ACQUIRE = { event_type: "Acquire", roles: ["Buyer", "Seller", "Artifact"] };

export const ee = defineProgram({
  task: EE,
  title: "event extraction",
  description:
    "Event extraction: given a text in any language and a list of event types, each with its argument roles, find every event of these types: its trigger word and the arguments that fill its roles. Triggers and arguments are copied verbatim from the text; the answer is an empty list when no such event is mentioned.",
  inputFields: QUERY_FIELDS,
  defaultInstruction:
    'Extract the events of the given event types from the text. For each event give its trigger and the arguments that fill its roles, copying every trigger and argument exactly as it is written in the text. Answer with a JSON list of objects {"event_trigger": ..., "event_type": ..., "arguments": [{"role": ..., "argument": ...}]}, and with [] when no event of these types occurs.',
  defaultDemos: [
    exemplar<EeRecord>("Rebels attacked the convoy near Kandahar on Tuesday.", [ATTACK, TRANSPORT], [
      {
        event_trigger: "attacked",
        event_type: "Attack",
        arguments: [
          { role: "Attacker", argument: "Rebels" },
          { role: "Target", argument: "the convoy" },
          { role: "Place", argument: "Kandahar" },
        ],
      },
    ]),
    exemplar<EeRecord>("Nokia bought the start-up from its founders for 40 million euros.", [ACQUIRE, ATTACK], [
      {
        event_trigger: "bought",
        event_type: "Acquire",
        arguments: [
          { role: "Buyer", argument: "Nokia" },
          { role: "Artifact", argument: "the start-up" },
          { role: "Seller", argument: "its founders" },
        ],
      },
    ]),
    exemplar<EeRecord>("The weather stayed mild for most of the week.", [TRANSPORT, ACQUIRE], []),
  ],
});
