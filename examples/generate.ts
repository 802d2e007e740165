/**
 * Builds the example data under examples/data/<task>/{train,dev,test}.jsonl from the
 * hand-written content in examples/gen/ (deterministic: same seed, same bytes).
 *
 *   node examples/generate.ts          write the files and print a counts table
 *   node examples/generate.ts --check  only verify that the files on disk are up to date
 *
 * - train/dev (English): each template of gen/<task>.ts is filled several times from the
 *   lexicon in gen/lexicon.ts; each instance becomes one sample with its positive types
 *   plus mined negatives (similar types first, then random), sometimes a second
 *   all-negative sample of the same instance, and sometimes the whole schema batched.
 * - test (7 languages): hand-written sentences; every instance gets the task's whole
 *   schema, batched (9 types → 6 + 3; 6 types → one batch), no negative mining.
 * About 30 % of the samples of every (task, split) have empty labels.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { batchSchema } from "../src/data/batch-schema.ts";
import { uniqueRecords } from "../src/data/dedup.ts";
import { DEFAULT_SPLIT_NUM } from "../src/data/instances-to-samples.ts";
import {
  recordTypeName,
  SampleSchema,
  schemaItemName,
  type EeRecord,
  type EeSchemaItem,
  type IERecord,
  type SampleInput,
  type SchemaItem,
  type Split,
} from "../src/data/sample.ts";
import { createRng, type Rng } from "../src/util/random.ts";
import { ED } from "./gen/ed.ts";
import { EE } from "./gen/ee.ts";
import { LEXICON } from "./gen/lexicon.ts";
import { fill, parse } from "./gen/markup.ts";
import { NER } from "./gen/ner.ts";
import { RE } from "./gen/re.ts";
import { SF } from "./gen/sf.ts";
import type { Sentence, TaskContent } from "./gen/spec.ts";

const SEED = "ieopt-examples-v1";
const SPLIT_NUM = DEFAULT_SPLIT_NUM;
const SAMPLES_PER_TUNING_SPLIT = 40;
const FILLS_PER_TEMPLATE = 4;
const EMPTY_SHARE = 0.3;
export const CONTENTS: readonly TaskContent[] = [NER, RE, SF, ED, EE];
const TEST_LANGS = ["eng", "deu", "spa", "rus", "ara", "zho", "hin"] as const;

const HERE = dirname(fileURLToPath(import.meta.url));
export const DATA_DIR = join(HERE, "data");

interface Instance {
  instanceId: string;
  lang: string;
  split: Split;
  text: string;
  labels: IERecord[];
  present: Set<string>;
}

/** Turn one marked-up sentence into plain text + gold records. */
function annotate(c: TaskContent, s: Sentence, marked: string): { text: string; labels: IERecord[] } {
  const { text, spans } = parse(marked);
  const names = new Set(c.inventory.map((i) => schemaItemName(c.task, i)));
  const where = `${c.task}: ${marked}`;
  const labels: IERecord[] = [];
  if (c.task === "RE") {
    const byKey = new Map<string, string>();
    for (const sp of spans) for (const k of sp.tags) if (!byKey.has(k)) byKey.set(k, sp.text);
    for (const [h, rel, t] of s.rels ?? []) {
      const head = byKey.get(h);
      const tail = byKey.get(t);
      if (!head || !tail || !names.has(rel)) throw new Error(`bad relation ${h} ${rel} ${t} in ${where}`);
      labels.push({ head, tail, relation: rel });
    }
  } else if (c.task === "EE") {
    const roles = new Map(c.inventory.map((i) => [schemaItemName(c.task, i), typeof i === "string" ? [] : (i as EeSchemaItem).roles]));
    const events = new Map<string, EeRecord>();
    const args: { id: string; role: string; argument: string }[] = [];
    for (const sp of spans) {
      for (const tag of sp.tags) {
        const [type, id = "1"] = tag.split("#");
        if (names.has(type!)) {
          if (events.has(id)) throw new Error(`two triggers for event #${id} in ${where}`);
          events.set(id, { event_trigger: sp.text, event_type: type!, arguments: [] });
        } else {
          const [role, rid = "1"] = tag.split("@");
          args.push({ id: rid, role: role!, argument: sp.text });
        }
      }
    }
    for (const a of args) {
      const ev = events.get(a.id);
      if (!ev) throw new Error(`argument ${a.role}@${a.id} without a trigger in ${where}`);
      if (!roles.get(ev.event_type)!.includes(a.role)) throw new Error(`role ${a.role} not in ${ev.event_type} in ${where}`);
      ev.arguments.push({ role: a.role, argument: a.argument });
    }
    labels.push(...[...events.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, e]) => e));
  } else {
    for (const sp of spans) {
      for (const tag of sp.tags) {
        if (!names.has(tag)) throw new Error(`unknown type '${tag}' in ${where}`);
        if (c.task === "NER") labels.push({ entity: sp.text, entity_type: tag });
        else if (c.task === "SF") labels.push({ slot: sp.text, slot_type: tag });
        else labels.push({ event_trigger: sp.text, event_type: tag });
      }
    }
  }
  // Unique labels within a text (method §2).
  return { text, labels: uniqueRecords(labels) };
}

function makeSample(c: TaskContent, inst: Instance, k: number, batch: readonly string[]): SampleInput {
  const items = new Map(c.inventory.map((i) => [schemaItemName(c.task, i), i] as const));
  const inBatch = new Set(batch);
  const schema: SchemaItem[] = batch.map((n) => items.get(n)!);
  const descriptions = Object.fromEntries(Object.entries(c.descriptions).filter(([n]) => inBatch.has(n)));
  return {
    id: `${inst.instanceId}-${k}`,
    instance_id: inst.instanceId,
    dataset: `ex-${c.task.toLowerCase()}`,
    lang: inst.lang,
    task: c.task,
    split: inst.split,
    text: inst.text,
    schema,
    labels: inst.labels.filter((l) => inBatch.has(recordTypeName(c.task, l)!)),
    ...(Object.keys(descriptions).length > 0 ? { schema_descriptions: descriptions } : {}),
  } as SampleInput;
}

/** English tuning instances: every template filled up to FILLS_PER_TEMPLATE times, shuffled. */
function tuningPool(c: TaskContent, rng: Rng): { text: string; labels: IERecord[] }[] {
  const seen = new Set<string>();
  const pool: { text: string; labels: IERecord[] }[] = [];
  c.templates.forEach((s, ti) => {
    const r = rng.fork(`template-${ti}`);
    let made = 0;
    // More fills for templates with more placeholders (a one-slot template repeated four
    // times reads like a list); one without placeholders yields one text.
    const slots = (s.t.match(/\{[a-z_]/g) ?? []).length;
    const want = Math.min(FILLS_PER_TEMPLATE, slots + 1);
    for (let attempt = 0; attempt < want * 3 && made < want; attempt++) {
      const ann = annotate(c, s, fill(s.t, LEXICON, c.defaults, r));
      if (seen.has(ann.text)) continue;
      seen.add(ann.text);
      pool.push(ann);
      made++;
    }
  });
  return rng.shuffle(pool);
}

interface Counter {
  total: number;
  empty: number;
}

/** train/dev samples of one instance: mined negatives, sometimes a second all-negative batch. */
function tuningSamples(c: TaskContent, inst: Instance, rng: Rng, counter: Counter): SampleInput[] {
  const all = c.inventory.map((i) => schemaItemName(c.task, i));
  const present = all.filter((n) => inst.present.has(n));
  const absent = all.filter((n) => !inst.present.has(n));
  let batches: string[][];
  if (present.length === 0) {
    batches = [rng.sample(absent, rng.int(3, Math.min(6, absent.length)))];
  } else if (all.length > SPLIT_NUM && rng.next() < 0.2) {
    batches = batchSchema(rng.shuffle(all));
  } else {
    const companion = counter.empty + 1 <= EMPTY_SHARE * (counter.total + 2) && rng.next() < 0.75;
    const hard: string[] = [];
    for (const p of present) {
      const options = (c.similar[p] ?? []).filter((n) => !inst.present.has(n) && !hard.includes(n));
      if (options.length > 0 && rng.next() < 0.8) hard.push(rng.choice(options));
    }
    const cap = Math.min(SPLIT_NUM, companion ? all.length - 2 : all.length);
    const chosen = [...present, ...hard].slice(0, cap);
    const size = Math.max(chosen.length, Math.min(cap, rng.int(present.length + 1, SPLIT_NUM)));
    const rest = rng.sample(absent.filter((n) => !chosen.includes(n)), size - chosen.length);
    batches = [rng.shuffle([...chosen, ...rest])];
    if (companion) {
      const left = absent.filter((n) => !batches[0]!.includes(n));
      batches.push(rng.sample(left, rng.int(Math.min(2, left.length), Math.min(4, left.length))));
    }
  }
  const samples = batches.filter((b) => b.length > 0).map((b, i) => makeSample(c, inst, i + 1, b));
  counter.total += samples.length;
  counter.empty += samples.filter((s) => s.labels.length === 0).length;
  return samples;
}

/** test samples of one (task, language): whole schema, batched; ~30 % empty batches. */
function testSamples(c: TaskContent, insts: Instance[], rng: Rng): SampleInput[] {
  const all = c.inventory.map((i) => schemaItemName(c.task, i));
  if (all.length <= SPLIT_NUM) return insts.map((inst) => makeSample(c, inst, 1, rng.shuffle(all)));
  const batches = batchSchema(all);
  if (batches.length !== 2 || batches[1]!.length !== all.length - SPLIT_NUM) {
    throw new Error("test batching below assumes a 6 + short-batch split");
  }
  const tail = all.length - SPLIT_NUM;
  // Which instances get an all-absent second batch, so the empty share lands near 30 %.
  const forced = insts.reduce((n, i) => n + (i.present.size === 0 ? 2 : i.present.size === 1 ? 1 : 0), 0);
  const target = Math.round(EMPTY_SHARE * 2 * insts.length);
  const flexible = rng.shuffle(insts.filter((i) => i.present.size >= 2));
  const flagged = new Set(flexible.slice(0, Math.max(0, target - forced)));
  return insts.flatMap((inst) => {
    const present = rng.shuffle(all.filter((n) => inst.present.has(n)));
    const absent = rng.shuffle(all.filter((n) => !inst.present.has(n)));
    let second: string[];
    if (present.length === 0 || present.length === 1 || flagged.has(inst)) second = absent.slice(0, tail);
    else second = [present[0]!, ...absent.slice(0, tail - 1)];
    const first = rng.shuffle(all.filter((n) => !second.includes(n)));
    return [makeSample(c, inst, 1, first), makeSample(c, inst, 2, rng.shuffle(second))];
  });
}

function toInstance(c: TaskContent, split: Split, lang: string, n: number, ann: { text: string; labels: IERecord[] }): Instance {
  return {
    instanceId: `${c.task.toLowerCase()}-${split}-${lang}-${String(n).padStart(3, "0")}`,
    lang,
    split,
    text: ann.text,
    labels: ann.labels,
    present: new Set(ann.labels.map((l) => recordTypeName(c.task, l)!)),
  };
}

export function buildTask(c: TaskContent): Record<Split, SampleInput[]> {
  const rng = createRng(SEED).fork(c.task);
  const testTexts = new Set<string>();
  const test: SampleInput[] = [];
  for (const lang of TEST_LANGS) {
    const sentences = c.test[lang] ?? [];
    const insts = sentences.map((s, i) => toInstance(c, "test", lang, i + 1, annotate(c, s, s.t)));
    insts.forEach((i) => testTexts.add(i.text));
    test.push(...testSamples(c, insts, rng.fork(`test-${lang}`)));
  }
  // De-contamination: no tuning text may occur in test.
  const pool = tuningPool(c, rng.fork("pool")).filter((p) => !testTexts.has(p.text));
  const out: Record<Split, SampleInput[]> = { train: [], dev: [], test };
  let next = 0;
  for (const split of ["train", "dev"] as const) {
    const r = rng.fork(split);
    const counter: Counter = { total: 0, empty: 0 };
    let n = 0;
    while (out[split].length < SAMPLES_PER_TUNING_SPLIT) {
      const ann = pool[next++];
      if (!ann) throw new Error(`${c.task}: template pool exhausted in ${split}`);
      out[split].push(...tuningSamples(c, toInstance(c, split, "eng", ++n, ann), r, counter));
    }
  }
  if (process.env.EXAMPLES_DEBUG) console.error(`${c.task}: pool ${pool.length}, used ${next}`);
  return out;
}

function toJsonl(samples: readonly SampleInput[]): string {
  return samples.map((s) => JSON.stringify(s)).join("\n") + "\n";
}

function main(): void {
  const check = process.argv.includes("--check");
  const rows: string[] = [];
  let stale = 0;
  for (const c of CONTENTS) {
    const splits = buildTask(c);
    for (const split of ["train", "dev", "test"] as const) {
      const samples = splits[split];
      samples.forEach((s, i) => {
        const r = SampleSchema.safeParse(s);
        if (!r.success) throw new Error(`${c.task}/${split} sample ${i + 1} (${s.id}): ${r.error.message}`);
      });
      const file = join(DATA_DIR, c.task.toLowerCase(), `${split}.jsonl`);
      const body = toJsonl(samples);
      if (check) {
        let old = "";
        try {
          old = readFileSync(file, "utf8");
        } catch {
          /* missing counts as stale */
        }
        if (old !== body) {
          stale++;
          console.error(`stale: ${file}`);
        }
      } else {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, body);
      }
      const langs = new Map<string, number>();
      for (const s of samples) langs.set(s.lang, (langs.get(s.lang) ?? 0) + 1);
      const instances = new Set(samples.map((s) => s.instance_id)).size;
      const empty = samples.filter((s) => s.labels.length === 0).length;
      const perLang = [...langs].map(([l, n]) => `${l} ${n}`).join(", ");
      rows.push(
        `| ${c.task} | ${split} | ${samples.length} | ${instances} | ${empty} (${Math.round((100 * empty) / samples.length)} %) | ${perLang} |`,
      );
    }
  }
  if (check) {
    if (stale > 0) process.exit(1);
    console.log("examples/data is up to date");
    return;
  }
  console.log("| task | split | samples | instances | empty labels | samples per language |");
  console.log("|---|---|---|---|---|---|");
  for (const r of rows) console.log(r);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
