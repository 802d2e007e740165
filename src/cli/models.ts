/**
 * Model flags shared by the commands that call LMs; `buildRoleModels` (src/lm/roles.ts)
 * turns them into the three role models.
 */
import { Command, Option } from "commander";
import type { LMRole } from "../lm/types.ts";

export type { ModelFlags } from "../lm/roles.ts";

export function addModelOptions(cmd: Command, { roles }: { roles: readonly LMRole[] }): Command {
  cmd
    .option("--model <name>", "the model the prompt runs with (θ): sim, sim-small, sim-large, or any OpenAI-compatible model", "sim")
    .option("--base-url <url>", "OpenAI-compatible endpoint for --model (default: $OPENAI_BASE_URL)");
  if (roles.includes("prompt")) {
    cmd
      .option("--prompt-model <name>", "prompt teacher Φ (augments demos, proposes instructions; default: --model)")
      .option("--prompt-base-url <url>", "endpoint for --prompt-model (default: --base-url)");
  }
  if (roles.includes("thought")) {
    cmd
      .option("--thought-model <name>", "thought teacher Θ (writes reasoning; default: the prompt model)")
      .option("--thought-base-url <url>", "endpoint for --thought-model (default: the prompt model's)");
  }
  return cmd
    .addOption(new Option("--api-key <key>", "API key (prefer $OPENAI_API_KEY; never written to disk)").hideHelp())
    .option("--reasoning-model", "the endpoint models are OpenAI reasoning models: send max_completion_tokens, no temperature or stop (o-series and gpt-5 names are detected without it)")
    .option("--concurrency <n>", "requests in flight per endpoint", "8")
    .option("--timeout <ms>", "per-request timeout", "60000")
    .option("--max-retries <n>", "retries on 429, 5xx, timeouts and connection errors", "5")
    .option("--cache <path>", "LM response cache (sqlite; default .cache/ieopt/lm-cache.sqlite for endpoints, none for the sim)")
    .option("--no-cache", "do not cache LM responses")
    .option("--budget-calls <n>", "stop cleanly after this many paid LM calls")
    .option("--budget-tokens <n>", "stop cleanly after this many tokens")
    .option("--budget-cost <amount>", "stop cleanly after this cost (needs --prices)")
    .option("--prices <file>", 'JSON price table {"<model>": {"input_per_1m": 0.1, "output_per_1m": 0.4}}');
}
