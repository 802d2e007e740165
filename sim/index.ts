/**
 * The sim model: an offline stand-in for an instruction-following LLM (design.md, "The
 * sim model"). It sees only the messages it is sent, learns in context from the
 * instruction and the demos, and answers the optimizer's own requests. Its quality
 * responds to prompt content, so optimization has something real to find — but its
 * numbers are sim numbers, never real LLM results.
 *
 *   createSimLM("sim" | "sim-small" | "sim-large" | "sim:<profile>") → LM
 *
 * Modules: classify (request kind) · query (prompt layout parsing) · learn (in-context
 * learning, prompt understanding) · detect (span detectors) · extract (typing + noise) ·
 * output (answer rendering, format errors) · meta (optimizer requests) · knowledge
 * (built-in multilingual cues) · profiles · rand · tokens · engine · server.
 */
import type { LM, LMRequest, LMResponse } from "../src/lm/types.ts";
import type { LocalModels } from "../src/lm/factory.ts";
import { LMCallError } from "../src/lm/types.ts";
import { resolveProfile, PROFILES, type SimProfile } from "./profiles.ts";
import { simAnswer, type SimResult } from "./engine.ts";

export { PROFILES, resolveProfile, simAnswer };
export type { SimProfile, SimResult };

export const SIM_PROFILES = Object.keys(PROFILES);

const SIM_MODEL = /^sim(?:-small|-large|:.+)?$/;

/**
 * For a sim model name (`sim`, `sim-small`, `sim-large`, `sim:<profile>`), the profile
 * name handed to createSimLM (the sim resolves it and names the valid ones); undefined for
 * every other model, which goes to an endpoint.
 */
export function simProfile(model: string): string | undefined {
  const name = model.trim();
  return SIM_MODEL.test(name) ? name : undefined;
}

/** True when any role is the offline sim, so output can be marked "sim". */
export function usesSim(models: Record<string, { model: string }>): boolean {
  return Object.values(models).some((m) => simProfile(m.model) !== undefined);
}

/** Whether a model name names a sim profile (`sim`, `sim-large`, `sim:small`, …). */
export function isSimModel(name: string): boolean {
  try {
    resolveProfile(name);
    return true;
  } catch {
    return false;
  }
}

export function createSimLM(profileName: string): LM {
  const profile = resolveProfile(profileName);
  return {
    id: `sim://${profile.name}`,
    model: profile.name,
    async complete(request: LMRequest, options?: { signal?: AbortSignal }): Promise<LMResponse> {
      if (options?.signal?.aborted) throw new LMCallError("sim: request aborted", "aborted", 1);
      const result = simAnswer(profile, request);
      return { choices: result.choices.map((c) => c.text), usage: result.usage, cached: false };
    },
  };
}

/** The sim as the LM layer's in-process models (createLM / buildRoleModels `local`). */
export const simModels: LocalModels = {
  handles: (model) => simProfile(model) !== undefined,
  create: createSimLM,
};
