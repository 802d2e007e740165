/**
 * The prompt-sensitivity suite (issue 11): the sim's answers depend on what a prompt
 * *says*, the way an instruction-following LLM's do, for every profile. Our own panel
 * (test/sim/panel.ts) of instruction variants (zero-shot) and demo variants (under the
 * coherent instruction), scored as mean sample LF1 over the five tasks of examples/ dev.
 * `node scripts/sim-sensitivity.ts` prints the same measurements as the README's table.
 * Sim numbers, never LLM results.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { PROFILE_NAMES, haveExamples, runPanel, type PanelResult } from "./panel.ts";

describe.skipIf(!haveExamples)("prompt sensitivity (examples/ dev, mean LF1 over 5 tasks; sim numbers)", () => {
  let panel: PanelResult;
  const score = (id: string, profile: string) => panel.mean[id]![profile]!;

  beforeAll(async () => {
    panel = await runPanel();
    for (const v of panel.variants) console.log(`[sim] ${v.label.padEnd(28)} ${PROFILE_NAMES.map((p) => `${p} ${score(v.id, p).toFixed(1)}`).join("  ")}`);
  }, 600_000);

  it.each(PROFILE_NAMES.map((p) => [p]))("%s: a coherent instruction beats vague, salad, contradictory, misleading and wrong-task ones", (profile) => {
    const coherent = score("coherent", profile);
    for (const worse of ["vague", "salad", "contradictory", "misleading", "wrong-task"]) {
      expect(coherent, `${worse} vs coherent`).toBeGreaterThan(score(worse, profile) + 1);
    }
  });

  it.each(PROFILE_NAMES.map((p) => [p]))("%s: appending fragments or opposite advice gains nothing", (profile) => {
    const coherent = score("coherent", profile);
    expect(score("fragments", profile)).toBeLessThanOrEqual(coherent + 0.5);
    expect(score("opposite", profile)).toBeLessThanOrEqual(coherent + 0.5);
  });

  it.each(PROFILE_NAMES.map((p) => [p]))("%s: a translated instruction stays close to the English one (and not above it)", (profile) => {
    const coherent = score("coherent", profile);
    const translated = score("translated", profile);
    expect(Math.abs(coherent - translated)).toBeLessThanOrEqual(3);
    expect(translated).toBeLessThanOrEqual(coherent + 0.5);
    // …and far above an instruction the sim cannot read as the task at all.
    expect(translated).toBeGreaterThan(score("vague", profile) + 5);
  });

  it.each(PROFILE_NAMES.map((p) => [p]))("%s: correct demos teach; irrelevant demos help less; flipped labels hurt", (profile) => {
    const none = score("demos-none", profile);
    const correct = score("demos-correct", profile);
    expect(correct).toBeGreaterThan(none + 2);
    expect(score("demos-irrelevant", profile)).toBeLessThan(correct);
    expect(score("demos-irrelevant", profile)).toBeGreaterThan(none);
    expect(score("demos-flipped", profile)).toBeLessThan(correct);
  });

  it("flipped labels hurt more the larger the profile (larger models follow in-context labels)", () => {
    const hurt = (p: string) => score("demos-correct", p) - score("demos-flipped", p);
    expect(hurt("sim-large")).toBeGreaterThan(hurt("sim-small"));
    expect(hurt("sim-large")).toBeGreaterThanOrEqual(hurt("sim"));
    expect(hurt("sim")).toBeGreaterThan(hurt("sim-small"));
  });
});
