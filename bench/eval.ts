/**
 * Eval benchmark: samples/s and peak RSS of `ieopt eval` end to end — data scan, batching,
 * the shared runner with the OpenAI-compatible client and LM cache, streaming scoring,
 * predictions file, bootstrap CIs and all four reports — on 400,000 generated NER samples
 * (200,000 instances of 2 queries, 4 languages) against a zero-latency loopback
 * OpenAI-compatible stub (test/helpers/stub-server.ts) at concurrency 64.
 *
 *   node bench/eval.ts              → bench/results/eval.json
 *   BENCH_EVAL_SAMPLES=20000 node bench/eval.ts   (a quick run; the result says so)
 *
 * Layout: this process generates the data (streamed to a temp file) and runs the stub in
 * a worker thread; the eval runs in a child process (this file with --child), which
 * reports its own peak RSS (getrusage maxrss), so the stub's memory is not counted. The
 * stub answers a NER record list built from each query, so parsing and LF1 scoring run
 * on real records.
 * Bounded: the child is stopped (Ctrl-C path, predictions kept) after BENCH_EVAL_MAX_S
 * seconds (default 1800), and the result records that.
 */
import { spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeJsonAtomic } from "../src/util/fs.ts";
import { startStubWorker } from "./stub-worker.ts";
import { launcherNodeFlags } from "./launcher-flags.ts";

const TARGET_SAMPLES_PER_S = 1000;
const TARGET_RSS_MB = 500;
const CONCURRENCY = 64;
// The flags of bin/ieopt.js, plus any extra ones for experiments.
const LAUNCHER_NODE_FLAGS = [...launcherNodeFlags(), ...(process.env.BENCH_EXTRA_NODE_FLAGS?.split(" ").filter(Boolean) ?? [])];
const LANGS = ["eng", "deu", "spa", "zho"];
const FIRST = ["Ada", "Bao", "Chidi", "Dana", "Emil", "Fatima", "Goran", "Hana"];
const CITIES = ["Lagos", "Oslo", "Lima", "Hanoi", "Quito", "Accra", "Riga", "Perth"];

async function writeData(path: string, samples: number): Promise<void> {
  const out = createWriteStream(path);
  const instances = Math.ceil(samples / 2);
  let written = 0;
  for (let i = 0; i < instances && written < samples; i++) {
    const person = `${FIRST[i % FIRST.length]} ${i}`;
    const city = CITIES[i % CITIES.length]!;
    const text = `${person} moved to ${city} in ${1990 + (i % 30)} to work for Nordlys ${i % 97}.`;
    const lang = LANGS[i % LANGS.length]!;
    const base = { instance_id: `bench-${i}`, dataset: "bench", lang, task: "NER", split: "test", text };
    const lines = [
      { ...base, id: `bench-${i}#0`, schema: ["person", "location", "date"], labels: [{ entity: person, entity_type: "person" }, { entity: city, entity_type: "location" }] },
      { ...base, id: `bench-${i}#1`, schema: ["organization", "event"], labels: [{ entity: `Nordlys ${i % 97}`, entity_type: "organization" }] },
    ];
    for (const line of lines) {
      if (written >= samples) break;
      if (!out.write(JSON.stringify(line) + "\n")) await new Promise<void>((r) => out.once("drain", () => r()));
      written++;
    }
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** The child: `ieopt eval` in-process, then its own peak RSS on stderr as JSON. */
async function child(args: string[]): Promise<void> {
  const { main } = await import("../src/cli/main.ts");
  const started = performance.now();
  const code = await main(["node", "ieopt", ...args]);
  const seconds = (performance.now() - started) / 1000;
  // For memory investigations: BENCH_HEAP_SNAPSHOT=<file> writes the child's heap at the end.
  if (process.env.BENCH_HEAP_SNAPSHOT) (await import("node:v8")).writeHeapSnapshot(process.env.BENCH_HEAP_SNAPSHOT);
  const mb = (n: number) => Math.round(n / 1048576);
  const m = process.memoryUsage();
  const memory_at_end_mb = { rss: mb(m.rss), heap_total: mb(m.heapTotal), heap_used: mb(m.heapUsed), external: mb(m.external), array_buffers: mb(m.arrayBuffers) };
  process.stderr.write(`\n@@bench ${JSON.stringify({ code, seconds, max_rss_mb: process.resourceUsage().maxRSS / 1024, memory_at_end_mb })}\n`);
  process.exitCode = code;
}

async function run(): Promise<void> {
  const samples = Number(process.env["BENCH_EVAL_SAMPLES"] ?? 400_000);
  const maxSeconds = Number(process.env["BENCH_EVAL_MAX_S"] ?? 1800);
  const dir = mkdtempSync(join(tmpdir(), "ieopt-bench-eval-"));
  const data = join(dir, "data.jsonl");
  const load = { before: Number(loadavg()[0]!.toFixed(2)), after: 0 };
  process.stdout.write(`generating ${samples} samples…\n`);
  await writeData(data, samples);
  const stub = await startStubWorker({ latencyMs: 0, answers: "ner-records" });
  const args = [
    "eval", "--prompt", "default:NER", "--data", data, "--model", "bench-model", "--base-url", stub.url, "--api-key", "bench",
    "--concurrency", String(CONCURRENCY), "--cache", join(dir, "cache.sqlite"), "--out", join(dir, "out"), "--quiet", "--timeout", "60000",
  ];
  process.stdout.write(`ieopt eval on ${samples} samples at concurrency ${CONCURRENCY} (stub ${stub.url})…\n`);
  const started = performance.now();
  // The child runs with the Node flags the ieopt launchers use (bin/ieopt.js, ./ieopt).
  const proc = spawn(process.execPath, [...LAUNCHER_NODE_FLAGS, fileURLToPath(import.meta.url), "--child", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let stdout = "";
  proc.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  let stopped = false;
  const timer = setTimeout(() => {
    stopped = true;
    proc.kill("SIGINT");
  }, maxSeconds * 1000);
  const exitCode = await new Promise<number>((resolve) => proc.once("exit", (c) => resolve(c ?? -1)));
  clearTimeout(timer);
  const wall = (performance.now() - started) / 1000;
  await stub.stop();
  load.after = Number(loadavg()[0]!.toFixed(2));
  const marker = /@@bench (\{.*\})/.exec(stderr);
  const inner = marker ? (JSON.parse(marker[1]!) as { code: number; seconds: number; max_rss_mb: number; memory_at_end_mb: Record<string, number> }) : undefined;
  const predictions = join(dir, "out/predictions/default_NER--bench-model.jsonl");
  let predictionBytes = 0;
  try {
    predictionBytes = statSync(predictions).size;
  } catch {
    predictionBytes = 0;
  }
  const seconds = inner?.seconds ?? wall;
  const samplesPerS = samples / seconds;
  const rss = inner?.max_rss_mb ?? NaN;
  const result = {
    bench: "eval",
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadavg_1m: load,
    node_flags: LAUNCHER_NODE_FLAGS,
    setup: `ieopt eval (default:NER prompt, 1 model) on ${samples} generated NER samples (${Math.ceil(samples / 2)} instances × 2 queries, ${LANGS.length} languages) against a zero-latency loopback OpenAI-compatible stub in a worker thread; concurrency ${CONCURRENCY}; LM cache on (fresh sqlite file); predictions file, bootstrap CIs (1000) and all four reports included`,
    quick_run: samples !== 400_000,
    samples,
    stopped_at_time_cap: stopped,
    exit_code: exitCode,
    seconds: Number(seconds.toFixed(2)),
    samples_per_s: Number(samplesPerS.toFixed(1)),
    memory_at_end_mb: inner?.memory_at_end_mb,
    peak_rss_mb: Number(rss.toFixed(1)),
    predictions_bytes: predictionBytes,
    targets: { samples_per_s: TARGET_SAMPLES_PER_S, peak_rss_mb: TARGET_RSS_MB },
    pass_throughput: !stopped && exitCode === 0 && samplesPerS >= TARGET_SAMPLES_PER_S,
    pass_memory: exitCode === 0 && rss < TARGET_RSS_MB,
    note: "the stub answers a NER record list (the query's first two words as a person), so answers parse and are scored",
  };
  writeJsonAtomic(fileURLToPath(new URL("./results/eval.json", import.meta.url)), result);
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  if (exitCode !== 0) process.stdout.write(`eval exited ${exitCode}:\n${stderr.slice(-2000)}\n${stdout.slice(-500)}\n`);
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[2] === "--child") {
  await child(process.argv.slice(3));
} else {
  await run();
}
