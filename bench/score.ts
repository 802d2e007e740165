/**
 * Score bench, whole processes: the real `ieopt score --json` on generated files, against
 * reading the same files with JSON.parse only (decode + parse, Node) and against a plain
 * Python loop computing LF1 on them (bench/score-reference.py).
 *
 *     node bench/score.ts [samples]        (default 200,000)
 *
 * The files: deterministic samples of all five tasks (Latin, Cyrillic, Arabic, CJK and
 * astral/emoji text; a quarter of the instances batched into two samples); predictions are
 * perturbed gold as `records` lines or raw `output` text, plus missing and unparseable
 * ones. Every gold line is a valid sample (EE schema items are objects with roles).
 *
 * ieopt runs with the launcher's Node flags (bin/ieopt.js's shebang); the score command
 * keeps V8's default heap growth (src/cli/main.ts, boundHeapGrowth, says why).
 * CPU (user + sys), wall time and peak RSS of each process come from GNU time
 * (/usr/bin/time), medians over 5 interleaved runs of each Node process (Python, ~20 s, runs
 * once). Python is skipped, with a message, when python3 is absent.
 * Writes bench/results/score.json.
 */
import { fileURLToPath } from "node:url";
import { availableParallelism, tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { launcherNodeFlags } from "./launcher-flags.ts";
import type { EdRecord, EeRecord, IERecord, NerRecord, ReRecord, Sample, SfRecord, Task } from "../src/data/sample.ts";
import type { SampleOutcome } from "../src/metrics/score.ts";
import { createRng, type Rng } from "../src/util/random.ts";
import { writeJsonAtomic } from "../src/util/fs.ts";
import { median } from "simple-statistics";

const TARGETS = { vs_python: 10, vs_parse_only: 2, peak_rss_mb: 400 };
const SAMPLES = Number(process.argv[2] ?? 200_000);
/** Runs of each Node process (odd, for a median). */
const RUNS = 5;

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
  // EE schema items carry their roles (the sample contract); the other tasks name types.
  const eeSchema = TYPES.map((event_type) => ({ event_type, roles: ROLES }));
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
        schema: task === "EE" ? eeSchema : TYPES,
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

/** Writes gold and prediction files; predictions: 70% records lines, 30% raw output text. */
async function writeFiles(dir: string): Promise<{ gold: string; pred: string; samples: number }> {
  const { samples, outcomes } = generate(SAMPLES);
  const gold = join(dir, "gold.jsonl");
  const pred = join(dir, "pred.jsonl");
  const rng = createRng("bench-score/shape");
  const write = async (path: string, lines: Iterable<string>) => {
    const out = createWriteStream(path);
    for (const line of lines) if (!out.write(line + "\n")) await once(out, "drain");
    out.end();
    await once(out, "finish");
  };
  await write(gold, (function* () {
    for (const s of samples) yield JSON.stringify(s);
  })());
  await write(pred, (function* () {
    for (const s of samples) {
      const o = outcomes.get(s.id);
      if (o === undefined) continue;
      if ("failure" in o) yield JSON.stringify({ id: s.id, output: "I cannot answer this." });
      else if (rng.next() < 0.3) yield JSON.stringify({ id: s.id, output: `Here you go: ${JSON.stringify(o.records)}` });
      else yield JSON.stringify({ id: s.id, records: o.records });
    }
  })());
  return { gold, pred, samples: samples.length };
}

/** The first `lines` gold lines and their predictions, for warming up. */
async function writeHeads(dir: string, files: { gold: string; pred: string }, lines: number): Promise<{ gold: string; pred: string }> {
  const head = (path: string) => readFileSync(path, "utf8").split("\n", lines);
  const goldLines = head(files.gold);
  const ids = new Set(goldLines.map((l) => (JSON.parse(l) as { id: string }).id));
  const predLines = head(files.pred).filter((l) => ids.has((JSON.parse(l) as { id: string }).id));
  const gold = join(dir, "warm-gold.jsonl");
  const pred = join(dir, "warm-pred.jsonl");
  writeFileSync(gold, goldLines.join("\n") + "\n");
  writeFileSync(pred, predLines.join("\n") + "\n");
  return { gold, pred };
}

interface ProcessCost {
  wall_s: number;
  cpu_s: number;
  peak_rss_mb: number;
}

/** Runs a command under GNU time; returns its cost and stdout. */
function timed(command: string, args: string[]): { cost: ProcessCost; stdout: string } {
  const run = spawnSync("/usr/bin/time", ["-f", "IEOPT_TIME %e %U %S %M", command, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  const line = run.stderr.split("\n").find((l) => l.startsWith("IEOPT_TIME "));
  if (run.status !== 0 || line === undefined) throw new Error(`${command} ${args.join(" ")} failed (${run.status}): ${run.stderr.slice(-2000)}`);
  const [wall, user, sys, rssKb] = line.split(" ").slice(1).map(Number);
  return { cost: { wall_s: wall!, cpu_s: round(user! + sys!, 2), peak_rss_mb: round(rssKb! / 1024, 1) }, stdout: run.stdout };
}

/** The decode + JSON.parse floor: the same files read line by line and parsed, nothing else. */
const PARSE_ONLY = `
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
let n = 0;
for (const file of process.argv.slice(1)) {
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) if (line) { JSON.parse(line); n++; }
}
console.log(n);
`;

function hasPython(): boolean {
  return spawnSync("python3", ["--version"]).status === 0;
}

async function main(): Promise<void> {
  if (!existsSync("/usr/bin/time")) {
    console.error("bench/score needs GNU time (/usr/bin/time) to measure whole processes");
    process.exitCode = 1;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "ieopt-bench-score-"));
  try {
    const files = await writeFiles(dir);
    const flags = launcherNodeFlags();
    const bin = fileURLToPath(new URL("../bin/ieopt.js", import.meta.url));
    // Warm the compile cache once, as any second use of the CLI finds it: a real score run
    // (on the files' first lines), so the modules scoring loads are cached too, not only
    // those `score --help` loads (a cold cache adds ~0.3 s of compiling to the first run).
    const small = await writeHeads(dir, files, 50);
    timed(process.execPath, [...flags, bin, "score", "--gold", small.gold, "--pred", small.pred, "--json"]);
    // The two Node processes run RUNS times, interleaved, and each figure is its median: on a
    // shared machine one run of either can be several percent off.
    const ieoptRuns: ReturnType<typeof timed>[] = [];
    const parseRuns: ReturnType<typeof timed>[] = [];
    for (let run = 0; run < RUNS; run++) {
      ieoptRuns.push(timed(process.execPath, [...flags, bin, "score", "--gold", files.gold, "--pred", files.pred, "--json"]));
      parseRuns.push(timed(process.execPath, [...flags, "--input-type=module", "-e", PARSE_ONLY, files.gold, files.pred]));
    }
    const ieopt = { cost: medianCost(ieoptRuns.map((r) => r.cost)), stdout: ieoptRuns[0]!.stdout };
    const report = JSON.parse(ieopt.stdout) as { overall: { lf1: number; instances: number; samples: number; failures: number } };
    const parseOnly = { cost: medianCost(parseRuns.map((r) => r.cost)) };
    let python: { cost: ProcessCost; lf1: number } | undefined;
    if (hasPython()) {
      const script = fileURLToPath(new URL("./score-reference.py", import.meta.url));
      const py = timed("python3", [script, files.gold, files.pred]);
      python = { cost: py.cost, lf1: round(Number(py.stdout.trim()), 4) };
    } else {
      console.log("python3 not found: the Python column is skipped");
    }
    const vsPython = python ? round(python.cost.cpu_s / ieopt.cost.cpu_s, 2) : null;
    const vsParse = round(ieopt.cost.cpu_s / parseOnly.cost.cpu_s, 2);
    const pass = {
      vs_python: vsPython === null ? null : vsPython >= TARGETS.vs_python,
      vs_parse_only: vsParse <= TARGETS.vs_parse_only,
      peak_rss_mb: ieopt.cost.peak_rss_mb < TARGETS.peak_rss_mb,
    };
    const result = {
      bench: "score",
      samples: files.samples,
      overall: { lf1: round(report.overall.lf1, 4), instances: report.overall.instances, failures: report.overall.failures },
      runs: RUNS,
      ieopt_score: { ...ieopt.cost, samples_per_cpu_s: Math.round(files.samples / ieopt.cost.cpu_s), cpu_s_per_run: ieoptRuns.map((r) => r.cost.cpu_s) },
      parse_only: { ...parseOnly.cost, cpu_s_per_run: parseRuns.map((r) => r.cost.cpu_s) },
      python_lf1_loop: python ? { ...python.cost, overall_lf1: python.lf1 } : "skipped: python3 not found",
      // The comparison is fair only if the reference computes the same LF1.
      same_lf1_as_python: python ? python.lf1 === round(report.overall.lf1, 4) : null,
      speedup_vs_python_cpu: vsPython,
      ratio_to_parse_only_cpu: vsParse,
      targets: TARGETS,
      pass_vs_python: pass.vs_python,
      pass_vs_parse_only: pass.vs_parse_only,
      pass_peak_rss: pass.peak_rss_mb,
      v8_flags: flags,
      node: process.version,
      cpus: availableParallelism(),
      date: new Date().toISOString(),
    };
    writeJsonAtomic(fileURLToPath(new URL("./results/score.json", import.meta.url)), result);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each figure's median over runs (the runs' figures are listed beside it). */
function medianCost(costs: ProcessCost[]): ProcessCost {
  return { wall_s: median(costs.map((c) => c.wall_s)), cpu_s: median(costs.map((c) => c.cpu_s)), peak_rss_mb: median(costs.map((c) => c.peak_rss_mb)) };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

await main();
