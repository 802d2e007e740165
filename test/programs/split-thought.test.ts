import { describe, expect, it } from "vitest";
import { splitThought, splitThoughtByLabels } from "../../programs/parse.ts";
import { createRng } from "../../src/util/random.ts";

// splitThought skips the label patterns when no label word occurs; on mutated outputs
// (labels in any case and spacing, near-misses, non-ASCII look-alikes) it must give
// exactly what the patterns give.
describe("splitThought's shortcut", () => {
  const fragments = [
    "Answer:", "answer :", "**Answer**:", "ANSWER:", "Thought:", "thought", "Reasoning:", "REASONING :", "*thought*:",
    "answ", "thou ght", "reason", "\u212aelvin", "ſ", "ANſWER:", "\n", "  ", "Here you go: ", "[{\"entity\":\"Ada\",\"entity_type\":\"person\"}]",
    "{\"records\": []}", "```json\n[]\n```", "Москва", "😀", "I cannot answer this.", ":", "{", "]",
  ];

  it("agrees with the label patterns", () => {
    const rng = createRng("split-thought");
    let shortcut = 0;
    let labelled = 0;
    for (let n = 0; n < 20_000; n++) {
      const text = Array.from({ length: rng.int(0, 6) }, () => rng.choice(fragments)).join(rng.next() < 0.5 ? "" : rng.choice([" ", "\n"]));
      const expected = splitThoughtByLabels(text);
      expect(splitThought(text)).toEqual(expected);
      if (/answer|thought|reasoning/i.test(text)) labelled++;
      else shortcut++;
    }
    expect(shortcut).toBeGreaterThan(1000);
    expect(labelled).toBeGreaterThan(1000);
  });

  it("still splits labelled outputs", () => {
    expect(splitThought("Thought: Ada is a person.\nAnswer: []")).toEqual({ thought: "Ada is a person.", answer: " []" });
    expect(splitThought("Here you go: []")).toEqual({ thought: undefined, answer: "Here you go: []" });
  });
});
