import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pLimit from "p-limit";
import { createLM, type LMSpec } from "../../src/lm/factory.ts";
import { simModels, simProfile } from "../../sim/index.ts";
import { LMCache } from "../../src/lm/cache.ts";
import { LimiterRegistry } from "../../src/lm/limiter.ts";
import { Budget, UsageMeter } from "../../src/lm/usage.ts";
import { LMCallError, type LM, type LMRequest } from "../../src/lm/types.ts";
import { UserInputError } from "../../src/errors.ts";
import { ALL_FAULT_KINDS, startStubServer, type StubServer } from "../helpers/stub-server.ts";
import { tempDir } from "../helpers/temp.ts";


const KEY = "sk-test-SECRET-123";
let dir: string;
beforeAll(() => {
  dir = tempDir("ieopt-factory-");
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const LANGS = ["Berlin ist groß.", "東京は大きい。", "Paris est grande.", "Москва большая.", "القاهرة كبيرة."];
const requests: LMRequest[] = Array.from({ length: 500 }, (_, i) => ({
  messages: [
    { role: "system", content: "Extract named entities as JSON." },
    { role: "user", content: `#${i} ${LANGS[i % LANGS.length]}` },
  ],
  max_tokens: 128,
  response_format: { type: "json_object" },
}));

interface RunResult {
  answers: Map<number, string[]>;
  failures: Map<number, { kind: string; message: string }>;
}

/** What an evaluation runner does: every request ends up answered or listed as failed with its reason. */
async function runAll(lm: LM, concurrency: number): Promise<RunResult> {
  const answers = new Map<number, string[]>();
  const failures = new Map<number, { kind: string; message: string }>();
  const limit = pLimit(concurrency);
  await Promise.all(
    requests.map((req, i) =>
      limit(async () => {
        try {
          answers.set(i, (await lm.complete(req)).choices);
        } catch (err) {
          if (!(err instanceof LMCallError)) throw err;
          failures.set(i, { kind: err.kind, message: err.message });
        }
      }),
    ),
  );
  return { answers, failures };
}

function spec(server: StubServer, extra: Partial<LMSpec> = {}): LMSpec {
  return {
    model: "stub-model",
    baseURL: server.url,
    apiKey: KEY,
    role: "inference",
    concurrency: 16,
    timeoutMs: 500,
    maxRetries: 5,
    limiters: new LimiterRegistry(),
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    seed: "test",
    ...extra,
  };
}

describe("createLM", () => {
  it("routes sim model names to the in-process sim passed in as local, without a cache by default", async () => {
    for (const name of ["sim", "sim-small", "sim-large", "sim:large"]) expect(simProfile(name)).toBe(name);
    expect(simProfile("simple-model")).toBeUndefined();
    expect(simProfile("gpt-4o-mini")).toBeUndefined();
    const meter = new UsageMeter();
    const lm = createLM({ model: "sim-large", role: "thought", meter, local: simModels });
    expect(lm.model).toBe("sim-large");
    const first = await lm.complete(requests[0]!);
    const again = await lm.complete(requests[0]!);
    expect(first.choices.length).toBe(1);
    expect(again).toEqual(first);
    expect(meter.role("thought")).toMatchObject({ calls: 2, cache_hits: 0 });
    expect(createLM({ model: "sim:small", role: "prompt", local: simModels }).model).toBe("sim-small");
    expect(() => createLM({ model: "sim:gigantic", role: "prompt", local: simModels })).toThrow(UserInputError);
  });

  it("caches the sim when given a cache", async () => {
    const cache = new LMCache(":memory:");
    const lm = createLM({ model: "sim", role: "inference", cache, local: simModels });
    await lm.complete(requests[0]!);
    expect((await lm.complete(requests[0]!)).cached).toBe(true);
  });

  it("takes endpoint and key from the environment, and a dummy key for keyless local servers", async () => {
    const server = await startStubServer();
    try {
      const fromEnv = createLM({ model: "m", role: "inference", cache: null, env: { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: KEY }, limiters: new LimiterRegistry() });
      await fromEnv.complete(requests[0]!);
      expect(fromEnv.id).toBe(`${server.url}#m`);
      const keyless = createLM({ model: "m", role: "inference", cache: null, baseURL: server.url, env: {}, limiters: new LimiterRegistry() });
      await keyless.complete(requests[1]!);
      expect(server.requests.map((r) => r.authorization)).toEqual([`Bearer ${KEY}`, "Bearer not-needed"]);
    } finally {
      await server.close();
    }
  });

  it(
    "500 requests at concurrency 16 through ~20% faults: answered or failed with reason, answers equal a fault-free run, rerun is all cache hits",
    async () => {
      const clean = await startStubServer();
      const faulty = await startStubServer({
        faultRate: 0.2,
        faultSeed: "factory-run",
        faultKinds: [...ALL_FAULT_KINDS, { kind: "garbage" }, { kind: "null-content" }, { kind: "no-choices" }],
        // A stall is a slow answer here; the client's deadline is far beyond it, so how fast
        // this machine is cannot turn answers into timeouts (timeouts: test/lm/client.test.ts).
        stallMs: 20,
      });
      // No wall-clock race: the per-attempt deadline is far beyond any stall or load.
      const patient = { timeoutMs: 120_000 };
      try {
        // Reference: the same requests, no faults, no cache. The answers depend only on the
        // request, so the two stubs must agree wherever the faulty run succeeded.
        const reference = await runAll(createLM({ ...spec(clean, patient), cache: null }), 16);
        expect(reference.failures.size).toBe(0);

        const cachePath = join(dir, "run-cache.sqlite");
        const meter1 = new UsageMeter();
        const cache1 = new LMCache(cachePath);
        const run1 = await runAll(createLM({ ...spec(faulty, patient), cache: cache1, meter: meter1 }), 16);
        cache1.close();

        expect(run1.answers.size + run1.failures.size).toBe(500);
        for (const [i, f] of run1.failures) {
          expect(f.kind, `request ${i}`).toMatch(/^(http|timeout|connection|malformed)$/);
          expect(f.message.length).toBeGreaterThan(0);
        }
        for (const [i, answer] of run1.answers) expect(answer, `request ${i}`).toEqual(reference.answers.get(i));
        // With 5 retries at a 20% fault rate, failing a request takes six faults in a row.
        expect(run1.failures.size).toBe(0);
        const faultsServed = faulty.requests.filter((r) => r.fault !== undefined).length;
        expect(faultsServed).toBeGreaterThan(60);
        expect(new Set(faulty.requests.map((r) => r.fault).filter(Boolean)).size).toBeGreaterThanOrEqual(8);
        // One retry per fault, except stalls (answered, only late).
        const stalls = faulty.requests.filter((r) => r.fault === "stall").length;
        expect(stalls).toBeGreaterThan(0);
        expect(faulty.count()).toBe(500 + faultsServed - stalls);
        expect(meter1.total).toMatchObject({ calls: 500, cache_hits: 0, failures: 0 });

        // Second identical run, fresh handle on the same file (as a new process would have).
        const before = faulty.count();
        const meter2 = new UsageMeter();
        const cache2 = new LMCache(cachePath);
        const run2 = await runAll(createLM({ ...spec(faulty, patient), cache: cache2, meter: meter2 }), 16);
        cache2.close();
        expect(faulty.count() - before).toBe(0);
        expect(run2.answers).toEqual(run1.answers);
        expect(meter2.total).toMatchObject({ calls: 0, cache_hits: 500, failures: 0, prompt_tokens: 0 });

        // The key went over the wire, but into no file, meter or error message.
        expect(faulty.requests.every((r) => r.authorization === `Bearer ${KEY}`)).toBe(true);
        writeFileSync(join(dir, "meter.json"), JSON.stringify({ meter1, meter2 }));
        const files = readdirSync(dir);
        expect(files.some((f) => f.startsWith("run-cache.sqlite"))).toBe(true);
        for (const f of files) {
          const bytes = readFileSync(join(dir, f));
          expect(bytes.includes(Buffer.from(KEY)), f).toBe(false);
          expect(bytes.includes(Buffer.from("SECRET")), f).toBe(false);
        }
        for (const f of run1.failures.values()) expect(f.message).not.toContain(KEY);
      } finally {
        await Promise.all([clean.close(), faulty.close()]);
      }
    },
    120_000,
  );

  it("lists permanent failures with their reason and never caches them", async () => {
    const server = await startStubServer({
      faults: ({ body }) => (body?.messages?.at(-1)?.content.includes("#13 ") ? { kind: "status", status: 400, message: "bad request" } : undefined),
    });
    try {
      const cache = new LMCache(":memory:");
      const meter = new UsageMeter();
      const lm = createLM({ ...spec(server), cache, meter });
      const sub = requests.slice(10, 16);
      const out = await Promise.allSettled(sub.map((r) => lm.complete(r)));
      const rejected = out.filter((o): o is PromiseRejectedResult => o.status === "rejected");
      expect(rejected).toHaveLength(1);
      expect(rejected[0]!.reason).toMatchObject({ kind: "http", status: 400, attempts: 1 });
      expect(cache.size()).toBe(5);
      expect(meter.total).toMatchObject({ calls: 5, failures: 1, failures_by_kind: { http: 1 } });
    } finally {
      await server.close();
    }
  });

  it("budget stops paid calls; hits are counted as hits and still served", async () => {
    const server = await startStubServer();
    try {
      const budget = new Budget({ maxCalls: 4 });
      const meter = new UsageMeter();
      const cache = new LMCache(":memory:");
      const limiters = new LimiterRegistry();
      const inference = createLM({ ...spec(server), cache, meter, budget, limiters });
      const prompt = createLM({ ...spec(server), role: "prompt", cache, meter, budget, limiters });
      const results = await Promise.allSettled(requests.slice(0, 6).map((r, i) => (i % 2 ? prompt : inference).complete(r)));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(4);
      for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ kind: "budget" });
      expect(server.count()).toBe(4);
      const firstAnswered = results.findIndex((r) => r.status === "fulfilled");
      const lm = firstAnswered % 2 ? prompt : inference;
      await expect(lm.complete(requests[firstAnswered]!)).resolves.toMatchObject({ cached: true });
      expect(server.count()).toBe(4);
      expect(meter.total).toMatchObject({ calls: 4, cache_hits: 1, budget_refusals: 2, failures: 0 });
    } finally {
      await server.close();
    }
  });
});
