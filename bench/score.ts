/**
 * Score throughput bench: 200,000 deterministic samples (all five tasks; Latin, Cyrillic,
 * Arabic, CJK and astral/emoji text; some instances batched into two samples; gold plus
 * perturbed predictions and a few failures) scored through `scorePredictions`.
 *
 *     node bench/score.ts [samples]
 *
 * Writes bench/results/score.json. Only scoring is timed; generating the data is not.
 * Peak RSS is the whole process's (input data included), measured in a child process.
 */
import { fileURLToPath } from "node:url";
import { availableParallelism } from "node:os";
import { spawnSync } from "node:child_process";
import { launcherNodeFlags } from "./launcher-flags.ts";
import type { EdRecord, EeRecord, IERecord, NerRecord, ReRecord, Sample, SfRecord, Task } from "../src/data/sample.ts";
import { scorePredictions, type SampleOutcome } from "../src/metrics/score.ts";
import { createRng, type Rng } from "../src/util/random.ts";
import { writeJsonAtomic } from "../src/util/fs.ts";

const TARGETS = { samples_per_s: 50_000, peak_rss_mb: 400 };
const SAMPLES = Number(process.argv[2] ?? 200_000);

const WORDS: Record<string, string[]> = {
  eng: ["Barack Obama", "Hawaii", "Mr Bure", "New York", "Acme Corp", "Tuesday", "the village", "rebels", "London"],
  rus: ["Москва", "Владимир Путин", "Газпром", "Санкт-Петербург", "вторник", "деревня", "повстанцы"],
  ara: ["القاهرة", "محمد صلاح", "الأمم المتحدة", "دبي", "الثلاثاء", "القرية", "المتمردون"],
  zho: ["北京大学", "习近平", "上海", "腾讯公司", "星期二", "村庄", "叛军"],
  emo: ["😀 Party", "𠀀𠀁 Lab", "🚀 Launch", "Café 🍷", "🎉 Fest 2024", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢"],
};
const LANGS = Object.keys(WORDS);
const TASKS: Task[] = ["NER", "RE", "SF", "ED", "EE"];
const TYPES = ["person", "location", "organization", "date", "event"];
const ROLES = ["attacker", "target", "place", "time"];

// Texts and spans are shared strings (the scorer never reads `text`), so the input's heap
// is what a scorer needs, not copies made by the generator.
const TEXTS = Object.fromEntries(LANGS.map((lang) => [lang, WORDS[lang]!.join(" ")]));
/** Plausible model errors per span: as is, with an article, first character lost, trailing space. */
const VARIANTS = new Map<string, string[]>(
  Object.values(WORDS)
    .flat()
    .map((w) => [w, [w, w, "the " + w, [...w].slice(1).join("") || w, w + " "]]),
);
const DATASETS = TASKS.flatMap((t) => [0, 1, 2].map((k) => `ds-${t.toLowerCase()}-${k}`));

function makeRecord(task: Task, rng: Rng, words: string[]): IERecord {
  const span = () => rng.choice(words);
  const type = rng.choice(TYPES);
  switch (task) {
    case "NER":
      return { entity: span(), entity_type: type };
    case "SF":
      return { slot: span(), slot_type: type };
    case "ED":
      return { event_trigger: span(), event_type: type };
    case "RE":
      return { head: span(), tail: span(), relation: type };
    case "EE":
      return {
        event_trigger: span(),
        event_type: type,
        arguments: Array.from({ length: rng.int(0, 3) }, () => ({ role: rng.choice(ROLES), argument: span() })),
      };
  }
}

const perturbSpan = (span: string, rng: Rng): string => rng.choice(VARIANTS.get(span) ?? [span]);

/** A prediction derived from a gold record: perturbed spans, sometimes a wrong type or role. */
function perturb(task: Task, record: IERecord, rng: Rng): IERecord {
  const type = (t: string) => (rng.next() < 0.1 ? rng.choice(TYPES) : t);
  switch (task) {
    case "NER": {
      const r = record as NerRecord;
      return { entity: perturbSpan(r.entity, rng), entity_type: type(r.entity_type) };
    }
    case "SF": {
      const r = record as SfRecord;
      return { slot: perturbSpan(r.slot, rng), slot_type: type(r.slot_type) };
    }
    case "ED": {
      const r = record as EdRecord;
      return { event_trigger: perturbSpan(r.event_trigger, rng), event_type: type(r.event_type) };
    }
    case "RE": {
      const r = record as ReRecord;
      return { head: perturbSpan(r.head, rng), tail: perturbSpan(r.tail, rng), relation: type(r.relation) };
    }
    case "EE": {
      const r = record as EeRecord;
      return {
        event_trigger: perturbSpan(r.event_trigger, rng),
        event_type: type(r.event_type),
        arguments: r.arguments.map((a) => ({ role: rng.next() < 0.1 ? rng.choice(ROLES) : a.role, argument: perturbSpan(a.argument, rng) })),
      };
    }
  }
}

function generate(n: number): { samples: Sample[]; outcomes: Map<string, SampleOutcome> } {
  const rng = createRng("bench-score");
  const samples: Sample[] = [];
  const outcomes = new Map<string, SampleOutcome>();
  let instance = 0;
  while (samples.length < n) {
    const task = TASKS[instance % TASKS.length]!;
    const lang = LANGS[Math.floor(instance / TASKS.length) % LANGS.length]!;
    const words = WORDS[lang]!;
    const dataset = DATASETS[(instance % TASKS.length) * 3 + (instance % 3)]!;
    const instanceId = `i${instance++}`;
    // A quarter of the instances are batched into two samples.
    const batches = rng.next() < 0.25 ? 2 : 1;
    for (let b = 0; b < batches && samples.length < n; b++) {
      const id = `${instanceId}#${b}`;
      const labels = Array.from({ length: rng.int(0, 4) }, () => makeRecord(task, rng, words));
      samples.push({
        id,
        instance_id: instanceId,
        dataset,
        lang: lang === "emo" ? "mul" : lang,
        task,
        split: "test",
        text: TEXTS[lang]!,
        schema: TYPES,
        labels,
      } as unknown as Sample);
      const r = rng.next();
      if (r < 0.02) continue; // no prediction
      if (r < 0.04) {
        outcomes.set(id, { failure: "unparseable output" });
        continue;
      }
      const pred = labels.filter(() => rng.next() > 0.1).map((rec) => perturb(task, rec, rng));
      if (rng.next() < 0.2) pred.push(makeRecord(task, rng, words));
      outcomes.set(id, { records: pred });
    }
  }
  return { samples, outcomes };
}

interface Measurement {
  samples: number;
  instances: number;
  /** Wall seconds of the fastest scoring run. */
  seconds: number;
  /** Throughput of the fastest run: other engineers share these 2 cores, so a single
   *  run mostly measures their load; the best of RUNS is the scorer's own speed. */
  samples_per_s: number;
  /** Every run's throughput, first (cold JIT) run first. */
  samples_per_s_runs: number[];
  /** Whole-process peak RSS (input data included) through the first scoring run. */
  peak_rss_mb: number;
  check: { overall_lf1: number; failures: number };
}

const RUNS = 3;

/** Child mode: generate, score RUNS times, report. */
function measure(): Measurement {
  const { samples, outcomes } = generate(SAMPLES);
  const rates: number[] = [];
  let best = Infinity;
  let check = { overall_lf1: 0, failures: 0 };
  let instances = 0;
  let peakRssMb = 0;
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint();
    const report = scorePredictions(samples, outcomes);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.min(best, seconds);
    rates.push(Math.round(samples.length / seconds));
    // Deterministic data → these must not change between runs of the same code.
    check = { overall_lf1: round(report.summary.overall.lf1 ?? 0, 6), failures: report.failures.length };
    instances = report.perInstance.length;
    // The peak of one scoring pass (later runs only add the previous report's garbage).
    if (run === 0) peakRssMb = process.resourceUsage().maxRSS / 1024;
  }
  return {
    samples: samples.length,
    instances,
    seconds: round(best, 3),
    samples_per_s: Math.round(samples.length / best),
    samples_per_s_runs: rates,
    peak_rss_mb: round(peakRssMb, 1),
    check,
  };
}

/**
 * V8 sizes the young generation from the machine's RAM: on this 24 GB box it reserves
 * 2 × 64 MB semi-spaces, ~128 MB of RSS that is GC slack, not data. The headline run uses
 * the flags ieopt's launchers run with (bin/ieopt.js's shebang; they cannot be changed
 * from inside a running process, hence the child processes). Node's defaults are measured
 * too and reported next to it, so nothing is hidden.
 */
const PINNED_FLAGS = launcherNodeFlags();

function runChild(flags: string[]): Measurement {
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [...flags, script, String(SAMPLES)], {
    env: { ...process.env, IEOPT_BENCH_CHILD: "1" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (child.status !== 0) throw new Error(`bench child (${flags.join(" ") || "default flags"}) exited with ${child.status}`);
  return JSON.parse(child.stdout) as Measurement;
}

function meets(m: Measurement) {
  return { samples_per_s: m.samples_per_s >= TARGETS.samples_per_s, peak_rss_mb: m.peak_rss_mb <= TARGETS.peak_rss_mb };
}

function main(): void {
  if (process.env.IEOPT_BENCH_CHILD) {
    process.stdout.write(JSON.stringify(measure()));
    return;
  }
  const pinned = runChild(PINNED_FLAGS);
  const defaults = runChild([]);
  const ok = meets(pinned);
  const result = {
    bench: "score",
    ...pinned,
    v8_flags: PINNED_FLAGS,
    targets: TARGETS,
    // Flat flags, as bench/run-all.ts reads them.
    pass: ok.samples_per_s && ok.peak_rss_mb,
    pass_samples_per_s: ok.samples_per_s,
    pass_peak_rss_mb: ok.peak_rss_mb,
    default_v8_flags: {
      samples_per_s: defaults.samples_per_s,
      samples_per_s_runs: defaults.samples_per_s_runs,
      peak_rss_mb: defaults.peak_rss_mb,
      meets_targets: meets(defaults),
    },
    node: process.version,
    cpus: availableParallelism(),
    date: new Date().toISOString(),
  };
  const out = fileURLToPath(new URL("./results/score.json", import.meta.url));
  writeJsonAtomic(out, result);
  console.log(JSON.stringify(result, null, 2));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

main();
