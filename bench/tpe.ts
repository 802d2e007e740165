/**
 * TPE vs random search on synthetic problems shaped like ieopt's prompt search: 2–6
 * categorical parameters with 6–20 choices each, 50 trials.
 *
 * Families (a fresh random instance per seed; TPE and Random see the same instance and the
 * same noise draws):
 *  - additive:    f(x) = Σ_j u_j[x_j], u ~ N(0, 1)
 *  - interacting: additive + chain pairwise terms Σ_j w_j[x_j][x_{j+1}], w ~ N(0, 1)
 *  - noisy:       interacting, but every evaluation adds N(0, (0.2 · (best − worst))²) noise,
 *                 like scoring on a random minibatch
 * Chain interactions keep the true best/worst exactly computable by dynamic programming.
 *
 * Metric: normalized regret (f* − f(x̂)) / (f* − f_worst), where x̂ is the best-so-far trial by
 * *observed* score and f is the noiseless objective, at trials 10, 25 and 50.
 * Also: TPE with 4 trials in flight (asked as the optimizer's trial scheduler asks them), with
 * and without the constant liar, against sequential TPE at trial 50; and median ask()
 * latency with 50 and 1,000 finished trials.
 *
 * Run: node bench/tpe.ts   → bench/results/tpe.json
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { mean, median, sampleStandardDeviation } from "simple-statistics";
import { RandomSampler } from "../src/search/sampler.ts";
import { categorical } from "../src/search/space.ts";
import type { SearchSpace } from "../src/search/space.ts";
import { Study } from "../src/search/study.ts";
import type { RestorableTrial } from "../src/search/study.ts";
import { TPESampler } from "../src/search/tpe.ts";
import { createRng } from "../src/util/random.ts";
import type { Rng } from "../src/util/random.ts";

const SEEDS = 200;
const TRIALS = 50;
const CHECKPOINTS = [10, 25, 50] as const;
const FAMILIES = ["additive", "interacting", "noisy"] as const;
type Family = (typeof FAMILIES)[number];
const NOISE_FRACTION = 0.2;

function gaussian(rng: Rng): number {
  // Box–Muller; 1 − u keeps the log argument in (0, 1].
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

interface Problem {
  readonly sizes: number[];
  readonly unary: number[][];
  /** pair[j][a][b] couples parameters j and j + 1 (empty for additive problems). */
  readonly pair: number[][][];
  readonly best: number;
  readonly worst: number;
  readonly noiseSd: number;
  /** Standard deviation of f over uniformly random configurations (the "signal" spread). */
  readonly signalSd: number;
}

/** max (or min) of Σ unary + Σ chain pairs, by dynamic programming along the chain. */
function chainExtreme(unary: number[][], pair: number[][][], mode: "max" | "min"): number {
  const pick = mode === "max" ? Math.max : Math.min;
  // acc[c] = best total of parameters 0..j with parameter j set to c.
  let acc = unary[0]!.slice();
  for (let j = 1; j < unary.length; j++) {
    const w = pair[j - 1];
    const prev = acc;
    acc = unary[j]!.map((u, b) => u + pick(...prev.map((v, a) => v + (w ? w[a]![b]! : 0))));
  }
  return pick(...acc);
}

function makeProblem(family: Family, seed: number): Problem {
  const rng = createRng(`bench/tpe/${family}/${seed}/problem`);
  const d = rng.int(2, 6);
  const sizes = Array.from({ length: d }, () => rng.int(6, 20));
  const unary = sizes.map((k) => Array.from({ length: k }, () => gaussian(rng)));
  const pair =
    family === "additive" ? [] : sizes.slice(1).map((k, j) => Array.from({ length: sizes[j]! }, () => Array.from({ length: k }, () => gaussian(rng))));
  const best = chainExtreme(unary, pair, "max");
  const worst = chainExtreme(unary, pair, "min");
  const partial = { sizes, unary, pair };
  const probe = createRng(`bench/tpe/${family}/${seed}/probe`);
  const fs = Array.from({ length: 2000 }, () => trueValue(partial, sizes.map((k) => probe.int(0, k - 1))));
  const signalSd = sampleStandardDeviation(fs);
  return { ...partial, best, worst, noiseSd: family === "noisy" ? NOISE_FRACTION * (best - worst) : 0, signalSd };
}

function trueValue(p: Pick<Problem, "unary" | "pair">, x: readonly number[]): number {
  let v = 0;
  x.forEach((c, j) => {
    v += p.unary[j]![c]!;
    if (j > 0 && p.pair.length > 0) v += p.pair[j - 1]![x[j - 1]!]![c]!;
  });
  return v;
}

function spaceOf(p: Problem): SearchSpace {
  return Object.fromEntries(p.sizes.map((k, j) => [`p${j}`, categorical(Array.from({ length: k }, (_, i) => i))]));
}

/** How trials are run: one at a time, or `parallel` in flight as the optimizer runs them. */
interface Schedule {
  parallel: number;
  constantLiar: boolean;
}
const SEQUENTIAL: Schedule = { parallel: 1, constantLiar: true };
const BATCH = 4;

/**
 * Normalized regret at each checkpoint for one optimization run. With parallel > 1, trials
 * are asked and told as optimizers/trial-scheduler.ts does: trial k is asked right after
 * trial k − parallel is told, so parallel − 1 trials are running at every ask.
 */
function runOnce(p: Problem, family: Family, seed: number, sampler: "tpe" | "random", schedule: Schedule = SEQUENTIAL): number[] {
  const space = spaceOf(p);
  const s = sampler === "tpe" ? new TPESampler({ seed: `${family}/${seed}`, constantLiar: schedule.constantLiar }) : new RandomSampler({ seed: `${family}/${seed}` });
  const study = new Study({ sampler: s, direction: "maximize", space });
  const truth: number[] = [];
  const observed: number[] = [];
  const asked: ReturnType<Study["ask"]>[] = [];
  while (asked.length < Math.min(schedule.parallel, TRIALS)) asked.push(study.ask());
  for (let t = 0; t < TRIALS; t++) {
    const { number, params } = asked[t]!;
    const x = p.sizes.map((_, j) => params[`p${j}`] as number);
    const f = trueValue(p, x);
    // Same noise draw for both samplers at the same trial index (common random numbers).
    const noise = p.noiseSd > 0 ? p.noiseSd * gaussian(createRng(`bench/tpe/${family}/${seed}/noise/${t}`)) : 0;
    truth.push(f);
    observed.push(f + noise);
    study.tell(number, f + noise);
    if (asked.length < TRIALS) asked.push(study.ask());
  }
  return CHECKPOINTS.map((c) => {
    let bestIdx = 0;
    for (let i = 1; i < c; i++) if (observed[i]! > observed[bestIdx]!) bestIdx = i;
    return (p.best - truth[bestIdx]!) / (p.best - p.worst);
  });
}

interface Summary {
  mean: number;
  sem: number;
}

function summarize(xs: number[]): Summary {
  return { mean: round(mean(xs)), sem: round(sampleStandardDeviation(xs) / Math.sqrt(xs.length)) };
}

function round(x: number, digits = 4): number {
  return Number(x.toFixed(digits));
}

function regretTable(perRun: { tpe: number[][]; random: number[][] }) {
  const at = (runs: number[][], i: number) => runs.map((r) => r[i]!);
  const out: Record<string, unknown> = {};
  CHECKPOINTS.forEach((c, i) => {
    const tpe = at(perRun.tpe, i);
    const random = at(perRun.random, i);
    const diff = tpe.map((v, k) => random[k]! - v);
    out[`trial${c}`] = {
      tpe: summarize(tpe),
      random: summarize(random),
      // Paired over problem instances: positive = TPE has lower regret.
      advantage: summarize(diff),
      tpeWinsOrTies: round(diff.filter((v) => v >= 0).length / diff.length, 3),
    };
  });
  const meanAt = (runs: number[][], c: number) => mean(at(runs, CHECKPOINTS.indexOf(c as (typeof CHECKPOINTS)[number])));
  return {
    ...out,
    beatsRandomAt25: meanAt(perRun.tpe, 25) < meanAt(perRun.random, 25),
    beatsRandomAt50: meanAt(perRun.tpe, 50) < meanAt(perRun.random, 50),
  };
}

/**
 * Parallel TPE (BATCH in flight) against sequential TPE on the same instances, paired:
 * "not significantly worse" = the mean regret difference at trial 50 is below 2 standard
 * errors of the paired differences.
 */
function parallelTable(seq: number[][], par: number[][]) {
  const i50 = CHECKPOINTS.indexOf(50);
  const diff = par.map((r, k) => r[i50]! - seq[k]![i50]!);
  const d = summarize(diff);
  return {
    sequential: summarize(seq.map((r) => r[i50]!)),
    parallel: summarize(par.map((r) => r[i50]!)),
    worseBy: d,
    notSignificantlyWorse: d.mean < 2 * d.sem,
  };
}

function latency(nFinished: number, nParams: number, nChoices: number, reps: number): number {
  const space = Object.fromEntries(Array.from({ length: nParams }, (_, j) => [`p${j}`, categorical(Array.from({ length: nChoices }, (_, i) => i))]));
  const rng = createRng(`bench/tpe/latency/${nFinished}/${nParams}`);
  const log: RestorableTrial[] = Array.from({ length: nFinished }, (_, n) => ({
    number: n,
    state: "complete",
    params: Object.fromEntries(Object.keys(space).map((k) => [k, rng.int(0, nChoices - 1)])),
    value: rng.next(),
  }));
  const times: number[] = [];
  for (let r = 0; r < reps + 2; r++) {
    const study = Study.restore(log, { sampler: new TPESampler({ seed: r }), direction: "maximize", space });
    const t0 = performance.now();
    study.ask();
    const dt = performance.now() - t0;
    if (r >= 2) times.push(dt); // the first two warm the JIT
  }
  return round(median(times), 3);
}

function main(): void {
  const started = performance.now();
  const families: Record<string, unknown> = {};
  const all = { tpe: [] as number[][], random: [] as number[][] };
  const batched = { liar: [] as number[][], noLiar: [] as number[][] };
  const noiseToSignal: number[] = [];
  for (const family of FAMILIES) {
    const perRun = { tpe: [] as number[][], random: [] as number[][] };
    for (let seed = 0; seed < SEEDS; seed++) {
      const p = makeProblem(family, seed);
      if (p.noiseSd > 0) noiseToSignal.push(p.noiseSd / p.signalSd);
      perRun.tpe.push(runOnce(p, family, seed, "tpe"));
      perRun.random.push(runOnce(p, family, seed, "random"));
      batched.liar.push(runOnce(p, family, seed, "tpe", { parallel: BATCH, constantLiar: true }));
      batched.noLiar.push(runOnce(p, family, seed, "tpe", { parallel: BATCH, constantLiar: false }));
    }
    all.tpe.push(...perRun.tpe);
    all.random.push(...perRun.random);
    families[family] = regretTable(perRun);
  }
  const overall = regretTable(all);
  const parallel = {
    inFlight: BATCH,
    constantLiar: parallelTable(all.tpe, batched.liar),
    withoutConstantLiar: parallelTable(all.tpe, batched.noLiar),
  };
  const latencyMs = {
    "2x13_categorical_50_trials": latency(50, 2, 13, 30),
    "2x13_categorical_1000_trials": latency(1000, 2, 13, 15),
    "6x20_categorical_50_trials": latency(50, 6, 20, 30),
    "6x20_categorical_1000_trials": latency(1000, 6, 20, 15),
  };
  const result = {
    bench: "tpe",
    node: process.version,
    config: { seeds: SEEDS, trials: TRIALS, checkpoints: CHECKPOINTS, params: "2-6", choices: "6-20", noiseFraction: NOISE_FRACTION, noisyFamilyMedianNoiseToSignalSd: round(median(noiseToSignal), 3), sampler: "TPESampler defaults (multivariate, 10 startup, 24 EI candidates)" },
    metric: "normalized regret of best-so-far (by observed score), noiseless objective; lower is better",
    families,
    overall,
    // Flag names without digits so bench/run-all.ts picks them up.
    passDefinition: "mid = trial 25, final = trial 50: TPE's mean regret over all families below Random's",
    pass_vs_random_mid: overall.beatsRandomAt25,
    pass_vs_random_final: overall.beatsRandomAt50,
    parallel,
    pass_parallel_not_worse: parallel.constantLiar.notSignificantlyWorse,
    latencyMs,
    elapsedSeconds: round((performance.now() - started) / 1000, 1),
  };
  const dir = new URL("./results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL("tpe.json", dir), `${JSON.stringify(result, null, 2)}\n`);

  const fmt = (s: unknown) => {
    const r = s as { tpe: Summary; random: Summary };
    return `${r.tpe.mean.toFixed(3)} vs ${r.random.mean.toFixed(3)}`;
  };
  for (const [name, table] of [...Object.entries(families), ["overall", overall] as const]) {
    const t = table as Record<string, unknown>;
    console.log(
      `${name.padEnd(12)} regret TPE vs Random  @10 ${fmt(t.trial10)}  @25 ${fmt(t.trial25)}  @50 ${fmt(t.trial50)}  beats random @25=${String(t.beatsRandomAt25)} @50=${String(t.beatsRandomAt50)}`,
    );
  }
  for (const [name, t] of [["constant liar", parallel.constantLiar], ["no liar", parallel.withoutConstantLiar]] as const) {
    console.log(
      `${BATCH} in flight, ${name.padEnd(13)} regret @50 ${t.parallel.mean.toFixed(3)} vs sequential ${t.sequential.mean.toFixed(3)} (worse by ${t.worseBy.mean.toFixed(3)} ± ${t.worseBy.sem.toFixed(3)}; not significantly worse=${String(t.notSignificantlyWorse)})`,
    );
  }
  console.log("ask() median latency (ms):", latencyMs);
  console.log(`wrote bench/results/tpe.json in ${result.elapsedSeconds}s`);
  if (!overall.beatsRandomAt25 || !overall.beatsRandomAt50 || !parallel.constantLiar.notSignificantlyWorse) process.exitCode = 1;
}

main();
