/**
 * predictSamples over arrays queues a batch's requests together, in input order: batches
 * started at once (parallel trials) reach a shared endpoint queue one after the other, so
 * the earlier batch finishes first instead of all of them finishing together at the end.
 */
import { describe, expect, it } from "vitest";
import { ScriptedLM, queryText } from "../helpers/scripted-lm.ts";
import { toySamples } from "../helpers/toy-data.ts";
import { defaultPrompt, predictSamples } from "../../src/eval/runner.ts";
import { getProgram } from "../../programs/index.ts";

describe("predictSamples", () => {
  it("issues an array's requests without yielding, so concurrent batches do not interleave", async () => {
    const sent: string[] = [];
    const lm = new ScriptedLM((r) => {
      sent.push(queryText(r));
      return "[]";
    });
    const prompt = defaultPrompt(getProgram("SF"));
    const a = toySamples("dev", 6);
    const b = toySamples("dev", 6, 50);
    const [outA, outB] = await Promise.all([
      predictSamples(prompt, a, { lm, concurrency: 16 }),
      predictSamples(prompt, b, { lm, concurrency: 16 }),
    ]);
    expect(sent).toEqual([...a, ...b].map((s) => s.text));
    expect(outA.map((o) => o.id)).toEqual(a.map((s) => s.id));
    expect(outB.map((o) => o.id)).toEqual(b.map((s) => s.id));
  });

  it("still pulls an async stream no further than twice the concurrency ahead", async () => {
    let pulled = 0;
    let answered = 0;
    let maxAhead = 0;
    const lm = new ScriptedLM(() => {
      answered++;
      return "[]";
    });
    async function* stream() {
      for (const s of toySamples("dev", 40)) {
        pulled++;
        maxAhead = Math.max(maxAhead, pulled - answered);
        yield s;
      }
    }
    let outcomes = 0;
    await predictSamples(defaultPrompt(getProgram("SF")), stream(), { lm, concurrency: 3, onOutcome: () => outcomes++ });
    expect(outcomes).toBe(40);
    expect(maxAhead).toBeLessThanOrEqual(2 * 3 + 1);
  });
});
