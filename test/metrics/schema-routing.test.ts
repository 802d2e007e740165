/**
 * The two LF1 scoring decisions of method.md §3, with hand-computed values:
 * (1) a predicted type not in its own sample's schema counts in P with similarity 0 and
 *     earns no recall, even from gold of another batch of the same instance;
 * (2) type names are matched to the sample's schema items after NFC, trim and
 *     case-folding, identically for raw `output` and `records` predictions.
 */
import { describe, expect, it } from "vitest";
import type { EeRecord, NerRecord, Sample, SchemaItem } from "../../src/data/sample.ts";
import { scoreInstance, scoreSample } from "../../src/metrics/lf1.ts";
import { foldTypeName, toUnits } from "../../src/metrics/routing.ts";
import { scorePredictions, type SampleOutcome } from "../../src/metrics/score.ts";
import { InstanceScorer } from "../../src/eval/instance-scorer.ts";
import { instanceKey, type InstanceIndex } from "../../src/eval/eval-data.ts";
import { metricByName } from "../../src/eval/metric.ts";
import { getProgram } from "../../programs/index.ts";

const ner = (entity: string, entity_type: string): NerRecord => ({ entity, entity_type });
const ee = (event_trigger: string, event_type: string, args: [string, string][] = []): EeRecord => ({
  event_trigger,
  event_type,
  arguments: args.map(([role, argument]) => ({ role, argument })),
});

function nerSample(id: string, schema: string[], labels: NerRecord[], text = "Bure went to Paris and Lyon"): Sample {
  return { id, instance_id: "doc1", dataset: "toy", lang: "eng", task: "NER", split: "dev", text, schema, labels } as Sample;
}

// One instance, its schema batched in two: batch A asks for person, batch B for location.
const batchA = nerSample("doc1#0", ["person"], [ner("Bure", "person")]);
const batchB = nerSample("doc1#1", ["location"], [ner("Paris", "location")]);

describe("decision 1: a type outside the sample's own schema is wrong", () => {
  it("costs precision and earns no recall from another batch's gold (scoreInstance)", () => {
    // Batch A also names Paris/location, a type batch A did not ask for; batch B answers [].
    // Y = {Bure/person, Paris/out-of-schema}, G = {Bure/person, Paris/location}
    // P = (1 + 0)/2 = 1/2, R = (1 + 0)/2 = 1/2, LF1 = 1/2 (pooling without the rule gave 1).
    const s = scoreInstance("NER", [
      { pred: [ner("Bure", "person"), ner("Paris", "location")], gold: batchA.labels as NerRecord[], schema: batchA.schema },
      { pred: [], gold: batchB.labels as NerRecord[], schema: batchB.schema },
    ]);
    expect(s.soft).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(s.f1).toBe(0.5);
  });

  it("is the same in `ieopt score` (scorePredictions) and in the eval runner's streaming scorer", () => {
    const outcomes = new Map<string, SampleOutcome>([
      [batchA.id, { records: [ner("Bure", "person"), ner("Paris", "location")] }],
      [batchB.id, { records: [] }],
    ]);
    const report = scorePredictions([batchA, batchB], outcomes);
    expect(report.perInstance[0]!.lf1).toBe(0.5);
    // Per sample: A has Y = {Bure, Paris/oos}, G = {Bure}: P = 1/2, R = 1 → 2/3; B: G only → 0.
    expect(report.perSample[0]!.lf1).toBeCloseTo(2 / 3, 12);
    expect(report.perSample[1]!.lf1).toBe(0);

    const index: InstanceIndex = {
      task: "NER",
      files: [],
      splitNum: 6,
      instanceId: ["doc1"],
      lang: ["eng"],
      dataset: ["toy"],
      sampleCount: [2],
      position: new Map([[instanceKey(batchA), 0]]),
      sampleIds: new Set([batchA.id, batchB.id]),
      totalSamples: 2,
    } as InstanceIndex;
    const scorer = new InstanceScorer(index);
    scorer.add(batchA, { records: [ner("Bure", "person"), ner("Paris", "location")] });
    scorer.add(batchB, { records: [] });
    expect(scorer.scores.lf1[0]).toBe(0.5);
  });

  it("scores an invented type 0 inside one sample too (and the optimizer's μ agrees)", () => {
    // Y = {Bure/person, Bure/animal(oos)}, G = {Bure/person}: P = 1/2, R = 1, LF1 = 2/3.
    const pred = [ner("Bure", "person"), ner("Bure", "animal")];
    expect(scoreSample("NER", pred, [ner("Bure", "person")], ["person"]).lf1).toBeCloseTo(2 / 3, 12);
    expect(metricByName("lf1")("NER", pred, [ner("Bure", "person")], ["person"])).toBeCloseTo(2 / 3, 12);
  });

  it("keeps two invented types apart (they are two wrong units, not one)", () => {
    // Y = {Bure/person, Bure/animal, Bure/plant}: P = 1/3, R = 1 → LF1 = 2·(1/3)/(4/3) = 1/2.
    const pred = [ner("Bure", "person"), ner("Bure", "animal"), ner("Bure", "plant")];
    expect(scoreSample("NER", pred, [ner("Bure", "person")], ["person"]).lf1).toBeCloseTo(1 / 2, 12);
  });
});

describe("decision 2: type names match the schema after NFC, trim and case-folding", () => {
  it("folds case, whitespace, composition and ß", () => {
    expect(foldTypeName("  PERSON ")).toBe("person");
    expect(foldTypeName("Cafe\u0301")).toBe(foldTypeName("Caf\u00e9"));
    expect(foldTypeName("STRASSE")).toBe(foldTypeName("Straße"));
  });

  it("routes a differently written type to the schema item", () => {
    const schema: SchemaItem[] = ["Person", "Caf\u00e9", "Straße"];
    const gold = [ner("Bure", "Person"), ner("Mocca", "Caf\u00e9"), ner("Ring", "Straße")];
    const pred = [ner("Bure", " person "), ner("Mocca", "CAFE\u0301"), ner("Ring", "STRASSE")];
    expect(scoreSample("NER", pred, gold, schema)).toMatchObject({ lf1: 1, f1: 1 });
    // Units carry the schema's spelling.
    expect(toUnits("NER", pred, schema).map((u) => u.direction)).toEqual(toUnits("NER", gold).map((u) => u.direction));
  });

  it("matches EE event types and roles the same way", () => {
    const schema: SchemaItem[] = [{ event_type: "Attack", roles: ["target"] }];
    const gold = [ee("hit", "Attack", [["target", "Oslo"]])];
    // Trigger and argument both route: P = R = 1.
    expect(scoreSample("EE", [ee("hit", "ATTACK ", [["Target", "Oslo"]])], gold, schema).lf1).toBe(1);
    // A role that is not the event type's scores 0: Y = {hit, Oslo/victim}, G = {hit, Oslo/target} → 1/2.
    expect(scoreSample("EE", [ee("hit", "attack", [["victim", "Oslo"]])], gold, schema).lf1).toBe(0.5);
  });

  it("scores a raw output and the same records as a `records` prediction identically", () => {
    const sample = nerSample("s1", ["person", "location"], [ner("Bure", "person"), ner("Paris", "location")]);
    const output = JSON.stringify([
      { entity: "Bure", entity_type: "PERSON" },
      { entity: "Paris", entity_type: " Location" },
      { entity: "Lyon", entity_type: "city" },
    ]);
    const parsed = getProgram("NER").parse(output, { schema: sample.schema });
    expect(parsed.ok).toBe(true);
    const records = JSON.parse(output) as NerRecord[];
    const fromOutput = scorePredictions([sample], new Map([["s1", { records: parsed.ok ? parsed.records : [] }]]));
    const fromRecords = scorePredictions([sample], new Map([["s1", { records }]]));
    // Y = {Bure, Paris, Lyon/city(oos)}, G = {Bure, Paris}: P = 2/3, R = 1 → LF1 = 4/5.
    expect(fromOutput.perSample[0]!.lf1).toBeCloseTo(4 / 5, 12);
    expect(fromRecords.perSample[0]!.lf1).toBeCloseTo(4 / 5, 12);
  });
});
