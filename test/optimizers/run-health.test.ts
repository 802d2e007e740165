/**
 * RunHealth with overlapping phases: every call counts under the phase of the work that
 * made it (not the phase announced last), failures are checked per phase, and status.json
 * lists phases in the order they began.
 */
import { describe, expect, it } from "vitest";
import { RunHealth } from "../../optimizers/run-health.ts";
import { LMCallError, type LM, type LMRequest, type LMResponse } from "../../src/lm/types.ts";
import { RunFailed } from "../../src/errors.ts";

/** Answers after `ms` (from the request's temperature field), or fails when the text says so. */
const lm: LM = {
  id: "test://lm",
  model: "lm",
  async complete(request: LMRequest): Promise<LMResponse> {
    await new Promise((done) => setTimeout(done, request.temperature ?? 0));
    if (request.messages[0]!.content === "fail") throw new LMCallError("down", "http", 1, 500);
    return { choices: ["ok"], usage: { prompt_tokens: 1, completion_tokens: 1 }, cached: false };
  },
};
const call = (model: LM, ms: number, content = "hi") => model.complete({ messages: [{ role: "user", content }], temperature: ms });

describe("RunHealth with overlapping phases", () => {
  it("counts each call under the phase of the work that made it, whatever else runs meanwhile", async () => {
    const health = new RunHealth();
    const wrapped = health.wrap(lm);
    // Interleaved: b's calls start while a's are in flight and the other way round.
    const a = health.within("a", async () => {
      await call(wrapped, 5);
      await Promise.all([call(wrapped, 1), call(wrapped, 8)]);
    });
    const b = health.within("b", async () => {
      await call(wrapped, 2);
      await call(wrapped, 2);
    });
    health.enter("outside");
    await Promise.all([a, b, call(wrapped, 1)]);
    expect(health.counts("a")?.calls).toBe(3);
    expect(health.counts("b")?.calls).toBe(2);
    expect(health.counts("outside")?.calls).toBe(1);
    expect(health.summary().phases.map((p) => p.phase)).toEqual(["a", "b", "outside"]);
  });

  it("checks each phase on its own failures, and marks within a phase", async () => {
    const health = new RunHealth();
    const wrapped = health.wrap(lm);
    const failing = health.within("failing", async () => {
      await Promise.allSettled([call(wrapped, 3, "fail"), call(wrapped, 1, "fail"), call(wrapped, 2)]);
    });
    const fine = health.within("fine", async () => {
      const mark = health.mark();
      await Promise.allSettled([call(wrapped, 1), call(wrapped, 2, "fail"), call(wrapped, 4)]);
      return mark;
    });
    const [, markOfFine] = await Promise.all([failing, fine]);
    expect(markOfFine.phase).toBe("fine");
    expect(() => health.check("failing")).toThrow(RunFailed);
    expect(() => health.check("failing")).toThrow(/failing: 2 of 3 LM calls failed \(http 500 ×2\)/);
    expect(() => health.check("fine", markOfFine)).not.toThrow();
    expect(health.summary().problems).toEqual(["failing: 2 of 3 LM calls failed (http 500 ×2)", "fine: 1 of 3 LM calls failed (http 500 ×1)"]);
  });

  it("lists only phases that made calls, in the order they began", async () => {
    const health = new RunHealth();
    const wrapped = health.wrap(lm);
    const late = health.within("first begun", () => call(wrapped, 6));
    await health.within("no calls", async () => {});
    await health.within("second begun", () => call(wrapped, 0));
    await late;
    expect(health.summary().phases.map((p) => p.phase)).toEqual(["first begun", "second begun"]);
  });
});
