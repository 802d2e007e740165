import { afterEach, describe, expect, it } from "vitest";
import { OpenAICompatibleLM, parseCompletion, resetStructuredOutputMemory, type OpenAICompatibleOptions } from "../../src/lm/openai-client.ts";
import { MalformedResponseError } from "../../src/lm/faults.ts";
import { LimiterRegistry } from "../../src/lm/limiter.ts";
import { LMCallError, type LMRequest } from "../../src/lm/types.ts";
import { startStubServer, stubAnswers, type StubFault, type StubOptions, type StubServer } from "../helpers/stub-server.ts";

const KEY = "sk-test-SECRET-123";
const servers: StubServer[] = [];

async function stub(options: StubOptions = {}): Promise<StubServer> {
  const s = await startStubServer(options);
  servers.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  resetStructuredOutputMemory();
});

function client(server: StubServer, extra: Partial<OpenAICompatibleOptions> = {}, delays: number[] = []): OpenAICompatibleLM {
  return new OpenAICompatibleLM({
    baseURL: server.url,
    apiKey: KEY,
    model: "stub-model",
    // Generous, so a loaded machine does not turn a clean answer into a timeout; the
    // stall tests set their own short deadline.
    timeoutMs: 5_000,
    maxRetries: 3,
    concurrency: 4,
    limiters: new LimiterRegistry(),
    retry: {
      sleep: async (ms) => {
        delays.push(ms);
      },
    },
    ...extra,
  });
}

const REQ: LMRequest = { messages: [{ role: "user", content: "Berlin ist schön." }], max_tokens: 64 };

/** The first try of every distinct request gets `fault`; retries are clean. */
function firstTry(fault: StubFault): StubOptions["faults"] {
  return ({ seen }) => (seen === 0 ? fault : undefined);
}

describe("OpenAICompatibleLM", () => {
  it("answers, sends the key, the decoding settings and never `draw`", async () => {
    const s = await stub();
    const lm = client(s);
    const res = await lm.complete({
      ...REQ,
      temperature: 0.7,
      seed: 7,
      n: 2,
      stop: ["\n\n"],
      draw: 3,
      response_format: { type: "json_object" },
    });
    expect(res.cached).toBe(false);
    expect(res.choices).toHaveLength(2);
    const body = s.requests[0]!.body!;
    expect(res.choices).toEqual(stubAnswers(body));
    expect(body).toMatchObject({ model: "stub-model", temperature: 0.7, seed: 7, n: 2, stop: ["\n\n"], max_tokens: 64 });
    expect(body.response_format).toEqual({ type: "json_object" });
    expect("draw" in body).toBe(false);
    expect(s.requests[0]!.authorization).toBe(`Bearer ${KEY}`);
    expect(res.usage.prompt_tokens).toBeGreaterThan(0);
    expect(res.usage.completion_tokens).toBeGreaterThan(0);
  });

  it("sends temperature 0 when the request leaves it unset (greedy is the default)", async () => {
    const s = await stub();
    await client(s).complete(REQ);
    expect(s.requests[0]!.body!.temperature).toBe(0);
  });

  it("id is the normalized endpoint + model, without the key", async () => {
    const s = await stub();
    const lm = client(s, { baseURL: `${s.url}/` });
    expect(lm.id).toBe(`${s.url}#stub-model`);
    expect(lm.id).not.toContain(KEY);
  });

  const retryable: Array<[string, StubFault]> = [
    ["429", { kind: "rate-limit" }],
    ["500", { kind: "server-error", status: 500 }],
    ["503", { kind: "server-error", status: 503 }],
    ["408", { kind: "status", status: 408 }],
    ["stall past the timeout", { kind: "stall" }],
    ["connection reset", { kind: "reset" }],
    ["invalid JSON body", { kind: "invalid-json" }],
    ["truncated body", { kind: "truncated" }],
    ["no choices", { kind: "no-choices" }],
    ["null content", { kind: "null-content" }],
  ];
  const transports: Array<[string, typeof fetch | undefined]> = [
    ["node:http transport", undefined],
    ["global fetch (undici)", globalThis.fetch],
  ];
  const cases = transports.flatMap(([transport, fetchImpl]) => retryable.map(([name, fault]) => ({ transport, fetchImpl, name, fault })));
  for (const { transport, fetchImpl, name, fault } of cases) {
    it(`retries after: ${name} (${transport})`, async () => {
      const s = await stub({ faults: firstTry(fault) });
      const delays: number[] = [];
      const extra: Partial<OpenAICompatibleOptions> = fault.kind === "stall" ? { timeoutMs: 300 } : {};
      if (fetchImpl) extra.fetch = fetchImpl;
      const res = await client(s, extra, delays).complete(REQ);
      expect(res.choices).toEqual(stubAnswers(s.requests.at(-1)!.body!));
      expect(s.count()).toBe(2);
      expect(delays).toHaveLength(1);
    });
  }

  it("retries garbage content when JSON output was requested, returns it as-is otherwise", async () => {
    const s = await stub({ faults: firstTry({ kind: "garbage" }) });
    const lm = client(s);
    const asked = await lm.complete({ ...REQ, response_format: { type: "json_object" } });
    expect(() => JSON.parse(asked.choices[0]!)).not.toThrow();
    expect(s.count()).toBe(2);
    const plain = await lm.complete({ ...REQ, messages: [{ role: "user", content: "other" }] });
    expect(plain.choices[0]).toContain("garbage");
    expect(s.count()).toBe(3);
  });

  it("gives up after maxRetries with an LMCallError naming kind, status and attempts", async () => {
    const s = await stub({ faults: () => ({ kind: "server-error", status: 503 }) });
    const err = await client(s, { maxRetries: 2 }).complete(REQ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LMCallError);
    expect(err).toMatchObject({ kind: "http", status: 503, attempts: 3 });
    expect(s.count()).toBe(3);
  });

  it("reports timeouts and connection failures by kind", async () => {
    const stall = await stub({ faults: () => ({ kind: "stall" }) });
    const t = await client(stall, { maxRetries: 1, timeoutMs: 150 }).complete(REQ).catch((e: unknown) => e);
    expect(t).toMatchObject({ kind: "timeout", attempts: 2 });
    const reset = await stub({ faults: () => ({ kind: "reset" }) });
    const c = await client(reset, { maxRetries: 1 }).complete(REQ).catch((e: unknown) => e);
    expect(c).toMatchObject({ kind: "connection", attempts: 2 });
    const bad = await stub({ faults: () => ({ kind: "invalid-json" }) });
    const m = await client(bad, { maxRetries: 1 }).complete(REQ).catch((e: unknown) => e);
    expect(m).toMatchObject({ kind: "malformed", attempts: 2 });
  });

  it("fails fast on a refused connection after its retries (nothing listening)", async () => {
    const s = await stub();
    const url = s.url;
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    const delays: number[] = [];
    const lm = new OpenAICompatibleLM({ baseURL: url, apiKey: KEY, model: "m", maxRetries: 2, limiters: new LimiterRegistry(), retry: { sleep: async (ms) => void delays.push(ms) } });
    const err = await lm.complete(REQ).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "connection", attempts: 3 });
    expect(delays).toHaveLength(2);
  });

  for (const status of [400, 401, 403, 404, 422]) {
    it(`does not retry ${status}`, async () => {
      const s = await stub({ faults: () => ({ kind: "status", status, message: `nope (key ${KEY})` }) });
      const delays: number[] = [];
      const err = await client(s, {}, delays).complete(REQ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LMCallError);
      expect(err).toMatchObject({ kind: "http", status, attempts: 1 });
      expect(s.count()).toBe(1);
      expect(delays).toEqual([]);
      // Even when a server echoes the key, the error message does not carry it.
      expect((err as Error).message).not.toContain(KEY);
      expect((err as Error).message).toContain("***");
    });
  }

  it("honours Retry-After seconds, HTTP dates and retry-after-ms (capped)", async () => {
    const future = new Date(Date.now() + 30_000).toUTCString();
    const script: StubFault[] = [
      { kind: "rate-limit", retryAfter: "2" },
      { kind: "rate-limit", retryAfter: future },
      { kind: "rate-limit", retryAfterMs: 1234 },
      { kind: "rate-limit", retryAfter: "86400" },
    ];
    const s = await stub({ faults: ({ seen }) => script[seen] });
    const delays: number[] = [];
    const lm = client(s, { maxRetries: 4, retry: { maxRetryAfterMs: 45_000, sleep: async (ms) => void delays.push(ms) } });
    await lm.complete(REQ);
    expect(delays[0]).toBe(2000);
    // HTTP-date: about 30 s from now (the header has 1 s resolution).
    expect(delays[1]).toBeGreaterThan(27_000);
    expect(delays[1]).toBeLessThanOrEqual(30_000);
    expect(delays[2]).toBe(1234);
    expect(delays[3]).toBe(45_000);
  });

  it("falls back once without json_schema when the endpoint rejects it, and remembers", async () => {
    const s = await stub({ rejectJsonSchema: true });
    const lm = client(s);
    const schemaReq: LMRequest = {
      ...REQ,
      response_format: { type: "json_schema", json_schema: { name: "records", schema: { type: "object" } } },
    };
    const first = await lm.complete(schemaReq);
    expect(first.choices).toHaveLength(1);
    expect(s.requests.map((r) => r.body!.response_format?.type)).toEqual(["json_schema", undefined]);
    // A second LM on the same endpoint (another role) skips the doomed try.
    const other = client(s);
    await other.complete({ ...schemaReq, messages: [{ role: "user", content: "zweite Anfrage" }] });
    expect(s.count()).toBe(3);
    expect(s.requests[2]!.body!.response_format).toBeUndefined();
  });

  it("keeps json_schema where the endpoint supports it", async () => {
    const s = await stub();
    await client(s).complete({ ...REQ, response_format: { type: "json_schema", json_schema: { name: "r", schema: {} } } });
    expect(s.requests[0]!.body!.response_format?.type).toBe("json_schema");
  });

  it("stops at once when the caller aborts", async () => {
    const s = await stub({ faults: () => ({ kind: "stall", ms: 5_000 }) });
    const lm = client(s, { timeoutMs: 10_000 });
    const ctl = new AbortController();
    const p = lm.complete(REQ, { signal: ctl.signal }).catch((e: unknown) => e);
    while (s.count() === 0) await new Promise((r) => setTimeout(r, 5));
    ctl.abort();
    expect(await p).toMatchObject({ kind: "aborted" });
    expect(s.count()).toBe(1);
  });

  it("keeps at most `concurrency` requests in flight per endpoint, across LM instances", async () => {
    const s = await stub({ latencyMs: 20 });
    const limiters = new LimiterRegistry();
    let inFlight = 0;
    let peak = 0;
    const countingFetch: typeof fetch = async (input, init) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        return await fetch(input, init);
      } finally {
        inFlight--;
      }
    };
    const a = client(s, { concurrency: 3, limiters, fetch: countingFetch, model: "a" });
    const b = client(s, { concurrency: 3, limiters, fetch: countingFetch, model: "b" });
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).complete({ messages: [{ role: "user", content: `q${i}` }] })),
    );
    expect(s.count()).toBe(12);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });
});

describe("parseCompletion", () => {
  const choice = (index: number, content: unknown, finish_reason = "stop") => ({ index, message: { role: "assistant", content }, finish_reason });

  it("orders choices by index and tolerates missing usage", () => {
    expect(parseCompletion({ choices: [choice(1, "b"), choice(0, "a")] }, false)).toEqual({
      choices: ["a", "b"],
      usage: { prompt_tokens: 0, completion_tokens: 0 },
      cached: false,
    });
  });

  it("rejects unusable bodies as malformed", () => {
    for (const body of ["<html>oops</html>", null, {}, { choices: [] }, { choices: [choice(0, null)] }, { error: { message: "x" } }]) {
      expect(() => parseCompletion(body, false)).toThrow(MalformedResponseError);
    }
    expect(() => parseCompletion({ choices: [choice(0, "not json")] }, true)).toThrow(MalformedResponseError);
  });

  it("passes JSON cut off by max_tokens through to the caller's parser", () => {
    expect(parseCompletion({ choices: [choice(0, '{"records": [', "length")] }, true).choices).toEqual(['{"records": [']);
  });
});
