/**
 * The plan a command prints before its first paid call (and all that `--dry-run` does):
 * which models and endpoints, how many calls, roughly how many tokens, the cost when
 * prices are known; then the preflight check of every endpoint (src/lm/preflight.ts).
 *
 * Token counts are estimates: prompt tokens ≈ characters / 4 of the rendered messages,
 * completion tokens at most max_tokens per call. Cache hits would cost nothing, so the
 * figures are an upper bound for a rerun.
 */
import type { LM, LMRequest, LMRole } from "../lm/types.ts";
import type { PriceTable } from "../lm/usage.ts";
import { roleEndpoints, type ModelFlags } from "../lm/roles.ts";
import { simModels, simProfile } from "../../sim/index.ts";
import { preflight, type PreflightCheck } from "../lm/preflight.ts";

/** Calls one model will be asked, with token estimates. */
export interface CallEstimate {
  /** What the calls are for, e.g. "θ predictions". */
  label: string;
  model: string;
  calls: number;
  /** ≈ characters / 4 of every request's messages. */
  promptTokens: number;
  /** max_tokens summed: the most the calls can produce. */
  maxCompletionTokens: number;
}

export function emptyEstimate(label: string, model: string): CallEstimate {
  return { label, model, calls: 0, promptTokens: 0, maxCompletionTokens: 0 };
}

/** ≈ tokens of a request's messages (4 characters a token, the usual rule of thumb). */
export function approxPromptTokens(request: LMRequest): number {
  return Math.ceil(request.messages.reduce((n, m) => n + m.content.length, 0) / 4);
}

export function addRequest(estimate: CallEstimate, request: LMRequest, times = 1): void {
  estimate.calls += times;
  estimate.promptTokens += times * approxPromptTokens(request);
  estimate.maxCompletionTokens += times * (request.max_tokens ?? 0);
}

/**
 * Stands in for the thought model Θ while a --dry-run builds its prompts (a default-cot
 * prompt has Θ write its exemplars' thoughts): records each request for the plan and
 * answers a placeholder, so a dry run calls nothing and pays nothing.
 */
export function plannedThoughtModel(model: string): { lm: LM; estimate: CallEstimate } {
  const estimate = emptyEstimate("Θ thoughts for the default-cot exemplars", model);
  const lm: LM = {
    id: "dry-run://thought",
    model,
    complete: async (request) => {
      addRequest(estimate, request);
      return { choices: ["(the thought Θ would write)"], usage: { prompt_tokens: 0, completion_tokens: 0 }, cached: false };
    },
  };
  return { lm, estimate };
}

/** Upper-bound cost of the estimates, or undefined when a paid model has no price. */
export function estimateCost(estimates: readonly CallEstimate[], prices: PriceTable | undefined): number | undefined {
  let cost = 0;
  for (const e of estimates) {
    if (simProfile(e.model) !== undefined || e.calls === 0) continue;
    const price = prices?.[e.model];
    if (!price) return undefined;
    cost += (e.promptTokens * price.input_per_1m + e.maxCompletionTokens * price.output_per_1m) / 1_000_000;
  }
  return cost;
}

export interface Plan {
  command: string;
  /** Free-form lines: data, prompt, output... */
  details: string[];
  estimates: CallEstimate[];
  /** Set when --prices was given: the upper-bound cost (undefined = a model has no price). */
  prices?: PriceTable | undefined;
}

const n = (x: number) => x.toLocaleString("en-US");

export function planJson(plan: Plan, checks: readonly PreflightCheck[]) {
  const cost = plan.prices ? estimateCost(plan.estimates, plan.prices) : undefined;
  return {
    command: plan.command,
    details: plan.details,
    calls: plan.estimates.map((e) => ({
      label: e.label,
      model: e.model,
      simulated: simProfile(e.model) !== undefined,
      calls: e.calls,
      prompt_tokens_estimate: e.promptTokens,
      completion_tokens_max: e.maxCompletionTokens,
    })),
    total_calls: plan.estimates.reduce((a, e) => a + e.calls, 0),
    ...(cost !== undefined ? { cost_max: cost } : {}),
    endpoints: checks,
  };
}

export function formatPlan(plan: Plan, checks: readonly PreflightCheck[]): string {
  const lines = [`plan for ieopt ${plan.command} (estimates; no model has been called):`];
  for (const d of plan.details) lines.push(`  ${d}`);
  for (const e of plan.estimates) {
    const sim = simProfile(e.model) !== undefined ? " (sim, offline: free)" : "";
    lines.push(`  ${e.label}: ${n(e.calls)} calls to ${e.model}${sim}, ≈ ${n(e.promptTokens)} prompt tokens, ≤ ${n(e.maxCompletionTokens)} completion tokens`);
  }
  if (plan.prices) {
    const cost = estimateCost(plan.estimates, plan.prices);
    lines.push(cost === undefined ? "  cost: unknown (a model has no entry in --prices)" : `  cost: at most ≈ ${cost.toFixed(4)} (--prices currency)`);
  } else if (plan.estimates.some((e) => e.calls > 0 && simProfile(e.model) === undefined)) {
    lines.push("  cost: unknown (give --prices FILE to estimate it)");
  }
  for (const c of checks) {
    const how = c.verified === "models-list" ? "listed by its /models" : c.verified === "probe" ? "answered a probe call" : "not checked (the endpoint lists no /models; --dry-run makes no call)";
    lines.push(`  endpoint ${c.endpoint}: model ${c.model} ${how}`);
  }
  return lines.join("\n") + "\n";
}

export interface PreflightFlags {
  flags: ModelFlags;
  /** The roles the command will call; their endpoints are checked. */
  roles: readonly LMRole[];
  /** Per model, when a command runs several (eval): the --model names. */
  models?: readonly string[];
  dryRun?: boolean | undefined;
}

/**
 * Checks every endpoint the command will call (before anything is paid for, so before
 * prompts that need a teacher are built). Throws a UserInputError naming what is wrong.
 */
export async function checkEndpoints(options: PreflightFlags): Promise<PreflightCheck[]> {
  const models = options.models ?? [options.flags.model];
  const targets = models.flatMap((model) => roleEndpoints(options.flags, options.roles, { model, local: simModels }));
  return preflight(targets, { probe: !options.dryRun });
}

/**
 * Prints the plan: on stdout for --dry-run (JSON with --json), then returns true (the
 * command stops there); else on stderr unless quiet, and returns false.
 */
export function announcePlan(plan: Plan, checks: readonly PreflightCheck[], options: { dryRun?: boolean | undefined; json?: boolean | undefined; quiet?: boolean | undefined }): boolean {
  if (options.dryRun) {
    process.stdout.write(options.json ? JSON.stringify(planJson(plan, checks), null, 2) + "\n" : formatPlan(plan, checks));
    return true;
  }
  if (!options.quiet && !options.json) process.stderr.write(formatPlan(plan, checks));
  return false;
}
