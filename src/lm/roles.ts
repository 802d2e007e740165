/**
 * The three LM roles of design.md wired from plain settings: θ (the model the prompt runs
 * with), Φ (prompt teacher, defaults to θ) and Θ (thought teacher, defaults to Φ), sharing
 * one usage meter, budget and cache. Keys come from the environment (OPENAI_API_KEY) or an
 * explicit setting and are never written anywhere: `describe()` is what a run may record.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { createLM, endpointBaseURL, type LocalModels } from "./factory.ts";
import { normalizeBaseURL } from "./endpoint.ts";
import { LMCache } from "./cache.ts";
import { Budget, UsageMeter, type PriceTable } from "./usage.ts";
import type { LM, LMRole } from "./types.ts";
import { UserInputError } from "../errors.ts";
import type { EndpointTarget } from "./preflight.ts";

/** The settings, as the CLI flags give them (strings). */
export interface ModelFlags {
  model: string;
  baseUrl?: string;
  promptModel?: string;
  promptBaseUrl?: string;
  thoughtModel?: string;
  thoughtBaseUrl?: string;
  /** The translator of the translate-test / transfusion pipelines (default: --model). */
  translateModel?: string;
  translateBaseUrl?: string;
  apiKey?: string;
  /** Every endpoint model is an OpenAI reasoning model (o-series, gpt-5: detected by name anyway). */
  reasoningModel?: boolean;
  concurrency?: string;
  timeout?: string;
  maxRetries?: string;
  /** false: no cache; a path: that cache; undefined: the default (endpoints only). */
  cache?: string | false;
  budgetCalls?: string;
  budgetTokens?: string;
  budgetCost?: string;
  prices?: string;
}

export function nonNegativeInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UserInputError(`${flag} must be a whole number, got '${value}'`);
  return n;
}

const PriceTableSchema = z.record(z.string(), z.object({ input_per_1m: z.number().min(0), output_per_1m: z.number().min(0) }));

function readPrices(path: string | undefined): PriceTable | undefined {
  if (!path) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UserInputError(`cannot read the price table: ${(err as Error).message}`, { file: path });
  }
  const parsed = PriceTableSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserInputError(issue.message, { file: path, field: issue.path.join(".") });
  }
  return parsed.data;
}

export interface RoleModels {
  inference: LM;
  prompt: LM;
  thought: LM;
  /** The translator, built on first use (only pipelines that translate need it; optional for hand-built role sets). */
  readonly translate?: LM;
  meter: UsageMeter;
  budget: Budget | undefined;
  cache: LMCache | null | undefined;
  /** What the run folder may record: names and endpoints, never keys. */
  describe(): Record<string, { model: string; base_url?: string }>;
}

const ROLE_SYMBOLS: Record<LMRole, string> = { inference: "θ --model", prompt: "Φ --prompt-model", thought: "Θ --thought-model", translate: "--translate-model" };

/**
 * Each role's model and endpoint as given. A role without a model of its own takes the
 * previous role's model and endpoint; one with its own model takes only an endpoint given
 * for it.
 */
function roleSpecs(flags: ModelFlags, model: string | undefined): Record<LMRole, { model: string; baseURL: string | undefined }> {
  const inference = { model: model ?? flags.model, baseURL: flags.baseUrl };
  const prompt = { model: flags.promptModel ?? inference.model, baseURL: flags.promptBaseUrl ?? (flags.promptModel ? undefined : inference.baseURL) };
  const thought = { model: flags.thoughtModel ?? prompt.model, baseURL: flags.thoughtBaseUrl ?? (flags.thoughtModel ? undefined : prompt.baseURL) };
  const translate = { model: flags.translateModel ?? inference.model, baseURL: flags.translateBaseUrl ?? (flags.translateModel ? undefined : inference.baseURL) };
  return { inference, prompt, thought, translate };
}

/** What preflight checks: the endpoints of these roles (in-process roles left out). */
export function roleEndpoints(flags: ModelFlags, roles: readonly LMRole[], options: { model?: string; local?: LocalModels } = {}): EndpointTarget[] {
  const specs = roleSpecs(flags, options.model);
  return roles.flatMap((role) => {
    const s = specs[role];
    const baseURL = endpointBaseURL(s.model, s.baseURL || undefined, process.env, options.local);
    return baseURL === undefined ? [] : [{ roles: [ROLE_SYMBOLS[role]], model: s.model, baseURL, apiKey: flags.apiKey ?? process.env["OPENAI_API_KEY"] }];
  });
}

/**
 * Build the role models from flags (one shared meter, budget and cache). `local` names the
 * in-process models (the sim, passed in from above this layer).
 */
export function buildRoleModels(flags: ModelFlags, options: { model?: string; local?: LocalModels } = {}): RoleModels {
  const prices = readPrices(flags.prices);
  const meter = new UsageMeter({ prices });
  const budgetCalls = nonNegativeInt(flags.budgetCalls, "--budget-calls");
  const budgetTokens = nonNegativeInt(flags.budgetTokens, "--budget-tokens");
  const budgetCost = flags.budgetCost === undefined ? undefined : Number(flags.budgetCost);
  if (budgetCost !== undefined && !(budgetCost >= 0)) throw new UserInputError(`--budget-cost must be a number, got '${flags.budgetCost}'`);
  // Without prices every call's cost is unknown, so a cost budget could never stop anything.
  if (budgetCost !== undefined && !prices) throw new UserInputError("--budget-cost needs --prices FILE (the price per 1M tokens of each model); without prices the cost of a call is unknown");
  const budget =
    budgetCalls !== undefined || budgetTokens !== undefined || budgetCost !== undefined
      ? new Budget({ maxCalls: budgetCalls, maxTokens: budgetTokens, maxCost: budgetCost }, { prices })
      : undefined;
  // Commander gives `cache: false` for --no-cache, a string for --cache <path>, undefined otherwise.
  const cache = flags.cache === false ? null : typeof flags.cache === "string" ? new LMCache(flags.cache) : undefined;

  const specs = roleSpecs(flags, options.model);
  // Roles a run records: the translator only once something asked for it.
  const described = new Set<LMRole>(["inference", "prompt", "thought"]);
  const common = {
    apiKey: flags.apiKey,
    timeoutMs: nonNegativeInt(flags.timeout, "--timeout"),
    maxRetries: nonNegativeInt(flags.maxRetries, "--max-retries"),
    concurrency: nonNegativeInt(flags.concurrency, "--concurrency"),
    ...(flags.reasoningModel ? { reasoningModel: true } : {}),
    meter,
    budget,
  };
  const make = (role: LMRole) => {
    const spec = specs[role];
    return createLM({ ...common, role, model: spec.model, ...(spec.baseURL ? { baseURL: spec.baseURL } : {}), ...(cache !== undefined ? { cache } : {}), ...(options.local ? { local: options.local } : {}) });
  };
  let translator: LM | undefined;
  return {
    inference: make("inference"),
    prompt: make("prompt"),
    thought: make("thought"),
    get translate() {
      described.add("translate");
      translator ??= make("translate");
      return translator;
    },
    meter,
    budget,
    cache,
    describe: () =>
      Object.fromEntries(
        Object.entries(specs).filter(([role]) => described.has(role as LMRole)).map(([role, s]) => {
          // The endpoint createLM talks to (make() drops an empty base URL, so does this).
          const url = endpointBaseURL(s.model, s.baseURL || undefined, process.env, options.local);
          // Normalized: credentials or query strings in a URL never reach config.json.
          return [role, url === undefined ? { model: s.model } : { model: s.model, base_url: normalizeBaseURL(url) }];
        }),
      ),
  };
}

/** What a run folder records per role: the model and its endpoint (no secrets). */
export type RecordedModels = Record<string, { model: string; base_url?: string }>;

/** The role flags (model and endpoint per role), in the order of ModelFlags. */
export const ROLE_FLAGS = [
  { role: "inference", model: "model", baseUrl: "baseUrl", modelFlag: "--model", baseUrlFlag: "--base-url" },
  { role: "prompt", model: "promptModel", baseUrl: "promptBaseUrl", modelFlag: "--prompt-model", baseUrlFlag: "--prompt-base-url" },
  { role: "thought", model: "thoughtModel", baseUrl: "thoughtBaseUrl", modelFlag: "--thought-model", baseUrlFlag: "--thought-base-url" },
] as const;

type RoleFlagKey = (typeof ROLE_FLAGS)[number]["model" | "baseUrl"];

/**
 * The model flags of a resumed run: the models and endpoints it recorded, role by role
 * (the key comes from the environment again). A flag the user gave that differs from the
 * record is refused, naming both, unless `override` is set; then it replaces the recorded
 * value and is returned in `overridden` for the run to record.
 */
export function resumeModelFlags(
  recorded: RecordedModels,
  flags: ModelFlags,
  given: (key: RoleFlagKey) => boolean,
  override: boolean,
): { flags: ModelFlags; overridden: { flag: string; recorded: string; now: string }[] } {
  const merged: ModelFlags = { ...flags };
  const overridden: { flag: string; recorded: string; now: string }[] = [];
  for (const r of ROLE_FLAGS) {
    const rec = recorded[r.role];
    if (!rec) continue;
    const recordedURL = rec.base_url;
    const wanted = { model: flags[r.model], baseUrl: flags[r.baseUrl] };
    merged[r.model] = rec.model;
    merged[r.baseUrl] = recordedURL;
    const checks = [
      { key: r.model, flag: r.modelFlag, now: wanted.model, was: rec.model, same: (v: string) => v.trim() === rec.model },
      {
        key: r.baseUrl,
        flag: r.baseUrlFlag,
        now: wanted.baseUrl,
        was: recordedURL ?? "(none: in-process)",
        same: (v: string) => recordedURL !== undefined && normalizeBaseURL(v) === recordedURL,
      },
    ] as const;
    for (const c of checks) {
      if (!given(c.key) || c.now === undefined || c.same(c.now)) continue;
      const now = c.key === r.baseUrl ? normalizeBaseURL(c.now) : c.now;
      if (!override) {
        throw new UserInputError(
          `${c.flag} ${now} differs from the run's recorded ${r.role} ${c.key === r.model ? "model" : "endpoint"} ${c.was}; ` +
            `resume without ${c.flag} to continue on the recorded one, or pass --override-models to switch (the run records it)`,
        );
      }
      merged[c.key] = c.now;
      overridden.push({ flag: c.flag, recorded: c.was, now });
    }
  }
  return { flags: merged, overridden };
}

