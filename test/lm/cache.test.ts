import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rmSync, existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawn } from "node:child_process";
import { DatabaseSync } from "node:sqlite";
import { CachedLM, cacheKey, defaultCachePath, LMCache, retryWhileLocked } from "../../src/lm/cache.ts";
import { LMCallError, type LM, type LMRequest, type LMResponse } from "../../src/lm/types.ts";
import { UserInputError } from "../../src/errors.ts";
import { tempDir } from "../helpers/temp.ts";

let dir: string;
beforeEach(() => {
  dir = tempDir("ieopt-cache-");
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const BASE: LMRequest = { messages: [{ role: "user", content: "Paris liegt an der Seine." }] };

/** A counting fake LM; `fail` makes the next calls throw. */
function fakeLM(id = "http://h/v1#m"): LM & { calls: number; fail: boolean } {
  const lm = {
    id,
    model: "m",
    calls: 0,
    fail: false,
    async complete(req: LMRequest): Promise<LMResponse> {
      lm.calls++;
      await new Promise((r) => setTimeout(r, 2));
      if (lm.fail) throw new LMCallError("boom", "http", 1, 500);
      return { choices: [`answer to ${req.messages.at(-1)!.content} #${lm.calls}`], usage: { prompt_tokens: 10, completion_tokens: 5 }, cached: false };
    },
  };
  return lm;
}

describe("cacheKey", () => {
  const k = (r: Partial<LMRequest>, id = "lm", model = "m") => cacheKey(id, model, { ...BASE, ...r });

  it("changes with every decoding setting, the messages, the LM and the model", () => {
    const keys = [
      k({}),
      k({}, "other-lm"),
      k({}, "lm", "other-model"),
      k({ messages: [{ role: "user", content: "Paris liegt an der Loire." }] }),
      k({ messages: [{ role: "system", content: "Paris liegt an der Seine." }] }),
      k({ temperature: 0.5 }),
      k({ max_tokens: 10 }),
      k({ seed: 1 }),
      k({ n: 3 }),
      k({ stop: ["\n"] }),
      k({ response_format: { type: "json_object" } }),
      k({ response_format: { type: "json_schema", json_schema: { name: "a", schema: {} } } }),
      k({ response_format: { type: "json_schema", json_schema: { name: "b", schema: {} } } }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("treats unset temperature / n like their defaults", () => {
    expect(k({ temperature: 0 })).toBe(k({}));
    expect(k({ n: 1 })).toBe(k({}));
    expect(k({ stop: [] })).toBe(k({}));
  });

  it("includes draw only when draws can differ (temperature > 0 or n > 1)", () => {
    expect(k({ draw: 1 })).toBe(k({ draw: 2 }));
    expect(k({ temperature: 0, draw: 1 })).toBe(k({}));
    expect(k({ temperature: 0.7, draw: 1 })).not.toBe(k({ temperature: 0.7, draw: 2 }));
    expect(k({ temperature: 0.7, draw: 1 })).not.toBe(k({ temperature: 0.7 }));
    expect(k({ n: 4, draw: 1 })).not.toBe(k({ n: 4, draw: 2 }));
  });

  it("does not depend on object key order", () => {
    const a = cacheKey("lm", "m", { messages: [{ role: "user", content: "x" }], response_format: { type: "json_schema", json_schema: { name: "s", schema: { a: 1, b: 2 } } } });
    const b = cacheKey("lm", "m", { response_format: { json_schema: { schema: { b: 2, a: 1 }, name: "s" }, type: "json_schema" }, messages: [{ content: "x", role: "user" }] });
    expect(a).toBe(b);
  });
});

describe("LMCache", () => {
  it("defaults to .cache/ieopt/lm-cache.sqlite under cwd, overridable by IEOPT_CACHE", () => {
    expect(defaultCachePath({}, "/repo")).toBe(resolve("/repo", ".cache/ieopt/lm-cache.sqlite"));
    expect(defaultCachePath({ IEOPT_CACHE: "/tmp/x.sqlite" }, "/repo")).toBe("/tmp/x.sqlite");
    expect(defaultCachePath({ IEOPT_CACHE: ":memory:" }, "/repo")).toBe(":memory:");
  });

  it("persists across handles and uses WAL", () => {
    const path = join(dir, "sub", "c.sqlite");
    const a = new LMCache(path);
    a.set("k1", "m", { choices: ["x", "y"], usage: { prompt_tokens: 3, completion_tokens: 4 } });
    a.close();
    const b = new LMCache(path);
    expect(b.get("k1")).toEqual({ choices: ["x", "y"], usage: { prompt_tokens: 3, completion_tokens: 4 } });
    expect(b.get("k2")).toBeUndefined();
    b.close();
    const db = new DatabaseSync(path);
    expect((db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).toBe("wal");
    db.close();
  });

  it("names a cache path it cannot open as the user's error", () => {
    const notADatabase = join(dir, "notes.txt");
    writeFileSync(notADatabase, "this is not sqlite ".repeat(100));
    expect(() => new LMCache(notADatabase)).toThrow(UserInputError);
    expect(() => new LMCache(dir)).toThrow(/cannot open the LM cache/);
  });

  it("works in memory", () => {
    const c = new LMCache(":memory:");
    c.set("k", "m", { choices: ["a"], usage: { prompt_tokens: 1, completion_tokens: 1 } });
    expect(c.get("k")?.choices).toEqual(["a"]);
    expect(c.size()).toBe(1);
    c.close();
  });

  it("two handles writing interleaved see each other's rows", () => {
    const path = join(dir, "c.sqlite");
    const a = new LMCache(path);
    const b = new LMCache(path);
    for (let i = 0; i < 200; i++) {
      const writer = i % 2 ? a : b;
      writer.set(`k${i}`, "m", { choices: [`v${i}`], usage: { prompt_tokens: i, completion_tokens: 0 } });
      writer.flush(); // writes are batched per event-loop turn; flush makes this one visible to the other handle now
      if (i > 0) expect((i % 2 ? b : a).get(`k${i - 1}`)?.choices).toEqual([`v${i - 1}`]);
    }
    expect(a.size()).toBe(200);
    expect(a.stats.write_errors + b.stats.write_errors).toBe(0);
    a.close();
    b.close();
  });

  it("survives two processes writing at once, and a process killed mid-write", async () => {
    const path = join(dir, "shared.sqlite");
    const cacheModule = resolve("src/lm/cache.ts");
    const script = (tag: string, n: number) => `
      import { LMCache } from ${JSON.stringify(cacheModule)};
      const c = new LMCache(${JSON.stringify(path)});
      const n = ${n};
      for (let i = 0; i < n; i++) c.set("${tag}" + i, "m", { choices: ["${tag}" + i], usage: { prompt_tokens: i, completion_tokens: 1 } });
      if (c.stats.write_errors) { console.error("write errors", c.stats.write_errors); process.exit(3); }
      c.close();
    `;
    const run = (src: string) =>
      new Promise<number>((res, rej) => {
        const child = spawn(process.execPath, ["--input-type=module", "-e", src], { stdio: ["ignore", "ignore", "inherit"] });
        child.on("error", rej);
        child.on("exit", (code) => res(code ?? -1));
      });
    const codes = await Promise.all([run(script("a", 2000)), run(script("b", 2000))]);
    expect(codes).toEqual([0, 0]);

    // A writer killed with SIGKILL part-way must leave a consistent file.
    const victim = spawn(process.execPath, ["--input-type=module", "-e", script("z", 1_000_000)], { stdio: "ignore" });
    const watcher = new LMCache(path);
    // Kill it once it is visibly writing (bounded wait: at most ~15 s on a loaded machine).
    for (let i = 0; i < 300 && watcher.size() < 4100; i++) await new Promise((r) => setTimeout(r, 50));
    watcher.close();
    victim.kill("SIGKILL");
    await new Promise((r) => victim.on("exit", r));

    const db = new DatabaseSync(path);
    expect((db.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check).toBe("ok");
    db.close();
    const c = new LMCache(path);
    for (const key of ["a0", "a1999", "b0", "b1999"]) expect(c.get(key)?.choices).toEqual([key]);
    // Every finished row of both writers, plus whatever the victim committed before the kill.
    expect(c.size()).toBeGreaterThan(4000);
    c.close();
  });
});

describe("retryWhileLocked (two processes switching a new cache file to WAL at once)", () => {
  it("retries while SQLite says the database is locked, and only then", () => {
    let tries = 0;
    retryWhileLocked(() => {
      if (++tries < 3) throw new Error("database is locked");
    }, 5_000);
    expect(tries).toBe(3);
    let other = 0;
    expect(() => retryWhileLocked(() => { other++; throw new Error("no such table: x"); }, 5_000)).toThrow("no such table");
    expect(other).toBe(1);
    // Past its deadline it gives up with SQLite's error.
    expect(() => retryWhileLocked(() => { throw new Error("database is locked"); }, 0)).toThrow("database is locked");
  });
});

describe("CachedLM", () => {
  it("serves a repeat from the cache with cached: true and pays once", async () => {
    const inner = fakeLM();
    const cache = new LMCache(join(dir, "c.sqlite"));
    const lm = new CachedLM(inner, cache);
    const first = await lm.complete(BASE);
    const second = await lm.complete(BASE);
    expect(first.cached).toBe(false);
    expect(second).toEqual({ ...first, cached: true });
    expect(inner.calls).toBe(1);
    expect(lm.id).toBe(inner.id);
    cache.close();
  });

  it("never caches failures", async () => {
    const inner = fakeLM();
    const cache = new LMCache(":memory:");
    const lm = new CachedLM(inner, cache);
    inner.fail = true;
    await expect(lm.complete(BASE)).rejects.toBeInstanceOf(LMCallError);
    expect(cache.size()).toBe(0);
    inner.fail = false;
    expect((await lm.complete(BASE)).cached).toBe(false);
    expect(inner.calls).toBe(2);
  });

  it("coalesces concurrent identical requests into one paid call", async () => {
    const inner = fakeLM();
    const lm = new CachedLM(inner, new LMCache(":memory:"));
    const out = await Promise.all(Array.from({ length: 5 }, () => lm.complete(BASE)));
    expect(inner.calls).toBe(1);
    expect(out.filter((r) => !r.cached)).toHaveLength(1);
    expect(new Set(out.map((r) => r.choices[0])).size).toBe(1);
  });

  it("coalesces across CachedLMs sharing one cache (roles of one run)", async () => {
    const inner = fakeLM();
    const cache = new LMCache(":memory:");
    const a = new CachedLM(inner, cache);
    const b = new CachedLM(inner, cache);
    const [x, y] = await Promise.all([a.complete(BASE), b.complete(BASE)]);
    expect(inner.calls).toBe(1);
    expect([x.cached, y.cached].sort()).toEqual([false, true]);
  });

  it("lets a waiting caller go on when the leading caller aborted", async () => {
    let calls = 0;
    const inner: LM = {
      id: "x",
      model: "m",
      async complete(_req, options) {
        calls++;
        await new Promise((r) => setTimeout(r, 5));
        if (options?.signal?.aborted) throw new LMCallError("aborted", "aborted", 1);
        return { choices: ["fine"], usage: { prompt_tokens: 1, completion_tokens: 1 }, cached: false };
      },
    };
    const lm = new CachedLM(inner, new LMCache(":memory:"));
    const ctl = new AbortController();
    const leader = lm.complete(BASE, { signal: ctl.signal });
    const follower = lm.complete(BASE);
    ctl.abort();
    await expect(leader).rejects.toMatchObject({ kind: "aborted" });
    await expect(follower).resolves.toMatchObject({ choices: ["fine"], cached: false });
    expect(calls).toBe(2);
  });

  it("keys by the wrapped LM's id, so two endpoints never share answers", async () => {
    const cache = new LMCache(":memory:");
    const a = fakeLM("http://a/v1#m");
    const b = fakeLM("http://b/v1#m");
    await new CachedLM(a, cache).complete(BASE);
    expect((await new CachedLM(b, cache).complete(BASE)).cached).toBe(false);
    expect(existsSync(join(dir, "nothing"))).toBe(false);
  });
});
