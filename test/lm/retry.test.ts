import { describe, expect, it } from "vitest";
import { backoffDelay, withRetries } from "../../src/lm/retry.ts";
import { classifyError, MalformedResponseError, parseRetryAfter } from "../../src/lm/faults.ts";
import { LMCallError } from "../../src/lm/types.ts";
import { createRng } from "../../src/util/random.ts";

function httpError(status: number, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`${status} failure`), { status, headers: new Headers(headers) });
}

function failing(errors: unknown[], result = "ok"): { fn: () => Promise<string>; calls: () => number } {
  let n = 0;
  return {
    fn: async () => {
      const err = errors[n++];
      if (err !== undefined) throw err;
      return result;
    },
    calls: () => n,
  };
}

describe("withRetries", () => {
  it("retries retryable faults with full-jitter backoff from a seeded rng", async () => {
    const errors = [httpError(500), httpError(503), httpError(429), httpError(408)];
    const delays: number[] = [];
    const { fn, calls } = failing(errors);
    const out = await withRetries(fn, {
      maxRetries: 5,
      baseDelayMs: 100,
      maxDelayMs: 250,
      random: createRng("jitter").next,
      sleep: async (ms) => void delays.push(ms),
    });
    expect(out).toBe("ok");
    expect(calls()).toBe(5);
    // Retry k waits uniformly in [0, min(cap, base·2^k)).
    const ceilings = [100, 200, 250, 250];
    delays.forEach((d, k) => {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(ceilings[k]!);
    });
    // Same seed, same waits: runs are reproducible.
    const again: number[] = [];
    await withRetries(failing(errors).fn, {
      maxRetries: 5,
      baseDelayMs: 100,
      maxDelayMs: 250,
      random: createRng("jitter").next,
      sleep: async (ms) => void again.push(ms),
    });
    expect(again).toEqual(delays);
  });

  it("backoffDelay spans the whole window (full jitter, not equal jitter)", () => {
    expect(backoffDelay(3, 100, 10_000, () => 0)).toBe(0);
    expect(backoffDelay(3, 100, 10_000, () => 0.999999)).toBe(799);
    expect(backoffDelay(40, 100, 10_000, () => 0.5)).toBe(5000);
  });

  it("waits what Retry-After asks, capped", async () => {
    const delays: number[] = [];
    const { fn } = failing([httpError(429, { "retry-after": "3" }), httpError(503, { "retry-after": "999" })]);
    await withRetries(fn, { maxRetries: 3, maxRetryAfterMs: 10_000, sleep: async (ms) => void delays.push(ms) });
    expect(delays).toEqual([3000, 10_000]);
  });

  it("throws LMCallError with kind, status and attempts after the last attempt", async () => {
    const { fn, calls } = failing([httpError(502), httpError(502), httpError(502)]);
    const err = await withRetries(fn, { maxRetries: 2, sleep: async () => {}, label: "http://x/v1#m" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LMCallError);
    expect(err).toMatchObject({ kind: "http", status: 502, attempts: 3 });
    expect((err as Error).message).toMatch(/^http:\/\/x\/v1#m: http 502 after 3 attempts/);
    expect(calls()).toBe(3);
  });

  it("does not retry other 4xx", async () => {
    for (const status of [400, 401, 403, 404, 409, 422]) {
      const { fn, calls } = failing([httpError(status)]);
      const err = await withRetries(fn, { maxRetries: 5, sleep: async () => {} }).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: "http", status, attempts: 1 });
      expect(calls()).toBe(1);
    }
  });

  it("redacts secrets from the final message", async () => {
    const { fn } = failing([httpError(401)].map((e) => Object.assign(e, { message: "bad key sk-test-SECRET-123" })));
    const err = await withRetries(fn, { maxRetries: 0, redact: (s) => s.replaceAll("sk-test-SECRET-123", "***") }).catch((e: unknown) => e);
    expect((err as Error).message).not.toContain("SECRET");
  });

  it("stops during a backoff wait when the caller aborts", async () => {
    const ctl = new AbortController();
    const { fn, calls } = failing([httpError(500), httpError(500)]);
    const p = withRetries(fn, { maxRetries: 5, baseDelayMs: 60_000, random: () => 0.99, signal: ctl.signal }).catch((e: unknown) => e);
    setTimeout(() => ctl.abort(), 10);
    expect(await p).toMatchObject({ kind: "aborted" });
    expect(calls()).toBe(1);
  });

  it("passes budget refusals through untouched", async () => {
    const refusal = new LMCallError("budget exhausted", "budget", 0);
    const err = await withRetries(() => Promise.reject(refusal), { maxRetries: 3, sleep: async () => {} }).catch((e: unknown) => e);
    expect(err).toBe(refusal);
  });
});

describe("classifyError", () => {
  it("classifies transport errors", () => {
    const reset = Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }) });
    expect(classifyError(reset)).toMatchObject({ kind: "connection", retryable: true });
    expect(classifyError(Object.assign(new Error("x"), { code: "ECONNREFUSED" }))).toMatchObject({ kind: "connection", retryable: true });
    expect(classifyError(new Error("socket hang up"))).toMatchObject({ kind: "connection", retryable: true });
    expect(classifyError(new SyntaxError("Unexpected token"))).toMatchObject({ kind: "malformed", retryable: true });
    expect(classifyError(new MalformedResponseError("no choices"))).toMatchObject({ kind: "malformed", retryable: true });
    expect(classifyError(new DOMException("t", "TimeoutError"))).toMatchObject({ kind: "timeout", retryable: true });
    expect(classifyError(new DOMException("a", "AbortError"))).toMatchObject({ kind: "aborted", retryable: false });
    expect(classifyError(new RangeError("a bug"))).toMatchObject({ retryable: false });
  });

  it("parses Retry-After forms", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter(new Headers({ "retry-after": "5" }), now)).toBe(5000);
    expect(parseRetryAfter(new Headers({ "retry-after": "0.5" }), now)).toBe(500);
    expect(parseRetryAfter(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:07 GMT" }), now)).toBe(7000);
    expect(parseRetryAfter(new Headers({ "retry-after": "Wed, 31 Dec 2025 00:00:00 GMT" }), now)).toBe(0);
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "250", "retry-after": "9" }), now)).toBe(250);
    expect(parseRetryAfter({ "Retry-After": "2" }, now)).toBe(2000);
    expect(parseRetryAfter(new Headers({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
