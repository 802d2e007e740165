import { describe, expect, it } from "vitest";
import { endpointModelId, makeRedactor, normalizeBaseURL, redactURL } from "../../src/lm/endpoint.ts";
import { LimiterRegistry, PRIORITY } from "../../src/lm/limiter.ts";

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

  it("serves queued work by priority, first come first served within one", async () => {
    const limit = new LimiterRegistry().forEndpoint("e", 1);
    const order: string[] = [];
    let release!: () => void;
    const busy = limit(() => new Promise<void>((r) => (release = r)));
    const queued = [
      limit(async () => void order.push("background 1"), PRIORITY.BACKGROUND),
      limit(async () => void order.push("normal 1")),
      limit(async () => void order.push("urgent"), PRIORITY.URGENT),
      limit(async () => void order.push("background 2"), PRIORITY.BACKGROUND),
      limit(async () => void order.push("normal 2"), PRIORITY.NORMAL),
    ];
    release();
    await Promise.all([busy, ...queued]);
    expect(order).toEqual(["urgent", "normal 1", "normal 2", "background 1", "background 2"]);
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

describe("redactURL", () => {
  it("strips credentials, query and fragment from URLs that parse and from those that do not", () => {
    const cases: [string, string][] = [
      ["http://alice:pw@127.0.0.1:notaport/v1", "http://127.0.0.1:notaport/v1"],
      ["http://alice:p/w@host:1/v1", "http://host:1/v1"],
      ["http://alice:p?w#x@host/v1?api-key=k", "http://host/v1"],
      ["alice:pw@host:x/v1", "host:x/v1"],
      ["http:/alice:pw@host/v1", "http:/host/v1"],
      ["https://HOST:8000/v1", "https://HOST:8000/v1"],
    ];
    for (const [raw, shown] of cases) {
      expect(redactURL(raw), raw).toBe(shown);
      expect(redactURL(raw)).not.toMatch(/pw|alice|api-key/);
    }
  });
});
