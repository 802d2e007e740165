/**
 * Final selection under noise: the old rule ("best-full": fully evaluate the best raw
 * minibatch mean, freeze the best full mean) against the noise-aware rule
 * (optimizers/select.ts, docs/selection.md), driven through the real optimizer loop
 * (optimize(): bootstrap, proposals, TPE, minibatches, full evaluations, freeze) with a
 * scripted LM whose quality landscape is known exactly.
 *
 * Landscape, shaped like English xSID under the sim (the issue's figures): every prompt c
 * (instruction text × demo turns) has a latent quality θ_c = θ̄ + a(instruction) +
 * b(demos) + g(instruction, demos), Gaussian with variance shares 0.4 / 0.4 / 0.2. A sample
 * is answered right iff θ_c + √r·z_s + √(1−r)·e_{c,s} > 0 (z_s the sample's difficulty,
 * shared by all prompts; e private), so the true quality is exactly q_c = Φ(θ_c). θ̄ puts
 * the mean near the sim's 26 LF1; the SD of q over prompts is 2 points (the issue's
 * "spread ~2 points"; 0.5 in a robustness setting); per-sample SD ~44 points. r sets how
 * alike two prompts' per-sample scores are: r = 0.97 gives an observed correlation of
 * ~0.82, below what the sim shows on xSID (0.85–0.97 between four prompts, measured for
 * this bench); r = 0.7 (observed ~0.48) is a robustness setting.
 *
 * 200 seeds on the first (xSID-shaped) landscape, the target's; 100 on the robustness ones
 * (a 50-seed mean is uncertain by about ±0.2 points of regret, as large as a 10% change).
 * Per seed: one landscape, both rules on the same run settings (the study's defaults: 12
 * instructions × 13 demo sets, 50 trials, minibatch 25, full evaluation every 10, two
 * trials in flight), 234 validation samples (xSID's English dev after batching). The
 * candidates (demo sets, instructions) and the minibatches coincide; TPE is told raw scores
 * under the old rule and control-variate scores under the new one, so the trials may
 * differ. The old rule fully evaluates one combination at each of the 5 due points; the new
 * one spends that budget in its final race (8 combinations on 117 samples, 2 finalists).
 * Regret = max over every candidate combination and the default prompt of q − q(frozen),
 * in LF1 points. LM calls = θ's calls (the search; Φ's are the same for both rules).
 *
 * Run: node bench/selection.ts [seeds]   → bench/results/selection.json
 * SELECTION_FIRST_SEED=n starts the seeds elsewhere (the rule was tuned on seeds 101–250;
 * the default range 1–200 overlaps it, 1001–1200 does not); SELECTION_PARALLEL=n sets the
 * trials in flight; SELECTION_LANDSCAPES="sd:r,…" other landscapes.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorFunction, mean, sampleCorrelation, sampleStandardDeviation } from "simple-statistics";
import { optimize } from "../optimizers/optimize.ts";
import { HEADINGS } from "../optimizers/prompts.ts";
import type { SelectionRule } from "../optimizers/select.ts";
import { getProgram } from "../programs/index.ts";
import { SampleSchema, type Sample } from "../src/data/sample.ts";
import { buildRequest } from "../src/eval/runner.ts";
import type { LM, LMRequest, LMResponse } from "../src/lm/types.ts";
import { UsageMeter } from "../src/lm/usage.ts";
import type { RoleModels } from "../src/lm/roles.ts";
import { createRng } from "../src/util/random.ts";

const SEEDS = Number(process.argv[2] ?? 200);
/** Where the seeds start: develop on one range, report on another. */
const FIRST_SEED = Number(process.env.SELECTION_FIRST_SEED ?? 1);
const VAL = 234;
const TRAIN = 200;
const Q_MEAN = 0.26;
/** (quality SD, latent per-sample correlation) settings; the first is the target's. */
const LANDSCAPES = (process.env.SELECTION_LANDSCAPES ?? "0.02:0.97,0.005:0.97,0.02:0.7").split(",").map((s) => {
  const [sd, r] = s.split(":").map(Number) as [number, number];
  return { qualitySd: sd, r };
});
const SHARES = { instruction: 0.4, demos: 0.4, interaction: 0.2 };
const RULES: SelectionRule[] = ["best-full", "noise-aware"];

const sf = getProgram("SF");
const CITIES = ["Oslo", "Lima", "Kyiv", "Hanoi", "Quito", "Accra", "Perth", "Riga", "Doha", "Cusco", "Lagos", "Minsk"];

function samples(split: "train" | "dev", n: number): Sample[] {
  return Array.from({ length: n }, (_, k) => {
    const city = CITIES[k % CITIES.length]!;
    return SampleSchema.parse({
      id: `${split}-${k}`, dataset: "bench", lang: "eng", task: "SF", split,
      text: `request ${k}: weather in ${city} please`, schema: ["location"], labels: [{ slot: city, slot_type: "location" }],
    });
  });
}

const normCdf = (x: number) => 0.5 * (1 + errorFunction(x / Math.SQRT2));

/** A standard normal draw fixed by its key (Box–Muller on the seeded stream). */
function normal(key: string): number {
  const rng = createRng(key);
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Memoised draws: a landscape asks for the same ones thousands of times. */
function memo<T>(make: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let v = cache.get(key);
    if (v === undefined) cache.set(key, (v = make(key)));
    return v;
  };
}

/** The known landscape of one seed. */
class Landscape {
  readonly seed: string;
  readonly r: number;
  /** θ spread such that q's SD is `qualitySd` near Q_MEAN. */
  readonly thetaSd: number;
  readonly thetaMean: number;
  readonly #normal = memo(normal);
  /** Per prompt, one seeded stream of private noise, indexed by the sample's number. */
  readonly #noise = memo((key: string) => {
    const rng = createRng(key);
    return Float64Array.from({ length: Math.max(VAL, TRAIN) * 2 }, () => {
      const u = Math.max(rng.next(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
    });
  });

  constructor(seed: string, r: number, qualitySd: number) {
    this.seed = seed;
    this.r = r;
    this.thetaMean = inverseNormCdf(Q_MEAN);
    this.thetaSd = qualitySd / (Math.exp(-(this.thetaMean ** 2) / 2) / Math.sqrt(2 * Math.PI));
  }

  theta(instruction: string, demoTurns: string): number {
    const s = this.seed;
    return (
      this.thetaMean +
      this.thetaSd *
        (Math.sqrt(SHARES.instruction) * this.#normal(`${s}/i/${instruction}`) +
          Math.sqrt(SHARES.demos) * this.#normal(`${s}/d/${demoTurns}`) +
          Math.sqrt(SHARES.interaction) * this.#normal(`${s}/g/${instruction}/${demoTurns}`))
    );
  }

  quality(instruction: string, demoTurns: string): number {
    return normCdf(this.theta(instruction, demoTurns));
  }

  right(instruction: string, demoTurns: string, sampleId: string): boolean {
    const z = this.#normal(`${this.seed}/z/${sampleId}`);
    const [split, number] = sampleId.split("-") as [string, string];
    const e = this.#noise(`${this.seed}/e/${instruction}/${demoTurns}`)[Number(number) * 2 + (split === "dev" ? 0 : 1)]!;
    return this.theta(instruction, demoTurns) + Math.sqrt(this.r) * z + Math.sqrt(1 - this.r) * e > 0;
  }
}

/** Acklam-style rational approximation is overkill here: bisection on the exact CDF. */
function inverseNormCdf(p: number): number {
  let lo = -8;
  let hi = 8;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (normCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

const demoTurnsOf = (r: LMRequest) => JSON.stringify(r.messages.slice(1, -1));
const lastUser = (r: LMRequest) => [...r.messages].reverse().find((m) => m.role === "user")!.content;

/** The scripted model: answers the teacher's meta requests, and extraction by the landscape. */
class LandscapeLM implements LM {
  readonly id: string;
  readonly model = "landscape";
  calls = 0;
  readonly #landscape: Landscape;
  readonly #byText: Map<string, Sample>;

  constructor(name: string, landscape: Landscape, byText: Map<string, Sample>) {
    this.id = `bench://${name}`;
    this.#landscape = landscape;
    this.#byText = byText;
  }

  async complete(request: LMRequest): Promise<LMResponse> {
    this.calls++;
    return { choices: [this.#answer(request)], usage: { prompt_tokens: 1, completion_tokens: 1 }, cached: false };
  }

  #answer(r: LMRequest): string {
    const user = lastUser(r);
    if (user.startsWith(HEADINGS.proposal)) return `Proposed instruction: Extract the slots of the listed types, variant ${r.draw}.`;
    if (user.startsWith("#")) return "Short weather requests naming a city.";
    const sample = this.#byText.get(user.split("\nText: ").pop()!)!;
    const instruction = r.messages[0]!.content;
    return this.#landscape.right(instruction, demoTurnsOf(r), sample.id) ? JSON.stringify(sample.labels) : "[]";
  }
}

interface RunResult {
  regret: number;
  valRegret: number;
  oracleValRegret: number;
  bestEvaluatedRegret: number;
  bestTriedRegret: number;
  fullEvals: number;
  observedCorrelation: number;
  calls: number;
  pickedDefault: boolean;
}

async function runOnce(seed: number, shape: { qualitySd: number; r: number }, rule: SelectionRule, train: Sample[], val: Sample[], runsDir: string) {
  const { r } = shape;
  const landscape = new Landscape(`bench-${seed}`, r, shape.qualitySd);
  const byText = new Map([...train, ...val].map((s) => [s.text, s]));
  const theta = new LandscapeLM("theta", landscape, byText);
  const phi = new LandscapeLM("phi", landscape, byText);
  const models: RoleModels = {
    inference: theta, prompt: phi, thought: phi, meter: new UsageMeter(), budget: undefined, cache: null,
    describe: () => ({ inference: { model: "landscape" } }),
  };
  const out = await optimize({
    task: "SF", train, val, models, runsDir, runId: `${rule}-${shape.qualitySd}-${r}-${seed}`,
    settings: { seed, selection: rule, concurrency: 8, ...(process.env.SELECTION_PARALLEL ? { parallelTrials: Number(process.env.SELECTION_PARALLEL) } : {}) },
  });
  const probe = val[0]!;
  const qualityOf = (instruction: string, demos: Parameters<typeof buildRequest>[0]["demos"]) =>
    landscape.quality(instruction, JSON.stringify(buildRequest({ program: sf, instruction, demos, reasoning: false }, probe).messages.slice(1, -1)));
  const { candidates } = out.result;
  const turns = (instruction: string, demos: Parameters<typeof buildRequest>[0]["demos"]) =>
    JSON.stringify(buildRequest({ program: sf, instruction, demos, reasoning: false }, probe).messages.slice(1, -1));
  const valMean = (instruction: string, demos: Parameters<typeof buildRequest>[0]["demos"]) => {
    const t = turns(instruction, demos);
    return mean(val.map((s) => (landscape.right(instruction, t, s.id) ? 1 : 0)));
  };
  const prompts = [{ instruction: sf.defaultInstruction, demos: sf.defaultDemos }];
  for (const i of candidates.instructions) for (const d of candidates.demo_sets) prompts.push({ instruction: i.text, demos: d.demos });
  const q = prompts.map((p) => qualityOf(p.instruction, p.demos));
  const v = prompts.map((p) => valMean(p.instruction, p.demos));
  const best = Math.max(...q);
  rmSync(out.run.dir, { recursive: true, force: true });
  const frozen = out.result.prompt;
  const picked = qualityOf(frozen.instruction, frozen.demos);
  const oracleVal = q[v.indexOf(Math.max(...v))]!;
  // Which combinations reached a full evaluation, and how good the best of them was.
  const tried = out.result.trials.map((t) => qualityOf(candidates.instructions[t.params.instruction]!.text, candidates.demo_sets[t.params.demos]!.demos));
  const evaluated = out.result.fullEvals.map((f) => qualityOf(candidates.instructions[f.params.instruction]!.text, candidates.demo_sets[f.params.demos]!.demos));
  const pickedVal = valMean(frozen.instruction, frozen.demos);
  return {
    regret: 100 * (best - picked), calls: theta.calls, pickedDefault: out.result.chosen === "default", randomRegret: 100 * (best - mean(q.slice(1))),
    oracleValRegret: 100 * (best - oracleVal), bestEvaluatedRegret: 100 * (best - Math.max(...evaluated)), bestTriedRegret: 100 * (best - Math.max(...tried)), fullEvals: evaluated.length, valRegret: 100 * (Math.max(...v) - pickedVal),
    observedCorrelation: perSampleCorrelation(landscape, val, turns(prompts[0]!.instruction, prompts[0]!.demos), prompts[0]!.instruction, turns(prompts[1]!.instruction, prompts[1]!.demos), prompts[1]!.instruction),
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const train = samples("train", TRAIN);
  const val = samples("dev", VAL);
  // tmpfs when there is one: the run folder's fsyncs would otherwise dominate the time.
  const runsDir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "ieopt-bench-selection-"));
  const settings: Record<string, unknown>[] = [];
  try {
    for (const [index, shape] of LANDSCAPES.entries()) {
      // The target's landscape gets every seed; the robustness ones half, to stay within minutes.
      const seeds = index === 0 ? SEEDS : Math.ceil(SEEDS / 2);
      const byRule: Record<string, RunResult[]> = {};
      const random: number[] = [];
      for (let seed = FIRST_SEED; seed < FIRST_SEED + seeds; seed++) {
        for (const rule of RULES) {
          const res = await runOnce(seed, shape, rule, train, val, runsDir);
          (byRule[rule] ??= []).push(res);
          if (rule === "best-full") random.push(res.randomRegret);
          if (process.env.SELECTION_VERBOSE) console.log(seed, rule, res.regret.toFixed(2), "val", res.valRegret.toFixed(2), "oracleVal", res.oracleValRegret.toFixed(2), "random", res.randomRegret.toFixed(2));
        }
      }
      const summary = (list: RunResult[]) => ({
        mean_regret: round(mean(list.map((x) => x.regret))),
        mean_validation_regret: round(mean(list.map((x) => x.valRegret))),
        best_fully_evaluated_mean_regret: round(mean(list.map((x) => x.bestEvaluatedRegret))),
        best_tried_mean_regret: round(mean(list.map((x) => x.bestTriedRegret))),
        mean_full_evaluations: round(mean(list.map((x) => x.fullEvals))),
        regret_se: round(sampleStandardDeviation(list.map((x) => x.regret)) / Math.sqrt(list.length)),
        mean_lm_calls: round(mean(list.map((x) => x.calls))),
        kept_default_share: round(mean(list.map((x) => (x.pickedDefault ? 1 : 0)))),
      });
      const old = summary(byRule["best-full"]!);
      const now = summary(byRule["noise-aware"]!);
      // Paired over seeds: both rules saw the same landscape, candidates and minibatches.
      const diffs = byRule["best-full"]!.map((x, i) => x.regret - byRule["noise-aware"]![i]!.regret);
      const reduction = old.mean_regret > 0 ? 1 - now.mean_regret / old.mean_regret : 0;
      const entry = {
        seeds,
        quality_sd_points: 100 * shape.qualitySd,
        per_sample_latent_correlation: shape.r,
        observed_per_sample_correlation: round(mean(byRule["best-full"]!.map((x) => x.observedCorrelation))),
        oracle_on_validation_mean_regret: round(mean(byRule["best-full"]!.map((x) => x.oracleValRegret))),
        old_rule: old,
        new_rule: now,
        random_pick_mean_regret: round(mean(random)),
        regret_reduction: round(reduction),
        paired_regret_diff_se: round(sampleStandardDeviation(diffs) / Math.sqrt(diffs.length)),
        no_more_calls: now.mean_lm_calls <= old.mean_lm_calls,
      };
      settings.push(entry);
      console.log(`sd=${100 * shape.qualitySd} r=${shape.r} (observed ${entry.observed_per_sample_correlation}): oracle-on-validation ${entry.oracle_on_validation_mean_regret}; best tried old ${old.best_tried_mean_regret}, new ${now.best_tried_mean_regret}; best fully evaluated old ${old.best_fully_evaluated_mean_regret}, new ${now.best_fully_evaluated_mean_regret}; old regret ${old.mean_regret} (±${old.regret_se}), new ${now.mean_regret} (±${now.regret_se}), random ${entry.random_pick_mean_regret}; reduction ${(100 * reduction).toFixed(1)}% (paired SE ${entry.paired_regret_diff_se}); calls ${old.mean_lm_calls} → ${now.mean_lm_calls}`);
    }
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
  const xsidShaped = settings[0] as { regret_reduction: number; no_more_calls: boolean };
  const result = {
    bench: "selection",
    description: "mean true-quality regret (LF1 points) of the frozen prompt and θ's LM calls, old rule (best-full) vs noise-aware, through optimize() with a scripted LM on a known landscape",
    seeds: SEEDS,
    validation_samples: VAL,
    settings,
    target: "regret at least 30% lower at no more LM calls, on the xSID-shaped setting (first entry)",
    pass: xsidShaped.regret_reduction >= 0.3 && xsidShaped.no_more_calls,
    elapsedSeconds: Math.round((Date.now() - started) / 100) / 10,
  };
  const dir = new URL("./results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL("selection.json", dir), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote bench/results/selection.json in ${result.elapsedSeconds}s (pass=${result.pass})`);
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Pearson correlation of two prompts' per-sample scores on the validation split. */
function perSampleCorrelation(landscape: Landscape, val: readonly Sample[], turnsA: string, instrA: string, turnsB: string, instrB: string): number {
  const a = val.map((s) => (landscape.right(instrA, turnsA, s.id) ? 1 : 0));
  const b = val.map((s) => (landscape.right(instrB, turnsB, s.id) ? 1 : 0));
  const r = sampleCorrelation(a, b);
  return Number.isFinite(r) ? r : 0; // a prompt right (or wrong) on every sample has no correlation
}

await main();
