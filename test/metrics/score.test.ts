import { describe, expect, it } from "vitest";
import { SampleSchema, type Sample, type SampleInput } from "../../src/data/sample.ts";
import { UserInputError } from "../../src/errors.ts";
import { scorePredictions, type SampleOutcome } from "../../src/metrics/score.ts";

function nerSample(id: string, lang: string, text: string, labels: [string, string][], extra: Partial<SampleInput> = {}): Sample {
  return SampleSchema.parse({
    id,
    dataset: "toy",
    lang,
    task: "NER",
    split: "test",
    text,
    schema: [...new Set(["person", "location", ...labels.map(([, t]) => t)])],
    labels: labels.map(([entity, entity_type]) => ({ entity, entity_type })),
    ...extra,
  });
}

describe("scorePredictions", () => {
  const samples = [
    nerSample("s1", "eng", "Mr Bure met Ann.", [["Bure", "person"]]),
    nerSample("s2", "deu", "Ann lebt in Paris.", [["Paris", "location"]]),
    nerSample("s3", "deu", "Nichts hier.", []),
  ];

  it("scores per sample, per instance and in aggregate; a missing prediction is a failure", () => {
    const outcomes = new Map<string, SampleOutcome>([
      ["s1", { records: [{ entity: "Mr Bure", entity_type: "person" }] }], // LF1 4/7, F1 0
      ["s2", { records: [{ entity: "Paris", entity_type: "location" }] }], // 1, 1
      // s3: no prediction → failure, 0 even though gold is empty
    ]);
    const r = scorePredictions(samples, outcomes);
    expect(r.perSample.map((s) => s.lf1)).toEqual([expect.closeTo(4 / 7, 12), 1, 0]);
    expect(r.perSample[2]).toMatchObject({ id: "s3", failure: "no prediction", lf1: 0, f1: 0 });
    expect(r.failures).toEqual([{ id: "s3", reason: "no prediction" }]);
    expect(r.perInstance).toHaveLength(3);
    // overall LF1 = (4/7 + 1 + 0)/3 · 100 = 1100/21 ≈ 52.38; F1 = (0 + 1 + 0)/3 · 100
    expect(r.summary.overall.lf1).toBeCloseTo(1100 / 21, 10);
    expect(r.summary.overall.f1).toBeCloseTo(100 / 3, 10);
    expect(r.summary.overall).toMatchObject({ instances: 3, samples: 3, failures: 1 });
    // non-English = s2, s3 → (1 + 0)/2 = 50
    expect(r.summary.non_english.lf1).toBeCloseTo(50, 10);
    expect(r.summary.by_lang.eng!.lf1).toBeCloseTo(400 / 7, 10);
  });

  it("pools batched samples of one instance", () => {
    // One text, schema split into two samples sharing instance_id "t".
    const text = "Mr Bure flew to Paris and Lyon.";
    const batched = [
      nerSample("t#0", "eng", text, [["Bure", "person"]], { instance_id: "t", schema: ["person"] }),
      nerSample("t#1", "eng", text, [["Paris", "location"], ["Lyon", "location"]], { instance_id: "t", schema: ["location"] }),
    ];
    const outcomes = new Map<string, SampleOutcome>([
      ["t#0", { records: [{ entity: "Mr Bure", entity_type: "person" }] }],
      ["t#1", { failure: "unparseable output" }],
    ]);
    const r = scorePredictions(batched, outcomes);
    // Y = {Mr Bure}, G = {Bure, Paris, Lyon}: P = 4/7, R = 4/21 → LF1 = 2/7
    expect(r.perInstance).toEqual([
      { instance_id: "t", task: "NER", dataset: "toy", lang: "eng", lf1: expect.closeTo(2 / 7, 12), f1: 0, samples: 2, failures: 1 },
    ]);
    expect(r.summary.overall.lf1).toBeCloseTo(200 / 7, 10);
    expect(r.summary.overall).toMatchObject({ instances: 1, samples: 2, failures: 1 });
    expect(r.failures).toEqual([{ id: "t#1", reason: "unparseable output" }]);
  });

  it("does not pool equal instance ids from different datasets", () => {
    const a = nerSample("a", "eng", "Bure", [["Bure", "person"]], { instance_id: "1", dataset: "d1" });
    const b = nerSample("b", "eng", "Bure", [["Bure", "person"]], { instance_id: "1", dataset: "d2" });
    const r = scorePredictions([a, b], new Map());
    expect(r.perInstance).toHaveLength(2);
  });

  it("rejects duplicate sample ids and predictions for unknown ids", () => {
    expect(() => scorePredictions([samples[0]!, samples[0]!], new Map())).toThrow(UserInputError);
    expect(() => scorePredictions(samples, new Map([["nope", { records: [] }]]))).toThrow(/not gold samples: 'nope'/);
  });
});
