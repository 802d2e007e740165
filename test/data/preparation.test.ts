import { describe, expect, it } from "vitest";
import { isAmbiguousType, removeAmbiguousTypes } from "../../src/data/ambiguous.ts";
import { decontaminate, deduplicate, testTexts, uniqueRecords } from "../../src/data/dedup.ts";
import { instancesToSamples } from "../../src/data/instances-to-samples.ts";
import { mineSchemaNames, rankBySimilarity } from "../../src/data/negative-mining.ts";
import type { Sample } from "../../src/data/sample.ts";
import { charNgramSimilarity, embeddingSimilarity, schemaItemText } from "../../src/data/similarity.ts";
import { LIGHT_CAPS, sparsitySample } from "../../src/data/sparsity.ts";
import { createRng } from "../../src/util/random.ts";
import { sample } from "./helpers.ts";

const TYPES = ["t00", "t01", "t02", "t03", "t04", "t05", "t06", "t07", "t08", "t09", "t10", "t11", "t12"];

describe("instancesToSamples on test instances", () => {
  const instance = sample({
    id: "doc1",
    task: "SF",
    split: "test",
    text: "alpha beta",
    schema: TYPES,
    labels: [
      { slot: "alpha", slot_type: "t01" },
      { slot: "beta", slot_type: "t12" },
    ],
    schema_descriptions: { t01: "first", t07: "seventh" },
    intent: "x/y",
  } as never);

  it("batches every schema item in order, filtering labels and descriptions to the batch", () => {
    const out = instancesToSamples([instance]);
    expect(out.map((s) => s.id)).toEqual(["doc1#0", "doc1#1"]);
    expect(out.map((s) => s.schema)).toEqual([TYPES.slice(0, 6), TYPES.slice(6)]); // 13 → 6, 7
    expect(out[0]!.labels).toEqual([{ slot: "alpha", slot_type: "t01" }]);
    expect(out[1]!.labels).toEqual([{ slot: "beta", slot_type: "t12" }]);
    expect(out[0]!.schema_descriptions).toEqual({ t01: "first" });
    expect(out[1]!.schema_descriptions).toEqual({ t07: "seventh" });
    expect(out.every((s) => s.instance_id === "doc1" && (s as Record<string, unknown>).intent === "x/y")).toBe(true);
  });

  it("honours splitNum", () => {
    expect(instancesToSamples([instance], { splitNum: 5 }).map((s) => s.schema.length)).toEqual([5, 5, 3]); // 3 ≥ 5/2: kept
  });

  it("rejects data that is already batched (an instance on two lines)", () => {
    const batched = instancesToSamples([instance]);
    expect(() => instancesToSamples(batched)).toThrow(/instance 'doc1' appears more than once/);
  });
});

describe("negative schema mining (train/dev)", () => {
  const RELS = [
    "org:city_of_headquarters",
    "org:country_of_headquarters",
    "org:stateorprovince_of_headquarters",
    "per:spouse",
    "per:title",
    "per:origin",
    "org:founded",
    "org:members",
    "per:employee_of",
    "per:alternate_names",
  ];

  it("ranks by the similarity, ties in schema order", () => {
    const sim = { score: (a: string, b: string) => (a[0] === b[0] ? 1 : 0) };
    const ranked = rankBySimilarity(["ab", "cd", "ax", "ay"], undefined, sim);
    expect(ranked.get("ab")).toEqual(["ax", "ay", "cd"]);
    expect(ranked.get("cd")).toEqual(["ab", "ax", "ay"]);
  });

  it("the offline similarity puts related type names first", () => {
    const ranked = rankBySimilarity(RELS, undefined, charNgramSimilarity());
    expect(ranked.get("org:city_of_headquarters")!.slice(0, 2).sort()).toEqual(
      ["org:country_of_headquarters", "org:stateorprovince_of_headquarters"].sort(),
    );
    const sim = charNgramSimilarity();
    expect(sim.score("datetime", "recurring datetime")).toBeGreaterThan(sim.score("datetime", "album"));
    expect(schemaItemText("weather/attribute", "rain or sun")).toBe("weather attribute rain or sun");
  });

  it("embedding similarity is the cosine of the given vectors", () => {
    const sim = embeddingSimilarity(new Map([["a", [1, 0]], ["b", [1, 1]]]));
    expect(sim.score("a", "b")).toBeCloseTo(Math.SQRT1_2, 10);
    expect(() => sim.score("a", "zzz")).toThrow(/no embedding/);
  });

  it("keeps positives, adds the K most similar, then random negatives", () => {
    const ranked = rankBySimilarity(RELS, undefined, charNgramSimilarity());
    const positives = new Set(["org:city_of_headquarters"]);
    const onlyHard = mineSchemaNames(RELS, positives, ranked, { hardNegatives: 2, randomNegatives: 0 }, createRng(1));
    expect(onlyHard.sort()).toEqual(["org:city_of_headquarters", "org:country_of_headquarters", "org:stateorprovince_of_headquarters"].sort());
    const withRandom = mineSchemaNames(RELS, positives, ranked, { hardNegatives: 2, randomNegatives: 6 }, createRng(1));
    expect(withRandom).toHaveLength(9);
    expect(new Set(withRandom).size).toBe(9);
    expect(withRandom).toEqual(expect.arrayContaining(onlyHard));
  });

  it("random negatives are capped by what is left", () => {
    const ranked = rankBySimilarity(["a", "b", "c"], undefined, charNgramSimilarity());
    expect(mineSchemaNames(["a", "b", "c"], new Set(["a"]), ranked, { hardNegatives: 1, randomNegatives: 6 }, createRng(2)).sort()).toEqual(["a", "b", "c"]);
  });

  it("an instance without positives draws each item with p = 0.5, never none", () => {
    const names = Array.from({ length: 10 }, (_, i) => `type${i}`);
    const ranked = rankBySimilarity(names, undefined, charNgramSimilarity());
    const rng = createRng(7);
    const sizes = Array.from({ length: 400 }, () => mineSchemaNames(names, new Set(), ranked, { hardNegatives: 2, randomNegatives: 6 }, rng).length);
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    expect(mean).toBeGreaterThan(4.5); // Binomial(10, 0.5): mean 5, sd of the mean 0.08
    expect(mean).toBeLessThan(5.5);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
  });

  const train = (id: string, labels: { head: string; tail: string; relation: string }[]): Sample =>
    sample({ id, task: "RE", split: "train", text: "Ann works at Acme in Paris.", schema: RELS, labels });

  it("turns train instances into batched samples that keep every label", () => {
    const instances = [
      train("i1", [{ head: "Ann", tail: "Acme", relation: "per:employee_of" }]),
      train("i2", [
        { head: "Acme", tail: "Paris", relation: "org:city_of_headquarters" },
        { head: "Ann", tail: "Acme", relation: "per:employee_of" },
      ]),
      train("i3", []),
    ];
    const out = instancesToSamples(instances, { seed: 3 });
    for (const inst of instances) {
      const mine = out.filter((s) => s.instance_id === inst.instance_id);
      expect(mine.map((s) => s.id)).toEqual(mine.map((_, i) => `${inst.id}#${i}`));
      expect(mine.reduce((n, s) => n + s.labels.length, 0)).toBe(inst.labels.length);
      const names = mine.flatMap((s) => s.schema as string[]);
      expect(new Set(names).size).toBe(names.length);
      for (const s of mine) expect(s.labels.every((l) => (s.schema as string[]).includes((l as { relation: string }).relation))).toBe(true);
    }
    // i1: 1 positive + 2 hard + 6 random = 9 items → batches of 6 and 3.
    expect(out.filter((s) => s.instance_id === "i1").map((s) => s.schema.length)).toEqual([6, 3]);
  });

  it("is reproducible and does not depend on the other instances", () => {
    const a = train("a", [{ head: "Ann", tail: "Acme", relation: "per:employee_of" }]);
    const b = train("b", []);
    const once = instancesToSamples([a, b], { seed: 9 });
    expect(instancesToSamples([a, b], { seed: 9 })).toEqual(once);
    expect(instancesToSamples([b, a], { seed: 9 }).filter((s) => s.instance_id === "a")).toEqual(once.filter((s) => s.instance_id === "a"));
    expect(instancesToSamples([a], { seed: 10 })).not.toEqual(once.filter((s) => s.instance_id === "a"));
  });

  it("batches EE schema items (objects) and keeps their arguments", () => {
    const ee = sample({
      id: "e",
      task: "EE",
      split: "dev",
      lang: "zho",
      text: "苹果收购了Dialog。",
      schema: [
        { event_type: "收购", roles: ["sub-org", "obj-org"] },
        { event_type: "判决", roles: ["institution"] },
      ],
      labels: [{ event_trigger: "收购", event_type: "收购", arguments: [{ role: "sub-org", argument: "苹果" }] }],
    });
    const out = instancesToSamples([ee], { seed: 1 });
    expect(out).toHaveLength(1);
    expect(out[0]!.schema).toEqual(expect.arrayContaining([{ event_type: "收购", roles: ["sub-org", "obj-org"] }]));
    expect(out[0]!.labels).toEqual(ee.labels);
  });
});

describe("ambiguous types", () => {
  it("recognises Misc / Other / Other-X, not a relation that merely contains 'other'", () => {
    expect(["MISC", "Misc", "Other", "other-location", "Other_Person", "OTHERS"].every(isAmbiguousType)).toBe(true);
    expect(["PER", "per:other_family", "brother", "Mother"].some(isAmbiguousType)).toBe(false);
  });

  it("drops the types, their labels and descriptions; a sample left without schema is dropped", () => {
    const s = sample({
      id: "a",
      schema: ["person", "MISC"],
      labels: [
        { entity: "Alice", entity_type: "person" },
        { entity: "Paris", entity_type: "MISC" },
      ],
      schema_descriptions: { MISC: "anything else" },
    });
    const only = sample({ id: "b", schema: ["Other"], labels: [] });
    const out = removeAmbiguousTypes([s, only]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ schema: ["person"], labels: [{ entity: "Alice", entity_type: "person" }], schema_descriptions: {} });
  });
});

describe("sparsity-constrained sampling", () => {
  const labelled = [{ entity: "Alice", entity_type: "person" }];
  const group = (prefix: string, split: "train" | "dev" | "test", empty: number, nonEmpty: number, lang = "eng"): Sample[] => [
    ...Array.from({ length: empty }, (_, i) => sample({ id: `${prefix}e${i}`, split, lang })),
    ...Array.from({ length: nonEmpty }, (_, i) => sample({ id: `${prefix}h${i}`, split, lang, labels: labelled })),
  ];
  const caps = { train: { empty: 3, nonEmpty: 2 }, dev: { empty: 1, nonEmpty: 1 }, test: { empty: 100, nonEmpty: 100 } };

  it("has the LIGHT defaults", () => {
    expect(LIGHT_CAPS).toEqual({
      train: { empty: 10000, nonEmpty: 3000 },
      dev: { empty: 100, nonEmpty: 30 },
      test: { empty: 1000, nonEmpty: 300 },
    });
  });

  it("caps E and H separately per (task, split, lang, dataset), keeping input order", () => {
    const data = [...group("tr", "train", 5, 4), ...group("de", "train", 2, 1, "deu"), ...group("dv", "dev", 3, 3), ...group("te", "test", 4, 4)];
    const out = sparsitySample(data, { caps, seed: 1 });
    const count = (prefix: string, kind: string): number => out.filter((s) => s.id.startsWith(prefix + kind)).length;
    expect([count("tr", "e"), count("tr", "h")]).toEqual([3, 2]);
    expect([count("de", "e"), count("de", "h")]).toEqual([2, 1]); // another language: its own caps
    expect([count("dv", "e"), count("dv", "h")]).toEqual([1, 1]);
    expect([count("te", "e"), count("te", "h")]).toEqual([4, 4]);
    const positions = out.map((s) => data.indexOf(s));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(sparsitySample(data, { caps, seed: 1 })).toEqual(out);
  });

  it("with unit 'instance' keeps or drops whole instances", () => {
    const parts = (inst: string, withLabel: boolean): Sample[] => [
      sample({ id: `${inst}#0`, instance_id: inst, split: "dev" }),
      sample({ id: `${inst}#1`, instance_id: inst, split: "dev", labels: withLabel ? labelled : [] }),
    ];
    const data = [...parts("a", true), ...parts("b", true), ...parts("c", false), ...parts("d", false)];
    const out = sparsitySample(data, { caps, seed: 4, unit: "instance" });
    expect(out).toHaveLength(4); // one H instance and one E instance, two samples each
    const kept = new Set(out.map((s) => s.instance_id));
    expect(kept.size).toBe(2);
    for (const id of kept) expect(out.filter((s) => s.instance_id === id)).toHaveLength(2);
  });
});

describe("de-duplication and de-contamination", () => {
  it("removes repeated labels within a text and repeated (text, labels) samples", () => {
    const a = sample({
      id: "a",
      split: "train",
      labels: [
        { entity: "Alice", entity_type: "person" },
        { entity: "Alice", entity_type: "person" },
      ],
    });
    const b = sample({ id: "b", split: "train", labels: [{ entity: "Alice", entity_type: "person" }] });
    const c = sample({ id: "c", split: "dev", labels: [{ entity: "Alice", entity_type: "person" }] });
    const result = deduplicate([a, b, c]);
    expect(result.samples.map((s) => s.id)).toEqual(["a", "c"]); // c: another split, left to de-contamination
    expect(result.samples[0]!.labels).toHaveLength(1);
    expect(result).toMatchObject({ labelsRemoved: 1, samplesRemoved: 1 });
  });

  it("uniqueRecords keeps first occurrences and ignores key order", () => {
    const records = [{ entity: "Alice", entity_type: "person" }, { entity_type: "person", entity: "Alice" }, { entity: "Bob", entity_type: "person" }];
    expect(uniqueRecords(records)).toEqual([records[0], records[2]]);
  });

  it("label order does not make samples different", () => {
    const l1 = { entity: "Alice", entity_type: "person" };
    const l2 = { entity: "Paris", entity_type: "location" };
    const out = deduplicate([sample({ id: "a", labels: [l1, l2] }), sample({ id: "b", labels: [l2, l1] })]);
    expect(out.samples.map((s) => s.id)).toEqual(["a"]);
  });

  it("drops train/dev samples whose text is in a test split, modulo spacing", () => {
    const test = sample({ id: "t", split: "test", text: "Alice met Bob in Paris." });
    const trainCopy = sample({ id: "x", split: "train", text: "Alice  met Bob in Paris. " });
    const devOther = sample({ id: "y", split: "dev", text: "Bob met Alice.", schema: ["person"] });
    const result = decontaminate([test, trainCopy, devOther], testTexts([test]));
    expect(result.samples.map((s) => s.id)).toEqual(["t", "y"]);
    expect(result.removed).toBe(1);
  });
});
