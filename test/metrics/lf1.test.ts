import { describe, expect, it } from "vitest";
import type { EeRecord, NerRecord, ReRecord } from "../../src/data/sample.ts";
import { scoreInstance, scoreSample, scoreUnits } from "../../src/metrics/lf1.ts";
import { toUnits } from "../../src/metrics/routing.ts";

const ner = (entity: string, entity_type: string): NerRecord => ({ entity, entity_type });
const re = (head: string, relation: string, tail: string): ReRecord => ({ head, tail, relation });
const ee = (event_trigger: string, event_type: string, args: [string, string][] = []): EeRecord => ({
  event_trigger,
  event_type,
  arguments: args.map(([role, argument]) => ({ role, argument })),
});

describe("routing", () => {
  it("de-duplicates units after normalization", () => {
    const units = toUnits("NER", [ner("Bure", "person"), ner(" Bure ", "person"), ner("Bure", "location")]);
    expect(units).toHaveLength(2);
  });

  it("gives EE triggers and arguments directions that never collide", () => {
    const units = toUnits("EE", [ee("hit", "Attack", [["target", "Oslo"], ["attacker", "rebels"]])]);
    expect(units.map((u) => u.direction)).toEqual([
      JSON.stringify(["trigger", "Attack"]),
      JSON.stringify(["arg", "Attack", "target"]),
      JSON.stringify(["arg", "Attack", "attacker"]),
    ]);
  });

  it("keeps RE head and tail as two parts of one unit", () => {
    expect(toUnits("RE", [re("Obama", "born_in", "Hawaii")])).toEqual([
      { direction: JSON.stringify(["relation", "born_in"]), parts: ["Obama", "Hawaii"] },
    ]);
  });
});

describe("scoreSample (NER)", () => {
  it("gives partial credit to a partial span", () => {
    // sim("Mr Bure", "Bure") = 1 − 3/7 = 4/7; one unit each side → P = R = LF1 = 4/7; exact 0
    const s = scoreSample("NER", [ner("Mr Bure", "person")], [ner("Bure", "person")]);
    expect(s.lf1).toBeCloseTo(4 / 7, 12);
    expect(s.soft.precision).toBeCloseTo(4 / 7, 12);
    expect(s.soft.recall).toBeCloseTo(4 / 7, 12);
    expect(s.f1).toBe(0);
  });

  it("scores a span under the wrong type 0 (it routes to nothing)", () => {
    const s = scoreSample("NER", [ner("Bure", "location")], [ner("Bure", "person")]);
    expect(s.lf1).toBe(0);
    expect(s.f1).toBe(0);
  });

  it("scores a failed (unparseable) output 0, even against empty gold", () => {
    expect(scoreSample("NER", null, [ner("Bure", "person")]).lf1).toBe(0);
    expect(scoreSample("NER", null, []).lf1).toBe(0);
    expect(scoreSample("NER", null, []).f1).toBe(0);
  });

  it("scores both-empty 1 and one-side-empty 0", () => {
    expect(scoreSample("NER", [], [])).toMatchObject({ lf1: 1, f1: 1 });
    expect(scoreSample("NER", [], [ner("Bure", "person")])).toMatchObject({ lf1: 0, f1: 0 });
    expect(scoreSample("NER", [ner("Bure", "person")], [])).toMatchObject({ lf1: 0, f1: 0 });
  });

  it("de-duplicates predictions before averaging", () => {
    // Y = {A/person, X/person} after dedup, G = {A/person}
    // P = (1 + sim("X","A")=0) / 2 = 1/2, R = 1 → F = 2·½·1 / (3/2) = 2/3
    // (without dedup P would be 2/3 and F 4/5)
    const s = scoreSample("NER", [ner("A", "person"), ner("A", "person"), ner("X", "person")], [ner("A", "person")]);
    expect(s.lf1).toBeCloseTo(2 / 3, 12);
    expect(s.f1).toBeCloseTo(2 / 3, 12);
  });

  it("treats NFC and NFD spellings as the same span", () => {
    const s = scoreSample("NER", [ner("Caf\u00e9", "org")], [ner("Cafe\u0301", "org")]);
    expect(s).toMatchObject({ lf1: 1, f1: 1 });
  });

  it("counts astral characters as one character", () => {
    // lev("😀a","a") = 1 over max 2 code points → sim 0.5 → P = R = LF1 = 0.5
    expect(scoreSample("NER", [ner("😀a", "emoji")], [ner("a", "emoji")]).lf1).toBe(0.5);
  });

  it("counts code points in every part of a unit with one astral part, and per character in the other", () => {
    // RE head "😀a" vs "a": 1 − 1/2 = 0.5; tail "Osla" vs "Oslo" (no surrogates): 1 − 1/4 = 0.75 → unit 0.625.
    // The second pair's units have no surrogates: "Bure" vs "Bur" 1 − 1/4, "Paris" = 1 → 0.875.
    const s = scoreSample(
      "RE",
      [re("😀a", "r", "Osla"), re("Bur", "q", "Paris")],
      [re("a", "r", "Oslo"), re("Bure", "q", "Paris")],
    );
    expect(s.soft.precision).toBeCloseTo((0.625 + 0.875) / 2, 12);
    expect(s.soft.recall).toBeCloseTo((0.625 + 0.875) / 2, 12);
  });

  it("scores CJK spans per character", () => {
    // lev("北京大学","北京") = 2, max 4 → 0.5
    expect(scoreSample("NER", [ner("北京大学", "地点")], [ner("北京", "地点")]).lf1).toBe(0.5);
  });

  it("separates exact F1 from soft LF1", () => {
    // soft: sim(Bure,Bure)=1, sim(Pari,Paris)=1−1/5=0.8 → P = R = (1+0.8)/2 = 0.9 → LF1 0.9
    // exact: 1 of 2 equal each side → P = R = F = 0.5
    const s = scoreSample("NER", [ner("Bure", "person"), ner("Pari", "location")], [ner("Bure", "person"), ner("Paris", "location")]);
    expect(s.lf1).toBeCloseTo(0.9, 12);
    expect(s.f1).toBeCloseTo(0.5, 12);
  });

  it("takes the best same-direction match on each side", () => {
    // Y = {Bure, Mr Bure}, G = {Bure} (all person)
    // P = (1 + 4/7)/2 = 11/14, R = max(1, 4/7) = 1 → F = 2·(11/14)/(11/14 + 1) = (22/14)/(25/14) = 22/25
    const s = scoreSample("NER", [ner("Bure", "person"), ner("Mr Bure", "person")], [ner("Bure", "person")]);
    expect(s.lf1).toBeCloseTo(22 / 25, 12);
  });
});

describe("scoreUnits", () => {
  it("exposes precision/recall per mode", () => {
    const pred = toUnits("NER", [ner("Bure", "person"), ner("Pari", "location")]);
    const gold = toUnits("NER", [ner("Bure", "person"), ner("Paris", "location"), ner("Lyon", "location")]);
    // soft P = (1 + 0.8)/2 = 0.9; soft R = (1 + 0.8 + sim(Pari,Lyon)=0)/3 = 0.6
    // sim(Pari, Lyon): no letter in common → lev 4, sim 0
    expect(scoreUnits(pred, gold, "soft").precision).toBeCloseTo(0.9, 12);
    expect(scoreUnits(pred, gold, "soft").recall).toBeCloseTo(0.6, 12);
    // F = 2·0.9·0.6/1.5 = 0.72
    expect(scoreUnits(pred, gold, "soft").f1).toBeCloseTo(0.72, 12);
    // exact P = 1/2, R = 1/3 → F = 2·(1/6)/(5/6) = 0.4
    expect(scoreUnits(pred, gold, "exact").f1).toBeCloseTo(0.4, 12);
  });
});

describe("large unit sets (hash de-duplication, direction index)", () => {
  it("scores the same as the small-set path", () => {
    // gold: 20 persons e0..e19; pred: the same 20 twice (de-duplicated to 20) plus "x"
    // as a location (routes to nothing). 21 × 20 = 420 pairs > the scan limit.
    // P = 20/21, R = 20/20 = 1 → F = 2·(20/21)/(41/21) = 40/41 (soft and exact alike)
    const names = Array.from({ length: 20 }, (_, i) => `e${i}`);
    const gold = names.map((n) => ner(n, "person"));
    const pred = [...gold, ...gold.map((r) => ({ ...r, entity: ` ${r.entity}` })), ner("x", "location")];
    expect(toUnits("NER", pred)).toHaveLength(21);
    const s = scoreSample("NER", pred, gold);
    expect(s.lf1).toBeCloseTo(40 / 41, 12);
    expect(s.f1).toBeCloseTo(40 / 41, 12);
  });
});

describe("scoreSample (RE)", () => {
  it("averages head and tail similarity within a relation", () => {
    // head: lev("Obama","Barack Obama") = 7, max 12 → 5/12; tail identical → 1
    // unit sim = (5/12 + 1)/2 = 17/24 → P = R = LF1 = 17/24; exact 0
    const s = scoreSample("RE", [re("Obama", "born_in", "Hawaii")], [re("Barack Obama", "born_in", "Hawaii")]);
    expect(s.lf1).toBeCloseTo(17 / 24, 12);
    expect(s.f1).toBe(0);
  });

  it("gives exact credit only when head and tail both match", () => {
    // soft: (1 + sim(Hawaii, Hawai) = 1 − 1/6) / 2 = 11/12; exact: not all parts equal → 0
    const s = scoreSample("RE", [re("Obama", "born_in", "Hawai")], [re("Obama", "born_in", "Hawaii")]);
    expect(s.lf1).toBeCloseTo(11 / 12, 12);
    expect(s.f1).toBe(0);
  });

  it("scores a triple under a different relation 0", () => {
    expect(scoreSample("RE", [re("Obama", "lives_in", "Hawaii")], [re("Obama", "born_in", "Hawaii")]).lf1).toBe(0);
  });

  it("does not swap head and tail for credit", () => {
    // Parts are compared in place: lev("Hawaii","Obama") = 5 ("H"→"Ob" 2, keep a, w→m 1,
    // keep a, delete "ii" 2), max 6 → 1/6 for both parts → unit sim 1/6 → LF1 = 1/6
    const s = scoreSample("RE", [re("Hawaii", "born_in", "Obama")], [re("Obama", "born_in", "Hawaii")]);
    expect(s.lf1).toBeCloseTo(1 / 6, 12);
    expect(s.f1).toBe(0);
  });
});

describe("scoreSample (EE)", () => {
  it("routes triggers by event type and arguments by (event type, role)", () => {
    // gold units: T(attacked), A(attacker: rebels), A(target: the village)
    // pred units: T(attacked), A(attacker: rebels), A(victim: the village) ← role mismatch
    // P = (1 + 1 + 0)/3 = 2/3, R = (1 + 1 + 0)/3 = 2/3 → LF1 = F1 = 2/3
    const gold = [ee("attacked", "Attack", [["attacker", "rebels"], ["target", "the village"]])];
    const pred = [ee("attacked", "Attack", [["attacker", "rebels"], ["victim", "the village"]])];
    const s = scoreSample("EE", pred, gold);
    expect(s.lf1).toBeCloseTo(2 / 3, 12);
    expect(s.f1).toBeCloseTo(2 / 3, 12);
  });

  it("never compares a trigger with an argument", () => {
    // pred T("Oslo") is only compared with gold T("hit"): no shared characters → lev 4/4 → 0.
    // Had it been compared with the argument "Oslo" it would score 1.
    const s = scoreSample("EE", [ee("Oslo", "Attack")], [ee("hit", "Attack", [["target", "Oslo"]])]);
    expect(s.lf1).toBe(0);
  });

  it("scores an event's arguments even when its trigger is off", () => {
    // gold: T(hit), A(target: Oslo); pred: T(hits), A(target: Oslo)
    // sim(hits, hit) = 1 − 1/4 = 3/4 → P = R = (3/4 + 1)/2 = 7/8 → LF1 7/8
    // exact: P = R = 1/2 (only the argument is equal)
    const s = scoreSample("EE", [ee("hits", "Attack", [["target", "Oslo"]])], [ee("hit", "Attack", [["target", "Oslo"]])]);
    expect(s.lf1).toBeCloseTo(7 / 8, 12);
    expect(s.f1).toBeCloseTo(0.5, 12);
  });
});

describe("scoreInstance (batched samples)", () => {
  const sample1 = { pred: [ner("Mr Bure", "person")], gold: [ner("Bure", "person")] };
  const sample2 = { pred: [ner("Paris", "location")], gold: [ner("Paris", "location"), ner("Lyon", "location")] };

  it("pools the units of all samples before scoring", () => {
    // Y = {Mr Bure/person, Paris/location}, G = {Bure/person, Paris/location, Lyon/location}
    // P = (4/7 + 1)/2 = 11/14; R = (4/7 + 1 + 0)/3 = 11/21
    // F = 2·(11/14)(11/21) / (11/14 + 11/21) = (242/294)/(55/42) = 22/35
    // (the mean of the two sample scores would be (4/7 + 2/3)/2 = 13/21 instead)
    const s = scoreInstance("NER", [sample1, sample2]);
    expect(s.lf1).toBeCloseTo(22 / 35, 12);
    // exact: P = 1/2 (Paris), R = 1/3 → F = 2·(1/6)/(5/6) = 2/5
    expect(s.f1).toBeCloseTo(2 / 5, 12);
  });

  it("keeps a failed sample's gold units and adds no predictions for it", () => {
    // sample2 failed: Y = {Mr Bure}, G = {Bure, Paris, Lyon}
    // P = 4/7, R = (4/7)/3 = 4/21 → F = 2·(16/147)/(16/21) = 2/7
    const s = scoreInstance("NER", [sample1, { pred: null, gold: sample2.gold }]);
    expect(s.lf1).toBeCloseTo(2 / 7, 12);
  });

  it("scores 0 when both pooled sets are empty but a sample failed", () => {
    expect(scoreInstance("NER", [{ pred: [], gold: [] }, { pred: null, gold: [] }]).lf1).toBe(0);
    expect(scoreInstance("NER", [{ pred: [], gold: [] }, { pred: [], gold: [] }]).lf1).toBe(1);
  });

  it("de-duplicates units repeated across samples", () => {
    // The same gold and prediction appear in both samples: pooled sets are {Bure} and {Bure}.
    const twice = { pred: [ner("Bure", "person")], gold: [ner("Bure", "person")] };
    expect(scoreInstance("NER", [twice, twice]).lf1).toBe(1);
  });
});
