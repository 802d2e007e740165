/**
 * The prompt-sensitivity panel: our own instruction and demo variants per task, and the
 * measurement the suite (sensitivity.test.ts) and the README table
 * (scripts/sim-sensitivity.ts) share. Scores are mean sample LF1 on examples/ dev data
 * (English): sim numbers, never LLM results.
 */
import { existsSync, readFileSync } from "node:fs";
import { SampleSchema, TASKS, schemaItemName, type Sample, type Task } from "../../src/data/sample.ts";
import { PROGRAMS, type Demo } from "../../programs/index.ts";
import { getTask } from "../../src/tasks/index.ts";
import { scoreSample } from "../../src/metrics/lf1.ts";
import { createSimLM } from "../../sim/index.ts";

const DATA = new URL("../../examples/data/", import.meta.url);

export function loadExamples(task: Task, split: string): Sample[] {
  const file = new URL(`${task.toLowerCase()}/${split}.jsonl`, DATA);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter((l) => l.trim()).map((l) => SampleSchema.parse(JSON.parse(l)));
}

export const haveExamples = TASKS.every((t) => loadExamples(t, "test").length > 0 && loadExamples(t, "train").length > 0);

const toDemo = (s: Sample): Demo => ({ input: { text: s.text, schema: s.schema, schema_descriptions: s.schema_descriptions }, records: s.labels, source: "labeled" });

function typeKey(task: Task): string {
  return getTask(task).typeField;
}

/** Three labeled train samples with records, of different types where possible. */
export function correctDemos(task: Task): Demo[] {
  const train = loadExamples(task, "train").filter((s) => s.labels.length > 0);
  return train.slice(0, 3).map(toDemo);
}

/** The same demos with every type rotated to another type of its schema: confidently wrong labels. */
export function flippedDemos(task: Task): Demo[] {
  const key = typeKey(task);
  return correctDemos(task).map((d) => {
    const names = d.input.schema.map((item) => schemaItemName(task, item));
    const rotate = (t: string) => names[(names.indexOf(t) + 1) % names.length] ?? t;
    return { ...d, records: d.records.map((r) => ({ ...r, [key]: rotate((r as unknown as Record<string, string>)[key]!) }) as typeof r) };
  });
}

/** Demos of the same task and format about types the queries never ask for (another schema). */
export function irrelevantDemos(task: Task): Demo[] {
  const key = typeKey(task);
  return correctDemos(task).map((d) => {
    const rename = (t: string) => `topic_${t.length % 7}${t.charCodeAt(0) % 5}`;
    const schema = d.input.schema.map((s) => (typeof s === "string" ? rename(s) : { ...s, event_type: rename(String(s.event_type)) }));
    return { ...d, input: { text: d.input.text, schema }, records: d.records.map((r) => ({ ...r, [key]: rename((r as unknown as Record<string, string>)[key]!) }) as typeof r) };
  });
}

/** The two most frequent gold types of the task's test data: "label the first as the second". */
function frequentTypes(task: Task): [string, string] {
  const counts = new Map<string, number>();
  for (const s of loadExamples(task, "test")) for (const r of s.labels) { const t = String(r[typeKey(task)]); counts.set(t, (counts.get(t) ?? 0) + 1); }
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([t]) => t);
  return [sorted[0] ?? "A", sorted[1] ?? "B"];
}

/** German translations of the default instructions (ours). */
const GERMAN: Readonly<Record<Task, string>> = {
  NER: 'Extrahiere die benannten Entitäten der angegebenen Entitätstypen aus dem Text. Kopiere jede Entität genau so, wie sie im Text geschrieben ist. Antworte mit einer JSON-Liste von Objekten {"entity": ..., "entity_type": ...} und mit [], wenn es keine Entität dieser Typen gibt.',
  RE: 'Extrahiere die Relationen der angegebenen Relationstypen, die der Text nennt. Kopiere head und tail genau so, wie sie im Text geschrieben sind; die Relation liest sich "head relation tail". Antworte mit einer JSON-Liste von Objekten {"head": ..., "tail": ..., "relation": ...} und mit [], wenn keine Relation dieser Typen genannt wird.',
  SF: 'Fülle die angegebenen Slot-Typen aus der Anfrage des Nutzers. Kopiere jeden Slot-Wert genau so, wie er im Text geschrieben ist. Antworte mit einer JSON-Liste von Objekten {"slot": ..., "slot_type": ...} und mit [], wenn keiner der Slots vorkommt.',
  ED: 'Erkenne die Ereignisse der angegebenen Ereignistypen im Text. Kopiere für jedes Ereignis das Auslöserwort genau so, wie es im Text geschrieben ist. Antworte mit einer JSON-Liste von Objekten {"event_trigger": ..., "event_type": ...} und mit [], wenn kein Ereignis dieser Typen vorkommt.',
  EE: 'Extrahiere die Ereignisse der angegebenen Ereignistypen aus dem Text. Gib für jedes Ereignis seinen Auslöser und die Argumente seiner Rollen an und kopiere jeden Auslöser und jedes Argument genau so, wie es im Text geschrieben ist. Antworte mit einer JSON-Liste von Objekten {"event_trigger": ..., "event_type": ..., "arguments": [{"role": ..., "argument": ...}]} und mit [], wenn kein Ereignis dieser Typen vorkommt.',
};

const SALAD_NOUN: Readonly<Record<Task, string>> = { NER: "entities named", RE: "relations head tail", SF: "slots request", ED: "events triggers", EE: "events triggers arguments roles" };
/** Another task's instruction for each task. */
const WRONG_TASK: Readonly<Record<Task, Task>> = { NER: "RE", RE: "NER", SF: "ED", ED: "SF", EE: "NER" };

export interface Variant {
  id: string;
  label: string;
  instruction: string;
  demos: Demo[];
}

/** The instruction variants (all zero-shot: the instruction alone carries the task). */
export function instructionVariants(task: Task): Variant[] {
  const coherent = PROGRAMS[task].defaultInstruction;
  const [a, b] = frequentTypes(task);
  const v = (id: string, label: string, instruction: string): Variant => ({ id, label, instruction, demos: [] });
  return [
    v("coherent", "coherent (default)", coherent),
    v("vague", "vague", "Look at the text and give the answer."),
    v("salad", "keyword salad", `${SALAD_NOUN[task]} extract JSON verbatim exact boundary empty list every given types description precise copy`),
    v("contradictory", "contradictory", `${coherent} Do not copy the spans exactly; rephrase them in your own words. Answer in plain prose, not JSON.`),
    v("misleading", "misleading type definitions", `${coherent} Label every ${a} as ${b}. Label every ${b} as ${a}.`),
    v("wrong-task", "wrong-task", PROGRAMS[WRONG_TASK[task]].defaultInstruction),
    v("translated", "translated (German)", GERMAN[task]),
    v("fragments", "+ fragments", `${coherent} Boundary. Every. Description. Given. Verbatim.`),
    v("opposite", "+ opposite advice", `${coherent} Guess a type when unsure. Include the preposition before each span.`),
  ];
}

/** The demo variants, under the coherent instruction. */
export function demoVariants(task: Task): Variant[] {
  const coherent = PROGRAMS[task].defaultInstruction;
  return [
    { id: "demos-none", label: "no demos", instruction: coherent, demos: [] },
    { id: "demos-correct", label: "correct demos", instruction: coherent, demos: correctDemos(task) },
    { id: "demos-flipped", label: "flipped labels", instruction: coherent, demos: flippedDemos(task) },
    { id: "demos-irrelevant", label: "irrelevant demos", instruction: coherent, demos: irrelevantDemos(task) },
  ];
}

export const PROFILE_NAMES = ["sim-small", "sim", "sim-large"] as const;

/**
 * The samples the panel scores: examples/ dev (English, about 40 per task), the split the
 * optimizer tunes on, drawn from the same distribution as the train demos.
 */
export function panelSamples(task: Task): Sample[] {
  return loadExamples(task, "dev");
}

/** Mean sample LF1 (0..100) of one variant on a task's panel samples, under one profile. */
export async function measure(task: Task, variant: Variant, profile: string, samples: readonly Sample[] = panelSamples(task)): Promise<number> {
  const program = PROGRAMS[task];
  const lm = createSimLM(profile);
  let sum = 0;
  for (const s of samples) {
    const messages = program.render({ text: s.text, schema: s.schema, schema_descriptions: s.schema_descriptions }, { instruction: variant.instruction, demos: variant.demos });
    const res = await lm.complete({ messages, temperature: 0, max_tokens: program.maxTokens(false) });
    const parsed = program.parse(res.choices[0]!, { schema: s.schema });
    sum += scoreSample(task, parsed.ok ? parsed.records : null, s.labels).lf1;
  }
  return samples.length === 0 ? 0 : (100 * sum) / samples.length;
}

/** variant id → profile → mean over the five tasks (and per task). */
export interface PanelResult {
  variants: { id: string; label: string }[];
  mean: Record<string, Record<string, number>>;
  byTask: Record<string, Record<string, Record<string, number>>>;
}

export async function runPanel(tasks: readonly Task[] = TASKS): Promise<PanelResult> {
  const byTask: PanelResult["byTask"] = {};
  const labels = new Map<string, string>();
  for (const task of tasks) {
    byTask[task] = {};
    for (const variant of [...instructionVariants(task), ...demoVariants(task)]) {
      labels.set(variant.id, variant.label);
      byTask[task]![variant.id] = {};
      for (const profile of PROFILE_NAMES) byTask[task]![variant.id]![profile] = await measure(task, variant, profile);
    }
  }
  const mean: PanelResult["mean"] = {};
  for (const [id] of labels) {
    mean[id] = {};
    for (const profile of PROFILE_NAMES) mean[id]![profile] = tasks.reduce((s, t) => s + byTask[t]![id]![profile]!, 0) / tasks.length;
  }
  return { variants: [...labels].map(([id, label]) => ({ id, label })), mean, byTask };
}
