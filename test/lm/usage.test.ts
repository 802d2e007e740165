import { describe, expect, it } from "vitest";
import { Budget, BudgetedLM, costOf, MeteredLM, UsageMeter } from "../../src/lm/usage.ts";
import { CachedLM, LMCache } from "../../src/lm/cache.ts";
import { LMCallError, type LM, type LMRequest, type LMResponse } from "../../src/lm/types.ts";

function fakeLM(model = "gpt-x", usage = { prompt_tokens: 1000, completion_tokens: 200 }): LM & { calls: number; fail: boolean } {
  const lm = {
    id: `http://h/v1#${model}`,
    model,
    calls: 0,
    fail: false,
    async complete(req: LMRequest): Promise<LMResponse> {
      lm.calls++;
      if (lm.fail) throw new LMCallError("down", "timeout", 3);
      return { choices: [req.messages[0]!.content.toUpperCase()], usage, cached: false };
    },
  };
  return lm;
}
const ask = (text: string): LMRequest => ({ messages: [{ role: "user", content: text }] });
const PRICES = { "gpt-x": { input_per_1m: 2, output_per_1m: 10 } };

describe("UsageMeter", () => {
  it("counts paid calls, hits, failures, tokens and cost per role and in total", async () => {
    const meter = new UsageMeter({ prices: PRICES });
    const inner = fakeLM();
    const cache = new LMCache(":memory:");
    const inference = new MeteredLM(new CachedLM(inner, cache), meter, "inference");
    const prompt = new MeteredLM(fakeLM("unpriced"), meter, "prompt");

    await inference.complete(ask("a"));
    await inference.complete(ask("a"));
    await inference.complete(ask("b"));
    inner.fail = true;
    await expect(inference.complete(ask("c"))).rejects.toThrow();
    await prompt.complete(ask("p"));

    const inf = meter.role("inference");
    expect(inf).toMatchObject({ calls: 2, cache_hits: 1, failures: 1, prompt_tokens: 2000, completion_tokens: 400, unpriced_calls: 0 });
    expect(inf.failures_by_kind).toEqual({ timeout: 1 });
    expect(inf.cost).toBeCloseTo(2 * (1000 * 2 + 200 * 10) / 1e6, 12);
    expect(meter.role("prompt")).toMatchObject({ calls: 1, unpriced_calls: 1, cost: 0 });
    expect(meter.role("thought").calls).toBe(0);
    expect(meter.total).toMatchObject({ calls: 3, cache_hits: 1, failures: 1, prompt_tokens: 3000 });

    const json = JSON.parse(JSON.stringify(meter));
    expect(Object.keys(json.roles).sort()).toEqual(["inference", "prompt", "thought"]);
    expect(json.total.calls).toBe(3);
    expect(json.priced).toBe(true);
  });

  it("prices per 1M tokens", () => {
    expect(costOf("gpt-x", { prompt_tokens: 1_000_000, completion_tokens: 500_000 }, PRICES)).toBe(7);
    expect(costOf("other", { prompt_tokens: 1, completion_tokens: 1 }, PRICES)).toBeUndefined();
  });
});

describe("Budget", () => {
  it("stops paid calls at maxCalls, shared across roles; cache hits stay free and served", async () => {
    const budget = new Budget({ maxCalls: 3 });
    const meter = new UsageMeter();
    const cache = new LMCache(":memory:");
    const innerA = fakeLM();
    const innerB = fakeLM("other");
    const a = new MeteredLM(new CachedLM(new BudgetedLM(innerA, budget), cache), meter, "inference");
    const b = new MeteredLM(new CachedLM(new BudgetedLM(innerB, budget), cache), meter, "prompt");

    await a.complete(ask("1"));
    await b.complete(ask("2"));
    await a.complete(ask("3"));
    const refused = await a.complete(ask("4")).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LMCallError);
    expect(refused).toMatchObject({ kind: "budget", attempts: 0 });
    await expect(b.complete(ask("5"))).rejects.toMatchObject({ kind: "budget" });
    // Finished work replays from the cache after the budget ran out.
    expect((await a.complete(ask("1"))).cached).toBe(true);
    expect(innerA.calls + innerB.calls).toBe(3);
    expect(meter.total).toMatchObject({ calls: 3, cache_hits: 1, budget_refusals: 2, failures: 0 });
    expect(budget.toJSON().spent.calls).toBe(3);
  });

  it("cannot be overshot by concurrent calls", async () => {
    const budget = new Budget({ maxCalls: 5 });
    const inner = fakeLM();
    const lm = new BudgetedLM(inner, budget);
    const out = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => lm.complete(ask(`q${i}`))));
    expect(out.filter((o) => o.status === "fulfilled")).toHaveLength(5);
    expect(inner.calls).toBe(5);
  });

  it("returns the slot of a failed call", async () => {
    const budget = new Budget({ maxCalls: 1 });
    const inner = fakeLM();
    const lm = new BudgetedLM(inner, budget);
    inner.fail = true;
    await expect(lm.complete(ask("x"))).rejects.toMatchObject({ kind: "timeout" });
    inner.fail = false;
    await expect(lm.complete(ask("x"))).resolves.toMatchObject({ cached: false });
    await expect(lm.complete(ask("y"))).rejects.toMatchObject({ kind: "budget" });
  });

  it("stops on tokens and on cost", async () => {
    const byTokens = new BudgetedLM(fakeLM(), new Budget({ maxTokens: 2000 }));
    await byTokens.complete(ask("1"));
    await byTokens.complete(ask("2"));
    await expect(byTokens.complete(ask("3"))).rejects.toMatchObject({ kind: "budget" });

    // One call costs (1000·2 + 200·10) / 1M = 0.004: the first call spends the whole budget.
    const byCost = new BudgetedLM(fakeLM(), new Budget({ maxCost: 0.004 }, { prices: PRICES }));
    await byCost.complete(ask("1"));
    await expect(byCost.complete(ask("2"))).rejects.toMatchObject({ kind: "budget" });
  });
});
