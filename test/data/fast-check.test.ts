/**
 * The fast path of the sample contract (src/data/fast-check.ts) never disagrees with zod:
 * a line it accepts comes out exactly as SampleSchema's parse (same JSON, key order
 * included); every line it declines goes to zod, so a bad line is explained with zod's
 * messages, identical to a zod-only read.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fastPredictionLine, fastRecords, fastRecordsAsIs, fastSample, fastScoredSample } from "../../src/data/fast-check.ts";
import { toUnits } from "../../src/metrics/routing.ts";
import { scoredFields } from "../../src/metrics/score.ts";
import { readJsonl, readSamples } from "../../src/data/jsonl.ts";
import { parseRecords, PredictionLineSchema, SampleSchema } from "../../src/data/sample.ts";
import { createRng, type Rng } from "../../src/util/random.ts";
import { testTemp } from "../helpers/cli.ts";

const TEXT = "Ann Lee met Bo in Paris on Monday; the attack on Rome failed.";
const VALID: Record<string, unknown>[] = [
  { id: "n1", dataset: "d", lang: "eng", task: "NER", split: "test", text: TEXT, schema: ["person", "location"], labels: [{ entity: "Ann Lee", entity_type: "person" }, { entity: "Paris", entity_type: "location" }] },
  { id: "r1", instance_id: "i1", dataset: "d", lang: "deu", task: "RE", split: "train", text: TEXT, schema: ["met"], labels: [{ head: "Ann Lee", tail: "Bo", relation: "met" }], extra: { keep: [1, 2] } },
  { id: "s1", dataset: "d", lang: "fra", task: "SF", split: "dev", text: TEXT, schema: ["date"], labels: [{ slot: "Monday", slot_type: "date" }] },
  { zz: 1, id: "d1", dataset: "d", lang: "zho", task: "ED", split: "test", text: TEXT, schema: ["Attack", "Meet"], labels: [{ event_trigger: "attack", event_type: "Attack" }] },
  { id: "e1", dataset: "d", lang: "eng", task: "EE", split: "test", text: TEXT, schema: [{ event_type: "Attack", roles: ["target", "place"] }], labels: [{ event_trigger: "attack", event_type: "Attack", arguments: [{ role: "target", argument: "Rome" }] }] },
  { id: "e2", dataset: "d", lang: "eng", task: "EE", split: "test", text: TEXT, schema: [{ event_type: "Attack", roles: [] }], labels: [{ event_trigger: "attack", event_type: "Attack" }] },
];

/** One random change to a valid line: a field removed, retyped, emptied or made unusual. */
function mutate(line: Record<string, unknown>, rng: Rng): Record<string, unknown> {
  const copy = structuredClone(line) as Record<string, unknown>;
  const odd: unknown[] = ["", 0, null, [], {}, "xx", "ENG", "Paris", "valid", undefined, ["a"], [{}], [""], { roles: 1 }];
  // Pick a path: a top-level key, or inside schema / labels.
  const containers: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach((v, i) => (containers.push([value, i]), walk(v)));
    else if (value !== null && typeof value === "object") for (const k of Object.keys(value)) (containers.push([value as Record<string, unknown>, k]), walk((value as Record<string, unknown>)[k]));
  };
  walk(copy);
  const [container, key] = rng.choice(containers);
  const replacement = rng.choice(odd);
  if (replacement === undefined && !Array.isArray(container)) delete (container as Record<string, unknown>)[key as string];
  else (container as Record<string | number, unknown>)[key] = structuredClone(replacement);
  if (rng.next() < 0.1) copy.schema_descriptions = { person: "a person" };
  return copy;
}

describe("fastSample", () => {
  it("returns exactly zod's output for valid lines of every built-in task", () => {
    for (const line of VALID) {
      const fast = fastSample(structuredClone(line));
      expect(fast).toBeDefined();
      expect(JSON.stringify(fast)).toBe(JSON.stringify(SampleSchema.parse(structuredClone(line))));
    }
  });

  it("on 3,000 mutated lines: accepts only what zod accepts, and then returns zod's output", () => {
    const rng = createRng("fast-check");
    let accepted = 0;
    let declined = 0;
    for (let i = 0; i < 3000; i++) {
      const line = mutate(rng.choice(VALID), rng);
      const fast = fastSample(structuredClone(line));
      const zod = SampleSchema.safeParse(structuredClone(line));
      if (fast === undefined) {
        declined++;
        continue;
      }
      accepted++;
      expect(zod.success, JSON.stringify(line)).toBe(true);
      expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
    }
    expect(accepted).toBeGreaterThan(100);
    expect(declined).toBeGreaterThan(1000);
  });

  it("fastScoredSample accepts exactly what fastSample accepts, with the same scoring fields and units", () => {
    const rng = createRng("fast-scored");
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const line = mutate(rng.choice(VALID), rng);
      const full = fastSample(structuredClone(line));
      const light = fastScoredSample(structuredClone(line));
      expect(light === undefined, JSON.stringify(line)).toBe(full === undefined);
      if (full === undefined || light === undefined) continue;
      accepted++;
      const { labels: fullLabels, ...fields } = scoredFields(full);
      const { labels, ...lightFields } = light;
      expect(lightFields).toEqual(fields);
      expect(toUnits(light.task, labels)).toEqual(toUnits(full.task, fullLabels));
    }
    expect(accepted).toBeGreaterThan(100);
  });

  it("declines registered tasks, schema_descriptions and __proto__ keys (zod decides those)", () => {
    expect(fastSample({ ...structuredClone(VALID[0]!), task: "MYTASK" })).toBeUndefined();
    expect(fastSample({ ...structuredClone(VALID[0]!), schema_descriptions: { person: "x" } })).toBeUndefined();
    expect(fastSample(JSON.parse(JSON.stringify(VALID[0]!).replace("{", '{"__proto__":{"a":1},')))).toBeUndefined();
  });
});

describe("fast records and prediction lines", () => {
  it("fastRecords equals parseRecords on what it accepts, and declines what zod rejects", () => {
    const rng = createRng("fast-records");
    for (let i = 0; i < 2000; i++) {
      const line = mutate(rng.choice(VALID), rng);
      const task = String(VALID.find((v) => v.id === line.id)?.task ?? "NER");
      const items = Array.isArray(line.labels) ? line.labels : [];
      const fast = fastRecords(task, items);
      const zod = parseRecords(task, items);
      if (fast === undefined) continue;
      expect("records" in zod).toBe(true);
      expect(JSON.stringify(fast)).toBe(JSON.stringify((zod as { records: unknown }).records));
    }
  });

  it("fastRecordsAsIs accepts exactly what fastRecords accepts, and hands back the items themselves", () => {
    const rng = createRng("fast-records-as-is");
    for (let i = 0; i < 2000; i++) {
      const line = mutate(rng.choice(VALID), rng);
      const task = String(VALID.find((v) => v.id === line.id)?.task ?? "NER");
      const items = Array.isArray(line.labels) ? line.labels : [];
      const asIs = fastRecordsAsIs(task, items);
      expect(asIs === undefined).toBe(fastRecords(task, items) === undefined);
      if (asIs !== undefined) expect(asIs).toBe(items);
    }
  });

  it("fastPredictionLine accepts exactly the two line shapes", () => {
    for (const line of [{ id: "a", output: "x" }, { id: "a", records: [] }, { id: "a", output: 1, records: [] }]) {
      expect(fastPredictionLine(line)).toBe(line);
      expect(PredictionLineSchema.safeParse(line).success).toBe(true);
    }
    for (const line of [{ id: "", output: "x" }, { id: "a" }, { id: "a", output: 1 }, { id: 1, records: [] }, { id: "a", records: {} }]) {
      expect(fastPredictionLine(line as Record<string, unknown>)).toBeUndefined();
      expect(PredictionLineSchema.safeParse(line).success).toBe(false);
    }
  });
});

describe("reading files through the fast path", () => {
  it("explains every bad line with the same message as a zod-only read", async () => {
    const dir = testTemp();
    const rng = createRng("fast-messages");
    let compared = 0;
    for (let i = 0; i < 120; i++) {
      const line = mutate(rng.choice(VALID), rng);
      const file = join(dir, `f${i}.jsonl`);
      writeFileSync(file, JSON.stringify({ ...VALID[0], id: "first-line" }) + "\n" + JSON.stringify(line) + "\n");
      const viaFast = await readSamples(file).then(() => "ok", (e: Error) => e.message);
      const viaZod = await (async () => {
        for await (const _ of readJsonl(file, SampleSchema)) void _;
        return "ok";
      })().catch((e: Error) => e.message);
      expect(viaFast).toBe(viaZod);
      if (viaZod !== "ok") compared++;
    }
    expect(compared).toBeGreaterThan(40);
  });
});
