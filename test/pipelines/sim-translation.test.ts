/**
 * The sim cannot translate: a translation request gets a marked, untranslated copy, and
 * translate-test / transfusion with the sim as translator run end to end offline (their
 * numbers are sim numbers and say nothing about the pipelines' quality).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimLM } from "../../sim/index.ts";
import { UNTRANSLATED_NOTE } from "../../sim/translate.ts";
import { readTranslation, translate, translationRequest } from "../../src/pipelines/translator.ts";
import { EXAMPLES, ieopt, tempDir } from "../eval-cli/helpers.ts";

describe("the sim as translator", () => {
  it("answers a translation request with the text copied, markers kept, and says it did not translate", async () => {
    const lm = createSimLM("sim");
    const text = "Wird es <m1>morgen</m1> in <m2>Berlin</m2> regnen?";
    const response = await lm.complete(translationRequest({ text, from: "deu", to: "eng", markers: true }));
    expect(response.choices[0]).toBe(`<translation>${text}</translation>\n${UNTRANSLATED_NOTE}`);
    expect(readTranslation(response.choices[0]!)).toBe(text);
    expect(await translate(lm, { text: "Zeige alle Erinnerungen", from: "deu", to: "eng" })).toMatchObject({ ok: true, text: "Zeige alle Erinnerungen" });
  });

  let dir = "";
  beforeAll(() => {
    dir = tempDir("ieopt-sim-translate-");
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("through ieopt eval, translate-test with an untranslated copy projects every span by marker onto the source", async () => {
    const r = await ieopt("eval", "--prompt", "default:NER", "--data", join(EXAMPLES, "ner/test.jsonl"), "--pipeline", "direct,translate-test,transfusion", "--out", join(dir, "out"), "--json");
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const [direct, tt, fusion] = report.results;
    expect(report.results.every((p: { simulated: boolean }) => p.simulated)).toBe(true);
    // A copy is the source itself: every English span is the source's, found by its marker.
    expect(tt.pipeline.spans).toBeGreaterThan(0);
    expect(tt.pipeline).toMatchObject({ translator: "sim", projected_by_marker: tt.pipeline.spans, projected_by_alignment: 0, dropped_spans: 0 });
    expect(tt.pipeline.translated).toBeGreaterThan(0);
    expect(fusion.pipeline.translated).toBe(tt.pipeline.translated);
    for (const p of [tt, fusion]) expect(p.outcomes.samples).toBe(direct.outcomes.samples);
  });
});
