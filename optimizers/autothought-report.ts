/**
 * The AutoThought section of report.md: where I_top and S_top came from, each demo's
 * thought, and which thoughts failed. Appended after the common MIPRO report, so the
 * shared report code stays free of reasoning-specific branches.
 */
import type { RunFolder } from "../src/runs/run-folder.ts";
import type { MiproResult } from "./mipro.ts";
import type { ThoughtCandidates } from "./autothought.ts";

const STEP: Record<number, string> = {
  1: "T ~ Θ(T | x, y), the label kept",
  2: "T ~ Θ(T | x), the label kept",
  3: "T ~ Θ(T | x), the label replaced by y′ = Θ(x, T)",
  4: "augmented (x, T, y′) with T ~ Φ(T | x), y′ = Φ(x, T)",
};

const oneLine = (s: string, max = 300) => {
  const flat = s.replace(/\s+/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

export function renderAutoThoughtReport(result: MiproResult): string {
  const at = (result.candidates as ThoughtCandidates).autothought;
  if (!at) return "";
  const failures = at.thoughts.filter((n) => n.failure);
  return [
    `## AutoThought-${at.variant}`,
    "",
    `Demos: ${STEP[at.variant]}. Reasoning is on: the prompt asks for "Thought: …" then "Answer: …" (max_tokens 1024).`,
    at.source_run
      ? `I_top and S_top come from run \`${at.source_run}\`; its demos were fixed during this search, which chose among ${result.candidates.instructions.length} instructions (index 0 is I_top).`
      : `Demo candidates: ${result.candidates.demo_sets.length - 1} sets plus the empty set.`,
    at.source_fallback ? `Note: ${at.source_fallback}.` : "",
    "The baseline row above is the default prompt rendered with the reasoning frame (its exemplars carry no thoughts).",
    "",
    "**Thoughts in the frozen prompt**",
    "",
    ...result.prompt.demos.map((d, i) => `${i + 1}. ${d.sample_id ?? "?"} (${d.source}): ${d.thought === undefined ? "_no thought_" : oneLine(d.thought)}`),
    "",
    failures.length > 0
      ? `${failures.length} of ${at.thoughts.length} thought steps failed; those demos keep their original output without a thought:\n\n${failures.map((n) => `- ${n.sample_id ?? "?"}: ${oneLine(n.failure!, 200)}`).join("\n")}\n`
      : `All ${at.thoughts.length} thought steps succeeded.\n`,
  ].join("\n");
}

export function appendAutoThoughtReport(run: RunFolder, result: MiproResult): void {
  const section = renderAutoThoughtReport(result);
  if (section) run.writeText("report.md", `${run.readText("report.md")}\n${section}`);
}
