/**
 * Optimize against a slow endpoint: the real `ieopt optimize` (default settings, NER on
 * examples/) calls the sim through a loopback proxy that holds every request 200 ms, as a
 * remote model would. Reports wall time, LM calls per phase (the run's status.json) and
 * the lower bound a perfectly packed schedule could reach: calls × latency ÷ concurrency.
 * Target: wall ≤ 1.3 × that bound at --concurrency 32. All scores are sim.
 *
 *     node bench/optimize.ts [--repeat N] [--replay] [concurrency[/parallel-trials] ...]     (default: 32 8, once)
 *
 * --replay: a first, unmeasured run of each configuration records the sim's answers; the
 * measured runs get them replayed after the same 200 ms. The sim's own CPU (2–16 ms per
 * answer on this shared 2-core machine, more under load) then no longer adds to the
 * latency the bound assumes, so the ratio measures the schedule. Runs are deterministic
 * for a seed, so the replayed requests are the recorded ones.
 *
 * The machine is shared and small: repeat (e.g. --repeat 3) and read the range; each row
 * records the load average it ran under. Writes bench/results/optimize.json (--replay: optimize-replay.json).
 */
import { spawn, spawnSync } from "node:child_process";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeJsonAtomic } from "../src/util/fs.ts";
import { launcherNodeFlags } from "./launcher-flags.ts";

const LATENCY_MS = 200;
const TARGET_RATIO = 1.3;
const TARGET_CONCURRENCY = 32;
const TRACE_MS = 100;
/** [concurrency, --parallel-trials or undefined for the default] per run. */
const argv = process.argv.slice(2);
const repeatAt = argv.indexOf("--repeat");
const REPEAT = repeatAt >= 0 ? Math.max(1, Number(argv.splice(repeatAt, 2)[1])) : 1;
const replayAt = argv.indexOf("--replay");
const REPLAY = replayAt >= 0 && argv.splice(replayAt, 1).length === 1;
const RUNS = (argv.length > 0 ? argv : ["32", "8"]).map((a) => a.split("/").map(Number) as [number, number?]);
const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin/ieopt.js");
const node = [...launcherNodeFlags(), bin];

/** `ieopt sim serve --port 0` in its own process (its CPU must not slow the proxy); resolves to its base URL. */
function startSim(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [...node, "sim", "serve", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, stop: () => child.kill("SIGTERM") });
    });
    child.on("exit", (code) => reject(new Error(`sim server exited (${code})`)));
  });
}

interface Proxy {
  url: string;
  requests: number;
  inFlight: number;
  maxInFlight: number;
  /** Milliseconds with at least one request in flight, and request-milliseconds in flight. */
  busyMs: number;
  /** Total time the sim took to answer after the held latency (its CPU on a shared machine). */
  upstreamMs: number;
  /** Requests answered from the recording (--replay). */
  replayed: number;
  /** Requests in flight every TRACE_MS. */
  timeline: number[];
  /** performance.now() of the first request (the preflight). */
  firstRequestAt: number | undefined;
  close(): Promise<void>;
}

/** The sim's answers by request (method, path, body), for --replay. */
const recorded = new Map<string, { status: number; headers: IncomingHttpHeaders; body: Buffer }>();

/** Holds each request LATENCY_MS, then answers it from `replay` if recorded there, else forwards it to the sim (and records the answer). */
async function startProxy(target: string, replay: boolean): Promise<Proxy> {
  const upstream = new URL(target);
  const state = { requests: 0, replayed: 0, inFlight: 0, maxInFlight: 0, busyMs: 0, upstreamMs: 0, timeline: [] as number[], firstRequestAt: undefined as number | undefined };
  let busySince = 0;
  // Requests in flight, sampled every TRACE_MS: where the schedule leaves slots idle.
  const sampler = setInterval(() => state.timeline.push(state.inFlight), TRACE_MS);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      state.requests++;
      state.firstRequestAt ??= performance.now();
      if (state.inFlight++ === 0) busySince = performance.now();
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      const done = () => {
        if (--state.inFlight === 0) state.busyMs += performance.now() - busySince;
      };
      const key = `${req.method} ${req.url} ${Buffer.concat(chunks).toString("utf8")}`;
      setTimeout(() => {
        const answer = replay ? recorded.get(key) : undefined;
        if (answer) {
          state.replayed++;
          res.writeHead(answer.status, answer.headers).end(answer.body);
          done();
          return;
        }
        const sent = performance.now();
        const path = upstream.pathname.replace(/\/v1\/?$/, "") + (req.url ?? "");
        const forward = httpRequest(
          { host: upstream.hostname, port: upstream.port, path, method: req.method, headers: { ...req.headers, host: upstream.host } },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            const body: Buffer[] = [];
            up.on("data", (c: Buffer) => body.push(c));
            up.pipe(res);
            up.on("end", () => {
              recorded.set(key, { status: up.statusCode ?? 502, headers: up.headers, body: Buffer.concat(body) });
              state.upstreamMs += performance.now() - sent;
              done();
            });
          },
        );
        forward.on("error", (err) => {
          done();
          res.writeHead(502).end(String(err));
        });
        forward.end(Buffer.concat(chunks));
      }, LATENCY_MS);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => {
      clearInterval(sampler);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) as Proxy;
}

interface Row {
  concurrency: number;
  parallel_trials: number | null;
  wall_s: number;
  lm_calls: number;
  calls_by_phase: Record<string, number>;
  lower_bound_s: number;
  ratio_to_bound: number;
  /** "replayed": answers recorded in an unmeasured run, so the latency is LATENCY_MS alone. */
  answers: "live" | "replayed";
  replayed_share: number;
  /** Mean time the sim itself took per request, on top of the held latency. */
  sim_answer_ms: number;
  /** The bound with the sim's own answer time added to the latency. */
  lower_bound_with_sim_s: number;
  max_in_flight: number;
  /** Share of the run's wall time with no request in flight (CPU phases, waits). */
  idle_share: number;
  /** From spawn to the first request (the preflight): process start-up. */
  first_request_s: number;
  /** Share of the samples with exactly one request in flight (a lone request, e.g. a trial's last wave). */
  one_in_flight_share: number;
  /** Mean requests in flight over the run, and per half second (where slots sit idle). */
  mean_in_flight: number;
  in_flight_per_half_second: number[];
  val_lf1_sim: string;
  /** The machine's 1-minute load average when the run started (2 cores shared with others). */
  load_average: number;
}

async function runOnce(concurrency: number, parallel: number | undefined, simUrl: string, replay: boolean): Promise<Row> {
  const proxy = await startProxy(simUrl, replay);
  const runsDir = mkdtempSync(join(tmpdir(), "ieopt-bench-optimize-"));
  try {
    const data = join(root, "examples/data/ner");
    const args = [
      ...node, "optimize", "--task", "NER", "--train", join(data, "train.jsonl"), "--val", join(data, "dev.jsonl"),
      "--model", "sim", "--base-url", proxy.url, "--concurrency", String(concurrency), "--no-cache", "--runs-dir", runsDir, "--quiet",
      ...(parallel === undefined ? [] : ["--parallel-trials", String(parallel)]),
    ];
    const load = loadavg()[0]!;
    const started = performance.now();
    const child = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, args, { env: { ...process.env, OPENAI_API_KEY: "sk-bench" } });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (d) => (stdout += d));
      p.stderr.on("data", (d) => (stderr += d));
      p.on("close", (code) => resolve({ code, stdout, stderr }));
    });
    const wall = (performance.now() - started) / 1000;
    if (child.code !== 0) throw new Error(`optimize exited ${child.code}: ${child.stderr.slice(-3000)}`);
    const runDir = join(runsDir, readdirSync(runsDir)[0]!);
    const status = JSON.parse(readFileSync(join(runDir, "status.json"), "utf8")) as { phases?: { phase: string; calls: number }[] };
    const config = JSON.parse(readFileSync(join(runDir, "config.json"), "utf8")) as { settings: { parallelTrials?: number } };
    const calls_by_phase = Object.fromEntries((status.phases ?? []).map((p) => [p.phase, p.calls]));
    const bound = (proxy.requests * LATENCY_MS) / 1000 / concurrency;
    const lf1 = /validation LF1[^:]*: ([^\n]+)/.exec(child.stdout)?.[1] ?? "";
    return {
      concurrency,
      parallel_trials: config.settings.parallelTrials ?? null,
      wall_s: round(wall, 2),
      lm_calls: proxy.requests,
      calls_by_phase,
      lower_bound_s: round(bound, 2),
      ratio_to_bound: round(wall / bound, 2),
      answers: replay ? "replayed" : "live",
      replayed_share: round(proxy.replayed / proxy.requests, 3),
      sim_answer_ms: round(proxy.upstreamMs / Math.max(1, proxy.requests - proxy.replayed), 1),
      lower_bound_with_sim_s: round((proxy.requests * LATENCY_MS + proxy.upstreamMs) / 1000 / concurrency, 2),
      max_in_flight: proxy.maxInFlight,
      idle_share: round(1 - proxy.busyMs / 1000 / wall, 3),
      first_request_s: round(((proxy.firstRequestAt ?? started) - started) / 1000, 2),
      one_in_flight_share: round(proxy.timeline.filter((n) => n === 1).length / Math.max(1, proxy.timeline.length), 3),
      mean_in_flight: round(meanOf(proxy.timeline), 1),
      in_flight_per_half_second: chunks(proxy.timeline, 500 / TRACE_MS).map((c) => round(meanOf(c), 1)),
      val_lf1_sim: lf1.trim(),
      load_average: round(load, 1),
    };
  } finally {
    await proxy.close();
    rmSync(runsDir, { recursive: true, force: true });
  }
}

const meanOf = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const chunks = <T>(xs: readonly T[], size: number): T[][] => Array.from({ length: Math.ceil(xs.length / size) }, (_, i) => xs.slice(i * size, (i + 1) * size));

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const sim = await startSim();
try {
  const rows: (Row & { requested_parallel_trials: number | null })[] = [];
  // --replay: one unmeasured run per configuration records the answers first.
  if (REPLAY) for (const [c, parallel] of RUNS) await runOnce(c, parallel, sim.url, false);
  for (let round = 0; round < REPEAT; round++) for (const [c, parallel] of RUNS) {
    const row = await runOnce(c, parallel, sim.url, REPLAY);
    rows.push({ ...row, requested_parallel_trials: parallel ?? null });
    console.log(
      `concurrency ${String(c).padStart(3)}: wall ${row.wall_s}s, ${row.lm_calls} LM calls, bound ${row.lower_bound_s}s → ${row.ratio_to_bound}× the bound ` +
        `(${row.answers === "replayed" ? `${(100 * row.replayed_share).toFixed(0)}% replayed; ` : ""}sim answers in ${row.sim_answer_ms} ms on top; bound with it ${row.lower_bound_with_sim_s}s; max ${row.max_in_flight} in flight, ${(100 * row.idle_share).toFixed(1)}% of the time none, ${(100 * row.one_in_flight_share).toFixed(1)}% one alone, ${row.mean_in_flight} on average; first request after ${row.first_request_s}s; ${row.parallel_trials} trials in flight; load ${row.load_average}) ${JSON.stringify(row.calls_by_phase)}\n` +
        `  in flight per 0.5 s: ${row.in_flight_per_half_second.join(" ")}`,
    );
  }
  // The headline: concurrency 32 with default settings, over the repeats (median passes or not).
  const headline = rows.filter((r) => r.concurrency === TARGET_CONCURRENCY && r.requested_parallel_trials === null).map((r) => r.ratio_to_bound).sort((a, b) => a - b);
  const median = headline.length > 0 ? headline[Math.floor((headline.length - 1) / 2)]! : undefined;
  const pass = median === undefined ? null : median <= TARGET_RATIO;
  if (median !== undefined) console.log(`concurrency ${TARGET_CONCURRENCY}, default settings: ${headline.length} runs, ratio to the bound ${headline[0]}–${headline.at(-1)} (median ${median}); target ≤ ${TARGET_RATIO}`);
  writeJsonAtomic(fileURLToPath(new URL(`results/optimize${REPLAY ? "-replay" : ""}.json`, import.meta.url)), {
    bench: "optimize",
    note: `sim model behind a loopback proxy${REPLAY ? ", its answers replayed from an unmeasured run" : ""}; every score is sim`,
    answers: REPLAY ? "replayed" : "live",
    latency_ms: LATENCY_MS,
    task: "NER (examples/data/ner), default optimizer settings, --no-cache",
    rows,
    headline: median === undefined ? null : { runs: headline.length, ratio_min: headline[0], ratio_median: median, ratio_max: headline.at(-1) },
    target: `wall ≤ ${TARGET_RATIO}× (calls × latency ÷ concurrency) at concurrency ${TARGET_CONCURRENCY}`,
    pass,
    node: process.version,
    cpus: availableParallelism(),
    git: spawnSync("git", ["-C", root, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim(),
    date: new Date().toISOString(),
  });
  if (pass === false) process.exitCode = 1;
} finally {
  sim.stop();
}
