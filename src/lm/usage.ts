/**
 * What the LM calls of a run cost, per role (Φ prompt teacher, Θ thought teacher, θ
 * inference) and in total, and an optional budget that stops a run cleanly.
 *
 * Counting rules: `calls` are paid calls (answered by the endpoint); cache hits are
 * counted apart and cost nothing; `failures` are calls that ended in an LMCallError after
 * their retries; budget refusals are counted apart from failures because nothing was sent.
 */
import type { CompleteOptions, LM, LMRequest, LMResponse, LMRole, TokenUsage } from "./types.ts";
import { LMCallError } from "./types.ts";

export interface ModelPrice {
  /** Price per 1M prompt tokens. */
  input_per_1m: number;
  /** Price per 1M completion tokens. */
  output_per_1m: number;
}
export type PriceTable = Record<string, ModelPrice>;

export interface UsageCounts {
  /** HTTP requests sent to endpoints (retries included): what the servers received. */
  requests: number;
  calls: number;
  cache_hits: number;
  failures: number;
  budget_refusals: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** Cost of the priced calls, in the price table's currency. */
  cost: number;
  /** Paid calls whose model is not in the price table (their cost is unknown, not zero). */
  unpriced_calls: number;
  failures_by_kind: Record<string, number>;
}

export const ROLES: readonly LMRole[] = ["prompt", "thought", "inference"];

function emptyCounts(): UsageCounts {
  return {
    requests: 0,
    calls: 0,
    cache_hits: 0,
    failures: 0,
    budget_refusals: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    cost: 0,
    unpriced_calls: 0,
    failures_by_kind: {},
  };
}

export function costOf(model: string, usage: TokenUsage, prices: PriceTable | undefined): number | undefined {
  const price = prices?.[model];
  if (!price) return undefined;
  return (usage.prompt_tokens * price.input_per_1m + usage.completion_tokens * price.output_per_1m) / 1_000_000;
}

/** One counted thing, as a meter's listeners see it (a run journals these, runs/run-usage.ts). */
export type UsageEvent =
  | { e: "request"; role: LMRole }
  | { e: "call"; role: LMRole; model: string; usage: TokenUsage }
  | { e: "hit"; role: LMRole }
  | { e: "failure"; role: LMRole; kind: string };

/** Adds one event to counts (the one rule for the live meter and for replayed journals). */
export function applyUsageEvent(c: UsageCounts, event: UsageEvent, prices: PriceTable | undefined): void {
  switch (event.e) {
    case "request":
      c.requests += 1;
      return;
    case "call": {
      const cost = costOf(event.model, event.usage, prices);
      c.calls += 1;
      c.prompt_tokens += event.usage.prompt_tokens;
      c.completion_tokens += event.usage.completion_tokens;
      if (cost === undefined) c.unpriced_calls += 1;
      else c.cost += cost;
      return;
    }
    case "hit":
      c.cache_hits += 1;
      return;
    case "failure":
      if (event.kind === "budget") {
        c.budget_refusals += 1;
        return;
      }
      c.failures += 1;
      c.failures_by_kind[event.kind] = (c.failures_by_kind[event.kind] ?? 0) + 1;
  }
}

export { emptyCounts };

export class UsageMeter {
  readonly prices: PriceTable | undefined;
  readonly #listeners = new Set<(event: UsageEvent) => void>();
  readonly #roles = new Map<LMRole, UsageCounts>(ROLES.map((r) => [r, emptyCounts()]));
  readonly #total = emptyCounts();

  constructor(options: { prices?: PriceTable } = {}) {
    this.prices = options.prices;
  }

  #record(event: UsageEvent): void {
    let counts = this.#roles.get(event.role);
    if (!counts) {
      counts = emptyCounts();
      this.#roles.set(event.role, counts);
    }
    applyUsageEvent(counts, event, this.prices);
    applyUsageEvent(this.#total, event, this.prices);
    for (const listener of this.#listeners) listener(event);
  }

  /** Every later event also goes to `listener`; returns the unsubscribe. */
  subscribe(listener: (event: UsageEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** An HTTP request is about to be sent (each retry too). */
  recordRequest(role: LMRole): void {
    this.#record({ e: "request", role });
  }

  recordCall(role: LMRole, model: string, usage: TokenUsage): void {
    this.#record({ e: "call", role, model, usage: { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens } });
  }

  recordHit(role: LMRole): void {
    this.#record({ e: "hit", role });
  }

  recordFailure(role: LMRole, kind: string): void {
    this.#record({ e: "failure", role, kind });
  }

  role(role: LMRole): Readonly<UsageCounts> {
    return structuredClone(this.#roles.get(role) ?? emptyCounts());
  }

  get total(): Readonly<UsageCounts> {
    return structuredClone(this.#total);
  }

  /** Plain data for run folders and reports (no secrets: only counts, models are not even listed). */
  toJSON(): { roles: Record<string, UsageCounts>; total: UsageCounts; priced: boolean } {
    return {
      roles: Object.fromEntries([...this.#roles].map(([r, c]) => [r, structuredClone(c)])),
      total: structuredClone(this.#total),
      priced: this.prices !== undefined,
    };
  }
}

/** Records every call of the wrapped LM into a meter under one role. */
export class MeteredLM implements LM {
  readonly id: string;
  readonly model: string;
  readonly #inner: LM;
  readonly #meter: UsageMeter;
  readonly #role: LMRole;

  constructor(inner: LM, meter: UsageMeter, role: LMRole) {
    this.#inner = inner;
    this.#meter = meter;
    this.#role = role;
    this.id = inner.id;
    this.model = inner.model;
  }

  async complete(request: LMRequest, options?: CompleteOptions): Promise<LMResponse> {
    let response: LMResponse;
    try {
      response = await this.#inner.complete(request, options);
    } catch (err) {
      this.#meter.recordFailure(this.#role, err instanceof LMCallError ? err.kind : "error");
      throw err;
    }
    if (response.cached) this.#meter.recordHit(this.#role);
    else this.#meter.recordCall(this.#role, this.model, response.usage);
    return response;
  }
}

export interface BudgetLimits {
  maxCalls?: number;
  /** Prompt + completion tokens of paid calls. */
  maxTokens?: number;
  /** In the price table's currency; calls of unpriced models count as 0. */
  maxCost?: number;
}

/**
 * A run-wide spending limit, shared by every role's LM (pass the same instance to each
 * createLM). Calls are reserved before they are sent, so concurrency cannot overshoot
 * maxCalls; tokens and cost are only known afterwards, so they can overshoot by what is in
 * flight when the limit is crossed. Once exhausted it stays exhausted.
 */
export class Budget {
  readonly maxCalls: number | undefined;
  readonly maxTokens: number | undefined;
  readonly maxCost: number | undefined;
  readonly prices: PriceTable | undefined;
  #reserved = 0;
  #calls = 0;

  #tokens = 0;
  #cost = 0;

  constructor(limits: BudgetLimits, options: { prices?: PriceTable } = {}) {
    this.maxCalls = limits.maxCalls;
    this.maxTokens = limits.maxTokens;
    this.maxCost = limits.maxCost;
    this.prices = options.prices;
  }

  /** Why no further call may start, or undefined if one may. */
  exhausted(): string | undefined {
    if (this.maxCalls !== undefined && this.#calls + this.#reserved >= this.maxCalls) return `call budget of ${this.maxCalls} used up`;
    if (this.maxTokens !== undefined && this.#tokens >= this.maxTokens) return `token budget of ${this.maxTokens} used up`;
    if (this.maxCost !== undefined && this.#cost >= this.maxCost) return `cost budget of ${this.maxCost} used up`;
    return undefined;
  }

  /** Claims one call or throws LMCallError kind "budget". */
  reserve(): void {
    const why = this.exhausted();
    if (why) throw new LMCallError(`budget exhausted: ${why}`, "budget", 0);
    this.#reserved += 1;
  }

  /** A reserved call was answered (paid). */
  settle(model: string, usage: TokenUsage): void {
    this.#reserved -= 1;
    this.#calls += 1;
    this.#tokens += usage.prompt_tokens + usage.completion_tokens;
    this.#cost += costOf(model, usage, this.prices) ?? 0;
  }

  /** Spent by earlier processes of the same run (a budget applies to the run's total). */
  carry(spent: { calls: number; tokens: number; cost: number }): void {
    this.#calls += spent.calls;
    this.#tokens += spent.tokens;
    this.#cost += spent.cost;
  }

  /** A reserved call failed: failures are not paid calls, so the slot is returned. */
  release(): void {
    this.#reserved -= 1;
  }

  toJSON(): { limits: BudgetLimits; spent: { calls: number; tokens: number; cost: number } } {
    const limits: BudgetLimits = {};
    if (this.maxCalls !== undefined) limits.maxCalls = this.maxCalls;
    if (this.maxTokens !== undefined) limits.maxTokens = this.maxTokens;
    if (this.maxCost !== undefined) limits.maxCost = this.maxCost;
    return { limits, spent: { calls: this.#calls, tokens: this.#tokens, cost: this.#cost } };
  }
}

/**
 * Enforces a Budget on the calls that reach the wrapped LM. Placed inside the cache (see
 * factory.ts), so cache hits neither count against the budget nor get refused by it: a
 * resumed run replays its finished work for free even after the budget ran out.
 */
export class BudgetedLM implements LM {
  readonly id: string;
  readonly model: string;
  readonly #inner: LM;
  readonly #budget: Budget;

  constructor(inner: LM, budget: Budget) {
    this.#inner = inner;
    this.#budget = budget;
    this.id = inner.id;
    this.model = inner.model;
  }

  async complete(request: LMRequest, options?: CompleteOptions): Promise<LMResponse> {
    this.#budget.reserve();
    let response: LMResponse;
    try {
      response = await this.#inner.complete(request, options);
    } catch (err) {
      this.#budget.release();
      throw err;
    }
    if (response.cached) this.#budget.release();
    else this.#budget.settle(this.model, response.usage);
    return response;
  }
}
