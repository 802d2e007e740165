import { describe, expect, it } from "vitest";
import { endpointModelId, makeRedactor, normalizeBaseURL } from "../../src/lm/endpoint.ts";
import { LimiterRegistry } from "../../src/lm/limiter.ts";

describe("normalizeBaseURL", () => {
  it("makes spellings of one endpoint equal and drops anything that may hold a secret", () => {
    const same = ["http://LOCALHOST:8000/v1", "http://localhost:8000/v1/", "http://user:sk-pass@localhost:8000/v1?api-key=sk-q#frag"];
    for (const u of same) expect(normalizeBaseURL(u)).toBe("http://localhost:8000/v1");
    expect(normalizeBaseURL("https://api.openai.com:443/v1")).toBe("https://api.openai.com/v1");
    expect(normalizeBaseURL("http://127.0.0.1:11434")).toBe("http://127.0.0.1:11434");
    expect(endpointModelId("http://h:1/v1/", "qwen2.5-7b")).toBe("http://h:1/v1#qwen2.5-7b");
  });

  it("redacts secrets and bearer tokens", () => {
    const redact = makeRedactor(["sk-test-SECRET-123", undefined]);
    expect(redact("key sk-test-SECRET-123 rejected; Authorization: Bearer abc.def")).toBe("key *** rejected; Authorization: Bearer ***");
  });
});

describe("LimiterRegistry", () => {
  it("gives every caller of one endpoint the same limiter, at the smallest concurrency asked", () => {
    const reg = new LimiterRegistry();
    const a = reg.forEndpoint("http://h/v1", 16);
    const b = reg.forEndpoint("http://h/v1", 4);
    const c = reg.forEndpoint("http://h/v1", 32);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(a.concurrency).toBe(4);
    expect(reg.forEndpoint("http://other/v1", 8)).not.toBe(a);
    expect(reg.size).toBe(2);
  });

  it("runs at most `concurrency` tasks at once", async () => {
    const limit = new LimiterRegistry().forEndpoint("e", 3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        limit(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 2));
          running--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });
});
