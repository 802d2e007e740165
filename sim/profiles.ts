/**
 * Sim profiles: three model "sizes", so transfer across models is exercised. Each knob is
 * a base rate that the prompt then modulates (see learn.ts `PromptReading`): a weaker
 * model starts lower and depends more on a good prompt, so prompt rankings stay broadly
 * stable across profiles while absolute scores differ.
 */

export interface SimProfile {
  name: "sim" | "sim-small" | "sim-large";
  /** Share of true candidates found with a perfect prompt (before script coverage). */
  recall: number;
  /** Probability of a malformed answer when the prompt says nothing about the format. */
  formatError: number;
  /** Probability of typing a found span with a wrong schema type (weak prompt). */
  typeError: number;
  /** Probability of a boundary slip on a span (weak prompt). */
  boundaryError: number;
  /** Expected number of invented records per answer (weak prompt). */
  hallucination: number;
  /** 0..1: how much a weak prompt hurts (exponent on the prompt-understanding gap). */
  sensitivity: number;
  /** Added to every script's coverage (bigger models transfer better), capped at 1. */
  transfer: number;
  /** How much of the demos' lexicon and cues it picks up (in-context learning strength). */
  icl: number;
  /**
   * When the demos' labels disagree with what the type names suggest, how often it follows
   * the demos (larger LLMs follow flipped in-context labels more; smaller ones keep their
   * priors).
   */
  labelFollowing: number;
}

export const PROFILES: Readonly<Record<SimProfile["name"], SimProfile>> = {
  "sim-small": { name: "sim-small", recall: 0.62, formatError: 0.6, typeError: 0.3, boundaryError: 0.3, hallucination: 0.9, sensitivity: 1.3, transfer: 0, icl: 0.6, labelFollowing: 0.35 },
  sim: { name: "sim", recall: 0.78, formatError: 0.42, typeError: 0.2, boundaryError: 0.22, hallucination: 0.6, sensitivity: 1.0, transfer: 0.05, icl: 0.8, labelFollowing: 0.65 },
  "sim-large": { name: "sim-large", recall: 0.9, formatError: 0.25, typeError: 0.12, boundaryError: 0.14, hallucination: 0.35, sensitivity: 0.75, transfer: 0.12, icl: 0.95, labelFollowing: 0.9 },
};

/** Accepts `sim`, `sim-small`, `sim-large`, and the same with a `sim:` prefix. */
export function resolveProfile(name: string): SimProfile {
  const key = name.trim().replace(/^sim:(?=sim)/, "").replace(/^sim:/, "sim-").replace(/^sim-sim$/, "sim");
  const profile = (PROFILES as Record<string, SimProfile>)[key];
  if (!profile) {
    throw new Error(`unknown sim profile '${name}'; expected one of ${Object.keys(PROFILES).join(", ")} (optionally prefixed with 'sim:')`);
  }
  return profile;
}
