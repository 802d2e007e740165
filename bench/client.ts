/**
 * Client benchmark: requests/s and client overhead of the real OpenAI-compatible path
 * (OpenAICompatibleLM: retries + endpoint limiter + openai SDK over the node:http
 * transport, no cache) against a loopback stub, next to the bare SDK on its default
 * global fetch under the same conditions (so the report separates what our layer costs
 * or saves from what the SDK and the machine cost).
 *
 *   node bench/client.ts            → prints a table, writes bench/results/client.json
 *
 * The stub runs in a worker thread (its own event loop), so the client's measurements do
 * not include the server's work queued behind its own. Two scenarios, each at
 * concurrency 1, 16, 64:
 *   - zero-latency stub: raw throughput and overhead = per-request time (p50, p99);
 *   - 100 ms stub: throughput must reach ≥ 90% of concurrency ÷ latency, and overhead =
 *     per-request time − 100 ms.
 * Request counts are fixed (bounded: about a minute in all). Each row is run 3 times and
 * the best trial is kept: on a shared 2-core machine other tenants' load only ever slows
 * a trial down, so the best one is the closest to what the client can do. The load
 * average is recorded next to the numbers.
 */
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import pLimit from "p-limit";
import OpenAI from "openai";
import { OpenAICompatibleLM } from "../src/lm/openai-client.ts";
import { LimiterRegistry } from "../src/lm/limiter.ts";
import { writeJsonAtomic } from "../src/util/fs.ts";
import { startStubWorker } from "./stub-worker.ts";

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

interface Sample {
  requests: number;
  seconds: number;
  requests_per_s: number;
  overhead_ms: { p50: number; p99: number; mean: number };
}

interface Row {
  latency_ms: number;
  concurrency: number;
  /** OpenAICompatibleLM, best trial by throughput (other tenants of the machine add noise). */
  lm: Sample;
  /**
   * The bare openai SDK call on its default transport (global fetch / undici), same
   * conditions: shows what our layer (retries, limiter, node:http transport) adds or saves.
   */
  sdk_baseline: Sample;
  trials: number;
  lm_requests_per_s_all: number[];
  expected_requests_per_s?: number;
  ratio?: number;
  sdk_ratio?: number;
  pass?: boolean;
}

type Ask = (i: number) => Promise<unknown>;

function clients(url: string, concurrency: number): { lm: Ask; sdk: Ask } {
  const lm = new OpenAICompatibleLM({
    baseURL: url,
    apiKey: "bench-not-a-key",
    model: "stub-model",
    concurrency,
    maxRetries: 0,
    timeoutMs: 30_000,
    limiters: new LimiterRegistry(),
  });
  const sdk = new OpenAI({ baseURL: url, apiKey: "bench-not-a-key", maxRetries: 0, timeout: 30_000, logLevel: "off" });
  const content = (i: number) => `Benchmark-Anfrage ${i}: Wer wohnt in Zürich?`;
  return {
    lm: (i) => lm.complete({ messages: [{ role: "user", content: content(i) }], max_tokens: 32 }),
    sdk: (i) => sdk.chat.completions.create({ model: "stub-model", messages: [{ role: "user", content: content(i) }], max_tokens: 32, temperature: 0 }),
  };
}

async function measure(ask: Ask, latencyMs: number, concurrency: number, requests: number, warmup: number): Promise<Sample> {
  const drive = pLimit(concurrency);
  // Warm up sockets and JIT; not measured.
  await Promise.all(Array.from({ length: warmup }, (_, i) => drive(() => ask(-1 - i))));
  const times: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: requests }, (_, i) =>
      drive(async () => {
        const t0 = performance.now();
        await ask(i);
        times.push(performance.now() - t0);
      }),
    ),
  );
  const seconds = (performance.now() - start) / 1000;
  const overhead = times.map((t) => t - latencyMs).sort((a, b) => a - b);
  return {
    requests,
    seconds: round(seconds),
    requests_per_s: round(requests / seconds, 1),
    overhead_ms: {
      p50: round(percentile(overhead, 50)),
      p99: round(percentile(overhead, 99)),
      mean: round(overhead.reduce((a, b) => a + b, 0) / overhead.length),
    },
  };
}

async function row(url: string, latencyMs: number, concurrency: number, requests: number, warmup: number, trials: number): Promise<Row> {
  const { lm, sdk } = clients(url, concurrency);
  const lmSamples: Sample[] = [];
  const sdkSamples: Sample[] = [];
  for (let t = 0; t < trials; t++) {
    lmSamples.push(await measure(lm, latencyMs, concurrency, requests, warmup));
    sdkSamples.push(await measure(sdk, latencyMs, concurrency, requests, warmup));
  }
  const best = (xs: Sample[]) => xs.reduce((a, b) => (b.requests_per_s > a.requests_per_s ? b : a));
  const r: Row = {
    latency_ms: latencyMs,
    concurrency,
    lm: best(lmSamples),
    sdk_baseline: best(sdkSamples),
    trials,
    lm_requests_per_s_all: lmSamples.map((x) => x.requests_per_s),
  };
  if (latencyMs > 0) {
    const expected = concurrency / (latencyMs / 1000);
    r.expected_requests_per_s = expected;
    r.ratio = round(r.lm.requests_per_s / expected);
    r.sdk_ratio = round(r.sdk_baseline.requests_per_s / expected);
    r.pass = r.ratio >= 0.9;
  }
  return r;
}

async function main(): Promise<void> {
  const concurrencies = [1, 16, 64];
  const trials = 3;
  const rows: Row[] = [];
  const loadBefore = loadavg()[0];

  const fast = await startStubWorker({ latencyMs: 0 });
  try {
    for (const c of concurrencies) rows.push(await row(fast.url, 0, c, c === 1 ? 300 : 1200, 50, trials));
  } finally {
    await fast.stop();
  }

  const slow = await startStubWorker({ latencyMs: 100 });
  try {
    // 25 rounds of `c` requests: ~2.5 s per trial, so the start-up burst is a small share.
    for (const c of concurrencies) rows.push(await row(slow.url, 100, c, c * 25, c, trials));
  } finally {
    await slow.stop();
  }

  const result = {
    bench: "client",
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadavg_1m: { before: round(loadBefore ?? NaN, 2), after: round(loadavg()[0] ?? NaN, 2) },
    client: "OpenAICompatibleLM (openai SDK over the node:http transport, retries + endpoint limiter, no cache) vs the bare SDK on global fetch, against a loopback stub in a worker thread",
    note: "overhead_ms = per-request time minus the stub's latency; each row is the best of `trials` by throughput",
    rows,
    pass: rows.every((r) => r.pass !== false),
  };
  const out = join(dirname(fileURLToPath(import.meta.url)), "results", "client.json");
  writeJsonAtomic(out, result);

  console.log(`load average (1 min) before/after: ${result.loadavg_1m.before} / ${result.loadavg_1m.after} on ${result.cpus} cpus`);
  console.log("latency  conc   req/s  sdk req/s   p50 ms  p99 ms  sdk p50  expected  ratio  sdk ratio  pass");
  for (const r of rows) {
    console.log(
      [
        String(r.latency_ms).padStart(7),
        String(r.concurrency).padStart(5),
        r.lm.requests_per_s.toFixed(1).padStart(7),
        r.sdk_baseline.requests_per_s.toFixed(1).padStart(10),
        r.lm.overhead_ms.p50.toFixed(2).padStart(8),
        r.lm.overhead_ms.p99.toFixed(2).padStart(7),
        r.sdk_baseline.overhead_ms.p50.toFixed(2).padStart(8),
        (r.expected_requests_per_s?.toFixed(0) ?? "-").padStart(9),
        (r.ratio?.toFixed(3) ?? "-").padStart(6),
        (r.sdk_ratio?.toFixed(3) ?? "-").padStart(10),
        r.pass === undefined ? "    -" : r.pass ? "  yes" : "   NO",
      ].join(" "),
    );
  }
  console.log(`wrote ${out}`);
  if (!result.pass) process.exitCode = 1;
}

// Dispatch last, so every const above is initialized before top-level await runs.
await main();
