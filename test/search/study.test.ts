import { describe, expect, it } from "vitest";
import { UserInputError } from "../../src/errors.ts";
import { RandomSampler } from "../../src/search/sampler.ts";
import { categorical, float, int, validateSpace } from "../../src/search/space.ts";
import type { Params, SearchSpace } from "../../src/search/space.ts";
import { Study } from "../../src/search/study.ts";
import type { RestorableTrial } from "../../src/search/study.ts";
import { TPESampler } from "../../src/search/tpe.ts";

const space: SearchSpace = {
  instruction: categorical(["default", "concise", "stepwise", "bilingual", "schema-first", "terse"]),
  demos: categorical([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
};

/** Deterministic objective with an interaction and a failure mode (demo set 12 "crashes"). */
function objective(p: Params): number | { failed: true } {
  if (p.demos === 12) return { failed: true };
  const i = (space.instruction as { choices: readonly unknown[] }).choices.indexOf(p.instruction);
  return Math.sin(i * 1.7 + (p.demos as number)) + (p.instruction === "stepwise" && p.demos === 4 ? 2 : 0);
}

function run(study: Study, n: number): void {
  for (let k = 0; k < n; k++) {
    const { number, params } = study.ask();
    study.tell(number, objective(params));
  }
}

const tpeStudy = (seed: number | string = 11) => new Study({ sampler: new TPESampler({ seed }), direction: "maximize", space });

describe("Study ask/tell", () => {
  it("numbers trials, exposes choice values and records states", () => {
    const study = tpeStudy();
    const a = study.ask();
    const b = study.ask();
    expect([a.number, b.number]).toEqual([0, 1]);
    expect(space.instruction).toMatchObject({ choices: expect.arrayContaining([a.params.instruction]) });
    expect(typeof a.params.demos).toBe("number");
    expect(study.trials.map((t) => t.state)).toEqual(["running", "running"]);
    study.tell(b.number, 0.5);
    study.tell(a.number, { failed: true });
    expect(study.trials.map((t) => [t.number, t.state, t.value])).toEqual([
      [0, "failed", undefined],
      [1, "complete", 0.5],
    ]);
  });

  it("bestTrial follows the direction; ties go to the earliest trial", () => {
    for (const direction of ["maximize", "minimize"] as const) {
      const study = new Study({ sampler: new RandomSampler({ seed: 1 }), direction, space });
      expect(study.bestTrial).toBeUndefined();
      for (const v of [0.3, 0.9, 0.1, 0.9, 0.1]) study.tell(study.ask().number, v);
      study.tell(study.ask().number, { failed: true });
      expect(study.bestTrial?.number).toBe(direction === "maximize" ? 1 : 2);
    }
  });

  it("validates tell()", () => {
    const study = tpeStudy();
    const { number } = study.ask();
    expect(() => study.tell(99, 1)).toThrow(/no trial number 99/);
    expect(() => study.tell(number, "1" as unknown as number)).toThrow(/number or \{ failed: true \}/);
    study.tell(number, 1);
    expect(() => study.tell(number, 2)).toThrow(/already complete/);
    // NaN fails the trial, as in Optuna.
    const next = study.ask();
    expect(study.tell(next.number, NaN).state).toBe("failed");
  });

  it("needs a space and a direction", () => {
    const study = new Study({ sampler: new RandomSampler({ seed: 0 }), direction: "maximize" });
    expect(() => study.ask()).toThrow(/needs a search space/);
    expect(study.ask({ x: int(1, 3) }).params.x).toBeGreaterThanOrEqual(1);
    expect(() => new Study({ sampler: new RandomSampler({ seed: 0 }) } as never)).toThrow(/direction/);
  });

  it("enqueue() fixes the next trial's params (others sampled) and validates them", () => {
    const study = tpeStudy();
    study.enqueue({ instruction: "default" });
    const first = study.ask();
    expect(first.params.instruction).toBe("default");
    expect(first.params.demos).toEqual(expect.any(Number));
    study.enqueue({ instruction: "nope" });
    expect(() => study.ask()).toThrow(/not in its categorical distribution/);
  });
});

describe("reproducibility", () => {
  it("same seed → same asks; different seed → different asks", () => {
    const a = tpeStudy(3);
    const b = tpeStudy(3);
    const c = tpeStudy(4);
    run(a, 30);
    run(b, 30);
    run(c, 30);
    expect(b.trials).toEqual(a.trials);
    expect(c.trials.map((t) => t.params)).not.toEqual(a.trials.map((t) => t.params));
  });

  it("a study restored from its finished trials continues exactly like the uninterrupted one", () => {
    const full = tpeStudy(5);
    run(full, 35);

    const first = tpeStudy(5);
    run(first, 17);
    // The run is killed while trial 17 is being evaluated; the log holds finished trials only.
    first.ask();
    const log: RestorableTrial[] = JSON.parse(JSON.stringify(first.trials.filter((t) => t.state !== "running")));
    expect(log).toHaveLength(17);
    const resumed = Study.restore(log, { sampler: new TPESampler({ seed: 5 }), direction: "maximize", space });
    run(resumed, 18);
    expect(resumed.trials).toEqual(full.trials);
    expect(resumed.bestTrial).toEqual(full.bestTrial);
  });

  it("restore accepts null values for failed trials and checks its input", () => {
    const opts = { sampler: new RandomSampler({ seed: 0 }), direction: "maximize" as const, space };
    const p = { instruction: "default", demos: 1 };
    const s = Study.restore(
      [
        { number: 1, state: "complete", params: p, value: 0.4 },
        { number: 0, state: "failed", params: p, value: null },
      ],
      opts,
    );
    expect(s.trials.map((t) => t.number)).toEqual([0, 1]);
    expect(s.ask().number).toBe(2);
    expect(() => Study.restore([{ number: 0, state: "running", params: p }], opts)).toThrow(/drop unfinished trials/);
    expect(() => Study.restore([{ number: 0, state: "complete", params: p }], opts)).toThrow(/needs a numeric value/);
    expect(() =>
      Study.restore(
        [
          { number: 0, state: "failed", params: p },
          { number: 0, state: "failed", params: p },
        ],
        opts,
      ),
    ).toThrow(/duplicate/);
  });
});

describe("RandomSampler", () => {
  it("is uniform-ish over choices, ints and floats", () => {
    const sampler = new RandomSampler({ seed: "uniform" });
    const sp = { c: categorical(["a", "b", "c", "d", "e", "f"]), i: int(0, 20, { step: 5 }), f: float(-1, 1), g: float(1e-3, 10, { log: true }) };
    const n = 6000;
    const counts = new Map<unknown, number>();
    const ints = new Map<unknown, number>();
    let below0 = 0;
    let belowLogMid = 0;
    for (let t = 0; t < n; t++) {
      const p = sampler.sample(sp, [], t);
      counts.set(p.c, (counts.get(p.c) ?? 0) + 1);
      ints.set(p.i, (ints.get(p.i) ?? 0) + 1);
      if ((p.f as number) < 0) below0++;
      if ((p.g as number) < 0.1) belowLogMid++; // log-midpoint of [1e-3, 10]
    }
    expect([...counts.keys()].sort()).toEqual(["a", "b", "c", "d", "e", "f"]);
    for (const c of counts.values()) expect(Math.abs(c - n / 6)).toBeLessThan(0.1 * (n / 6));
    expect([...ints.keys()].sort((a, b) => (a as number) - (b as number))).toEqual([0, 5, 10, 15, 20]);
    for (const c of ints.values()) expect(Math.abs(c - n / 5)).toBeLessThan(0.1 * (n / 5));
    expect(Math.abs(below0 / n - 0.5)).toBeLessThan(0.03);
    expect(Math.abs(belowLogMid / n - 0.5)).toBeLessThan(0.03);
  });

  it("depends only on (seed, trial number)", () => {
    const s = new RandomSampler({ seed: 9 });
    expect(s.sample(space, [], 4)).toEqual(new RandomSampler({ seed: 9 }).sample(space, [], 4));
    expect(s.sample(space, [], 4)).not.toEqual(s.sample(space, [], 5));
  });
});

describe("invalid search spaces give clear errors", () => {
  const bad: [string, unknown, RegExp][] = [
    ["empty choices", { x: { type: "categorical", choices: [] } }, /'x': categorical needs at least one choice/],
    ["duplicate choices", { x: { type: "categorical", choices: ["a", "a"] } }, /'x': duplicate choice "a"/],
    ["non-finite choice", { x: { type: "categorical", choices: [1, NaN] } }, /'x': choice NaN/],
    ["low > high", { x: { type: "int", low: 5, high: 1 } }, /'x': low \(5\) must be <= high \(1\)/],
    ["fractional int bounds", { x: { type: "int", low: 0.5, high: 2 } }, /'x': int bounds must be integers/],
    ["step not dividing range", { x: { type: "int", low: 0, high: 10, step: 3 } }, /multiple of step/],
    ["bad step", { x: { type: "int", low: 0, high: 10, step: 0 } }, /step must be a positive integer/],
    ["log int with low < 1", { x: { type: "int", low: 0, high: 10, log: true } }, /log-scale int requires low >= 1/],
    ["log float with low <= 0", { x: { type: "float", low: 0, high: 1, log: true } }, /log-scale float requires low > 0/],
    ["infinite float bound", { x: { type: "float", low: 0, high: Infinity } }, /bounds must be finite/],
    ["unknown type", { x: { type: "normal" } }, /'x': unknown distribution type "normal"/],
    ["not an object", [1, 2], /search space must be an object/],
  ];
  for (const [what, sp, msg] of bad) {
    it(what, () => {
      expect(() => validateSpace(sp as SearchSpace)).toThrow(UserInputError);
      expect(() => validateSpace(sp as SearchSpace)).toThrow(msg);
    });
  }

  it("helpers validate too, and ask() validates the space it is given", () => {
    expect(() => categorical([])).toThrow(/at least one choice/);
    expect(() => float(2, 1)).toThrow(/low \(2\) must be <= high \(1\)/);
    const study = tpeStudy();
    expect(() => study.ask({ y: { type: "int", low: 3, high: 1 } })).toThrow(/'y': low \(3\)/);
  });
});
