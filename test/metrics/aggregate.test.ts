import { describe, expect, it } from "vitest";
import { aggregate, type InstanceResult } from "../../src/metrics/aggregate.ts";

const inst = (instance_id: string, lang: string, dataset: string, lf1: number, f1 = lf1, samples = 1, failures = 0): InstanceResult => ({
  instance_id,
  task: "NER",
  dataset,
  lang,
  lf1,
  f1,
  samples,
  failures,
});

describe("aggregate", () => {
  it("weights splits by their instance counts", () => {
    // split eng/ds1: 3 instances, LF1 1, 1, 0.4 → mean 0.8
    // split deu/ds2: 1 instance, LF1 0           → mean 0
    // overall = (3·0.8 + 1·0)/4 = 0.6 → 60 (a macro mean of splits would give 40)
    const s = aggregate([
      inst("a", "eng", "ds1", 1),
      inst("b", "eng", "ds1", 1),
      inst("c", "eng", "ds1", 0.4),
      inst("d", "deu", "ds2", 0, 0, 3, 2),
    ]);
    expect(s.overall.lf1).toBeCloseTo(60, 10);
    expect(s.overall).toMatchObject({ instances: 4, samples: 6, failures: 2 });
    expect(s.by_lang.eng!.lf1).toBeCloseTo(80, 10);
    expect(s.by_lang.deu).toMatchObject({ lf1: 0, f1: 0, instances: 1, samples: 3, failures: 2 });
    expect(s.by_dataset.ds1!.instances).toBe(3);
    expect(s.by_task.NER!.lf1).toBeCloseTo(60, 10);
    expect(s.non_english).toMatchObject({ lf1: 0, instances: 1 });
  });

  it("reports exact F1 alongside LF1", () => {
    // f1: (1 + 0)/2 = 0.5 → 50; lf1: (1 + 0.5)/2 = 0.75 → 75
    const s = aggregate([inst("a", "eng", "x", 1, 1), inst("b", "zho", "x", 0.5, 0)]);
    expect(s.overall.lf1).toBeCloseTo(75, 10);
    expect(s.overall.f1).toBeCloseTo(50, 10);
    expect(s.non_english.lf1).toBeCloseTo(50, 10);
  });

  it("gives an empty group null scores, not 0", () => {
    const s = aggregate([inst("a", "eng", "x", 1)]);
    expect(s.non_english).toEqual({ lf1: null, f1: null, instances: 0, samples: 0, failures: 0 });
    expect(aggregate([]).overall.lf1).toBeNull();
  });
});
