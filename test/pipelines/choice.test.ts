import { describe, expect, it } from "vitest";
import { choosePerLanguage, choiceRows, type ChoiceCandidate } from "../../src/pipelines/choice.ts";

const cand = (name: string, pipeline: ChoiceCandidate["pipeline"], lf1: number[]): ChoiceCandidate => ({ name, pipeline, lf1: Float64Array.from(lf1) });
const options = { iterations: 1000, confidence: 0.95, seed: "t" };

describe("choosePerLanguage", () => {
  // Instances 0–3 are German, 4–7 Chinese.
  const byLang = new Map([["zho", [4, 5, 6, 7]], ["deu", [0, 1, 2, 3]]]);
  const direct = cand("p", "direct", [1, 0, 1, 0, 0, 0, 0, 0]);
  const tt = cand("p@translate-test", "translate-test", [1, 1, 1, 1, 1, 1, 1, 1]);

  it("names the winner per language with paired margins, routing to it only when it clearly beats the baseline", () => {
    const { baseline, by_lang } = choosePerLanguage([tt, direct], byLang, options);
    expect(baseline).toBe("p");
    expect(by_lang.map((l) => l.lang)).toEqual(["deu", "zho"]);
    const [deu, zho] = by_lang;
    // deu: 100 vs 50; the differences are 0,1,0,1 — a resample of four 0s has probability
    // 1/16 > 2.5%, so the CI's low end is 0: not a clear win, the baseline keeps deu.
    expect(deu).toMatchObject({ instances: 4, lf1: { p: 50, "p@translate-test": 100 }, winner: "p@translate-test", route: "p" });
    expect(deu!.vs_baseline).toEqual({ against: "p", mean_diff: 50, ci_low: 0, ci_high: 100 });
    expect(deu!.vs_runner_up).toEqual(deu!.vs_baseline);
    // zho: every difference is 1, so the CI is [100, 100]: routed to translate-test.
    expect(zho).toMatchObject({ winner: "p@translate-test", route: "p@translate-test", vs_baseline: { mean_diff: 100, ci_low: 100, ci_high: 100 } });
  });

  it("keeps the baseline on a tie and gives no baseline margin then", () => {
    const same = cand("p@transfusion", "transfusion", [1, 0, 1, 0, 0, 0, 0, 0]);
    const { by_lang } = choosePerLanguage([same, direct], new Map([["deu", [0, 1, 2, 3]]]), options);
    expect(by_lang[0]).toMatchObject({ winner: "p", route: "p", vs_runner_up: { against: "p@transfusion", mean_diff: 0, ci_low: 0, ci_high: 0 } });
    expect(by_lang[0]!.vs_baseline).toBeUndefined();
  });

  it("renders one row per language", () => {
    const choice = { task: "SF", model: "sim", simulated: true, candidates: [direct, tt].map(({ name, pipeline }) => ({ name, pipeline })), ...choosePerLanguage([direct, tt], byLang, options) };
    const { header, rows } = choiceRows(choice);
    expect(header).toEqual(["lang", "instances", "LF1 p", "LF1 p@translate-test", "winner", "Δ vs runner-up [95% CI]", "Δ vs p [95% CI]", "route"]);
    expect(rows[1]).toEqual(["zho", "4", "0.0", "100.0", "p@translate-test", "+100.0 [+100.0, +100.0]", "+100.0 [+100.0, +100.0]", "p@translate-test"]);
  });
});
