/** What one task's example content looks like (see ./ner.ts … ./ee.ts). */
import type { SchemaItem, Task } from "../../src/data/sample.ts";

/**
 * One sentence in the markup of ./markup.ts. For RE the spans carry entity keys
 * (`[Lisbon](a)`) and `rels` lists the gold triples by key; for EE a span tag is either an
 * event type (the trigger, optionally `Type#2` for a second event) or a role (`Role`, or
 * `Role@2` for an argument of event #2); every other task tags spans with their type.
 */
export interface Sentence {
  t: string;
  rels?: readonly (readonly [head: string, relation: string, tail: string])[];
}

export interface TaskContent {
  task: Task;
  /** The task's whole schema (the "dataset schema"), in a fixed order. */
  inventory: readonly SchemaItem[];
  descriptions: Readonly<Record<string, string>>;
  /** Hard negatives for negative schema mining: types easily confused with a key type. */
  similar: Readonly<Record<string, readonly string[]>>;
  /** Placeholder category → tag used when the placeholder names none. */
  defaults: Readonly<Record<string, string>>;
  /** English tuning sentences with placeholders; filled several times each (train + dev). */
  templates: readonly Sentence[];
  /** Hand-written test sentences per ISO 639-3 language, no placeholders. */
  test: Readonly<Record<string, readonly Sentence[]>>;
}
