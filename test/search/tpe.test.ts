import { describe, expect, it } from "vitest";
import { RandomSampler } from "../../src/search/sampler.ts";
import { categorical, float, int } from "../../src/search/space.ts";
import type { SearchSpace } from "../../src/search/space.ts";
import { Study } from "../../src/search/study.ts";
import { TPESampler, splitTrials, withRunning } from "../../src/search/tpe.ts";
import type { FrozenTrial } from "../../src/search/trial.ts";

const ten = Array.from({ length: 10 }, (_, i) => i);
const space: SearchSpace = { instruction: categorical(ten), demos: categorical(ten) };

/** Easy additive objective: instruction 3 is clearly best, demos 7 helps. */
function easy(params: Record<string, unknown>): number {
  return (params.instruction === 3 ? 0.5 : 0) + (params.demos === 7 ? 0.3 : 0) + 0.01 * (params.instruction as number);
}

function complete(number: number, params: Record<string, string | number>, value: number): FrozenTrial {
  return { number, state: "complete", params, value };
}

describe("splitTrials", () => {
  const trials = [complete(0, {}, 0.2), complete(1, {}, 0.9), complete(2, {}, 0.5), complete(3, {}, 0.9), complete(4, {}, 0.1)];

  it("puts the best nBelow in below, both sides in trial order", () => {
    const max = splitTrials(trials, 2, "maximize");
    expect(max.below.map((t) => t.number)).toEqual([1, 3]);
    expect(max.above.map((t) => t.number)).toEqual([0, 2, 4]);
    const min = splitTrials(trials, 2, "minimize");
    expect(min.below.map((t) => t.number)).toEqual([0, 4]);
    expect(min.above.map((t) => t.number)).toEqual([1, 2, 3]);
  });

  it("breaks ties by trial number (stable sort) and caps nBelow", () => {
    expect(splitTrials(trials, 1, "maximize").below.map((t) => t.number)).toEqual([1]);
    expect(splitTrials(trials, 99, "maximize").above).toEqual([]);
  });
});

describe("TPESampler", () => {
  it("samples exactly like RandomSampler (same seed) during startup", () => {
    const tpe = new Study({ sampler: new TPESampler({ seed: 7 }), direction: "maximize", space });
    const rnd = new Study({ sampler: new RandomSampler({ seed: 7 }), direction: "maximize", space });
    for (let i = 0; i < 10; i++) {
      const a = tpe.ask();
      const b = rnd.ask();
      expect(a).toEqual(b);
      tpe.tell(a.number, easy(a.params));
      rnd.tell(b.number, easy(b.params));
    }
  });

  it("concentrates on the good region of an easy categorical objective after startup", () => {
    const shares: number[] = [];
    for (const seed of [0, 1, 2, 3, 4]) {
      const study = new Study({ sampler: new TPESampler({ seed }), direction: "maximize", space });
      for (let i = 0; i < 40; i++) {
        const { number, params } = study.ask();
        study.tell(number, easy(params));
      }
      const late = study.trials.slice(20);
      shares.push(late.filter((t) => t.params.instruction === 3).length / late.length);
    }
    // Random would pick instruction 3 in 10% of trials.
    for (const s of shares) expect(s).toBeGreaterThanOrEqual(0.35);
    expect(shares.reduce((a, b) => a + b, 0) / shares.length).toBeGreaterThanOrEqual(0.45);
  });

  it("respects the direction: minimizing the same objective avoids instruction 3", () => {
    const study = new Study({ sampler: new TPESampler({ seed: 0 }), direction: "minimize", space });
    for (let i = 0; i < 40; i++) {
      const { number, params } = study.ask();
      study.tell(number, easy(params));
    }
    const late = study.trials.slice(20);
    expect(late.filter((t) => t.params.instruction === 3).length).toBeLessThanOrEqual(2);
  });

  it("picks the choice with the best l/g ratio (one parameter, clear-cut history)", () => {
    // 12 trials: choice 2 always scored 1, the others 0. With γ(12) = 2, below = two trials on
    // choice 2, so l puts 5/7·… mass on 2 and g (ten trials on 0, 1, 3) has only prior mass there.
    const sp = { x: categorical(["a", "b", "c", "d"]) };
    const hist: FrozenTrial[] = [];
    const order = ["a", "b", "c", "d", "a", "b", "c", "d", "a", "b", "d", "a"];
    order.forEach((x, i) => hist.push(complete(i, { x }, x === "c" ? 1 : 0)));
    const sampler = new TPESampler({ seed: 3 });
    for (let n = 12; n < 20; n++) expect(sampler.sample(sp, hist, n, "maximize")).toEqual({ x: "c" });
  });

  it("ignores failed trials (no startup credit, no model input) and running trials", () => {
    const failed: FrozenTrial[] = Array.from({ length: 12 }, (_, i) => ({ number: i, state: "failed", params: { instruction: 3, demos: 7 } }));
    const tpe = new TPESampler({ seed: 5 });
    const rnd = new RandomSampler({ seed: 5 });
    // Twelve failures still count as zero completed trials: random startup.
    expect(tpe.sample(space, failed, 12, "maximize")).toEqual(rnd.sample(space, failed, 12));

    const hist: FrozenTrial[] = [];
    for (let i = 0; i < 15; i++) hist.push(complete(i, { instruction: i % 10, demos: (i * 3) % 10 }, (i * 7) % 5));
    const base = tpe.sample(space, hist, 15, "maximize");
    const noisy: FrozenTrial[] = [
      ...hist,
      { number: 15, state: "failed", params: { instruction: 9, demos: 9 } },
      { number: 16, state: "running", params: { instruction: 9, demos: 9 } },
    ];
    expect(tpe.sample(space, noisy, 15, "maximize")).toEqual(base);
  });

  it("skips trials whose params are outside the current space and fills single-valued params", () => {
    const hist: FrozenTrial[] = [];
    for (let i = 0; i < 12; i++) hist.push(complete(i, { instruction: i % 10, demos: 99 }, i));
    const sp = { ...space, fixed: categorical(["only"]), k: int(5, 5) };
    const out = new TPESampler({ seed: 1 }).sample(sp, hist, 12, "maximize");
    expect(Object.keys(out)).toEqual(["instruction", "demos", "fixed", "k"]);
    expect(out.fixed).toBe("only");
    expect(out.k).toBe(5);
    expect(ten).toContain(out.instruction);
  });

  it("handles int and float parameters, jointly and independently", () => {
    const sp = { n: int(1, 64, { log: true }), lr: float(1e-4, 1, { log: true }), s: int(0, 20, { step: 5 }), c: categorical(["u", "v"]) };
    const objective = (p: Record<string, unknown>) =>
      Math.abs(Math.log((p.lr as number) / 0.01)) + Math.abs(Math.log((p.n as number) / 8)) + (p.s === 10 ? 0 : 1);
    /** Mean objective over trials 15..29, averaged over three seeds. */
    const lateMean = (make: (seed: number) => TPESampler | RandomSampler) => {
      let sum = 0;
      for (const seed of [0, 1, 2]) {
        const study = new Study({ sampler: make(seed), direction: "minimize", space: sp });
        for (let i = 0; i < 30; i++) {
          const { number, params } = study.ask();
          study.tell(number, objective(params));
        }
        for (const t of study.trials) {
          const { n, lr, s, c } = t.params as { n: number; lr: number; s: number; c: string };
          expect(Number.isInteger(n) && n >= 1 && n <= 64).toBe(true);
          expect(lr >= 1e-4 && lr <= 1).toBe(true);
          expect([0, 5, 10, 15, 20]).toContain(s);
          expect(["u", "v"]).toContain(c);
        }
        sum += study.trials.slice(15).reduce((a, t) => a + (t.value as number), 0) / 15;
      }
      return sum / 3;
    };
    const random = lateMean((seed) => new RandomSampler({ seed }));
    expect(lateMean((seed) => new TPESampler({ seed }))).toBeLessThan(0.8 * random);
    expect(lateMean((seed) => new TPESampler({ seed, multivariate: false }))).toBeLessThan(0.8 * random);
  });

  it("is a pure function of (space, trials, number)", () => {
    const hist: FrozenTrial[] = [];
    for (let i = 0; i < 14; i++) hist.push(complete(i, { instruction: (i * 3) % 10, demos: i % 10 }, easy({ instruction: (i * 3) % 10, demos: i % 10 })));
    const a = new TPESampler({ seed: "s" });
    const b = new TPESampler({ seed: "s" });
    expect(a.sample(space, hist, 14, "maximize")).toEqual(b.sample(space, hist, 14, "maximize"));
    expect(a.sample(space, hist, 14, "maximize")).toEqual(a.sample(space, hist, 14, "maximize"));
  });

  it("rejects bad options", () => {
    expect(() => new TPESampler({ seed: 0, nStartupTrials: -1 })).toThrow(/nStartupTrials/);
    expect(() => new TPESampler({ seed: 0, nEiCandidates: 0 })).toThrow(/nEiCandidates/);
    expect(() => new TPESampler({ seed: 0, priorWeight: -1 })).toThrow(/priorWeight/);
  });
});

describe("TPESampler constant liar", () => {
  /** Asks after 20 told trials, then `inFlight` more asks without telling: how many repeat a running trial's params. */
  function duplicatesOfRunning(constantLiar: boolean, seed: number, inFlight: number): number {
    const study = new Study({ sampler: new TPESampler({ seed, constantLiar }), direction: "maximize", space });
    for (let i = 0; i < 20; i++) {
      const { number, params } = study.ask();
      study.tell(number, easy(params));
    }
    const running: string[] = [];
    let duplicates = 0;
    for (let i = 0; i < inFlight; i++) {
      const key = JSON.stringify(study.ask().params);
      if (running.includes(key)) duplicates++;
      running.push(key);
    }
    return duplicates;
  }

  it("counts running trials as the worst observations, so parallel asks repeat each other less", () => {
    let withLiar = 0;
    let without = 0;
    for (let seed = 0; seed < 20; seed++) {
      withLiar += duplicatesOfRunning(true, seed, 4);
      without += duplicatesOfRunning(false, seed, 4);
    }
    expect(without).toBeGreaterThan(0);
    expect(withLiar).toBeLessThan(without / 2);
  });

  it("changes nothing when no trial is running (sequential asks are plain TPE)", () => {
    const run = (constantLiar: boolean) => {
      const study = new Study({ sampler: new TPESampler({ seed: 3, constantLiar }), direction: "maximize", space });
      for (let i = 0; i < 25; i++) {
        const { number, params } = study.ask();
        study.tell(number, easy(params));
      }
      return study.trials.map((t) => t.params);
    };
    expect(run(true)).toEqual(run(false));
  });

  it("withRunning adds the other running trials to above, in number order", () => {
    const above = [complete(0, {}, 0.1), complete(3, {}, 0.2)];
    const trials: FrozenTrial[] = [...above, { number: 2, state: "running", params: {} }, { number: 4, state: "running", params: {} }, { number: 1, state: "failed", params: {} }];
    expect(withRunning(above, trials, 4).map((t) => t.number)).toEqual([0, 2, 3]);
    expect(withRunning(above, trials, 5).map((t) => t.number)).toEqual([0, 2, 3, 4]);
  });
});
