/** The library as a user imports it: by package name, through package.json "exports". */
import { describe, expect, it } from "vitest";
import { TPESampler, RandomSampler, Study, categorical, getProgram, scoreSample, createSimLM, createLM, buildRoleModels } from "ieopt";

describe("public API (import from 'ieopt')", () => {
  it("offers Optuna-style samplers with ask/tell", () => {
    for (const sampler of [new TPESampler({ seed: 1 }), new RandomSampler({ seed: 1 })]) {
      const study = new Study({ sampler, direction: "maximize" });
      const space = { instruction: categorical([0, 1, 2]), demos: categorical([0, 1]) };
      for (let i = 0; i < 12; i++) {
        const trial = study.ask(space);
        study.tell(trial.number, trial.params.instruction === 2 ? 1 : 0);
      }
      expect(study.trials).toHaveLength(12);
      expect(study.bestTrial?.value).toBe(1);
    }
  });

  it("exposes programs, metrics and the sim", async () => {
    const ner = getProgram("NER");
    const parsed = ner.parse('[{"entity": "Ada", "entity_type": "person"}]');
    expect(parsed.ok && scoreSample("NER", parsed.records, [{ entity: "Ada", entity_type: "person" }]).lf1).toBe(1);
    const sim = createSimLM("sim");
    const answer = await sim.complete({ messages: ner.render({ text: "Ada lives in Oslo.", schema: ["person"] }, { instruction: ner.defaultInstruction, demos: ner.defaultDemos }) });
    expect(ner.parse(answer.choices[0]!).ok).toBe(true);
  });

  it("runs sim model names in-process through createLM and buildRoleModels (the sim is passed to the LM layer by the library)", () => {
    expect(createLM({ model: "sim-large", role: "inference", cache: null }).id).toBe("sim://sim-large");
    const models = buildRoleModels({ model: "sim", cache: false });
    expect(models.describe()).toEqual({ inference: { model: "sim" }, prompt: { model: "sim" }, thought: { model: "sim" } });
  });
});
